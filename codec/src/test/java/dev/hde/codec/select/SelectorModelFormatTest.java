package dev.hde.codec.select;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.hde.codec.HdeException;
import dev.hde.codec.HdeException.Kind;
import dev.hde.codec.wire.WireWriter;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;

/** The "HDES" format: round trips, one encoding per model, and every corruption refused with a typed error. */
class SelectorModelFormatTest {

    static SelectorModel sample() {
        return SelectorModelTest.build(7, SelectorModelTest.observations(77, 60));
    }

    static Kind refusal(byte[] bytes) {
        Throwable t = catchThrowable(() -> SelectorModelFormat.read(bytes));
        assertThat(t).as("refused").isInstanceOf(HdeException.class);
        return ((HdeException) t).kind();
    }

    @Test
    void roundTripsAndHasOneEncoding() {
        for (long seed = 0; seed < 20; seed++) {
            SelectorModel m = SelectorModelTest.build(seed, SelectorModelTest.observations(seed, (int) (seed * 13)));
            byte[] bytes = SelectorModelFormat.write(m);
            SelectorModel back = SelectorModelFormat.read(bytes);
            assertThat(back).isEqualTo(m);
            assertThat(SelectorModelFormat.write(back)).isEqualTo(bytes);
        }
        assertThat(SelectorModelFormat.read(SelectorModelFormat.write(SelectorModel.EMPTY))).isEqualTo(SelectorModel.EMPTY);
    }

    @Test
    void theLayoutIsTheDocumentedOne() {
        EncodeChoice c = EncodeChoice.parse("xbzrle+zstd-3+tdict");
        SelectorModel m = new SelectorModel.Builder(2).add(new Observation(4, c, Aggregate.encoded(300, 200, 100, 5, 6), 1)).build();
        byte[] b = SelectorModelFormat.write(m);
        byte[] expectedBody = {
            'H', 'D', 'E', 'S', 2, 1, 0, // magic, version, kind scheme, flags
            2, 1, 1, // generation, asOf, cell count
            4, 2, 2, 3, 1, // kind, method XBZRLE, codec ZSTD, level 3, flags: trained dictionary
            1, (byte) 0xAC, 0x02, (byte) 0xC8, 0x01, 100, 5, 6, 0, 0, 0, 0, // count, in 300, out 200, expected out, enc, expected enc,
                                                                             // decode count/bytes/nanos/expected nanos
        };
        assertThat(Arrays.copyOf(b, b.length - 4)).isEqualTo(expectedBody);
        CRC32C crc = new CRC32C();
        crc.update(b, 0, b.length - 4);
        long stored = (b[b.length - 4] & 0xFFL) | (b[b.length - 3] & 0xFFL) << 8 | (b[b.length - 2] & 0xFFL) << 16 | (b[b.length - 1] & 0xFFL) << 24;
        assertThat(stored).isEqualTo(crc.getValue());
    }

    @Test
    void everyBitFlipIsRefused() {
        byte[] good = SelectorModelFormat.write(sample());
        for (int i = 0; i < good.length * 8; i++) {
            byte[] bad = good.clone();
            bad[i >> 3] ^= (byte) (1 << (i & 7));
            assertThat(refusal(bad)).as("bit %d", i).isIn(Kind.CHECKSUM_MISMATCH, Kind.BAD_MAGIC);
        }
    }

    @Test
    void everyTruncationAndExtensionIsRefused() {
        byte[] good = SelectorModelFormat.write(sample());
        for (int n = 0; n < good.length; n++) {
            assertThat(refusal(Arrays.copyOf(good, n))).as("first %d bytes", n).isIn(Kind.TRUNCATED, Kind.CHECKSUM_MISMATCH, Kind.BAD_MAGIC);
        }
        assertThat(refusal(Arrays.copyOf(good, good.length + 1))).isEqualTo(Kind.CHECKSUM_MISMATCH);
    }

    /** A model with a correct CRC around whatever {@code body} writes after the magic. */
    static byte[] sealed(Consumer<WireWriter> body) {
        WireWriter w = new WireWriter(64);
        w.u32(SelectorModelFormat.MAGIC);
        body.accept(w);
        CRC32C crc = new CRC32C();
        crc.update(w.buffer(), 0, w.position());
        w.u32(crc.getValue());
        return w.toByteArray();
    }

    static void header(WireWriter w, int cells) {
        w.u8(2).u8(1).u8(0).varint64(1).varint64(0).varint(cells);
    }

    static void cell(WireWriter w, int kind, int method, int codec, int level, int flags, long... sums) {
        w.u8(kind).u8(method).u8(codec).u8(level).u8(flags);
        for (long s : sums) {
            w.varint64(s);
        }
    }

    static final long[] OK_SUMS = {1, 100, 50, 45, 20, 9, 0, 0, 0, 0};

