package dev.hde.codec.dict;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.hde.codec.HdeException;
import dev.hde.codec.HdeException.Kind;
import dev.hde.codec.Limits;
import dev.hde.codec.block.BlockCodec;
import dev.hde.codec.block.CodecSpec;
import dev.hde.codec.delta.DeltaMethod;
import dev.hde.codec.region.EncodeSpec;
import dev.hde.codec.region.FrameApplier;
import dev.hde.codec.region.FrameInfo;
import dev.hde.codec.region.HeapPageStore;
import dev.hde.codec.region.PageUpdate;
import dev.hde.codec.region.PendingFrame;
import dev.hde.codec.region.RegionEncoder;
import dev.hde.codec.region.RegionMeta;
import dev.hde.codec.testing.FrameSurgery;
import dev.hde.codec.testing.PagePatterns;
import dev.hde.codec.testing.Regions;
import dev.hde.codec.wire.FrameFormat;
import dev.hde.codec.wire.FrameHeader;
import dev.hde.codec.wire.FrameType;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Frames made with a trained dictionary: they decode byte-exact where the dictionary is known, and
 * everywhere else they are refused ({@code UNKNOWN_DICTIONARY}) with the image untouched, never
 * decoded into other bytes.
 */
class DictionaryFramesTest {

    static final int PAGE = 4096;
    static final int REGION = 64;
    static TrainedDictionary dict;
    static TrainedDictionary other;
    static MapDictionaryStore store;

    @BeforeAll
    static void train() {
        DictionaryTrainer t = new DictionaryTrainer("vm", new DictionaryTrainer.Settings(16 << 10, 400, 16, 3));
        PagePatterns pp = new PagePatterns(21, PAGE);
        for (int i = 0; i < 800; i++) {
            t.offer(pp.anyPage());
        }
        dict = t.train(1, 0);
        DictionaryTrainer t2 = new DictionaryTrainer("vm", new DictionaryTrainer.Settings(16 << 10, 400, 16, 3));
        PagePatterns pp2 = new PagePatterns(22, PAGE);
        for (int i = 0; i < 800; i++) {
            t2.offer(pp2.anyPage());
        }
        other = t2.train(2, 0);
        store = new MapDictionaryStore();
        store.add(dict);
        store.add(other);
    }

    /** A region's keyframe and a few deltas, each rendered with {@code spec} and the dictionary. */
    record Chain(byte[][] frames, byte[] finalImage, int regionPages) {}

    static Chain chain(EncodeSpec spec, long seed) {
        PagePatterns pp = new PagePatterns(seed, PAGE);
        byte[] image = pp.image(REGION);
        HeapPageStore sender = new HeapPageStore();
        byte[][] frames = new byte[6][];
        PendingFrame full = RegionEncoder.full(null, 12, sender, PagePatterns.wholeRegion(image, REGION, PAGE));
        frames[0] = RegionEncoder.render(new FrameInfo("vm-1/r0001", 1, 1), full, spec, dict);
        RegionEncoder.commit(full, sender);
        RegionMeta meta = full.after();
        int pages = REGION;
        for (int i = 1; i < frames.length; i++) {
            PagePatterns.Step step = pp.step(image, pages, REGION);
            PendingFrame d = RegionEncoder.delta(meta, sender, step.update(PAGE));
            frames[i] = RegionEncoder.render(new FrameInfo("vm-1/r0001", i + 1, i + 1), d, spec, dict);
            RegionEncoder.commit(d, sender);
            meta = d.after();
            image = step.image();
            pages = step.regionPages();
        }
        return new Chain(frames, image, pages);
    }

    static List<EncodeSpec> specs() {
        return List.of(
                EncodeSpec.of(DeltaMethod.RAW, CodecSpec.zstd(3)),
                EncodeSpec.of(DeltaMethod.XOR, CodecSpec.zstd(1)),
                EncodeSpec.of(DeltaMethod.XBZRLE, CodecSpec.zstd(3)),
                EncodeSpec.of(DeltaMethod.XBZRLE, CodecSpec.zstd(19)),
                EncodeSpec.of(DeltaMethod.XBZRLE, CodecSpec.zstd(-3)),
                EncodeSpec.of(DeltaMethod.DICT, CodecSpec.zstd(9)),
                EncodeSpec.of(DeltaMethod.XBZRLE, CodecSpec.LZ4),
                EncodeSpec.of(DeltaMethod.RAW, CodecSpec.NONE));
    }

