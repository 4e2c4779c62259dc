package dev.hde.codec.dict;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.hde.codec.HdeException;
import dev.hde.codec.HdeException.Kind;
import dev.hde.codec.testing.PagePatterns;
import dev.hde.codec.wire.WireWriter;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.Consumer;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The "HDED" dictionary record: round trips, the documented layout, and every corruption refused. */
class DictionaryFormatTest {

    static TrainedDictionary trained;
    static TrainedDictionary raw;

    @BeforeAll
    static void train() {
        trained = trainer("web", 7, 400).train(3, 1_700_000_000_000L);
        raw = TrainedDictionary.of("web", 4, TrainedDictionary.Type.RAW_CONTENT, 5, new PagePatterns(1, 4096).textPage());
    }

    static DictionaryTrainer trainer(String cls, long seed, int pages) {
        DictionaryTrainer t = new DictionaryTrainer(cls, new DictionaryTrainer.Settings(16 << 10, 512, 16, 3));
        PagePatterns pp = new PagePatterns(seed, 4096);
        for (int i = 0; i < pages; i++) {
            t.offer(pp.anyPage());
        }
        return t;
    }

    static Kind refusal(byte[] bytes) {
        Throwable t = catchThrowable(() -> DictionaryFormat.read(bytes));
        assertThat(t).as("refused").isInstanceOf(HdeException.class);
        return ((HdeException) t).kind();
    }

    @Test
    void roundTrips() {
        assertThat(trained.type()).isEqualTo(TrainedDictionary.Type.ZSTD);
        for (TrainedDictionary d : new TrainedDictionary[] {trained, raw}) {
            byte[] record = DictionaryFormat.write(d);
            TrainedDictionary back = DictionaryFormat.read(record);
            assertThat(back.sameAs(d)).isTrue();
            assertThat(back.id()).isEqualTo(d.id()).isPositive();
            assertThat(back.createdMillis()).isEqualTo(d.createdMillis());
            assertThat(DictionaryFormat.write(back)).isEqualTo(record);
        }
    }

    @Test
    void theLayoutIsTheDocumentedOne() {
        TrainedDictionary d = TrainedDictionary.of("db", 2, TrainedDictionary.Type.RAW_CONTENT, 300, new byte[] {9, 8, 7});
        byte[] b = DictionaryFormat.write(d);
        WireWriter w = new WireWriter(32);
        w.u32(0x44454448).u8(1).u8(2).u8(0).u32(d.id()).varint64(2).varint64(300).varint(2).varint(3).bytes("db".getBytes(StandardCharsets.UTF_8))
                .bytes(new byte[] {9, 8, 7});
        assertThat(Arrays.copyOf(b, b.length - 4)).isEqualTo(w.toByteArray());
        assertThat(new String(b, 0, 4, StandardCharsets.US_ASCII)).isEqualTo("HDED");
        assertThat(d.id()).isEqualTo(TrainedDictionary.deriveId("db", 2, TrainedDictionary.Type.RAW_CONTENT, new byte[] {9, 8, 7}));
    }

