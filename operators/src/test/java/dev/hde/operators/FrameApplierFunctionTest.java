package dev.hde.operators;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hde.codec.Limits;
import dev.hde.codec.region.FrameInfo;
import dev.hde.codec.region.HeapPageStore;
import dev.hde.codec.region.PageUpdate;
import dev.hde.codec.region.PendingFrame;
import dev.hde.codec.region.RegionEncoder;
import dev.hde.codec.region.RegionMeta;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.state.KeyedStateBackend;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FrameApplierFunctionTest {

    static final long T0 = 1_700_000_000_000L;
    static final int SHIFT = 12;
    static final int PS = 1 << SHIFT;
    static final int N = 16;
    static final String A = "vm-00/r0000";
    static final String B = "vm-00/r0001";

    private final Random random = new Random(99);
    private final List<KeyedOneInputStreamOperatorTestHarness<String, FrameRecord, RegionVerdict>> open = new ArrayList<>();
    private FrameApplierFunction function;

    @AfterEach
    void closeAll() throws Exception {
        for (var h : open) {
            h.close();
        }
    }

    private KeyedOneInputStreamOperatorTestHarness<String, FrameRecord, RegionVerdict> applier(String imageDirectory) throws Exception {
        return applier(imageDirectory, false);
    }

    private KeyedOneInputStreamOperatorTestHarness<String, FrameRecord, RegionVerdict> applier(String imageDirectory, boolean startAtKeyframe)
            throws Exception {
        function = new FrameApplierFunction(Limits.DEFAULT, imageDirectory, startAtKeyframe);
        var h = ProcessFunctionTestHarnesses.forKeyedProcessFunction(function, (KeySelector<FrameRecord, String>) f -> f.stateKey, Types.STRING);
        open.add(h);
        return h;
    }

    /** The sending side of one region, with the codec's encoder: what the frames should rebuild. */
    private final class Sender {
        final String key;
        final HeapPageStore reference = new HeapPageStore();
        RegionMeta meta;
        long seq;
        long time = T0;

        Sender(String key) {
            this.key = key;
        }

        FrameRecord full() {
            byte[][] pages = new byte[N][];
            int[] indices = new int[N];
            for (int i = 0; i < N; i++) {
                pages[i] = TestPages.page(random, PS);
                indices[i] = i;
            }
            return frame(RegionEncoder.full(meta, ++time, SHIFT, reference, new PageUpdate(N, indices, pages)));
        }

        FrameRecord delta() {
            int[] indices = random.ints(0, N).distinct().limit(3).sorted().toArray();
            byte[][] pages = new byte[3][];
            for (int i = 0; i < 3; i++) {
                byte[] old = reference.get(indices[i]);
                pages[i] = i == 2 ? new byte[PS] : old == null ? TestPages.text(random, PS) : TestPages.edited(random, old);
            }
            return frame(RegionEncoder.delta(meta, reference, new PageUpdate(N, indices, pages)));
        }

        /** A keyframe (not returned) and the delta after it: a delta for a receiver that has no keyframe. */
        FrameRecord fullThenDelta() {
            full();
            return delta();
        }

        FrameRecord delete() {
            FrameRecord f = new FrameRecord(key, RegionEncoder.delete(new FrameInfo(key, ++seq, ++time), meta));
            meta = null;
            reference.clear();
            return f;
        }

        private FrameRecord frame(PendingFrame p) {
            byte[] bytes = RegionEncoder.render(new FrameInfo(key, ++seq, time), p, EncoderSettings.DEFAULT_SPEC);
            RegionEncoder.commit(p, reference);
            meta = p.after();
            return new FrameRecord(key, bytes);
        }

        byte[] image() {
            byte[] image = new byte[meta.regionPages() * PS];
            reference.copyTo(image, 0, meta.regionPages(), PS);
            return image;
        }

        Map<Integer, byte[]> pages() {
            Map<Integer, byte[]> out = new TreeMap<>();
            for (int i = 0; i < meta.regionPages(); i++) {
                if (reference.get(i) != null) {
                    out.put(i, reference.get(i));
                }
            }
            return out;
        }
    }

    private static List<RegionVerdict> drain(KeyedOneInputStreamOperatorTestHarness<String, FrameRecord, RegionVerdict> h) {
        List<RegionVerdict> out = h.extractOutputValues();
        h.getOutput().clear();
        return out;
    }

    private static RegionVerdict one(KeyedOneInputStreamOperatorTestHarness<String, FrameRecord, RegionVerdict> h, FrameRecord f) throws Exception {
        h.processElement(f, 0);
        List<RegionVerdict> v = drain(h);
        assertThat(v).hasSize(1);
        return v.get(0);
    }

    /** The region's image as the receiver holds it: bases with their patches applied. */
    private static Map<Integer, byte[]> statePages(KeyedOneInputStreamOperatorTestHarness<String, FrameRecord, RegionVerdict> h, String key)
            throws Exception {
        Map<Integer, byte[]> out = new TreeMap<>();
        new PatchedPageStore(mapState(h, key, FrameApplierFunction.PAGES), mapState(h, key, FrameApplierFunction.PATCHES)).forEach(out::put);
        return out;
    }

    /** One of the region's map states as it is stored. */
    private static Map<Integer, byte[]> stored(KeyedOneInputStreamOperatorTestHarness<String, FrameRecord, RegionVerdict> h, String key,
            MapStateDescriptor<Integer, byte[]> which) throws Exception {
        Map<Integer, byte[]> out = new TreeMap<>();
        for (var e : mapState(h, key, which).entries()) {
            out.put(e.getKey(), e.getValue());
        }
        return out;
    }

    private static MapState<Integer, byte[]> mapState(KeyedOneInputStreamOperatorTestHarness<String, FrameRecord, RegionVerdict> h, String key,
            MapStateDescriptor<Integer, byte[]> which) throws Exception {
        KeyedStateBackend<String> b = h.getOperator().getKeyedStateBackend();
        b.setCurrentKey(key);
        return b.getPartitionedState(VoidNamespace.INSTANCE, VoidNamespaceSerializer.INSTANCE, which);
    }

    private static void assertSamePages(Map<Integer, byte[]> actual, Map<Integer, byte[]> expected) {
        assertThat(actual.keySet()).isEqualTo(expected.keySet());
        expected.forEach((i, p) -> assertThat(actual.get(i)).as("page %d", i).isEqualTo(p));
    }

    private long counter(String name) throws ReflectiveOperationException {
        Field f = FrameApplierFunction.class.getDeclaredField(name);
        f.setAccessible(true);
        return ((Counter) f.get(function)).getCount();
    }

    private static void assertVerified(RegionVerdict v, Sender s, long framesApplied) {
        assertThat(v.error).isNull();
        assertThat(v.verified).isTrue();
        assertThat(v.deleted).isFalse();
        assertThat(v.stateKey).isEqualTo(s.key);
        assertThat(v.framesApplied).isEqualTo(framesApplied);
        assertThat(v.epoch).isEqualTo(s.meta.epoch());
        assertThat(v.chainIndex).isEqualTo(s.meta.chainIndex());
        assertThat(v.regionPages).isEqualTo(s.meta.regionPages());
        assertThat(v.digest).isEqualTo(s.meta.digest());
    }

    @Test
    void framesInOrderAreVerifiedWithTheSendersDigest() throws Exception {
        var h = applier(null);
        Sender a = new Sender(A);
        Sender b = new Sender(B);
        assertVerified(one(h, a.full()), a, 1);
        assertVerified(one(h, b.full()), b, 1);
        for (int i = 2; i <= 8; i++) {
            assertVerified(one(h, a.delta()), a, i);
            assertSamePages(statePages(h, A), a.pages());
        }
        assertVerified(one(h, a.full()), a, 9); // a new epoch
        assertVerified(one(h, a.delta()), a, 10);
        assertVerified(one(h, b.delta()), b, 2);
        assertSamePages(statePages(h, A), a.pages());
        assertSamePages(statePages(h, B), b.pages());
        assertThat(counter("applied")).isEqualTo(12);
        assertThat(counter("failed")).isZero();
    }

    @Test
    void aPageChangedALittleIsKeptAsAPatchOnItsBase() throws Exception {
        var h = applier(null);
        Sender a = new Sender(A);
        one(h, a.full());
        Map<Integer, byte[]> keyframe = a.pages();
        assertVerified(one(h, a.delta()), a, 2); // edits two pages by a few bytes and zeroes a third
        Map<Integer, byte[]> patches = stored(h, A, FrameApplierFunction.PATCHES);
        Map<Integer, byte[]> bases = stored(h, A, FrameApplierFunction.PAGES);
        assertThat(patches).as("edited pages are kept as patches").isNotEmpty();
        patches.forEach((i, patch) -> {
            assertThat(patch.length).as("page %d", i).isLessThanOrEqualTo(PS / PatchedPageStore.MAX_PATCH_SHARE);
            assertThat(StoredPageFormat.decode(bases.get(i))).as("page %d: its base is still the keyframe's page", i).isEqualTo(keyframe.get(i));
        });
        assertSamePages(statePages(h, A), a.pages());
        for (int i = 3; i <= 8; i++) {
            assertVerified(one(h, a.delta()), a, i);
            assertSamePages(statePages(h, A), a.pages());
        }
        stored(h, A, FrameApplierFunction.PATCHES).values()
                .forEach(patch -> assertThat(patch.length).isLessThanOrEqualTo(PS / PatchedPageStore.MAX_PATCH_SHARE));
        // The region's page index (which lookups the receiver skips) is exactly what its state holds.
        KeyedStateBackend<String> backend = h.getOperator().getKeyedStateBackend();
        backend.setCurrentKey(A);
        ReceivedRegion r = backend.getPartitionedState(VoidNamespace.INSTANCE, VoidNamespaceSerializer.INSTANCE, FrameApplierFunction.REGION).value();
        assertThat(PatchedPageStoreTest.pagesIn(r.basePages)).isEqualTo(stored(h, A, FrameApplierFunction.PAGES).keySet());
        assertThat(PatchedPageStoreTest.pagesIn(r.patchedPages)).isEqualTo(stored(h, A, FrameApplierFunction.PATCHES).keySet())
                .isNotEmpty();
    }

    @Test
    void aMidStreamStartSkipsDeltasUntilTheFirstKeyframeAndChecksEverythingAfter() throws Exception {
        var h = applier(null, true);
        Sender a = new Sender(A);
        Sender b = new Sender(B);
        a.full();
        b.full();
        // The receiver joins here: the deltas of the running epochs come before any keyframe.
        h.processElement(a.delta(), 0);
        h.processElement(a.delta(), 0);
        h.processElement(b.delta(), 0);
        assertThat(drain(h)).as("skipped frames make no verdict").isEmpty();
        assertThat(h.numKeyedStateEntries()).as("no region state, only a note that a keyframe was asked for, once per region").isEqualTo(2);
        assertThat(counter("skipped")).isEqualTo(3);
        List<dev.hde.codec.wire.ControlRequest> asked = keyframeRequests(h);
        assertThat(asked).extracting(dev.hde.codec.wire.ControlRequest::stateKey).containsExactlyInAnyOrder(A, B);
        assertThat(asked).allSatisfy(q -> {
            assertThat(q.kind()).isEqualTo(dev.hde.codec.wire.ControlRequest.Kind.KEYFRAME);
            assertThat(q.reason()).isEqualTo(dev.hde.codec.wire.ControlRequest.Reason.NEW_RECEIVER);
        });

        assertVerified(one(h, a.full()), a, 1);
        assertVerified(one(h, a.delta()), a, 2);
        assertSamePages(statePages(h, A), a.pages());
        // Once a region has its keyframe, a gap is an error again, not a skip.
        a.delta();
        RegionVerdict gap = one(h, a.delta());
        assertThat(gap.verified).isFalse();
        assertThat(gap.error).contains("SEQUENCE_GAP");
        // A delete before any keyframe is taken as it is (the region is gone).
        RegionVerdict gone = one(h, b.delete());
        assertThat(gone.verified).isTrue();
        assertThat(gone.deleted).isTrue();
        // A frame that is not a frame is refused, not skipped.
        RegionVerdict bad = one(h, new FrameRecord("vm-00/r0009", "not a frame at all".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        assertThat(bad.verified).isFalse();
        assertThat(counter("skipped")).isEqualTo(3);

        // Without the flag the same delta is refused with NO_KEYFRAME.
        var strict = applier(null, false);
        Sender c = new Sender("vm-00/r0003");
        RegionVerdict refused = one(strict, c.fullThenDelta());
        assertThat(refused.error).contains("NO_KEYFRAME");
    }

    @Test
    void aGapStopsThatRegionOnly() throws Exception {
        var h = applier(null);
        Sender a = new Sender(A);
        Sender b = new Sender(B);
        one(h, a.full());
        one(h, b.full());
        one(h, a.delta());
        Map<Integer, byte[]> before = a.pages();
        a.delta(); // lost
        RegionVerdict gap = one(h, a.delta());
        assertThat(gap.verified).isFalse();
        assertThat(gap.error).startsWith("SEQUENCE_GAP");
        assertThat(gap.stateKey).isEqualTo(A);
        assertThat(gap.framesApplied).isEqualTo(2);
        assertSamePages(statePages(h, A), before);

        // The receiver asks the encoder for a keyframe of A.
        assertThat(keyframeRequests(h)).singleElement().satisfies(q -> {
            assertThat(q.stateKey()).isEqualTo(A);
            assertThat(q.reason()).isEqualTo(dev.hde.codec.wire.ControlRequest.Reason.RECEIVER_FAILED);
            assertThat(q.sequence()).as("the refused frame's sequence").isEqualTo(4);
        });

        // Later deltas of A are ignored; B goes on.
        h.processElement(a.delta(), 0);
        h.processElement(b.delta(), 0);
        h.processElement(a.delta(), 0);
        h.processElement(b.delta(), 0);
        List<RegionVerdict> v = drain(h);
        assertThat(v).hasSize(2).allSatisfy(x -> {
            assertThat(x.stateKey).isEqualTo(B);
            assertThat(x.verified).isTrue();
        });
        assertVerified(v.get(1), b, 3);
        assertSamePages(statePages(h, A), before);
        assertThat(counter("failed")).isEqualTo(1);
        assertThat(counter("ignored")).isEqualTo(2);

        // A keyframe brings A back, checked like any frame, and its deltas apply again.
        assertVerified(one(h, a.full()), a, 3);
        assertSamePages(statePages(h, A), a.pages());
        assertVerified(one(h, a.delta()), a, 4);
        assertThat(counter("recovered")).isEqualTo(1);
    }

    @Test
    void aResyncFrameKeepsTheLastGoodImageAndMarksTheRegionWaitingUntilTheKeyframe() throws Exception {
        var h = applier(null);
        Sender a = new Sender(A);
        one(h, a.full());
        one(h, a.delta());
        Map<Integer, byte[]> lastGood = a.pages();
        RegionVerdict waiting = one(h, new FrameRecord(A, RegionEncoder.resync(new FrameInfo(A, 99, T0 + 99), a.meta)));
        assertThat(waiting.verified).isTrue();
        assertThat(waiting.waitingForKeyframe).isTrue();
        assertThat(waiting.framesApplied).as("a notice is not applied").isEqualTo(2);
        assertSamePages(statePages(h, A), lastGood);
        assertThat(counter("waits")).isEqualTo(1);
        RegionVerdict back = one(h, a.full());
        assertThat(back.waitingForKeyframe).isFalse();
        assertVerified(back, a, 3);
        assertSamePages(statePages(h, A), a.pages());
    }

    @Test
    void aResyncOfEpochZeroLetsTheNextKeyframeStartANewLineOfEpochs() throws Exception {
        var h = applier(null);
        Sender a = new Sender(A);
        a.time = T0 + 1_000_000;
        one(h, a.full());
        // The encoder lost the region (its state was lost): it holds nothing and says so with epoch 0 ...
        one(h, new FrameRecord(A, RegionEncoder.resync(new FrameInfo(A, 5, T0 + 5), null)));
        // ... and its next keyframe has an epoch below the one the receiver holds (capture time went back here): taken.
        Sender fresh = new Sender(A);
        RegionVerdict v = one(h, fresh.full());
        assertThat(v.error).isNull();
        assertThat(v.epoch).isEqualTo(T0 + 1);
        assertSamePages(statePages(h, A), fresh.pages());
        // Without the notice the same keyframe is refused: epochs only move forward.
        Sender again = new Sender(A);
        assertThat(one(h, again.full()).error).startsWith("EPOCH_MISMATCH");
    }

    private static List<dev.hde.codec.wire.ControlRequest> keyframeRequests(
            KeyedOneInputStreamOperatorTestHarness<String, FrameRecord, RegionVerdict> h) {
        var q = h.getSideOutput(FrameApplierFunction.KEYFRAME_REQUESTS);
        List<dev.hde.codec.wire.ControlRequest> out = new ArrayList<>();
        if (q != null) {
            q.forEach(r -> out.add(dev.hde.codec.wire.ControlRequestFormat.read(r.getValue().bytes, Limits.DEFAULT)));
            q.clear();
        }
        return out;
    }

    @Test
    void corruptFramesAreRefusedWithTheirReason() throws Exception {
        var h = applier(null);

        Sender a = new Sender(A);
        one(h, a.full());
        FrameRecord d = a.delta();
        d.bytes[d.bytes.length / 2] ^= 0x01;
        RegionVerdict v = one(h, d);
        assertThat(v.verified).isFalse();
        assertThat(v.error).startsWith("CHECKSUM_MISMATCH");

        RegionVerdict noKeyframe = one(h, new Sender(B).fullThenDelta());
        assertThat(noKeyframe.error).startsWith("NO_KEYFRAME");

        // Two senders that diverged: the delta is for another base image, which the digest catches.
        Sender c = new Sender("vm-00/r0002");
        Sender other = new Sender("vm-00/r0002");
        one(h, c.full());
        other.full(); // same epoch, different content, never delivered
        RegionVerdict diverged = one(h, other.delta());
        assertThat(diverged.error).startsWith("DIGEST_MISMATCH");

        // A keyframe that does not move the epoch forward.
        Sender e = new Sender("vm-00/r0003");
        one(h, e.full());
        Sender stale = new Sender("vm-00/r0003");
        stale.time = T0 - 100;
        RegionVerdict old = one(h, stale.full());
        assertThat(old.error).startsWith("EPOCH_MISMATCH");

        // Cut short.
        Sender f = new Sender("vm-00/r0004");
        FrameRecord full = f.full();
        full.bytes = java.util.Arrays.copyOf(full.bytes, 10);
        assertThat(one(h, full).error).startsWith("TRUNCATED");
        assertThat(counter("failed")).isEqualTo(5);
    }

    /** A keyed frame record whose bytes come from another sender (same key). */
    private static FrameRecord withKey(String key, FrameRecord f) {
        return new FrameRecord(key, f.bytes);
    }

    @Test
    void deleteClearsThePages() throws Exception {
        var h = applier(null);
        Sender a = new Sender(A);
        one(h, a.full());
        one(h, a.delta());
        assertThat(statePages(h, A)).isNotEmpty();
        RegionVerdict v = one(h, a.delete());
        assertThat(v.verified).isTrue();
        assertThat(v.deleted).isTrue();
        assertThat(v.regionPages).isZero();
        assertThat(v.digest).isZero();
        assertThat(v.framesApplied).isEqualTo(3);
        assertThat(statePages(h, A)).isEmpty();
        assertThat(h.numKeyedStateEntries()).as("only the small region record is left").isEqualTo(1);

        // The region comes back with a keyframe.
        assertVerified(one(h, a.full()), a, 4);
        assertSamePages(statePages(h, A), a.pages());
    }

    @Test
    void imageDirectoryHoldsEachRegionByteExact(@TempDir Path dir) throws Exception {
        var h = applier(dir.toString());
        Sender a = new Sender(A);
        Sender b = new Sender(B);
        Path fileA = dir.resolve("vm-00_r0000.bin");
        Path fileB = dir.resolve("vm-00_r0001.bin");
        one(h, a.full());
        assertThat(Files.readAllBytes(fileA)).isEqualTo(a.image());
        one(h, b.full());
        for (int i = 0; i < 5; i++) {
            one(h, a.delta());
            assertThat(Files.readAllBytes(fileA)).isEqualTo(a.image());
        }
        assertThat(Files.readAllBytes(fileB)).isEqualTo(b.image());
        one(h, a.full());
        assertThat(Files.readAllBytes(fileA)).isEqualTo(a.image());

        // A refused frame leaves the file as it was.
        byte[] kept = Files.readAllBytes(fileA);
        a.delta();
        one(h, a.delta());
        assertThat(Files.readAllBytes(fileA)).isEqualTo(kept);

        one(h, b.delete());
        assertThat(fileB).doesNotExist();
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("vm-00_r0000.bin");
        }
    }

    @Test
    void aFrameOfAnotherRegionIsRefused() throws Exception {
        var h = applier(null);
        Sender a = new Sender(A);
        Sender b = new Sender(B);
        one(h, b.full());
        one(h, b.delta());
        // A frame of region A arriving under B's record key (a misrouted or mis-keyed record) must not become B's image.
        FrameRecord misrouted = withKey(B, a.full());
        RegionVerdict v = one(h, misrouted);
        assertThat(v.verified).as("the frame's own state key is %s, the record's %s", A, B).isFalse();
        assertThat(v.error).startsWith("KEY_MISMATCH");
        assertSamePages(statePages(h, B), b.pages());
    }
}