    @Test
    void framesWithTheDictionaryRoundTripWhereItIsKnown() {
        for (EncodeSpec spec : specs()) {
            for (long seed = 1; seed <= 4; seed++) {
                Chain c = chain(spec, seed);
                FrameApplier receiver = new FrameApplier(Limits.DEFAULT, store);
                HeapPageStore pages = new HeapPageStore();
                RegionMeta meta = null;
                for (byte[] frame : c.frames()) {
                    FrameHeader h = FrameFormat.parse(frame, Limits.DEFAULT, store).header();
                    boolean zstdBlock = h.codec() == BlockCodec.ZSTD;
                    boolean expectsDictionary = zstdBlock && h.method() != DeltaMethod.DICT;
                    assertThat(h.dictionaryId()).as("%s seed %d", spec, seed).isEqualTo(expectsDictionary ? dict.id() : 0);
                    meta = receiver.apply(frame, meta, pages).meta();
                }
                assertThat(Regions.mismatch(pages, c.finalImage(), c.regionPages(), PAGE)).as("%s seed %d", spec, seed).isNull();
            }
        }
    }

    @Test
    void aReaderWithoutTheDictionaryRefusesTheFrameAndKeepsItsImage() {
        Chain c = chain(EncodeSpec.of(DeltaMethod.XBZRLE, CodecSpec.zstd(3)), 9);
        MapDictionaryStore onlyOther = new MapDictionaryStore();
        onlyOther.add(other);
        for (FrameApplier reader : List.of(new FrameApplier(), new FrameApplier(Limits.DEFAULT), new FrameApplier(Limits.DEFAULT, onlyOther),
                new FrameApplier(Limits.DEFAULT, DictionaryStore.NONE))) {
            // the keyframe already needs it
            assertThat(refusal(() -> reader.apply(c.frames()[0], null, new HeapPageStore()))).isEqualTo(Kind.UNKNOWN_DICTIONARY);
            // and so does a delta on an image the reader got from a peer that has the dictionary
            FrameApplier peer = new FrameApplier(Limits.DEFAULT, store);
            HeapPageStore pages = new HeapPageStore();
            RegionMeta meta = peer.apply(c.frames()[0], null, pages).meta();
            byte[][] before = Regions.snapshot(pages, REGION);
            int withDictionary = firstDeltaWithDictionary(c);
            for (int i = 1; i < withDictionary; i++) {
                meta = reader.apply(c.frames()[i], meta, pages).meta();
            }
            before = Regions.snapshot(pages, REGION);
            RegionMeta at = meta;
            assertThat(refusal(() -> reader.apply(c.frames()[withDictionary], at, pages))).isEqualTo(Kind.UNKNOWN_DICTIONARY);
            assertThat(Regions.snapshot(pages, REGION)).isDeepEqualTo(before);
        }
        assertThat(refusal(() -> FrameFormat.parse(c.frames()[0], Limits.DEFAULT))).isEqualTo(Kind.UNKNOWN_DICTIONARY);
    }

    static int firstDeltaWithDictionary(Chain c) {
        for (int i = 1; i < c.frames().length; i++) {
            if (FrameFormat.parse(c.frames()[i], Limits.DEFAULT, store).header().dictionaryId() != 0) {
                return i;
            }
        }
        throw new AssertionError("no delta used the dictionary");
    }

    @Test
    void aWrongDictionaryUnderTheRightIdNeverGivesWrongPages() {
        Chain c = chain(EncodeSpec.of(DeltaMethod.RAW, CodecSpec.zstd(3)), 11);
        // A store that answers the frame's id with another dictionary (a forged or colliding record).
        DictionaryStore lying = id -> id == dict.id() ? other : null;
        HeapPageStore pages = new HeapPageStore();
        Kind k = refusal(() -> new FrameApplier(Limits.DEFAULT, lying).apply(c.frames()[0], null, pages));
        assertThat(k).isIn(Kind.CODEC_FAILURE, Kind.LENGTH_MISMATCH, Kind.DIGEST_MISMATCH);
        assertThat(pages.size()).isZero();
    }