    @Test
    void idsNameTheContent() {
        byte[] content = new PagePatterns(3, 4096).heapPage();
        TrainedDictionary a = TrainedDictionary.of("db", 1, TrainedDictionary.Type.RAW_CONTENT, 0, content);
        TrainedDictionary sameAgain = TrainedDictionary.of("db", 1, TrainedDictionary.Type.RAW_CONTENT, 99, content);
        assertThat(sameAgain.id()).isEqualTo(a.id());
        byte[] other = content.clone();
        other[100] ^= 1;
        assertThat(TrainedDictionary.of("db", 1, TrainedDictionary.Type.RAW_CONTENT, 0, other).id()).isNotEqualTo(a.id());
        assertThat(TrainedDictionary.of("db", 2, TrainedDictionary.Type.RAW_CONTENT, 0, content).id()).isNotEqualTo(a.id());
        assertThat(TrainedDictionary.of("web", 1, TrainedDictionary.Type.RAW_CONTENT, 0, content).id()).isNotEqualTo(a.id());
        assertThatThrownBy(() -> TrainedDictionary.of("db", 1, TrainedDictionary.Type.ZSTD, 0, content)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TrainedDictionary.of("", 1, TrainedDictionary.Type.RAW_CONTENT, 0, content)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TrainedDictionary.of("db", 0, TrainedDictionary.Type.RAW_CONTENT, 0, content)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TrainedDictionary.of("db", 1, TrainedDictionary.Type.RAW_CONTENT, 0, new byte[0])).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void everyBitFlipAndTruncationIsRefused() {
        byte[] good = DictionaryFormat.write(raw);
        for (int i = 0; i < good.length * 8; i++) {
            byte[] bad = good.clone();
            bad[i >> 3] ^= (byte) (1 << (i & 7));
            assertThat(refusal(bad)).as("bit %d", i).isIn(Kind.CHECKSUM_MISMATCH, Kind.BAD_MAGIC);
        }
        for (int n = 0; n < good.length; n++) {
            assertThat(refusal(Arrays.copyOf(good, n))).as("first %d bytes", n).isIn(Kind.TRUNCATED, Kind.CHECKSUM_MISMATCH, Kind.BAD_MAGIC);
        }
        // the trained one: a sample of bit flips over its 16 KiB
        byte[] big = DictionaryFormat.write(trained);
        for (int i = 0; i < big.length * 8; i += 97) {
            byte[] bad = big.clone();
            bad[i >> 3] ^= (byte) (1 << (i & 7));
            assertThat(refusal(bad)).as("bit %d", i).isIn(Kind.CHECKSUM_MISMATCH, Kind.BAD_MAGIC);
        }
    }

    static byte[] sealed(Consumer<WireWriter> body) {
        WireWriter w = new WireWriter(64);
        w.u32(DictionaryFormat.MAGIC);
        body.accept(w);
        CRC32C crc = new CRC32C();
        crc.update(w.buffer(), 0, w.position());
        w.u32(crc.getValue());
        return w.toByteArray();
    }

    static final byte[] CONTENT = {1, 2, 3, 4};

    static void record(WireWriter w, int version, int type, int flags, long id, long generation, byte[] cls, int contentLength, byte[] content) {
        w.u8(version).u8(type).u8(flags).u32(id).varint64(generation).varint64(0).varint(cls.length).varint(contentLength).bytes(cls).bytes(content);
    }

    static long idOf(String cls, long generation, byte[] content) {
        return TrainedDictionary.deriveId(cls, generation, TrainedDictionary.Type.RAW_CONTENT, content);
    }

    @Test
    void craftedRecordsWithAValidCrcAreRefused() {
        byte[] db = "db".getBytes(StandardCharsets.UTF_8);
        long id = idOf("db", 1, CONTENT);
        assertThat(DictionaryFormat.read(sealed(w -> record(w, 1, 2, 0, id, 1, db, 4, CONTENT))).id()).isEqualTo(id);

        assertThat(refusal(sealed(w -> record(w, 2, 2, 0, id, 1, db, 4, CONTENT)))).isEqualTo(Kind.UNSUPPORTED_VERSION);
        assertThat(refusal(sealed(w -> record(w, 1, 3, 0, id, 1, db, 4, CONTENT)))).as("type").isEqualTo(Kind.UNKNOWN_DICTIONARY);
        assertThat(refusal(sealed(w -> record(w, 1, 2, 1, id, 1, db, 4, CONTENT)))).as("flags").isEqualTo(Kind.UNSUPPORTED_VERSION);
        assertThat(refusal(sealed(w -> record(w, 1, 2, 0, 0, 1, db, 4, CONTENT)))).as("id 0").isEqualTo(Kind.UNKNOWN_DICTIONARY);
        assertThat(refusal(sealed(w -> record(w, 1, 2, 0, 1L << 31, 1, db, 4, CONTENT)))).as("id 2^31").isEqualTo(Kind.UNKNOWN_DICTIONARY);
        assertThat(refusal(sealed(w -> record(w, 1, 2, 0, id ^ 1, 1, db, 4, CONTENT)))).as("id of other bytes").isEqualTo(Kind.CHECKSUM_MISMATCH);
        assertThat(refusal(sealed(w -> record(w, 1, 2, 0, id, 2, db, 4, CONTENT)))).as("generation changed").isEqualTo(Kind.CHECKSUM_MISMATCH);
        assertThat(refusal(sealed(w -> record(w, 1, 2, 0, id, 0, db, 4, CONTENT)))).as("generation 0").isEqualTo(Kind.LENGTH_MISMATCH);
        assertThat(refusal(sealed(w -> record(w, 1, 1, 0, TrainedDictionary.deriveId("db", 1, TrainedDictionary.Type.ZSTD, new byte[8]), 1, db, 8,
                new byte[8])))).as("zstd type without the zstd magic").isEqualTo(Kind.UNKNOWN_DICTIONARY);
        assertThat(refusal(sealed(w -> record(w, 1, 2, 0, id, 1, new byte[0], 4, CONTENT)))).as("empty class").isEqualTo(Kind.BAD_KEY);
        assertThat(refusal(sealed(w -> record(w, 1, 2, 0, id, 1, new byte[256], 4, CONTENT)))).as("class too long").isEqualTo(Kind.BAD_KEY);
        assertThat(refusal(sealed(w -> record(w, 1, 2, 0, id, 1, new byte[] {(byte) 0xC3}, 4, CONTENT)))).as("bad UTF-8").isEqualTo(Kind.BAD_KEY);
        // a length over the limit is refused before anything is allocated for it
        assertThat(refusal(sealed(w -> record(w, 1, 2, 0, id, 1, db, Integer.MAX_VALUE, CONTENT)))).isEqualTo(Kind.LIMIT_EXCEEDED);
        assertThat(refusal(sealed(w -> record(w, 1, 2, 0, id, 1, db, 0, new byte[0])))).isEqualTo(Kind.LIMIT_EXCEEDED);
        assertThat(refusal(sealed(w -> record(w, 1, 2, 0, id, 1, db, 5, CONTENT)))).isEqualTo(Kind.TRUNCATED);
        assertThat(refusal(sealed(w -> record(w, 1, 2, 0, id, 1, db, 3, CONTENT)))).isEqualTo(Kind.TRAILING_BYTES);
        Throwable t = catchThrowable(() -> DictionaryFormat.read(DictionaryFormat.write(trained), 1000));
        assertThat(((HdeException) t).kind()).isEqualTo(Kind.LIMIT_EXCEEDED);
    }

    @Test
    void theStoreKeepsOneDictionaryPerIdAndTheNewestPerClass() {
        MapDictionaryStore store = new MapDictionaryStore();
        assertThat(store.add(raw)).isTrue();
        assertThat(store.add(DictionaryFormat.read(DictionaryFormat.write(raw)))).as("the same again").isFalse();
        assertThat(store.addRecord(DictionaryFormat.write(trained)).id()).isEqualTo(trained.id());
        assertThat(store.byId(raw.id())).isSameAs(raw);
        assertThat(store.byId(12345)).isNull();
        assertThat(store.latest("web")).as("generation 4 over 3").isSameAs(raw);
        assertThat(store.latest("db")).isNull();
        assertThat(store.size()).isEqualTo(2);
        // another dictionary under a held id (only a forged record or a 2^-31 collision can make one) is refused
        TrainedDictionary forged = TrainedDictionary.trusted(raw.id(), "web", 4, TrainedDictionary.Type.RAW_CONTENT, 0, new byte[] {1});
        Throwable t = catchThrowable(() -> store.add(forged));
        assertThat(((HdeException) t).kind()).isEqualTo(Kind.CHECKSUM_MISMATCH);
        assertThat(store.byId(raw.id())).isSameAs(raw);
        assertThat(DictionaryStore.NONE.byId(raw.id())).isNull();
        assertThat(DictionaryStore.NONE.latest("web")).isNull();
    }
}
