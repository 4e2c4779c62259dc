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
import dev.hde.state.EventEncoder;
import dev.hde.state.RefreshPolicy;
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
 * to each). Lanes with a refresh policy take every event through the encoder job's own code
 * ({@link EventEncoder} with the lane's {@link RefreshPolicy}: keyframes on purpose, the size rule
 * after rendering, the age backstop when the region's next event comes after the keyframe's maximum
 * age, resyncs), each with its own state and reference image, so they make exactly the encoder's
 * frames. The lanes without refresh share the sender's reference image: its content does not depend
 * on how the frames were encoded.
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
        /** Lanes with a policy: the encoder's rules ({@link EventEncoder}), with the lane's own state and reference image. */
        final EventEncoder encoder;
        RegionState state;
        final HeapPageStore reference = new HeapPageStore();
        /** Every frame the lane sends, for tests that compare it with the encoder job's (null: none). */
        java.util.function.Consumer<byte[]> frames;
        /** The lane's encoder waits for a whole region (the input started mid-stream): its receiver keeps what it had. */
        boolean receiverWaiting;
        RegionMeta received;
        final HeapPageStore receiverPages = new HeapPageStore();
        String failure;
        final TreeMap<Long, ReplayResult> buckets = new TreeMap<>();

        private Lane(String name, EncodeChoice fixed, Chooser chooser, RefreshPolicy policy) {
            this.name = name;
            this.fixed = fixed;
            this.chooser = chooser;
            this.policy = policy;
            this.encoder = policy == null ? null : new EventEncoder(policy);
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
            encodeWithPolicy(lane, r, e);
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
            if (lane.policy != null && (lane.state == null || lane.state.lastSequence != e.sequence() || lane.receiverWaiting)) {
                continue; // made no frame for this event, or waits for a whole region that a replay never brings
            }
            RegionMeta sent = lane.policy == null ? (unchanged ? null : shared.meta()) : lane.state.meta();
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

    /** A frame of a lane with a refresh policy and what the speed table charges for it. */
    private record PolicyFrame(byte[] frame, PendingFrame pending) implements EventEncoder.Rendered {}

    /**
     * A lane with a refresh policy takes the event exactly as the encoder job does: through the
     * {@link EventEncoder} (the same policy code), on the lane's own state and reference image.
     */
    private void encodeWithPolicy(Lane lane, ReplayResult r, PageUpdateEvent e) {
        EncodeChoice choice = lane.fixed;
        long t0 = System.nanoTime();
        EventEncoder.Outcome<PolicyFrame> outcome = lane.encoder.apply(lane.state, lane.reference, e,
                (info, pending) -> new PolicyFrame(RegionEncoder.render(info, pending, choice.forFrame(pending.type()).spec()), pending));
        long nanos = System.nanoTime() - t0;
        lane.state = outcome.state();
        if (outcome instanceof EventEncoder.Emit<PolicyFrame> made) {
            PendingFrame pending = made.pending();
            byte[] frame = made.frame();
            double[] t = ModelledSpeeds.CALIBRATED.time(choice.forFrame(pending.type()), FrameFormat.parse(frame, limits).header(),
                    pending.changedBytes(), changedBytes(pending));
            receive(lane, r, frame, pending, nanos, t[0], t[1], e.sequence());
        } else if (outcome instanceof EventEncoder.Resync<PolicyFrame> resync) {
            // An input that starts mid-stream (a topic range): the encoder would ask the producer, which a replay has not.
            lane.receiverWaiting = true;
            r.frames++;
            r.wireBytes += resync.notice().length;
            if (lane.frames != null) {
                lane.frames.accept(resync.notice());
            }
        }
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
                lane.reference.clear();
                lane.receiverWaiting = false;
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
        if (lane.frames != null) {
            lane.frames.accept(frame);
        }
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
        return EventEncoder.nextEpoch(s, captureMillis);
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
