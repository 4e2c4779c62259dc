package dev.hde.codec;

import static org.assertj.core.api.Assertions.assertThat;

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
import dev.hde.codec.testing.Regions;
import dev.hde.codec.wire.ControlRequest;
import dev.hde.codec.wire.ControlRequestFormat;
import dev.hde.codec.wire.EventKind;
import dev.hde.codec.wire.FrameFormat;
import dev.hde.codec.wire.FrameHeader;
import dev.hde.codec.wire.FrameType;
import dev.hde.codec.wire.PageUpdateEvent;
import dev.hde.codec.wire.PageUpdateEventFormat;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Golden vectors: small frames and events stored as hex in {@code src/test/resources/golden/*.hex}
 * (lowercase, 64 hex digits a line), checked both ways: encoding the inputs below gives exactly
 * the stored bytes, and decoding the stored bytes gives the inputs back. Other implementations
 * (a receiver in another language) can use the same files.
 *
 * <p>Frames use codec none only, so the bytes do not depend on a zstd or lz4 version.
 *
 * <p><b>Regenerating</b> (only after a deliberate, documented format change; then bump the
 * version): run {@code mvn -pl codec test -Dtest=GoldenVectorTest -Dgolden.regenerate=true} from the
 * repository root, or run {@link #main} with the module directory as working directory (or the
 * golden directory as its argument). Both rewrite the files under
 * {@code codec/src/test/resources/golden/}.
 */
class GoldenVectorTest {

    static final int PAGE_SHIFT = 9;
    static final int PAGE = 1 << PAGE_SHIFT;
    static final String KEY = "vm-7/r0001";
    static final long T0 = 1_700_000_000_000L;
    static final Path SOURCE_DIR = Path.of("src", "test", "resources", "golden");

    // ------------------------------------------------------------------ the known inputs

    /** Page 0 of the region: ASCII text. */
    static byte[] text(String s) {
        byte[] p = new byte[PAGE];
        byte[] t = s.getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < PAGE; i++) {
            p[i] = t[i % t.length];
        }
        return p;
    }

    static byte[] ramp(int mul, int add) {
        byte[] p = new byte[PAGE];
        for (int i = 0; i < PAGE; i++) {
            p[i] = (byte) (i * mul + add);
        }
        return p;
    }

    /** 64 little-endian 64-bit counters starting at {@code first}. */
    static byte[] counters(long first) {
        byte[] p = new byte[PAGE];
        for (int i = 0; i < PAGE / 8; i++) {
            long v = first + i;
            for (int k = 0; k < 8; k++) {
                p[i * 8 + k] = (byte) (v >>> (8 * k));
            }
        }
        return p;
    }

    static byte[] edit(byte[] page, int... offsetValuePairs) {
        byte[] p = page.clone();
        for (int i = 0; i < offsetValuePairs.length; i += 2) {
            p[offsetValuePairs[i]] = (byte) offsetValuePairs[i + 1];
        }
        return p;
    }

    static final byte[] ZERO = new byte[PAGE];

    /** The region after each frame, page by page (null = zero page). */
    static byte[][] image0() {
        return new byte[][] {text("HDE golden vector page 0. "), null, ramp(7, 3), counters(1000)};
    }

    /** DELTA 1.1, XOR + none: grows to 5 pages; page 0 edited, page 1 new, page 2 reported but unchanged, page 3 zeroed, page 4 new. */
    static PageUpdate update1() {
        byte[][] img0 = image0();
        return new PageUpdate(5, new int[] {0, 1, 2, 3, 4},
                new byte[][] {edit(img0[0], 5, 'X', 100, 'Y', 511, 0), ramp(3, 1), img0[2].clone(), ZERO.clone(), counters(7)});
    }

    static byte[][] image1() {
        PageUpdate u = update1();
        return new byte[][] {u.pages()[0], u.pages()[1], u.pages()[2], null, u.pages()[4]};
    }

    /** DELTA 1.2, XBZRLE + none: shrinks to 3 pages; page 0 edited (xbzrle), page 1 rewritten (too different: raw). */
    static PageUpdate update2() {
        byte[][] img1 = image1();
        return new PageUpdate(3, new int[] {0, 1},
                new byte[][] {edit(img1[0], 0, 'h', 200, '!', 201, '!', 300, 0x7f), ramp(11, 5)});
    }

    static byte[][] image2() {
        byte[][] img1 = image1();
        PageUpdate u = update2();
        return new byte[][] {u.pages()[0], u.pages()[1], img1[2]};
    }

    /**
     * DELTA 1.1 as SPLIT + none, from image 0 instead of XOR: page 0 three bytes edited (DIFF_RUNS),
     * page 1 new (RAW), page 2 its first 100 bytes rewritten (NEW_RUNS: more than an eighth of the page),
     * page 3 every counter's low byte + 5 (DIFF_RUNS: 64 one-byte runs whose diffs are all 5).
     */
    static PageUpdate updateSplit() {
        byte[][] img0 = image0();
        byte[] rewritten = img0[2].clone();
        for (int i = 0; i < 100; i++) {
            rewritten[i] = (byte) (i * 13 + 1);
        }
        byte[] counters = img0[3].clone();
        for (int i = 0; i < PAGE; i += 8) {
            counters[i] += 5;
        }
        return new PageUpdate(4, new int[] {0, 1, 2, 3}, new byte[][] {edit(img0[0], 5, 'X', 100, 'Y', 511, 0), ramp(3, 1), rewritten, counters});
    }

    static byte[][] imageSplit() {
        return updateSplit().pages();
    }

    static PageUpdate wholeRegion(byte[][] image) {
        int[] idx = new int[image.length];
        byte[][] pages = new byte[image.length][];
        for (int i = 0; i < image.length; i++) {
            idx[i] = i;
            pages[i] = image[i] == null ? ZERO.clone() : image[i];
        }
        return new PageUpdate(image.length, idx, pages);
    }

    static PageUpdateEvent pagesEvent() {
        return PageUpdateEvent.pages(KEY, PAGE_SHIFT, 8, 42, T0 + 42, new int[] {1, 5}, new byte[][] {ramp(1, 0), text("event page five ")});
    }

    static PageUpdateEvent regionEvent() {
        return PageUpdateEvent.region("vm-7/r0002", PAGE_SHIFT, 43, T0 + 43, new byte[][] {counters(0), ZERO.clone()});
    }

    static PageUpdateEvent deleteEvent() {
        return PageUpdateEvent.delete(KEY, PAGE_SHIFT, 44, T0 + 44);
    }

    /** Version 2: the PAGES event on a region that held only zero pages, with the producer's digest of the region after it. */
    static PageUpdateEvent pagesEventV2() {
        PageUpdateEvent e = pagesEvent();
        return e.withDigest(PageHash.of(1, e.pages()[0]) ^ PageHash.of(5, e.pages()[1]));
    }

    static PageUpdateEvent regionEventV2() {
        PageUpdateEvent e = regionEvent();
        return e.withDigest(PageHash.of(0, e.pages()[0]) ^ PageHash.of(1, e.pages()[1]));
    }

    static PageUpdateEvent deleteEventV2() {
        return deleteEvent().withDigest(0);
    }

    static ControlRequest resyncRequest() {
        return ControlRequest.resync(KEY, ControlRequest.Reason.SEQUENCE_GAP, 12, 15, T0 + 15, 1, "encoder-0");
    }

    static ControlRequest keyframeRequest() {
        return ControlRequest.keyframe(KEY, ControlRequest.Reason.RECEIVER_FAILED, 12, T0 + 16, "");
    }

    /** Encodes every vector from the inputs above, in file order. */
    static Map<String, byte[]> encodeAll() {
        Map<String, byte[]> out = new LinkedHashMap<>();
        HeapPageStore ref = new HeapPageStore();
        PendingFrame full = RegionEncoder.full(null, PAGE_SHIFT, ref, wholeRegion(image0()));
        out.put("frame-full", RegionEncoder.render(new FrameInfo(KEY, 10, T0 + 10), full, EncodeSpec.of(DeltaMethod.RAW, CodecSpec.NONE)));
        RegionEncoder.commit(full, ref);
        PendingFrame d1 = RegionEncoder.delta(full.after(), ref, update1());
        out.put("frame-delta-xor", RegionEncoder.render(new FrameInfo(KEY, 11, T0 + 11), d1, EncodeSpec.of(DeltaMethod.XOR, CodecSpec.NONE)));
        RegionEncoder.commit(d1, ref);
        PendingFrame d2 = RegionEncoder.delta(d1.after(), ref, update2());
        out.put("frame-delta-xbzrle", RegionEncoder.render(new FrameInfo(KEY, 12, T0 + 12), d2, EncodeSpec.of(DeltaMethod.XBZRLE, CodecSpec.NONE)));
        RegionEncoder.commit(d2, ref);
        out.put("frame-resync", RegionEncoder.resync(new FrameInfo(KEY, 15, T0 + 15), d2.after()));
        out.put("frame-resync-nothing-held", RegionEncoder.resync(new FrameInfo(KEY, 15, T0 + 15), null));
        out.put("frame-delete", RegionEncoder.delete(new FrameInfo(KEY, 13, T0 + 13), d2.after()));
        HeapPageStore ref0 = new HeapPageStore();
        PendingFrame full0 = RegionEncoder.full(null, PAGE_SHIFT, ref0, wholeRegion(image0()));
        RegionEncoder.commit(full0, ref0);
        PendingFrame split = RegionEncoder.delta(full0.after(), ref0, updateSplit());
        out.put("frame-delta-split", RegionEncoder.render(new FrameInfo(KEY, 11, T0 + 11), split, EncodeSpec.of(DeltaMethod.SPLIT, CodecSpec.NONE)));
        out.put("event-pages", PageUpdateEventFormat.write(pagesEvent()));
        out.put("event-region", PageUpdateEventFormat.write(regionEvent()));
        out.put("event-delete", PageUpdateEventFormat.write(deleteEvent()));
        out.put("event-pages-v2", PageUpdateEventFormat.write(pagesEventV2()));
        out.put("event-region-v2", PageUpdateEventFormat.write(regionEventV2()));
        out.put("event-delete-v2", PageUpdateEventFormat.write(deleteEventV2()));
        out.put("control-resync", ControlRequestFormat.write(resyncRequest()));
        out.put("control-keyframe", ControlRequestFormat.write(keyframeRequest()));
        return out;
    }

    // ------------------------------------------------------------------ hex files

    static String toHex(byte[] b) {
        String h = HexFormat.of().formatHex(b);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < h.length(); i += 64) {
            sb.append(h, i, Math.min(h.length(), i + 64)).append('\n');
        }
        return sb.toString();
    }

    static byte[] fromHex(String text) {
        String h = text.replaceAll("\\s+", "");
        assertThat(h).as("golden files are lowercase hex").matches("[0-9a-f]*");
        return HexFormat.of().parseHex(h);
    }

    static byte[] load(String name) {
        if (Boolean.getBoolean("golden.regenerate")) {
            try {
                writeIfStale();
                return fromHex(Files.readString(SOURCE_DIR.resolve(name + ".hex"), StandardCharsets.US_ASCII));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        try (InputStream in = GoldenVectorTest.class.getResourceAsStream("/golden/" + name + ".hex")) {
            assertThat(in).as("golden/%s.hex on the test classpath (regenerate with -Dgolden.regenerate=true)", name).isNotNull();
            return fromHex(new String(in.readAllBytes(), StandardCharsets.US_ASCII));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean regenerated;

    /** In regenerate mode, writes the files once per run, before any test reads them. */
    static synchronized void writeIfStale() throws IOException {
        if (!regenerated) {
            writeAll(SOURCE_DIR);
            System.out.println("golden.regenerate: golden vectors rewritten in " + SOURCE_DIR.toAbsolutePath());
            regenerated = true;
        }
    }

    static void writeAll(Path dir) throws IOException {
        Files.createDirectories(dir);
        for (Map.Entry<String, byte[]> e : encodeAll().entrySet()) {
            Files.writeString(dir.resolve(e.getKey() + ".hex"), toHex(e.getValue()), StandardCharsets.US_ASCII);
        }
    }

    /** Rewrites the golden files: {@code args[0]} or {@code src/test/resources/golden} under the working directory. */
    public static void main(String[] args) throws IOException {
        Path dir = args.length > 0 ? Path.of(args[0]) : SOURCE_DIR;
        writeAll(dir);
        System.out.println("golden vectors written to " + dir.toAbsolutePath());
    }

    // ------------------------------------------------------------------ the checks

    @Test
    void encodingTheKnownInputsGivesExactlyTheStoredBytes() throws IOException {
        Map<String, byte[]> encoded = encodeAll();
        assertThat(encoded).hasSize(15);
        for (Map.Entry<String, byte[]> e : encoded.entrySet()) {
            byte[] stored = load(e.getKey());
            assertThat(toHex(e.getValue())).as("golden/%s.hex", e.getKey()).isEqualTo(toHex(stored));
        }
    }

    @Test
    void decodingTheStoredFramesGivesTheKnownRegion() {
        FrameApplier applier = new FrameApplier();
        HeapPageStore store = new HeapPageStore();

        // FULL 1.0
        FrameApplier.Applied full = applier.apply(load("frame-full"), null, store);
        FrameHeader h = full.header();
        assertThat(h.type()).isEqualTo(FrameType.FULL);
        assertThat(h.method()).isEqualTo(DeltaMethod.RAW);
        assertThat(h.codec()).isEqualTo(BlockCodec.NONE);
        assertThat(h.stateKey()).isEqualTo(KEY);
        assertThat(h.pageShift()).isEqualTo(PAGE_SHIFT);
        assertThat(h.regionPages()).isEqualTo(4);
        assertThat(h.pageCount()).as("the zero page is not listed").isEqualTo(3);
        assertThat(h.epoch()).isEqualTo(1);
        assertThat(h.chainIndex()).isZero();
        assertThat(h.sourceSequence()).isEqualTo(10);
        assertThat(h.captureTimeMillis()).isEqualTo(T0 + 10);
        assertThat(h.dictionaryId()).isZero();
        assertThat(ops(load("frame-full"))).containsExactly(RegionEncoder.OP_RAW, RegionEncoder.OP_RAW, RegionEncoder.OP_RAW);
        checkImage(store, full.meta(), image0(), 1, 0);

        // DELTA 1.1, XOR
        byte[] xor = load("frame-delta-xor");
        FrameApplier.Applied d1 = applier.apply(xor, full.meta(), store);
        h = d1.header();
        assertThat(h.type()).isEqualTo(FrameType.DELTA);
        assertThat(h.method()).isEqualTo(DeltaMethod.XOR);
        assertThat(h.codec()).isEqualTo(BlockCodec.NONE);
        assertThat(h.regionPages()).isEqualTo(5);
        assertThat(h.sourceSequence()).isEqualTo(11);
        // page 0 XOR, page 1 new (raw: nothing to XOR with), page 2 unchanged (left out), page 3 zeroed, page 4 new
        assertThat(indices(xor)).containsExactly(0, 1, 3, 4);
        assertThat(ops(xor)).containsExactly(RegionEncoder.OP_XOR, RegionEncoder.OP_RAW, RegionEncoder.OP_ZERO, RegionEncoder.OP_RAW);
        checkImage(store, d1.meta(), image1(), 1, 1);

        // DELTA 1.2, XBZRLE
        byte[] xb = load("frame-delta-xbzrle");
        FrameApplier.Applied d2 = applier.apply(xb, d1.meta(), store);
        h = d2.header();
        assertThat(h.method()).isEqualTo(DeltaMethod.XBZRLE);
        assertThat(h.regionPages()).as("shrunk").isEqualTo(3);
        assertThat(h.sourceSequence()).isEqualTo(12);
        assertThat(indices(xb)).containsExactly(0, 1);
        assertThat(ops(xb)).as("page 0 as XBZRLE runs, page 1 too different: raw").containsExactly(RegionEncoder.OP_XBZRLE, RegionEncoder.OP_RAW);
        checkImage(store, d2.meta(), image2(), 1, 2);

        // RESYNC after 1.2: names the image (epoch 1, chain 2, its digest) and changes nothing
        FrameApplier.Applied rs = applier.apply(load("frame-resync"), d2.meta(), store);
        assertThat(rs.header().type()).isEqualTo(FrameType.RESYNC);
        assertThat(rs.header().epoch()).isEqualTo(1);
        assertThat(rs.header().chainIndex()).isEqualTo(2);
        assertThat(rs.header().digest()).isEqualTo(d2.meta().digest());
        assertThat(rs.header().pageCount()).isZero();
        assertThat(rs.meta()).isEqualTo(d2.meta());
        checkImage(store, rs.meta(), image2(), 1, 2);
        // ... and the one for a region the encoder holds nothing of: epoch 0, taken whatever the receiver holds
        FrameApplier.Applied rs0 = applier.apply(load("frame-resync-nothing-held"), d2.meta(), store);
        assertThat(rs0.header().epoch()).isZero();
        assertThat(rs0.header().regionPages()).isZero();
        assertThat(rs0.meta()).isEqualTo(d2.meta());

        // DELETE
        FrameApplier.Applied del = applier.apply(load("frame-delete"), d2.meta(), store);
        assertThat(del.meta()).isNull();
        assertThat(del.header().type()).isEqualTo(FrameType.DELETE);
        assertThat(del.header().epoch()).isEqualTo(1);
        assertThat(del.header().chainIndex()).isEqualTo(3);
        assertThat(del.header().sourceSequence()).isEqualTo(13);
        assertThat(del.header().digest()).isZero();
        assertThat(store.size()).isZero();
    }

    @Test
    void decodingTheStoredSplitFrameGivesTheKnownRegion() {
        FrameApplier applier = new FrameApplier();
        HeapPageStore store = new HeapPageStore();
        FrameApplier.Applied full = applier.apply(load("frame-full"), null, store);
        byte[] split = load("frame-delta-split");
        FrameApplier.Applied d = applier.apply(split, full.meta(), store);
        assertThat(d.header().method()).isEqualTo(DeltaMethod.SPLIT);
        assertThat(d.header().codec()).isEqualTo(BlockCodec.NONE);
        assertThat(indices(split)).containsExactly(0, 1, 2, 3);
        assertThat(ops(split)).containsExactly(dev.hde.codec.delta.SplitRuns.OP_DIFF_RUNS, dev.hde.codec.delta.SplitRuns.OP_RAW,
                dev.hde.codec.delta.SplitRuns.OP_NEW_RUNS, dev.hde.codec.delta.SplitRuns.OP_DIFF_RUNS);
        checkImage(store, d.meta(), imageSplit(), 1, 1);
    }

    @Test
    void decodingTheStoredEventsGivesTheKnownEvents() {
        PageUpdateEvent pages = PageUpdateEventFormat.parse(load("event-pages"), Limits.DEFAULT);
        assertThat(pages).isEqualTo(pagesEvent());
        assertThat(pages.kind()).isEqualTo(EventKind.PAGES);
        assertThat(pages.indices()).containsExactly(1, 5);
        assertThat(pages.regionPages()).isEqualTo(8);

        PageUpdateEvent region = PageUpdateEventFormat.parse(load("event-region"), Limits.DEFAULT);
        assertThat(region).isEqualTo(regionEvent());
        assertThat(region.kind()).isEqualTo(EventKind.REGION);
        assertThat(region.indices()).containsExactly(0, 1);

        PageUpdateEvent delete = PageUpdateEventFormat.parse(load("event-delete"), Limits.DEFAULT);
        assertThat(delete).isEqualTo(deleteEvent());
        assertThat(delete.kind()).isEqualTo(EventKind.DELETE);
        assertThat(delete.sequence()).isEqualTo(44);
    }

    @Test
    void decodingTheStoredVersion2EventsGivesTheKnownEventsWithTheProducersDigest() {
        PageUpdateEvent pages = PageUpdateEventFormat.parse(load("event-pages-v2"), Limits.DEFAULT);
        assertThat(pages).isEqualTo(pagesEventV2());
        assertThat(load("event-pages-v2")[4]).isEqualTo((byte) 2);
        assertThat(pages.digest()).hasValue(PageHash.of(1, ramp(1, 0)) ^ PageHash.of(5, text("event page five ")));
        byte[] region = load("event-region-v2");
        assertThat(PageUpdateEventFormat.parse(region, Limits.DEFAULT)).isEqualTo(regionEventV2());
        PageUpdateEventFormat.checkRegionDigest(region, PageUpdateEventFormat.check(region, Limits.DEFAULT));
        assertThat(PageUpdateEventFormat.parse(load("event-delete-v2"), Limits.DEFAULT).digest()).hasValue(0);
    }

    @Test
    void decodingTheStoredControlRequestsGivesTheKnownRequests() {
        ControlRequest resync = ControlRequestFormat.read(load("control-resync"), Limits.DEFAULT);
        assertThat(resync).isEqualTo(resyncRequest());
        assertThat(resync.kind()).isEqualTo(ControlRequest.Kind.RESYNC);
        assertThat(resync.lastGoodSequence()).isEqualTo(12);
        ControlRequest keyframe = ControlRequestFormat.read(load("control-keyframe"), Limits.DEFAULT);
        assertThat(keyframe).isEqualTo(keyframeRequest());
        assertThat(keyframe.requester()).isEmpty();
    }

    @Test
    void goldenFilesAreLowercaseHexAndSmall() {
        for (String name : encodeAll().keySet()) {
            byte[] b = load(name);
            assertThat(b.length).as(name).isBetween(FrameFormat.MIN_FRAME_BYTES, 4096);
        }
    }

    private static void checkImage(HeapPageStore store, RegionMeta meta, byte[][] pages, long epoch, int chain) {
        byte[] flat = new byte[pages.length * PAGE];
        for (int i = 0; i < pages.length; i++) {
            if (pages[i] != null) {
                System.arraycopy(pages[i], 0, flat, i * PAGE, PAGE);
            }
        }
        assertThat(Regions.mismatch(store, flat, pages.length, PAGE)).isNull();
        assertThat(meta.regionPages()).isEqualTo(pages.length);
        assertThat(meta.pageShift()).isEqualTo(PAGE_SHIFT);
        assertThat(meta.epoch()).isEqualTo(epoch);
        assertThat(meta.chainIndex()).isEqualTo(chain);
        assertThat(meta.digest()).isEqualTo(Regions.digest(flat, pages.length, PAGE));
    }

    /** The op bytes of a codec-none frame's data block. */
    private static int[] ops(byte[] frame) {
        FrameFormat.Parsed p = FrameFormat.parse(frame, Limits.DEFAULT);
        assertThat(p.header().codec()).isEqualTo(BlockCodec.NONE);
        int[] ops = new int[p.header().pageCount()];
        Arrays.setAll(ops, i -> frame[p.dataOffset() + i]);
        return ops;
    }

    private static int[] indices(byte[] frame) {
        FrameFormat.Parsed p = FrameFormat.parse(frame, Limits.DEFAULT);
        return dev.hde.codec.region.PageTable.read(frame, p.tableOffset(), p.dataOffset() - p.tableOffset(),
                p.header().pageCount(), p.header().regionPages(), p.header().tableIsBitmap());
    }
}
