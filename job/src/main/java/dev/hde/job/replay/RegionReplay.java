package dev.hde.job.replay;

import dev.hde.codec.HdeException;
import dev.hde.codec.Limits;
import dev.hde.codec.region.FrameApplier;
import dev.hde.codec.region.FrameInfo;
import dev.hde.codec.region.HeapPageStore;
import dev.hde.codec.region.PageUpdate;
import dev.hde.codec.region.PendingFrame;
import dev.hde.codec.region.RegionEncoder;
import dev.hde.codec.region.RegionMeta;
import dev.hde.codec.select.DataFeatures;
import dev.hde.codec.select.EncodeChoice;
import dev.hde.codec.select.ModelledSpeeds;
import dev.hde.codec.wire.EventKind;
import dev.hde.codec.wire.FrameFormat;
import dev.hde.codec.wire.FrameType;
import dev.hde.codec.wire.PageUpdateEvent;
import dev.hde.state.RefreshPolicy;
import dev.hde.state.RefreshReason;
import dev.hde.state.RegionState;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One region's page-update events run through several configurations ("lanes") side by side, each
 * as an encoder and a receiver: every frame is rendered, applied by the lane's own receiver, and the
 * receiver's image is checked against the sender's, page by page, after every frame (the pages the
 * event touched) and at the end (every page). Flink-free; the replay's keyed functions hold one per
 * state key.
 *
 * <p>Lanes without a refresh policy send one keyframe and then only deltas (as {@code hde trace}):
 * they all see the same frames, so the frame is worked out once ("shared") and each lane renders it
 * with its choice (a choice's rendering is shared by the lanes that make the same one, and charged
 * to each). Lanes with a refresh policy follow the encoder's rules ({@link RefreshPolicy}: first
 * frame, page size change, chain length, interval, the size rule after rendering, and the age rule
 * when the region's next event comes after the keyframe's maximum age), so they make their own
 * keyframes. All lanes share the sender's reference image: its content does not depend on how the
 * frames were encoded.
 *
 * <p>Times are real ({@link System#nanoTime()}): the encode time of a frame is working it out (the
 * diff against the reference, shared by the lanes without refresh and charged to each) and
 * rendering it; the decode time is the receiver applying it. Next to them, the modelled times of the
 * codec's fixed speed table ({@link ModelledSpeeds#CALIBRATED}).
 */
final class RegionReplay {

    /** The choice of a frame for a lane whose choice changes per frame, with what the chooser expects of it. */
    record Pick(EncodeChoice choice, boolean explored, long expectedWireBytes) {}

    /** Chooses per frame (the adaptive selector's choices, looked up by sequence). */
    interface Chooser {
        /** The pick for the frame of this event, or null when there is none. */
        Pick pick(long sequence, FrameType type);
    }

    /** One configuration on one region. */
    static final class Lane {
        final String name;
        final EncodeChoice fixed;
        final Chooser chooser;
        final RefreshPolicy policy;
        RegionState state; // lanes with a policy only
        RegionMeta received;
        final HeapPageStore receiverPages = new HeapPageStore();
        String failure;
        final TreeMap<Long, ReplayResult> buckets = new TreeMap<>();

        private Lane(String name, EncodeChoice fixed, Chooser chooser, RefreshPolicy policy) {
            this.name = name;
            this.fixed = fixed;
            this.chooser = chooser;
            this.policy = policy;
        }

        /** A fixed choice; {@code policy} null: one keyframe, then deltas. */
        static Lane fixed(String name, EncodeChoice choice, RefreshPolicy policy) {
            return new Lane(name, choice, null, policy);
        }

        /** A choice per frame, without refresh. */
        static Lane chosen(String name, Chooser chooser) {
            return new Lane(name, null, chooser, null);
        }

        boolean failed() {
            return failure != null;
        }
    }

    /** A rendering of the shared frame: the frame, the real time it took, and the modelled times. */
    record Rendered(EncodeChoice choice, byte[] frame, long nanos, double tableEncodeNanos, double tableDecodeNanos) {}

    /**
     * The frame the lanes without refresh sent for an event, with every rendering made of it, the
     * real time of working it out ({@code diffNanos}) and of its features, and the real decode time
     * of each fixed lane without refresh (by its choice).
     */
    record Shared(FrameType type, PendingFrame pending, DataFeatures features, long changedBytes, Map<EncodeChoice, Rendered> renders,
            long diffNanos, long featureNanos, Map<EncodeChoice, Long> decodeNanos) {}

    private final String key;
    private final Limits limits;
    private final List<Lane> lanes;
    private final List<EncodeChoice> alwaysRender;
    private final FrameApplier applier;
    private final HeapPageStore reference = new HeapPageStore();
    private RegionState shared; // the sender state of the lanes without refresh
    private int pageShift = -1;
    private long lastSequence = Long.MIN_VALUE;

    /**
     * @param alwaysRender choices every shared frame is rendered with, whether or not a lane uses them
     *     (the adaptive selector's candidates, for its samples)
     */
    RegionReplay(String key, Limits limits, List<Lane> lanes, List<EncodeChoice> alwaysRender) {
        this.key = key;
        this.limits = limits;
        this.lanes = List.copyOf(lanes);
        this.alwaysRender = List.copyOf(alwaysRender);
        this.applier = new FrameApplier(limits);
    }

    List<Lane> lanes() {
        return lanes;
    }

    /**
     * Takes the next event of the region (events must come in sequence order; repeated or older
     * sequences are skipped, as the encoder does).
     *
     * @return the shared frame, or null when the event made none (duplicate, delete, nothing changed)
     */
    Shared process(PageUpdateEvent e, long bucket) {
        if (e.sequence() <= lastSequence) {
            return null;
        }
        lastSequence = e.sequence();
        FrameInfo info = new FrameInfo(key, e.sequence(), e.captureTimeMillis());
        if (e.kind() == EventKind.DELETE) {
            delete(info, bucket);
            return null;
        }
        PageUpdate update = e.toPageUpdate();
        boolean shiftChanged = pageShift != -1 && pageShift != e.pageShift();
        if (shiftChanged) {
            reference.clear();
        }
        for (Lane lane : lanes) {
            if (lane.policy != null && !lane.failed() && !shiftChanged) {
                ageRefresh(lane, e.captureTimeMillis(), bucket);
            }
        }

        // The frame of the lanes without refresh.
        long t0 = System.nanoTime();
        PendingFrame pending;
        RegionMeta previous = shared == null || shiftChanged ? null : shared.meta();
        int oldRegionPages = shared == null ? 0 : shared.regionPages;
        if (previous == null) {
            pending = RegionEncoder.full(null, nextEpoch(shared, e.captureTimeMillis()), e.pageShift(), reference, update);
        } else {
            pending = RegionEncoder.delta(previous, reference, update);
        }
        long diffNanos = System.nanoTime() - t0;
        boolean unchanged = previous != null && pending.count() == 0 && pending.removedFrom() == pending.removedTo()
                && pending.after().regionPages() == oldRegionPages;
        Shared made = null;
        Map<EncodeChoice, Rendered> renders = new HashMap<>();
        long inputBytes = unchanged ? 0 : pending.changedBytes();
        long featureNanos = 0;
        if (!unchanged) {
            long f0 = System.nanoTime();
            DataFeatures features = DataFeatures.of(pending);
            featureNanos = System.nanoTime() - f0;
            long changed = changedBytes(pending);
            for (EncodeChoice c : alwaysRender) {
                render(info, pending, c.forFrame(pending.type()), changed, renders);
            }
            made = new Shared(pending.type(), pending, features, changed, renders, diffNanos, featureNanos, new HashMap<>());
        }
        for (Lane lane : lanes) {
            if (lane.policy != null || lane.failed()) {
                continue;
            }
            ReplayResult r = bucket(lane, bucket);
            r.events++;
            r.inputBytes += inputBytes;
            if (unchanged) {
                continue;
            }
            Pick pick = lane.fixed != null ? new Pick(lane.fixed, false, -1) : lane.chooser.pick(e.sequence(), pending.type());
            if (pick == null) {
                fail(lane, r, "no choice for sequence " + e.sequence());
                continue;
            }
            Rendered rendered = render(info, pending, pick.choice().forFrame(pending.type()), made.changedBytes(), renders);
            if (pick.expectedWireBytes() >= 0 && pick.expectedWireBytes() != rendered.frame().length) {
                fail(lane, r, "sequence " + e.sequence() + ": frame of " + rendered.frame().length + " bytes, the selector recorded "
                        + pick.expectedWireBytes());
                continue;
            }
            if (pick.explored()) {
                r.explorations++;
            }
            long encodeNanos = diffNanos + rendered.nanos() + (lane.chooser != null ? featureNanos : 0);
            long decodeNanos = receive(lane, r, rendered.frame(), pending, encodeNanos, rendered.tableEncodeNanos(), rendered.tableDecodeNanos(),
                    e.sequence());
            if (lane.fixed != null && decodeNanos >= 0) {
                made.decodeNanos().put(lane.fixed, decodeNanos);
            }
        }

        // Lanes with a refresh policy: the encoder's rules, each on its own chain.
        for (Lane lane : lanes) {
            if (lane.policy == null || lane.failed()) {
                continue;
            }
            ReplayResult r = bucket(lane, bucket);
            r.events++;
            r.inputBytes += inputBytes;
            encodeWithPolicy(lane, r, info, e, update, shiftChanged);
        }

        if (!unchanged) {
            if (shared == null) {
                shared = new RegionState();
            }
            shared.advance(pending.after());
            if (pending.type() == FrameType.FULL) {
                shared.epochStartMillis = e.captureTimeMillis();
            }
        }
        shared.lastSequence = e.sequence();
        RegionEncoder.commit(pending, reference);
        pageShift = e.pageShift();

        // The receivers of the lanes that sent a frame hold what the sender holds, on every page the event touched.
        for (Lane lane : lanes) {
            if (lane.failed()) {
                continue;
            }
            RegionMeta sent = lane.policy == null ? (unchanged ? null : shared.meta()) : lane.state.meta();
            if (lane.policy != null && lane.state.lastSequence != e.sequence()) {
                continue;
            }
            if (sent == null) {
                continue;
            }
            String mismatch = compare(lane, sent, update.indices(), pending.removedFrom(), pending.removedTo());
            if (mismatch != null) {
                fail(lane, bucket(lane, bucket), "sequence " + e.sequence() + ": " + mismatch);
            }
        }
        return made;
    }

    /** Checks every page of every lane's receiver against the sender (at the end of the region's events). */
    void finish() {
        for (Lane lane : lanes) {
            if (lane.failed()) {
                continue;
            }
            String mismatch = compareAll(lane);
            if (mismatch != null) {
                ReplayResult r = lane.buckets.isEmpty() ? bucket(lane, 0) : lane.buckets.lastEntry().getValue();
                fail(lane, r, "at the end: " + mismatch);
            }
        }
    }

    /** Every lane's totals per bucket (after {@link #finish}). */
    List<ReplayResult> results() {
        List<ReplayResult> out = new ArrayList<>();
        for (Lane lane : lanes) {
            out.addAll(lane.buckets.values());
        }
        return out;
    }

    // ---------------------------------------------------------------- encoding

    private Rendered render(FrameInfo info, PendingFrame pending, EncodeChoice choice, long changed, Map<EncodeChoice, Rendered> cache) {
        Rendered r = cache.get(choice);
        if (r == null) {
            long t0 = System.nanoTime();
            byte[] frame = RegionEncoder.render(info, pending, choice.spec());
            long nanos = System.nanoTime() - t0;
            double[] t = ModelledSpeeds.CALIBRATED.time(choice, FrameFormat.parse(frame, limits).header(), pending.changedBytes(), changed);
            r = new Rendered(choice, frame, nanos, t[0], t[1]);
            cache.put(choice, r);
        }
        return r;
    }

    /**
     * The encoder's decision for a lane with a refresh policy ({@code RegionEncoderFunction.encode}):
     * a delta unless a rule asks for a keyframe, the size rule checked on the rendered delta.
     *
     * @return the frame's pending form, or null when nothing changed
     */
    private PendingFrame encodeWithPolicy(Lane lane, ReplayResult r, FrameInfo info, PageUpdateEvent e, PageUpdate update,
            boolean shiftChanged) {
        RegionState s = lane.state;
        EncodeChoice choice = lane.fixed;
        long t0 = System.nanoTime();
        RefreshReason reason = lane.policy.beforeEncoding(s, e.pageShift(), e.captureTimeMillis());
        if (shiftChanged && reason == null) {
            reason = RefreshReason.PAGE_SIZE_CHANGED;
        }
        PendingFrame pending = null;
        byte[] frame = null;
        if (reason == null) {
            pending = RegionEncoder.delta(s.meta(), reference, update);
            if (pending.count() == 0 && pending.removedFrom() == pending.removedTo() && pending.after().regionPages() == s.regionPages) {
                s.lastSequence = e.sequence();
                return null;
            }
            frame = RegionEncoder.render(info, pending, choice.forFrame(FrameType.DELTA).spec());
            if (lane.policy.deltaOutweighsKeyframe(s, frame.length)) {
                reason = RefreshReason.SIZE;
            }
        }
        if (reason != null) {
            RegionMeta previous = s == null || reason == RefreshReason.PAGE_SIZE_CHANGED ? null : s.meta();
            pending = RegionEncoder.full(previous, nextEpoch(s, e.captureTimeMillis()), e.pageShift(), reference, update);
            frame = RegionEncoder.render(info, pending, choice.forFrame(FrameType.FULL).spec());
        }
        long nanos = System.nanoTime() - t0;
        if (s == null) {
            s = new RegionState();
            lane.state = s;
        }
        s.advance(pending.after());
        s.lastSequence = e.sequence();
        if (reason != null) {
            s.epochStartMillis = e.captureTimeMillis();
            s.deltaBytesSinceFull = 0;
            s.lastFullBytes = frame.length;
        } else {
            s.deltaBytesSinceFull += frame.length;
        }
        double[] t = ModelledSpeeds.CALIBRATED.time(choice.forFrame(pending.type()), FrameFormat.parse(frame, limits).header(), pending.changedBytes(),
                changedBytes(pending));
        receive(lane, r, frame, pending, nanos, t[0], t[1], e.sequence());
        return pending;
    }

    /**
     * The encoder's age rule: a keyframe with deltas on top is refreshed once it is {@code maxAge}
     * old. The encoder does it on an event-time timer; here it happens when the region's next event
     * comes at or after that time (before the event is encoded). A region with no later event is
     * not refreshed, as the encoder does not refresh at the end of a bounded input.
     */
    private void ageRefresh(Lane lane, long captureMillis, long bucket) {
        RegionState s = lane.state;
        if (s == null || s.chainIndex == 0) {
            return;
        }
        long due = saturatedAdd(s.epochStartMillis, lane.policy.maxAge().toMillis());
        if (captureMillis < due) {
            return;
        }
        FrameInfo info = new FrameInfo(key, s.lastSequence, due);
        long t0 = System.nanoTime();
        PendingFrame pending = RegionEncoder.full(s.meta(), nextEpoch(s, due), s.pageShift, reference,
                new PageUpdate(s.regionPages, new int[0], new byte[0][]));
        byte[] frame = RegionEncoder.render(info, pending, lane.fixed.forFrame(FrameType.FULL).spec());
        long nanos = System.nanoTime() - t0;
        s.advance(pending.after());
        s.epochStartMillis = due;
        s.deltaBytesSinceFull = 0;
        s.lastFullBytes = frame.length;
        double[] t = ModelledSpeeds.CALIBRATED.time(lane.fixed.forFrame(FrameType.FULL), FrameFormat.parse(frame, limits).header(), pending.changedBytes(),
                changedBytes(pending));
        receive(lane, bucket(lane, bucket), frame, pending, nanos, t[0], t[1], s.lastSequence);
    }

    private void delete(FrameInfo info, long bucket) {
        for (Lane lane : lanes) {
            if (lane.failed()) {
                continue;
            }
            ReplayResult r = bucket(lane, bucket);
            r.events++;
            String mismatch = compareAll(lane);
            if (mismatch != null) {
                fail(lane, r, "before the delete at sequence " + info.sourceSequence() + ": " + mismatch);
                continue;
            }
            RegionState s = lane.policy == null ? shared : lane.state;
            long t0 = System.nanoTime();
            byte[] frame = RegionEncoder.delete(info, s == null ? null : s.meta());
            long encode = System.nanoTime() - t0;
            long t1 = System.nanoTime();
            try {
                FrameApplier.Applied applied = applier.apply(frame, key, lane.received, lane.receiverPages);
                lane.received = applied.meta();
            } catch (HdeException ex) {
                fail(lane, r, "delete at sequence " + info.sourceSequence() + " refused: " + ex.getMessage());
                continue;
            }
            long decode = System.nanoTime() - t1;
            r.frames++;
            r.deleteFrames++;
            r.wireBytes += frame.length;
            r.encodeNanos += encode;
            r.decodeNanos += decode;
            if (lane.received != null || lane.receiverPages.size() != 0) {
                fail(lane, r, "the receiver still holds the region after the delete at sequence " + info.sourceSequence());
            }
            if (lane.policy != null) {
                lane.state = null;
            }
        }
        shared = null;
        reference.clear();
        pageShift = -1;
    }

    /** The lane's receiver applies a frame (timed); a refusal stops the lane. Returns the decode time, or -1 when refused. */
    private long receive(Lane lane, ReplayResult r, byte[] frame, PendingFrame pending, long encodeNanos, double tableEncode,
            double tableDecode, long sequence) {
        long t0 = System.nanoTime();
        try {
            FrameApplier.Applied applied = applier.apply(frame, key, lane.received, lane.receiverPages);
            lane.received = applied.meta();
        } catch (HdeException ex) {
            fail(lane, r, "sequence " + sequence + ": the receiver refused the frame: " + ex.getMessage());
            return -1;
        }
        long decodeNanos = System.nanoTime() - t0;
        r.frames++;
        if (pending.type() == FrameType.FULL) {
            r.fullFrames++;
        } else {
            r.deltaFrames++;
        }
        r.pageBytes += pending.changedBytes();
        r.wireBytes += frame.length;
        r.encodeNanos += encodeNanos;
        r.decodeNanos += decodeNanos;
        r.tableEncodeNanos += tableEncode;
        r.tableDecodeNanos += tableDecode;
        return decodeNanos;
    }

    private void fail(Lane lane, ReplayResult r, String why) {
        lane.failure = "region " + key + ", " + why;
        r.failures++;
        if (r.failure == null) {
            r.failure = lane.failure;
        }
    }

    private ReplayResult bucket(Lane lane, long bucket) {
        return lane.buckets.computeIfAbsent(bucket, b -> ReplayResult.totals(lane.name, key, b));
    }

    // ---------------------------------------------------------------- verification

    private String compare(Lane lane, RegionMeta sent, int[] indices, int removedFrom, int removedTo) {
        RegionMeta got = lane.received;
        if (got == null) {
            return "the receiver holds nothing after the frame";
        }
        if (got.regionPages() != sent.regionPages() || got.digest() != sent.digest() || got.epoch() != sent.epoch()
                || got.chainIndex() != sent.chainIndex()) {
            return "the receiver's region " + got + " differs from the sender's " + sent;
        }
        for (int index : indices) {
            if (!Arrays.equals(lane.receiverPages.get(index), reference.get(index))) {
                return "page " + index + " differs from the input";
            }
        }
        for (int index = removedFrom; index < removedTo; index++) {
            if (lane.receiverPages.get(index) != null) {
                return "page " + index + " was dropped by the sender, the receiver still holds it";
            }
        }
        return null;
    }

    private String compareAll(Lane lane) {
        RegionState s = lane.policy == null ? shared : lane.state;
        if (s == null) {
            return lane.received == null && lane.receiverPages.size() == 0 ? null : "the receiver holds a region the sender does not";
        }
        if (lane.received == null || lane.received.regionPages() != s.regionPages) {
            return "the receiver holds " + (lane.received == null ? "nothing" : lane.received.regionPages() + " pages") + ", the sender "
                    + s.regionPages;
        }
        if (lane.receiverPages.size() != reference.size()) {
            return "the receiver holds " + lane.receiverPages.size() + " non-zero pages, the sender " + reference.size();
        }
        for (int i = 0; i < s.regionPages; i++) {
            if (!Arrays.equals(lane.receiverPages.get(i), reference.get(i))) {
                return "page " + i + " differs from the input";
            }
        }
        return null;
    }

    // ---------------------------------------------------------------- helpers

    /** Epochs move forward and follow capture time, as the encoder's do. */
    private static long nextEpoch(RegionState s, long captureMillis) {
        long previous = s == null ? 0 : s.epoch;
        return Math.max(previous + 1, captureMillis);
    }

    private static long saturatedAdd(long a, long b) {
        long sum = a + b;
        return ((a ^ sum) & (b ^ sum)) < 0 ? Long.MAX_VALUE : sum;
    }

    /** Exact count of bytes that differ from the old pages, whole pages for new ones (what the speed table charges XOR for). */
    static long changedBytes(PendingFrame f) {
        long n = 0;
        int pageSize = f.after().pageSize();
        for (int i = 0; i < f.count(); i++) {
            byte[] page = f.newPages()[i];
            byte[] old = f.oldPages()[i];
            if (page == null) {
                continue;
            }
            if (old == null) {
                n += pageSize;
                continue;
            }
            int at = 0;
            while (at < pageSize) {
                int m = Arrays.mismatch(page, at, pageSize, old, at, pageSize);
                if (m < 0) {
                    break;
                }
                n++;
                at += m + 1;
            }
        }
        return n;
    }
}
