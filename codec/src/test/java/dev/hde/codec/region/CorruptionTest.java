package dev.hde.codec.region;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.hde.codec.HdeException;
import dev.hde.codec.HdeException.Kind;
import dev.hde.codec.Limits;
import dev.hde.codec.block.BlockCodec;
import dev.hde.codec.block.BlockCodecs;
import dev.hde.codec.block.CodecSpec;
import dev.hde.codec.delta.DeltaMethod;
import dev.hde.codec.testing.FrameSurgery;
import dev.hde.codec.testing.PagePatterns;
import dev.hde.codec.testing.Regions;
import dev.hde.codec.wire.FrameFormat;
import dev.hde.codec.wire.FrameHeader;
import dev.hde.codec.wire.FrameType;
import dev.hde.codec.wire.PageUpdateEvent;
import dev.hde.codec.wire.PageUpdateEventFormat;
import dev.hde.codec.wire.WireWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A receiver given a damaged or lying frame either refuses it with a typed {@link HdeException}
 * and leaves its image exactly as it was, or (for a lie that only touches informational fields,
 * behind a recomputed CRC) ends with exactly the image the genuine frame gives. Never any other
 * exception, never wrong pages.
 *
 * <p>Frames are kept small (512-byte pages, about twenty pages) so that every bit of every frame
 * can be flipped.
 */
class CorruptionTest {

    static final int SHIFT = 9;
    static final int PAGE = 1 << SHIFT;
    static final String KEY = "vm-9/r0003";
    static final FrameApplier APPLIER = new FrameApplier();

    /** One frame of a chain, with the receiver's state before it and the image after it. */
    record Case(String name, byte[] frame, RegionMeta before, byte[][] beforePages, RegionMeta after, byte[] afterImage, int afterPages) {

        HeapPageStore storeBefore() {
            HeapPageStore s = new HeapPageStore();
            for (int i = 0; i < beforePages.length; i++) {
                if (beforePages[i] != null) {
                    s.put(i, beforePages[i].clone());
                }
            }
            return s;
        }

        @Override
        public String toString() {
            return name;
        }
    }

    /** A store that counts every change, so "refused" can be checked as "not touched at all". */
    static final class Guarded implements PageStore {
        final HeapPageStore inner;
        int changes;

        Guarded(HeapPageStore inner) {
            this.inner = inner;
        }

        @Override
        public byte[] get(int index) {
            return inner.get(index);
        }

        @Override
        public void put(int index, byte[] page) {
            changes++;
            inner.put(index, page);
        }

        @Override
        public void remove(int index) {
            changes++;
            inner.remove(index);
        }

        @Override
        public void clear() {
            changes++;
            inner.clear();
        }

        @Override
        public void forEach(PageVisitor visitor) {
            inner.forEach(visitor);
        }
    }

    static final List<EncodeSpec> SPECS = List.of(
            EncodeSpec.of(DeltaMethod.RAW, CodecSpec.NONE),
            EncodeSpec.of(DeltaMethod.XOR, CodecSpec.NONE),
            EncodeSpec.of(DeltaMethod.XBZRLE, CodecSpec.NONE),
            EncodeSpec.of(DeltaMethod.RAW, CodecSpec.zstd(3)),
            EncodeSpec.of(DeltaMethod.XOR, CodecSpec.lz4(0)),
            EncodeSpec.of(DeltaMethod.XOR, CodecSpec.lz4(9)),
            EncodeSpec.of(DeltaMethod.XOR, CodecSpec.zstd(1)),
            EncodeSpec.of(DeltaMethod.XBZRLE, CodecSpec.lz4(0)),
            EncodeSpec.of(DeltaMethod.XBZRLE, CodecSpec.zstd(-5)),
            EncodeSpec.of(DeltaMethod.DICT, CodecSpec.zstd(3)),
            EncodeSpec.of(DeltaMethod.DICT, CodecSpec.zstd(-5)),
            EncodeSpec.of(DeltaMethod.DICT, CodecSpec.lzma(0)),
            EncodeSpec.of(DeltaMethod.SPLIT, CodecSpec.NONE),
            EncodeSpec.of(DeltaMethod.SPLIT, CodecSpec.zstd(3)),
            EncodeSpec.of(DeltaMethod.SPLIT, CodecSpec.lzma(1)));