    @Test
    void craftedModelsWithAValidCrcAreRefused() {
        assertThat(refusal(sealed(w -> w.u8(3).u8(1).u8(0).varint64(1).varint64(0).varint(0)))).isEqualTo(Kind.UNSUPPORTED_VERSION);
        assertThat(refusal(sealed(w -> w.u8(1).u8(1).u8(0).varint64(1).varint64(0).varint(0)))).as("version 1").isEqualTo(Kind.UNSUPPORTED_VERSION);
        assertThat(refusal(sealed(w -> w.u8(2).u8(2).u8(0).varint64(1).varint64(0).varint(0)))).as("kind scheme").isEqualTo(Kind.UNSUPPORTED_VERSION);
        assertThat(refusal(sealed(w -> w.u8(2).u8(1).u8(4).varint64(1).varint64(0).varint(0)))).as("flags").isEqualTo(Kind.UNSUPPORTED_VERSION);
        // cell count over the limit, and more cells than bytes: refused before any allocation
        assertThat(refusal(sealed(w -> header(w, 1_000_000)))).isEqualTo(Kind.LIMIT_EXCEEDED);
        assertThat(refusal(sealed(w -> header(w, 4000)))).isEqualTo(Kind.TRUNCATED);
        // cells
        assertThat(refusal(sealed(w -> { header(w, 1); cell(w, 9, 2, 2, 3, 0, OK_SUMS); }))).as("kind").isEqualTo(Kind.LENGTH_MISMATCH);
        assertThat(refusal(sealed(w -> { header(w, 1); cell(w, 0, 7, 2, 3, 0, OK_SUMS); }))).as("method").isEqualTo(Kind.UNKNOWN_METHOD);
        assertThat(refusal(sealed(w -> { header(w, 1); cell(w, 0, 2, 9, 3, 0, OK_SUMS); }))).as("codec").isEqualTo(Kind.UNKNOWN_CODEC);
        assertThat(refusal(sealed(w -> { header(w, 1); cell(w, 0, 2, 2, 0, 0, OK_SUMS); }))).as("zstd level 0").isEqualTo(Kind.UNKNOWN_CODEC);
        assertThat(refusal(sealed(w -> { header(w, 1); cell(w, 0, 2, 0, 1, 0, OK_SUMS); }))).as("none with a level").isEqualTo(Kind.UNKNOWN_CODEC);
        assertThat(refusal(sealed(w -> { header(w, 1); cell(w, 0, 3, 1, 0, 0, OK_SUMS); }))).as("dict + lz4").isEqualTo(Kind.UNKNOWN_CODEC);
        assertThat(refusal(sealed(w -> { header(w, 1); cell(w, 0, 2, 1, 0, 1, OK_SUMS); }))).as("tdict + lz4").isEqualTo(Kind.UNKNOWN_CODEC);
        assertThat(refusal(sealed(w -> { header(w, 1); cell(w, 0, 2, 2, 3, 2, OK_SUMS); }))).as("cell flags").isEqualTo(Kind.UNSUPPORTED_VERSION);
        assertThat(refusal(sealed(w -> {
            header(w, 1);
            cell(w, 0, 2, 2, 3, 0, 1, 100);
            w.bytes(new byte[] {(byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80,
                (byte) 0x80, 0x01}); // bytes out: 2^63
            for (long v : new long[] {20, 9, 0, 0, 0, 0, 0}) {
                w.varint64(v);
            }
        }))).as("a sum above 2^63-1").isIn(Kind.LENGTH_MISMATCH, Kind.LIMIT_EXCEEDED);
        assertThat(refusal(sealed(w -> { header(w, 1); cell(w, 0, 2, 2, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0); })))
                .as("empty cell").isEqualTo(Kind.LENGTH_MISMATCH);
        assertThat(refusal(sealed(w -> {
            header(w, 2);
            cell(w, 1, 2, 2, 3, 0, OK_SUMS);
            cell(w, 0, 2, 2, 3, 0, OK_SUMS);
        }))).as("out of order").isEqualTo(Kind.LENGTH_MISMATCH);
        assertThat(refusal(sealed(w -> {
            header(w, 2);
            cell(w, 1, 2, 2, 3, 0, OK_SUMS);
            cell(w, 1, 2, 2, 3, 0, OK_SUMS);
        }))).as("repeated").isEqualTo(Kind.LENGTH_MISMATCH);
        assertThat(refusal(sealed(w -> { header(w, 1); cell(w, 0, 2, 2, 3, 0, OK_SUMS); w.u8(0); }))).isEqualTo(Kind.TRAILING_BYTES);
        assertThat(refusal(sealed(w -> { header(w, 1); w.u8(0).u8(2).u8(2).u8(3).u8(0).varint64(1); }))).isEqualTo(Kind.TRUNCATED);
        // and a well-formed crafted model is read
        SelectorModel m = SelectorModelFormat.read(sealed(w -> { header(w, 1); cell(w, 0, 2, 2, 3, 0, OK_SUMS); }));
        assertThat(m.aggregate(0, EncodeChoice.parse("xbzrle+zstd-3"))).isEqualTo(new Aggregate(1, 100, 50, 45, 20, 9, 0, 0, 0, 0));
    }

    @Test
    void aLowerLimitIsHonoured() {
        byte[] bytes = SelectorModelFormat.write(sample());
        int cells = sample().cells().size();
        assertThat(SelectorModelFormat.read(bytes, cells).cells()).hasSize(cells);
        Throwable t = catchThrowable(() -> SelectorModelFormat.read(bytes, cells - 1));
        assertThat(((HdeException) t).kind()).isEqualTo(Kind.LIMIT_EXCEEDED);
        assertThat(refusal(new byte[] {1, 2, 3})).isEqualTo(Kind.TRUNCATED);
        assertThat(refusal("HDEFxxxxxxxxxxxxxx".getBytes())).isEqualTo(Kind.BAD_MAGIC);
        assertThat(List.of(SelectorModelFormat.MAGIC)).containsExactly(0x53454448);
    }
}