    @Test
    void aDictionaryIdIsRefusedOnFramesThatTakeNone() {
        byte[] lz4 = chain(EncodeSpec.of(DeltaMethod.XBZRLE, CodecSpec.LZ4), 12).frames()[1];
        byte[] dictMethod = chain(EncodeSpec.of(DeltaMethod.DICT, CodecSpec.zstd(9)), 12).frames()[2];
        byte[] stored = chain(EncodeSpec.of(DeltaMethod.RAW, CodecSpec.NONE), 12).frames()[1];
        byte[] delete = RegionEncoder.delete(new FrameInfo("vm-1/r0001", 9, 9), new RegionMeta(12, REGION, 1, 5, 0));
        for (byte[] frame : List.of(lz4, dictMethod, stored, delete)) {
            byte[] forged = FrameSurgery.edit(frame, b -> b.dictionaryId = dict.id());
            assertThat(refusal(() -> FrameFormat.parse(forged, Limits.DEFAULT, store))).isEqualTo(Kind.UNKNOWN_DICTIONARY);
            assertThat(refusal(() -> new FrameApplier(Limits.DEFAULT, store).apply(forged, null, new HeapPageStore())))
                    .isEqualTo(Kind.UNKNOWN_DICTIONARY);
        }
        // and an unknown id on a frame that could take one
        byte[] zstd = chain(EncodeSpec.of(DeltaMethod.XBZRLE, CodecSpec.zstd(3)), 12).frames()[0];
        byte[] unknown = FrameSurgery.edit(zstd, store, b -> b.dictionaryId = 0x7FFF_FFFF);
        assertThat(refusal(() -> FrameFormat.parse(unknown, Limits.DEFAULT, store))).isEqualTo(Kind.UNKNOWN_DICTIONARY);
        // a frame made with the dictionary but claiming none does not decode to the right pages either
        byte[] claimsNone = FrameSurgery.edit(zstd, store, b -> b.dictionaryId = 0);
        assertThat(refusal(() -> new FrameApplier(Limits.DEFAULT, store).apply(claimsNone, null, new HeapPageStore())))
                .isIn(Kind.CODEC_FAILURE, Kind.LENGTH_MISMATCH, Kind.DIGEST_MISMATCH);
    }

    @Test
    void everyBitFlipAndTruncationOfADictionaryFrameIsRefused() {
        Chain c = chain(EncodeSpec.of(DeltaMethod.XBZRLE, CodecSpec.zstd(3)), 13);
        int i = firstDeltaWithDictionary(c);
        FrameApplier receiver = new FrameApplier(Limits.DEFAULT, store);
        HeapPageStore pages = new HeapPageStore();
        RegionMeta meta = null;
        for (int k = 0; k < i; k++) {
            meta = receiver.apply(c.frames()[k], meta, pages).meta();
        }
        byte[] good = c.frames()[i];
        byte[][] before = Regions.snapshot(pages, REGION);
        RegionMeta at = meta;
        for (int bit = 0; bit < good.length * 8; bit++) {
            byte[] bad = good.clone();
            bad[bit >> 3] ^= (byte) (1 << (bit & 7));
            assertThat(refusal(() -> receiver.apply(bad, at, pages))).as("bit %d", bit).isIn(Kind.CHECKSUM_MISMATCH, Kind.BAD_MAGIC);
        }
        for (int n = 0; n < good.length; n++) {
            byte[] cut = Arrays.copyOf(good, n);
            assertThat(refusal(() -> receiver.apply(cut, at, pages))).as("first %d bytes", n)
                    .isIn(Kind.TRUNCATED, Kind.CHECKSUM_MISMATCH, Kind.BAD_MAGIC);
        }
        assertThat(Regions.snapshot(pages, REGION)).isDeepEqualTo(before);
        assertThat(receiver.apply(good, at, pages).header().dictionaryId()).isEqualTo(dict.id());
    }

    static Kind refusal(org.assertj.core.api.ThrowableAssert.ThrowingCallable call) {
        Throwable t = catchThrowable(call);
        assertThat(t).as("refused").isInstanceOf(HdeException.class);
        return ((HdeException) t).kind();
    }

    @Test
    void keyframesOfRandomPagesAreStoredAndNeedNoDictionary() {
        PagePatterns pp = new PagePatterns(30, PAGE);
        byte[] image = new byte[8 * PAGE];
        for (int i = 0; i < 8; i++) {
            System.arraycopy(pp.randomPage(), 0, image, i * PAGE, PAGE);
        }
        PendingFrame full = RegionEncoder.full(null, 12, new HeapPageStore(), PagePatterns.wholeRegion(image, 8, PAGE));
        byte[] frame = RegionEncoder.render(new FrameInfo("vm-1/r0002", 1, 1), full, EncodeSpec.of(DeltaMethod.RAW, CodecSpec.zstd(3)), dict);
        FrameHeader h = FrameFormat.parse(frame, Limits.DEFAULT).header();
        assertThat(h.codec()).isEqualTo(BlockCodec.NONE);
        assertThat(h.dictionaryId()).isZero();
        assertThat(FrameType.FULL).isEqualTo(h.type());
        new FrameApplier().apply(frame, null, new HeapPageStore());
        assertThat(RegionEncoder.usesTrainedDictionary(DeltaMethod.DICT, CodecSpec.zstd(9), dict)).isFalse();
        assertThat(RegionEncoder.usesTrainedDictionary(DeltaMethod.XOR, CodecSpec.zstd(9), null)).isFalse();
        assertThat(RegionEncoder.usesTrainedDictionary(DeltaMethod.XOR, CodecSpec.zstd(9), dict)).isTrue();
    }
}