    /**
     * FULL 1.0 (zero pages, bitmap), 1.1 (two edited pages, gap list), 1.2 (grows, edits, a shift,
     * every other byte, a new page, a zeroed page, a false dirty; bitmap), 1.3 (shrinks; gap
     * list), FULL 2.0 (refresh), 2.1, DELETE.
     */
    static List<Case> chain(EncodeSpec spec) {
        PagePatterns g = new PagePatterns(0xC0FFEE, PAGE);
        int pages = 20;
        byte[] img = new byte[pages * PAGE];
        g.rewritePage(img, 0, g.textPage());
        g.rewritePage(img, 1, g.heapPage());
        g.rewritePage(img, 2, g.codePage());
        g.rewritePage(img, 4, g.randomPage());
        g.rewritePage(img, 5, g.sparsePage());
        g.rewritePage(img, 6, g.heapPage());
        g.rewritePage(img, 12, g.textPage());
        g.rewritePage(img, 19, g.sparsePage());

        List<Case> cases = new ArrayList<>();
        HeapPageStore ref = new HeapPageStore();
        HeapPageStore recv = new HeapPageStore();
        RegionMeta[] metas = new RegionMeta[1];
        long[] seq = {100};

        class Step {
            byte[] image;
            int regionPages;

            void send(String name, PendingFrame f, byte[] newImage, int newPages) {
                byte[] frame = RegionEncoder.render(new FrameInfo(KEY, ++seq[0], 1_700_000_000_000L + seq[0]), f, spec);
                emit(name, frame, f.after(), newImage, newPages);
                RegionEncoder.commit(f, ref);
                image = newImage;
                regionPages = newPages;
            }

            void emit(String name, byte[] frame, RegionMeta after, byte[] newImage, int newPages) {
                RegionMeta before = metas[0];
                byte[][] snap = Regions.snapshot(recv, Math.max(newPages, before == null ? 0 : before.regionPages()));
                RegionMeta got = APPLIER.apply(frame, before, recv).meta();
                assertThat(got).as(name).isEqualTo(after);
                if (after != null) {
                    assertThat(Regions.mismatch(recv, newImage, newPages, PAGE)).as(name).isNull();
                }
                metas[0] = got;
                cases.add(new Case(spec + " " + name, frame, before, snap, after, newImage, newPages));
            }
        }
        Step s = new Step();

        s.send("FULL 1.0", RegionEncoder.full(null, SHIFT, ref, PagePatterns.wholeRegion(img, pages, PAGE)), img, pages);

        byte[] i1 = s.image.clone();
        g.sparseEdits(i1, 1, 3);
        g.sparseEdits(i1, 6, 3);
        s.send("DELTA 1.1", RegionEncoder.delta(metas[0], ref, PagePatterns.update(i1, pages, PAGE, new int[] {1, 6})), i1, pages);

        int grown = 23;
        byte[] i2 = Arrays.copyOf(s.image, grown * PAGE);
        g.shiftWithinPage(i2, 0);
        g.everyOtherByte(i2, 2);
        g.rewritePage(i2, 3, g.heapPage());
        g.zeroPage(i2, 4);
        g.sparseEdits(i2, 5, 2);
        g.rewritePage(i2, 21, g.textPage());
        s.send("DELTA 1.2", RegionEncoder.delta(metas[0], ref, PagePatterns.update(i2, grown, PAGE, new int[] {0, 2, 3, 4, 5, 7, 21, 22})), i2, grown);

        int shrunk = 13;
        byte[] i3 = Arrays.copyOf(s.image, shrunk * PAGE);
        g.sparseEdits(i3, 12, 4);
        s.send("DELTA 1.3", RegionEncoder.delta(metas[0], ref, PagePatterns.update(i3, shrunk, PAGE, new int[] {12})), i3, shrunk);

        s.send("FULL 2.0", RegionEncoder.full(metas[0], SHIFT, ref, PagePatterns.update(s.image, shrunk, PAGE, new int[0])), s.image, shrunk);

        byte[] i5 = s.image.clone();
        g.sparseEdits(i5, 1, 2);
        s.send("DELTA 2.1", RegionEncoder.delta(metas[0], ref, PagePatterns.update(i5, shrunk, PAGE, new int[] {1})), i5, shrunk);

        s.emit("DELETE", RegionEncoder.delete(new FrameInfo(KEY, ++seq[0], 0), metas[0]), null, new byte[0], 0);
        return cases;
    }

    /** Every frame of every chain, without duplicates (FULL frames with codec none are alike across methods). */
    static Stream<Case> cases() {
        Set<String> seen = new HashSet<>();
        return SPECS.stream().flatMap(spec -> chain(spec).stream()).filter(c -> seen.add(FrameSurgery.hex(c.frame())));
    }

    static Case caseOf(EncodeSpec spec, String name) {
        return chain(spec).stream().filter(c -> c.name().endsWith(" " + name)).findFirst().orElseThrow();
    }

    static final EncodeSpec XOR_NONE = EncodeSpec.of(DeltaMethod.XOR, CodecSpec.NONE);
    static final EncodeSpec XBZRLE_NONE = EncodeSpec.of(DeltaMethod.XBZRLE, CodecSpec.NONE);

    // ------------------------------------------------------------------ helpers

    /** Applies a bad frame on the case's starting state: it must be refused, with the store untouched. */
    static Kind refused(String what, byte[] frame, Case c) {
        return refused(what, frame, c.before(), c, APPLIER);
    }

    static Kind refused(String what, byte[] frame, RegionMeta meta, Case c, FrameApplier applier) {
        Guarded store = new Guarded(c.storeBefore());
        Throwable t = catchThrowable(() -> applier.apply(frame, meta, store));
        if (!(t instanceof HdeException)) {
            throw new AssertionError(c + ": " + what + ": expected an HdeException, got "
                    + (t == null ? "the frame accepted" : t.toString()), t);
        }
        assertThat(store.changes).as("%s: %s: a refused frame must not touch the store (%s)", c, what, t.getMessage()).isZero();
        assertThat(Regions.snapshot(store, c.beforePages().length)).as("%s: %s: store unchanged", c, what).isDeepEqualTo(c.beforePages());
        return ((HdeException) t).kind();
    }

    static void assertKind(Kind expected, String what, byte[] frame, Case c) {
        assertThat(refused(what, frame, c)).as("%s: %s", c, what).isEqualTo(expected);
    }

    // ------------------------------------------------------------------ every bit, every length

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void everySingleBitFlipIsRefusedAndLeavesTheImage(Case c) {
        byte[] f = c.frame();
        for (int bit = 0; bit < f.length * 8; bit++) {
            byte[] bad = f.clone();
            bad[bit >>> 3] ^= (byte) (1 << (bit & 7));
            refused("bit " + bit + " flipped", bad, c);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void everyTruncationIsRefusedAndLeavesTheImage(Case c) {
        byte[] f = c.frame();
        for (int len = 0; len < f.length; len++) {
            refused("cut to " + len + " bytes", Arrays.copyOf(f, len), c);
        }
        // ... and every cut body sealed with a fresh CRC
        for (int len = 0; len < f.length - 4; len++) {
            refused("body cut to " + len + " bytes, CRC recomputed", FrameSurgery.seal(Arrays.copyOf(f, len)), c);
        }
        refused("one byte too many", Arrays.copyOf(f, f.length + 1), c);
    }

    /**
     * Every single-bit flip behind a recomputed CRC: the receiver's own checks (lengths, chain,
     * codec, digest) must refuse it, or, when the flip only touched a field that does not change
     * the pages (sequence, time, level, key, a zero page's presence past the region), the result
     * must be exactly the genuine frame's image.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void everyBitFlipBehindAValidCrcIsRefusedOrHarmless(Case c) {
        byte[] f = c.frame();
        int accepted = 0;
        for (int bit = 0; bit < (f.length - 4) * 8; bit++) {
            byte[] bad = f.clone();
            bad[bit >>> 3] ^= (byte) (1 << (bit & 7));
            bad = FrameSurgery.withCrc(bad);
            Guarded store = new Guarded(c.storeBefore());
            FrameApplier.Applied a;
            try {
                a = APPLIER.apply(bad, c.before(), store);
            } catch (HdeException e) {
                assertThat(store.changes).as("%s bit %d: refused (%s) but the store was touched", c, bit, e.getMessage()).isZero();
                continue;
            } catch (Throwable t) {
                throw new AssertionError(c + " bit " + bit + ": expected an HdeException or a harmless frame, got " + t, t);
            }
            accepted++;
            int pages = a.meta() == null ? 0 : a.meta().regionPages();
            int upTo = Math.max(pages, c.afterPages());
            byte[] expected = Arrays.copyOf(c.afterImage(), upTo * PAGE);
            String mismatch = Regions.mismatch(store.inner, expected, upTo, PAGE);
            assertThat(mismatch).as("%s bit %d accepted (%s) but the image is wrong", c, bit, a.header()).isNull();
            if (a.meta() != null) {
                assertThat(a.meta().digest()).as("%s bit %d", c, bit).isEqualTo(Regions.digest(expected, pages, PAGE));
            }
        }
        // Most bits matter: the fields that do not (sequence, time, level, key bytes) are a small part of a frame.
        assertThat(accepted).as("%s: flips accepted behind a valid CRC", c).isLessThan(f.length * 8 / 2 + 200);
    }

    // ------------------------------------------------------------------ lying fields behind a valid CRC

    @Test
    void hugePageCount() {
        Case d1 = caseOf(XOR_NONE, "DELTA 1.1");
        assertKind(Kind.LENGTH_MISMATCH, "page count 2^31-1", FrameSurgery.edit(d1.frame(), h -> h.pageCount = Integer.MAX_VALUE), d1);
        assertKind(Kind.LENGTH_MISMATCH, "page count = region + 1", FrameSurgery.edit(d1.frame(), h -> h.pageCount = h.regionPages + 1), d1);
        assertKind(Kind.LIMIT_EXCEEDED, "region and page count 2^31-1", FrameSurgery.edit(d1.frame(), h -> {
            h.pageCount = Integer.MAX_VALUE;
            h.regionPages = Integer.MAX_VALUE;
        }), d1);
        // one more or one fewer than the table lists
        assertKind(Kind.TRUNCATED, "gap list one short", FrameSurgery.edit(d1.frame(), h -> h.pageCount += 1), d1);
        // one page fewer: the data block is now longer than one page can need
        assertKind(Kind.LENGTH_MISMATCH, "gap list one over", FrameSurgery.edit(d1.frame(), h -> h.pageCount -= 1), d1);
        Case d2 = caseOf(XOR_NONE, "DELTA 1.2");
        assertThat(FrameFormat.parse(d2.frame(), Limits.DEFAULT).header().tableIsBitmap()).isTrue();
        assertKind(Kind.LENGTH_MISMATCH, "bitmap marks fewer", FrameSurgery.edit(d2.frame(), h -> h.pageCount += 1), d2);
        assertKind(Kind.LENGTH_MISMATCH, "bitmap marks more", FrameSurgery.edit(d2.frame(), h -> h.pageCount -= 1), d2);
    }

    @Test
    void dataLengthOverTheLimit() {
        Case d1 = caseOf(XOR_NONE, "DELTA 1.1");
        FrameHeader h = FrameFormat.parse(d1.frame(), Limits.DEFAULT).header();
        int max = (int) FrameFormat.maxDataRawLength(h.pageCount(), h.pageShift());
        assertKind(Kind.LENGTH_MISMATCH, "data length max + 1", FrameSurgery.edit(d1.frame(), x -> x.dataRawLength = max + 1), d1);
        assertKind(Kind.LENGTH_MISMATCH, "data length 2^31-1", FrameSurgery.edit(d1.frame(), x -> x.dataRawLength = Integer.MAX_VALUE), d1);
        // within the limit but not what the stored block holds
        assertKind(Kind.LENGTH_MISMATCH, "data length + 1", FrameSurgery.edit(d1.frame(), x -> x.dataRawLength += 1), d1);
        assertKind(Kind.LENGTH_MISMATCH, "data length - 1", FrameSurgery.edit(d1.frame(), x -> x.dataRawLength -= 1), d1);
        // a block length that runs past the frame, or leaves bytes before it
        assertKind(Kind.TRUNCATED, "block length past the end", FrameSurgery.edit(d1.frame(), x -> x.dataBlockLength = Integer.MAX_VALUE), d1);
        assertKind(Kind.TRAILING_BYTES, "block length 1 short (gap list)", FrameSurgery.edit(d1.frame(), x -> x.dataBlockLength -= 1), d1);
        Case d2 = caseOf(XOR_NONE, "DELTA 1.2");
        assertKind(Kind.TRAILING_BYTES, "block length 1 short (bitmap)", FrameSurgery.edit(d2.frame(), x -> x.dataBlockLength -= 1), d2);
        assertKind(Kind.TRUNCATED, "block length 1 over (bitmap)", FrameSurgery.edit(d2.frame(), x -> x.dataBlockLength += 1), d2);
        // with compression: more than the block decompresses to, and less
        EncodeSpec zstd = EncodeSpec.of(DeltaMethod.XOR, CodecSpec.zstd(1));
        Case z = caseOf(zstd, "DELTA 1.2");
        assertThat(FrameFormat.parse(z.frame(), Limits.DEFAULT).header().codec()).isEqualTo(BlockCodec.ZSTD);
        assertThat(refused("zstd data length + 1", FrameSurgery.edit(z.frame(), x -> x.dataRawLength += 1), z))
                .isIn(Kind.LENGTH_MISMATCH, Kind.CODEC_FAILURE);
        assertThat(refused("zstd data length - 1", FrameSurgery.edit(z.frame(), x -> x.dataRawLength -= 1), z))
                .isIn(Kind.LENGTH_MISMATCH, Kind.CODEC_FAILURE);
        // a DELETE that carries data
        Case del = caseOf(XOR_NONE, "DELETE");
        assertKind(Kind.LENGTH_MISMATCH, "DELETE with pages", FrameSurgery.edit(del.frame(), x -> {
            x.regionPages = 5;
            x.pageCount = 1;
        }), del);
        assertKind(Kind.LENGTH_MISMATCH, "DELETE with data", FrameSurgery.edit(del.frame(), x -> x.dataRawLength = 1), del);
    }

    @Test
    void pageIndexOutOfRangeInAGapList() {
        Case d1 = caseOf(XOR_NONE, "DELTA 1.1");
        FrameFormat.Parsed p = FrameFormat.parse(d1.frame(), Limits.DEFAULT);
        assertThat(p.header().tableIsBitmap()).isFalse();
        byte[] data = Arrays.copyOfRange(d1.frame(), p.dataOffset(), d1.frame().length - 4);
        int region = p.header().regionPages();
        // indices 1 and 'region' (gap = region - 1 - 1)
        byte[] table = new WireWriter(8).varint(1).varint(region - 2).toByteArray();
        assertKind(Kind.PAGE_INDEX_OUT_OF_RANGE, "gap list reaches page " + region, FrameSurgery.build(p.header(), table, data), d1);
        byte[] huge = new WireWriter(8).varint(1).varint(Integer.MAX_VALUE).toByteArray();
        assertKind(Kind.PAGE_INDEX_OUT_OF_RANGE, "gap of 2^31-1", FrameSurgery.build(p.header(), huge, data), d1);
        // indices in range for the old region but not for this frame's smaller one
        assertKind(Kind.PAGE_INDEX_OUT_OF_RANGE, "region smaller than the listed pages",
                FrameSurgery.edit(d1.frame(), h -> h.regionPages = 6), d1);
    }

    @Test
    void pageIndexOutOfRangeInABitmap() {
        Case d2 = caseOf(XOR_NONE, "DELTA 1.2");
        FrameFormat.Parsed p = FrameFormat.parse(d2.frame(), Limits.DEFAULT);
        FrameHeader h = p.header();
        assertThat(h.tableIsBitmap()).isTrue();
        assertThat(h.regionPages()).isEqualTo(23);
        byte[] frame = d2.frame();
        byte[] table = Arrays.copyOfRange(frame, p.tableOffset(), p.dataOffset());
        byte[] data = Arrays.copyOfRange(frame, p.dataOffset(), frame.length - 4);
        // page 23 is the padding bit of the last bitmap byte; move the lowest listed page there
        byte[] moved = table.clone();
        int low = Integer.numberOfTrailingZeros(moved[0] & 0xFF);
        moved[0] &= (byte) ~(1 << low);
        moved[2] |= (byte) 0x80;
        assertKind(Kind.PAGE_INDEX_OUT_OF_RANGE, "bitmap marks page 23 of 23", FrameSurgery.build(h, moved, data), d2);
        // the FULL frame's bitmap (20 pages): bit 20
        Case full = caseOf(XOR_NONE, "FULL 1.0");
        FrameFormat.Parsed pf = FrameFormat.parse(full.frame(), Limits.DEFAULT);
        assertThat(pf.header().tableIsBitmap()).isTrue();
        byte[] ft = Arrays.copyOfRange(full.frame(), pf.tableOffset(), pf.dataOffset());
        byte[] fd = Arrays.copyOfRange(full.frame(), pf.dataOffset(), full.frame().length - 4);
        byte[] ftBad = ft.clone();
        ftBad[0] &= (byte) ~1; // page 0 out
        ftBad[2] |= (byte) 0x10; // page 20 in
        assertKind(Kind.PAGE_INDEX_OUT_OF_RANGE, "bitmap marks page 20 of 20", FrameSurgery.build(pf.header(), ftBad, fd), full);
        // a bitmap of the wrong size for the region: bytes left over for the data block
        assertThat(refused("bitmap for a larger region", FrameSurgery.edit(d2.frame(), x -> x.regionPages = 40), d2))
                .isIn(Kind.TRUNCATED, Kind.LENGTH_MISMATCH, Kind.TRAILING_BYTES);
    }

    @Test
    void keyframesAndDeletesHaveTheirFixedFields() {
        Case full = caseOf(XOR_NONE, "FULL 1.0");
        assertKind(Kind.EPOCH_MISMATCH, "keyframe of epoch 0", FrameSurgery.edit(full.frame(), h -> h.epoch = 0), full);
        assertKind(Kind.UNKNOWN_METHOD, "keyframe with method XOR", FrameSurgery.edit(full.frame(), h -> h.method = DeltaMethod.XOR), full);
        int ops = FrameFormat.parse(full.frame(), Limits.DEFAULT).dataOffset();
        assertThat(full.frame()[ops]).isEqualTo((byte) RegionEncoder.OP_RAW);
        // an XOR op carries a page, as RAW does: only the rule refuses it (a keyframe has no old page)
        assertKind(Kind.UNKNOWN_METHOD, "XOR op in a keyframe", FrameSurgery.setByte(full.frame(), ops, RegionEncoder.OP_XOR), full);

        Case delete = caseOf(XOR_NONE, "DELETE");
        assertKind(Kind.UNKNOWN_METHOD, "DELETE with method XOR", FrameSurgery.edit(delete.frame(), h -> h.method = DeltaMethod.XOR), delete);
        assertKind(Kind.UNKNOWN_CODEC, "DELETE with codec lz4", FrameSurgery.edit(delete.frame(), h -> h.codec = BlockCodec.LZ4), delete);
        assertKind(Kind.UNKNOWN_CODEC, "DELETE with level 3", FrameSurgery.edit(delete.frame(), h -> h.level = 3), delete);
        assertKind(Kind.LENGTH_MISMATCH, "DELETE of 5 pages", FrameSurgery.edit(delete.frame(), h -> h.regionPages = 5), delete);
        assertKind(Kind.DIGEST_MISMATCH, "DELETE with a digest", FrameSurgery.edit(delete.frame(), h -> h.digest = 1), delete);
    }

    @Test
    void badOpByte() {
        Case d1 = caseOf(XOR_NONE, "DELTA 1.1");
        int ops = FrameFormat.parse(d1.frame(), Limits.DEFAULT).dataOffset();
        assertThat(d1.frame()[ops]).isEqualTo((byte) RegionEncoder.OP_XOR);
        for (int op : new int[] {4, 5, 0x7f, 0x80, 0xff}) {
            assertKind(Kind.UNKNOWN_METHOD, "op " + op, FrameSurgery.setByte(d1.frame(), ops, op), d1);
        }
        // valid ops that do not fit the payload
        assertThat(refused("op ZERO where XOR was", FrameSurgery.setByte(d1.frame(), ops, RegionEncoder.OP_ZERO), d1))
                .isEqualTo(Kind.TRAILING_BYTES);
        assertThat(refused("op XBZRLE where XOR was", FrameSurgery.setByte(d1.frame(), ops, RegionEncoder.OP_XBZRLE), d1))
                .isIn(Kind.LENGTH_MISMATCH, Kind.TRUNCATED, Kind.TRAILING_BYTES, Kind.DIGEST_MISMATCH);
        // RAW where XOR was: the payload is taken as the page itself, which the digest catches
        assertKind(Kind.DIGEST_MISMATCH, "op RAW where XOR was", FrameSurgery.setByte(d1.frame(), ops, RegionEncoder.OP_RAW), d1);
    }

    /** A DELTA of one XBZRLE page at index 1 with the given payload (varint length + runs), against the FULL 1.0 state. */
    static byte[] xbzrleFrame(Case full, byte[] runs, Integer lengthOverride) {
        FrameHeader h = FrameFormat.parse(caseOf(XBZRLE_NONE, "DELTA 1.1").frame(), Limits.DEFAULT).header();
        WireWriter data = new WireWriter(64).u8(RegionEncoder.OP_XBZRLE).varint(lengthOverride == null ? runs.length : lengthOverride).bytes(runs);
        byte[] block = data.toByteArray();
        FrameSurgery.Header b = FrameSurgery.Header.of(h);
        b.pageCount = 1;
        b.tableIsBitmap = false;
        b.dataRawLength = block.length;
        b.dataBlockLength = block.length;
        byte[] table = new WireWriter(4).varint(1).toByteArray();
        return FrameSurgery.build(b.build(), table, block);
    }

    @Test
    void badXbzrleRuns() {
        Case d1 = caseOf(XBZRLE_NONE, "DELTA 1.1");
        byte[] d1ops = d1.frame();
        int ops = FrameFormat.parse(d1ops, Limits.DEFAULT).dataOffset();
        assertThat(d1ops[ops]).as("the genuine 1.1 uses XBZRLE").isEqualTo((byte) RegionEncoder.OP_XBZRLE);

        byte[] twenty = new byte[20];
        Arrays.fill(twenty, (byte) 0x42);
        byte[] past = new WireWriter(32).varint(500).varint(20).bytes(twenty).toByteArray();
        assertKind(Kind.LENGTH_MISMATCH, "run past the page end", xbzrleFrame(d1, past, null), d1);
        byte[] empty = new WireWriter(8).varint(3).varint(0).toByteArray();
        assertKind(Kind.LENGTH_MISMATCH, "empty run", xbzrleFrame(d1, empty, null), d1);
        byte[] overZ = new WireWriter(8).varint(Integer.MAX_VALUE).varint(1).u8(1).toByteArray();
        assertKind(Kind.LENGTH_MISMATCH, "zero run of 2^31-1", xbzrleFrame(d1, overZ, null), d1);
        byte[] shortRun = new WireWriter(8).varint(0).varint(5).u8(1).u8(2).toByteArray();
        assertKind(Kind.TRUNCATED, "run longer than its encoding", xbzrleFrame(d1, shortRun, null), d1);
        byte[] ok = new WireWriter(8).varint(0).varint(2).u8(1).u8(2).toByteArray();
        assertKind(Kind.LENGTH_MISMATCH, "encoding length = page size", xbzrleFrame(d1, ok, PAGE), d1);
        assertKind(Kind.TRUNCATED, "encoding length past the data", xbzrleFrame(d1, ok, ok.length + 3), d1);
        // a well-formed run that gives the wrong page
        assertKind(Kind.DIGEST_MISMATCH, "valid run, wrong content", xbzrleFrame(d1, ok, null), d1);
    }

    @Test
    void trailingBytesInTheDataBlock() {
        Case d1 = caseOf(XOR_NONE, "DELTA 1.1");
        FrameFormat.Parsed p = FrameFormat.parse(d1.frame(), Limits.DEFAULT);
        byte[] table = Arrays.copyOfRange(d1.frame(), p.tableOffset(), p.dataOffset());
        byte[] data = Arrays.copyOfRange(d1.frame(), p.dataOffset(), d1.frame().length - 4);
        byte[] longer = Arrays.copyOf(data, data.length + 1);
        FrameSurgery.Header b = FrameSurgery.Header.of(p.header());
        b.dataRawLength = longer.length;
        b.dataBlockLength = longer.length;
        assertKind(Kind.TRAILING_BYTES, "a byte after the last page", FrameSurgery.build(b.build(), table, longer), d1);
        // a body with an extra byte after a bitmap frame's data block
        Case d2 = caseOf(XOR_NONE, "DELTA 1.2");
        byte[] body = FrameSurgery.body(d2.frame());
        assertKind(Kind.TRAILING_BYTES, "a byte after the data block", FrameSurgery.seal(Arrays.copyOf(body, body.length + 1)), d2);
    }

    @Test
    void chainChecks() {
        Case full1 = caseOf(XOR_NONE, "FULL 1.0");
        Case d1 = caseOf(XOR_NONE, "DELTA 1.1");
        Case d2 = caseOf(XOR_NONE, "DELTA 1.2");
        Case full2 = caseOf(XOR_NONE, "FULL 2.0");
        Case e21 = caseOf(XOR_NONE, "DELTA 2.1");
        // SEQUENCE_GAP: skipping a frame, replaying a frame, a keyframe with a chain index
        assertKind(Kind.SEQUENCE_GAP, "1.2 right after 1.0", d2.frame(), d1);
        assertKind(Kind.SEQUENCE_GAP, "1.1 replayed", d1.frame(), d2);
        assertKind(Kind.SEQUENCE_GAP, "chain index + 1", FrameSurgery.edit(d1.frame(), h -> h.chainIndex += 1), d1);
        assertKind(Kind.SEQUENCE_GAP, "chain index 0", FrameSurgery.edit(d1.frame(), h -> h.chainIndex = 0), d1);
        assertKind(Kind.SEQUENCE_GAP, "FULL with chain index 1", FrameSurgery.edit(full2.frame(), h -> h.chainIndex = 1), full2);
        // EPOCH_MISMATCH: a delta of another epoch, an old keyframe, a stale delta after a refresh
        assertKind(Kind.EPOCH_MISMATCH, "epoch + 1", FrameSurgery.edit(d1.frame(), h -> h.epoch += 1), d1);
        assertKind(Kind.EPOCH_MISMATCH, "epoch 0", FrameSurgery.edit(d1.frame(), h -> h.epoch = 0), d1);
        assertKind(Kind.EPOCH_MISMATCH, "FULL 1.0 again on epoch 1", full1.frame(), d1);
        assertKind(Kind.EPOCH_MISMATCH, "FULL 1.0 on epoch 2", full1.frame(), e21);
        assertKind(Kind.EPOCH_MISMATCH, "old-epoch delta after the refresh", d2.frame(), e21);
        assertKind(Kind.EPOCH_MISMATCH, "FULL 2.0 replayed", full2.frame(), e21);
        // NO_KEYFRAME: a delta to a receiver that holds nothing
        Case empty = new Case("nothing held", null, null, new byte[0][], null, new byte[0], 0);
        assertKind(Kind.NO_KEYFRAME, "delta before any keyframe", d1.frame(), empty);
        assertKind(Kind.NO_KEYFRAME, "delta after DELETE", e21.frame(), empty);
        // the page size may not change inside an epoch
        assertKind(Kind.LENGTH_MISMATCH, "page size changed", FrameSurgery.edit(d1.frame(), h -> h.pageShift = 10), d1);
    }

    @Test
    void digestChecks() {
        for (EncodeSpec spec : SPECS) {
            for (Case c : chain(spec)) {
                if (c.after() == null) {
                    continue;
                }
                assertKind(Kind.DIGEST_MISMATCH, "digest ^ 1", FrameSurgery.edit(c.frame(), h -> h.digest ^= 1), c);
                assertKind(Kind.DIGEST_MISMATCH, "digest 0", FrameSurgery.edit(c.frame(), h -> h.digest = 0), c);
            }
        }
        // A receiver whose image drifted (one page differs) with the right meta: the delta's digest catches it.
        Case d1 = caseOf(XOR_NONE, "DELTA 1.1");
        byte[][] drifted = d1.beforePages().clone();
        drifted[6] = drifted[6].clone();
        drifted[6][100] ^= 1;
        Case drift = new Case(d1.name() + " on a drifted image", d1.frame(), d1.before(), drifted, d1.after(), d1.afterImage(), d1.afterPages());
        assertKind(Kind.DIGEST_MISMATCH, "drifted base page 6", d1.frame(), drift);
        // ... and an XBZRLE delta on it (the drifted byte is outside the runs)
        Case x1 = caseOf(XBZRLE_NONE, "DELTA 1.1");
        Case xdrift = new Case(x1.name() + " on a drifted image", x1.frame(), x1.before(), drifted, x1.after(), x1.afterImage(), x1.afterPages());
        assertKind(Kind.DIGEST_MISMATCH, "drifted base page 6", x1.frame(), xdrift);
    }

    @Test
    void unknownCodecMethodTypeVersionFlags() {
        Case d1 = caseOf(XOR_NONE, "DELTA 1.1");
        byte[] f = d1.frame();
        assertKind(Kind.UNKNOWN_CODEC, "codec 5", FrameSurgery.setByte(f, FrameSurgery.CODEC_AT, 5), d1);
        assertKind(Kind.CODEC_FAILURE, "codec 3 (lzma) on a stored block", FrameSurgery.setByte(f, FrameSurgery.CODEC_AT, 3), d1);
        assertKind(Kind.CODEC_FAILURE, "codec 4 (brotli) on a stored block", FrameSurgery.setByte(f, FrameSurgery.CODEC_AT, 4), d1);
        assertKind(Kind.UNKNOWN_CODEC, "codec 255", FrameSurgery.setByte(f, FrameSurgery.CODEC_AT, 255), d1);
        assertKind(Kind.UNKNOWN_METHOD, "method 5", FrameSurgery.setByte(f, FrameSurgery.METHOD_AT, 5), d1);
        assertKind(Kind.UNKNOWN_METHOD, "method 4 (split) on an XOR block: op 2 has no place in it",
                FrameSurgery.setByte(f, FrameSurgery.METHOD_AT, 4), d1);
        assertKind(Kind.UNKNOWN_METHOD, "method 255", FrameSurgery.setByte(f, FrameSurgery.METHOD_AT, 255), d1);
        assertKind(Kind.UNKNOWN_TYPE, "type 0", FrameSurgery.setByte(f, FrameSurgery.TYPE_AT, 0), d1);
        // Type 4 is RESYNC, which carries no pages: a delta's pages under that type are refused.
        assertKind(Kind.LENGTH_MISMATCH, "type 4 with pages", FrameSurgery.setByte(f, FrameSurgery.TYPE_AT, 4), d1);
        assertKind(Kind.UNKNOWN_TYPE, "type 5", FrameSurgery.setByte(f, FrameSurgery.TYPE_AT, 5), d1);
        assertKind(Kind.UNSUPPORTED_VERSION, "version 2", FrameSurgery.setByte(f, FrameSurgery.VERSION_AT, 2), d1);
        assertKind(Kind.UNSUPPORTED_VERSION, "version 0", FrameSurgery.setByte(f, FrameSurgery.VERSION_AT, 0), d1);
        assertKind(Kind.UNSUPPORTED_VERSION, "flags 2", FrameSurgery.setByte(f, FrameSurgery.FLAGS_AT, 2), d1);
        assertKind(Kind.UNSUPPORTED_VERSION, "flags 0x80", FrameSurgery.setByte(f, FrameSurgery.FLAGS_AT, 0x80), d1);
        assertKind(Kind.BAD_MAGIC, "magic", FrameSurgery.setByte(f, 0, 'X'), d1);
        byte[] crc = f.clone();
        crc[crc.length - 2] ^= 4;
        assertKind(Kind.CHECKSUM_MISMATCH, "crc", crc, d1);
        assertKind(Kind.TRUNCATED, "14 bytes", Arrays.copyOf(f, FrameFormat.MIN_FRAME_BYTES - 1), d1);
        // an event is not a frame
        byte[] event = PageUpdateEventFormat.write(PageUpdateEvent.delete(KEY, SHIFT, 1, 1));
        assertKind(Kind.BAD_MAGIC, "an event", event, d1);
    }

    @Test
    void limitsExceeded() {
        Case d1 = caseOf(XOR_NONE, "DELTA 1.1");
        byte[] f = d1.frame();
        assertKind(Kind.LIMIT_EXCEEDED, "page shift 8", FrameSurgery.setByte(f, FrameSurgery.PAGE_SHIFT_AT, 8), d1);
        assertKind(Kind.LIMIT_EXCEEDED, "page shift 17", FrameSurgery.setByte(f, FrameSurgery.PAGE_SHIFT_AT, 17), d1);
        assertKind(Kind.LIMIT_EXCEEDED, "page shift 255", FrameSurgery.setByte(f, FrameSurgery.PAGE_SHIFT_AT, 255), d1);
        assertKind(Kind.LIMIT_EXCEEDED, "region over the default limit",
                FrameSurgery.edit(f, h -> h.regionPages = Limits.DEFAULT.maxRegionPages() + 1), d1);
        // a receiver with tighter limits
        FrameApplier small = new FrameApplier(new Limits(9, 16, 100));
        assertThat(refused("region of 20 over a limit of 16", f, d1.before(), d1, small)).isEqualTo(Kind.LIMIT_EXCEEDED);
        FrameApplier shortKeys = new FrameApplier(new Limits(9, 1000, 8));
        assertThat(refused("key of 10 bytes over a limit of 8", f, d1.before(), d1, shortKeys)).isEqualTo(Kind.BAD_KEY);
        FrameApplier tiny = new FrameApplier(new Limits(9, 1000, 100));
        byte[] big = FrameSurgery.setByte(f, FrameSurgery.PAGE_SHIFT_AT, 10);
        assertThat(refused("1 KiB pages over a 512-byte limit", big, d1.before(), d1, tiny)).isEqualTo(Kind.LIMIT_EXCEEDED);
    }

    @Test
    void badKeys() {
        Case d1 = caseOf(XOR_NONE, "DELTA 1.1");
        FrameFormat.Parsed p = FrameFormat.parse(d1.frame(), Limits.DEFAULT);
        int keyAt = p.tableOffset() - KEY.length();
        assertThat(new String(d1.frame(), keyAt, KEY.length(), java.nio.charset.StandardCharsets.UTF_8)).isEqualTo(KEY);
        assertKind(Kind.BAD_KEY, "key byte 0xff", FrameSurgery.setByte(d1.frame(), keyAt, 0xff), d1);
        assertKind(Kind.BAD_KEY, "lone continuation byte", FrameSurgery.setByte(d1.frame(), keyAt + 3, 0x80), d1);
        assertKind(Kind.BAD_KEY, "empty key", FrameSurgery.edit(d1.frame(), h -> h.stateKey = ""), d1);
        assertKind(Kind.BAD_KEY, "key over 1024 bytes", FrameSurgery.edit(d1.frame(), h -> h.stateKey = "k".repeat(1025)), d1);
    }

    @Test
    void oversizedVarintInTheHeader() {
        // key length written as a 5-byte varint over 31 bits
        byte[] body = new WireWriter(32).u32(FrameFormat.MAGIC).u8(1).u8(2).u8(1).u8(0).u8(0).u8(9).u8(0)
                .u8(0xff).u8(0xff).u8(0xff).u8(0xff).u8(0x7f).toByteArray();
        Case d1 = caseOf(XOR_NONE, "DELTA 1.1");
        assertKind(Kind.LENGTH_MISMATCH, "key length varint over 31 bits", FrameSurgery.seal(body), d1);
    }

    @Test
    void corruptCompressedBlocks() {
        for (EncodeSpec spec : SPECS) {
            if (spec.codec().codec() == BlockCodec.NONE) {
                continue;
            }
            for (Case c : chain(spec)) {
                FrameFormat.Parsed p = FrameFormat.parse(c.frame(), Limits.DEFAULT);
                if (p.header().codec() == BlockCodec.NONE) {
                    continue;
                }
                byte[] table = Arrays.copyOfRange(c.frame(), p.tableOffset(), p.dataOffset());
                byte[] zeros = new byte[p.header().dataBlockLength()];
                byte[] noise = new PagePatterns(1, 512).randomPage();
                noise = Arrays.copyOf(noise, p.header().dataBlockLength());
                for (byte[] block : new byte[][] {zeros, noise}) {
                    Kind k = refused("block replaced", FrameSurgery.build(p.header(), table, block), c);
                    assertThat(k).as("%s", c).isIn(Kind.CODEC_FAILURE, Kind.LENGTH_MISMATCH, Kind.DIGEST_MISMATCH,
                            Kind.UNKNOWN_METHOD, Kind.TRUNCATED, Kind.TRAILING_BYTES);
                }
                // the right block under the other codec
                BlockCodec other = p.header().codec() == BlockCodec.LZ4 ? BlockCodec.ZSTD : BlockCodec.LZ4;
                refused("codec switched to " + other, FrameSurgery.edit(c.frame(), h -> h.codec = other), c);
                // a DICT block without its dictionary, and a non-DICT block with one
                if (p.header().method() == DeltaMethod.DICT && c.before() != null) {
                    refused("DICT read as RAW", FrameSurgery.edit(c.frame(), h -> h.method = DeltaMethod.RAW), c);
                }
            }
        }
    }

    // ------------------------------------------------------------------ events

    @Test
    void everyBitFlipAndTruncationOfEventsIsRefused() {
        PagePatterns g = new PagePatterns(5, PAGE);
        List<byte[]> events = List.of(
                PageUpdateEventFormat.write(PageUpdateEvent.pages(KEY, SHIFT, 20, 7, 8, new int[] {0, 13}, new byte[][] {g.heapPage(), g.textPage()})),
                PageUpdateEventFormat.write(PageUpdateEvent.region(KEY, SHIFT, 9, 10, new byte[][] {g.codePage(), g.zeroPage()})),
                PageUpdateEventFormat.write(PageUpdateEvent.delete(KEY, SHIFT, 11, 12)));
        for (byte[] e : events) {
            for (int bit = 0; bit < e.length * 8; bit++) {
                byte[] bad = e.clone();
                bad[bit >>> 3] ^= (byte) (1 << (bit & 7));
                Throwable t = catchThrowable(() -> PageUpdateEventFormat.parse(bad, Limits.DEFAULT));
                assertThat(t).as("event bit %d", bit).isInstanceOf(HdeException.class);
            }
            for (int len = 0; len < e.length; len++) {
                int n = len;
                Throwable t = catchThrowable(() -> PageUpdateEventFormat.parse(Arrays.copyOf(e, n), Limits.DEFAULT));
                assertThat(t).as("event cut to %d", len).isInstanceOf(HdeException.class);
                Throwable sealed = catchThrowable(() -> PageUpdateEventFormat.parse(FrameSurgery.seal(Arrays.copyOf(e, Math.max(0, n - 4))), Limits.DEFAULT));
                assertThat(sealed).as("event body cut to %d, CRC recomputed", Math.max(0, n - 4)).isInstanceOf(HdeException.class);
            }
        }
    }

    // ------------------------------------------------------------------ large claims (allocation safety)

    /**
     * A FULL frame of 32,768 pages of 64 KiB (within {@link Limits#DEFAULT}: at most 262,144 pages
     * and 64 KiB pages), method DICT, all pages zero: about 4 KiB on the wire. The receiver must
     * accept it (an empty region) or refuse it with a typed error.
     *
     * <p>BUG (FrameApplier.apply, {@code dict = new byte[count * pageSize]}): the dictionary size is
     * computed in int arithmetic: 32,768 x 65,536 = 2^31 overflows to a negative size and the
     * receiver throws {@link NegativeArraySizeException} instead of an {@link HdeException}; at
     * 65,536 pages it wraps to 0 and a DELTA's first old page no longer fits in it
     * (ArrayIndexOutOfBoundsException). A FULL frame needs no dictionary at all (no old pages).
     */
    @Test
    void dictionarySizeOfAHugeRegionDoesNotOverflow() {
        int pages = 32_768;
        byte[] bitmap = new byte[FrameFormat.bitmapBytes(pages)];
        Arrays.fill(bitmap, (byte) 0xff);
        byte[] ops = new byte[pages]; // all OP_ZERO
        WireWriter block = new WireWriter(64);
        BlockCodecs.compress(CodecSpec.zstd(3), ops, 0, ops.length, null, block);
        byte[] data = block.toByteArray();
        FrameHeader h = new FrameHeader(FrameType.FULL, DeltaMethod.DICT, BlockCodec.ZSTD, 3, 16, KEY, pages, 1, 0, 1, 1, 0,
                pages, true, ops.length, data.length, 0L);
        byte[] frame = FrameSurgery.build(h, bitmap, data);
        assertThat(frame.length).isLessThan(8192);
        HeapPageStore store = new HeapPageStore();
        Throwable t = catchThrowable(() -> APPLIER.apply(frame, null, store));
        if (t != null) {
            assertThat(t).as("a %d-byte frame claiming a 2 GiB region must be refused with a typed error", frame.length)
                    .isInstanceOf(HdeException.class);
        }
        assertThat(store.size()).isZero();
    }

    /**
     * A frame that claims 2^31 - 1 bytes of decompressed data for 32,768 pages of 64 KiB passes
     * the data-length check ({@code <= pageCount x (pageSize + 4)} = 2,147,614,720) with a 16-byte
     * data block.
     *
     * <p>BUG (FrameApplier.apply, {@code new byte[h.dataRawLength()]}): the receiver allocates the
     * claimed length before decompressing and dies with {@link OutOfMemoryError} ("Requested array
     * size exceeds VM limit"), an Error that stops a Flink task, instead of refusing the frame.
     * {@link Limits} bounds pages per region and page size separately, but not the bytes of a
     * region, so the product of two accepted values is trusted for an allocation.
     */
    @Test
    void aHugeDataLengthClaimIsRefusedWithoutAllocatingIt() {
        int pages = 32_768;
        byte[] bitmap = new byte[FrameFormat.bitmapBytes(pages)];
        Arrays.fill(bitmap, (byte) 0xff);
        byte[] data = new byte[16];
        assertThat((long) Integer.MAX_VALUE).isLessThanOrEqualTo(FrameFormat.maxDataRawLength(pages, 16));
        FrameHeader h = new FrameHeader(FrameType.FULL, DeltaMethod.RAW, BlockCodec.ZSTD, 3, 16, KEY, pages, 1, 0, 1, 1, 0,
                pages, true, Integer.MAX_VALUE, data.length, 0L);
        byte[] frame = FrameSurgery.build(h, bitmap, data);
        HeapPageStore store = new HeapPageStore();
        Throwable t = catchThrowable(() -> APPLIER.apply(frame, null, store));
        assertThat(t).as("a %d-byte frame claiming %d bytes of data", frame.length, Integer.MAX_VALUE).isInstanceOf(HdeException.class);
        assertThat(store.size()).isZero();
    }

    @Test
    void sanityTheGenuineChainsApply() {
        // Guards the fixtures above: every genuine frame applies on its own starting state.
        for (EncodeSpec spec : SPECS) {
            List<Case> chain = chain(spec);
            assertThat(chain).hasSize(7);
            for (Case c : chain) {
                HeapPageStore store = c.storeBefore();
                FrameApplier.Applied a = APPLIER.apply(c.frame(), c.before(), store);
                assertThat(a.meta()).as("%s", c).isEqualTo(c.after());
                assertThat(Regions.mismatch(store, c.afterImage(), c.afterPages(), PAGE)).as("%s", c).isNull();
            }
            // the fixtures cover gap lists, bitmaps, zero ops, and the method's own ops
            Set<Boolean> tables = new HashSet<>();
            for (Case c : chain) {
                if (c.after() != null && c.frame().length > 0) {
                    tables.add(FrameFormat.parse(c.frame(), Limits.DEFAULT).header().tableIsBitmap());
                }
            }
            assertThat(tables).as("%s uses both table forms", spec).containsExactlyInAnyOrder(true, false);
        }
    }
}
