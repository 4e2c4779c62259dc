package dev.hde.state;

import dev.hde.codec.region.FrameInfo;
import dev.hde.codec.region.PageStore;
import dev.hde.codec.region.PageUpdate;
import dev.hde.codec.region.PendingFrame;
import dev.hde.codec.region.RegionEncoder;
import dev.hde.codec.region.RegionMeta;
import dev.hde.codec.wire.ControlRequest.Reason;
import dev.hde.codec.wire.PageUpdateEvent;
import java.util.Objects;

/**
 * What the encoder does with each page-update event of one region, Flink-free: the one code path of
 * the encoder job, {@code hde trace} and {@code hde replay}, so that for the same events and settings
 * they make the same frames.
 *
 * <p>The rules (docs/reliability.md):
 * <ul>
 *   <li><b>The producer's digest is the truth.</b> An event of version 2 carries the producer's
 *       region digest after the event. The frame made from it is checked against that digest before
 *       anything is rendered or stored; the frame therefore carries the producer's digest, and a
 *       receiver that verifies it holds the producer's memory.
 *   <li><b>Resync, never a forged keyframe.</b> When the reference image cannot become the producer's
 *       memory (no reference for a partial event, a sequence gap, a digest mismatch, a page-size change
 *       without a whole region), nothing a receiver would apply is made: the outcome is a
 *       {@link Resync} (the caller sends a RESYNC notice frame and asks the producer for the whole
 *       region), and every partial event after it is {@link Dropped} until a whole region
 *       (REGION event) comes, which becomes the next FULL frame.
 *   <li><b>Keyframes on purpose</b> ({@link RefreshPolicy}): otherwise a DELTA, unless the policy
 *       asks for a keyframe; the size rule (a keyframe when it is the smaller frame) and the delta
 *       budget are checked on the rendered delta.
 * </ul>
 *
 * <p>The caller owns the state: it passes the region's {@link RegionState} (null when it holds
 * none) and its reference {@link PageStore}, and stores {@link Outcome#state()} afterwards (null:
 * forget the region). The reference is changed only by outcomes that emit a frame. Epochs and every
 * decision depend on the events only (capture times and sequences), never on the clock.
 */
public final class EventEncoder {

    /** A frame rendered by the caller's choice of method and codec, with whatever the caller keeps beside it. */
    public interface Rendered {
        byte[] frame();
    }

    /** Renders a worked-out frame (FULL or DELTA) with the caller's choice. */
    @FunctionalInterface
    public interface Renderer<R extends Rendered> {
        R render(FrameInfo info, PendingFrame pending);
    }

    /** What an event (or a keyframe request) came to. */
    public sealed interface Outcome<R extends Rendered> permits Emit, Unchanged, Duplicate, Resync, Dropped, Deleted, NoKeyframe {
        /** The region's state after the outcome, to store; null = forget the region. */
        RegionState state();
    }

    /**
     * A FULL or DELTA frame to send.
     *
     * @param keyframeReason why a FULL frame, or null for a DELTA
     * @param created the encoder held no reference image of the region before (new to it, pruned, or its state lost)
     * @param verified the frame's digest was checked against the producer's (false only for events without one)
     */
    public record Emit<R extends Rendered>(RegionState state, FrameInfo info, PendingFrame pending, R rendered, RefreshReason keyframeReason,
            boolean created, boolean verified) implements Outcome<R> {
        public byte[] frame() {
            return rendered.frame();
        }
    }

    /** The event changed nothing the receiver holds (false dirties only): nothing to send. */
    public record Unchanged<R extends Rendered>(RegionState state, boolean verified) implements Outcome<R> {}

    /** An event at or below the last sequence applied (a redelivery): ignored. */
    public record Duplicate<R extends Rendered>(RegionState state) implements Outcome<R> {}

    /**
     * The encoder cannot make the producer's state from this event: nothing applied. The caller asks
     * the producer for the whole region (attempt {@code state.resyncAttempts}) and, when
     * {@code notice} is not null (the first event of the wait), sends that RESYNC frame so receivers
     * know to wait for a keyframe.
     *
     * @param expectedDigest for a digest mismatch, the digest the reference came to; else 0
     */
    public record Resync<R extends Rendered>(RegionState state, FrameInfo info, Reason reason, long lastGoodSequence, byte[] notice,
            long expectedDigest) implements Outcome<R> {}

    /** A partial event of a region that waits for a whole one: dropped. */
    public record Dropped<R extends Rendered>(RegionState state, Reason awaiting) implements Outcome<R> {}

    /** The region is gone: send the DELETE frame and forget it ({@code state} is null). */
    public record Deleted<R extends Rendered>(RegionState state, RegionState before, FrameInfo info, byte[] frame) implements Outcome<R> {}

    /** A keyframe was asked for, but the encoder holds no verified image of the region (it waits for one): nothing sent. */
    public record NoKeyframe<R extends Rendered>(RegionState state) implements Outcome<R> {}

    private final RefreshPolicy policy;
    private final java.util.function.LongSupplier clockMillis;

    /** An encoder whose epochs follow capture time only (a trace, a replay: nothing is ever lost). */
    public EventEncoder(RefreshPolicy policy) {
        this(policy, () -> 0);
    }

    /**
     * @param clockMillis the encoder's clock: an epoch of a region it holds nothing of (new, pruned,
     *     its state lost) starts no lower than it. The encoder cannot know which epochs an earlier run
     *     sent; a run started without state re-encodes events from the last committed input offsets,
     *     and numbered by capture time alone its keyframes would repeat epochs receivers hold.
     */
    public EventEncoder(RefreshPolicy policy, java.util.function.LongSupplier clockMillis) {
        this.policy = Objects.requireNonNull(policy);
        this.clockMillis = Objects.requireNonNull(clockMillis);
    }

    public RefreshPolicy policy() {
        return policy;
    }

    /** Takes one event of the region. */
    public <R extends Rendered> Outcome<R> apply(RegionState s, PageStore reference, PageUpdateEvent e, Renderer<R> renderer) {
        if (s != null && e.sequence() <= s.lastSequence) {
            return new Duplicate<>(s);
        }
        FrameInfo info = new FrameInfo(e.stateKey(), e.sequence(), e.captureTimeMillis());
        switch (e.kind()) {
            case DELETE -> {
                byte[] frame = RegionEncoder.delete(info, s == null || !s.hasReference() ? null : s.meta());
                reference.clear();
                return new Deleted<>(null, s, info, frame);
            }
            case REGION -> {
                if (s == null || !s.hasReference() || s.awaitingResync() || s.pageShift != e.pageShift()) {
                    RefreshReason reason = s != null && s.awaitingResync() ? RefreshReason.RESYNC
                            : s != null && s.hasReference() ? RefreshReason.PAGE_SIZE_CHANGED : RefreshReason.FIRST;
                    return keyframeOfRegion(s, reference, e, info, reason, renderer);
                }
                return encode(s, reference, e, info, renderer);
            }
            default -> {
                if (s != null && s.awaitingResync()) {
                    // The last good sequence stays where it is: only a whole region ends the wait.
                    return new Dropped<>(s, s.resyncReasonOrNull());
                }
                if (s == null || !s.hasReference()) {
                    return resync(s, e, info, Reason.NO_REFERENCE, 0);
                }
                if (e.sequence() != s.lastSequence + 1) {
                    return resync(s, e, info, Reason.SEQUENCE_GAP, 0);
                }
                if (s.pageShift != e.pageShift()) {
                    return resync(s, e, info, Reason.PAGE_SIZE_CHANGED, 0);
                }
                return encode(s, reference, e, info, renderer);
            }
        }
    }

    /**
     * A keyframe of the region as the encoder holds it (a receiver asked, or the age timer fired),
     * built from one scan of the reference; only when the reference is the producer's verified state.
     *
     * @param timeMillis the frame's capture time and the new epoch's start (the request's or timer's time)
     */
    public <R extends Rendered> Outcome<R> keyframe(String stateKey, RegionState s, PageStore reference, long timeMillis,
            RefreshReason reason, Renderer<R> renderer) {
        if (s == null || !s.hasReference() || s.awaitingResync()) {
            return new NoKeyframe<>(s);
        }
        FrameInfo info = new FrameInfo(stateKey, s.lastSequence, timeMillis);
        PendingFrame pending = RegionEncoder.keyframe(s.meta(), epochAfter(s, timeMillis), reference);
        R rendered = renderer.render(info, pending);
        s.advance(pending.after());
        startEpoch(s, timeMillis, rendered.frame().length);
        return new Emit<>(s, info, pending, rendered, reason, false, true);
    }

    /** A REGION event as a FULL frame: a new key, a page-size change, or the answer to a resync. */
    private <R extends Rendered> Outcome<R> keyframeOfRegion(RegionState s, PageStore reference, PageUpdateEvent e, FrameInfo info,
            RefreshReason reason, Renderer<R> renderer) {
        boolean created = s == null || !s.hasReference();
        RegionMeta previous = s == null || !s.hasReference() || s.pageShift != e.pageShift() ? null : s.meta();
        if (previous == null) {
            reference.clear(); // nothing of it can be used: absent, or pages of another size
        }
        PendingFrame pending = RegionEncoder.full(previous, epochAfter(s, e.captureTimeMillis()), e.pageShift(), reference, e.toPageUpdate());
        if (e.hasDigest() && pending.after().digest() != e.digest().getAsLong()) {
            // The event contradicts itself (validators refuse these): never build a keyframe from it.
            if (s == null) {
                s = RegionState.awaiting(Reason.DIGEST_MISMATCH, e.sequence());
                return new Resync<>(s, info, Reason.DIGEST_MISMATCH, 0, RegionEncoder.resync(info, null), pending.after().digest());
            }
            return resyncWith(s, info, Reason.DIGEST_MISMATCH, pending.after().digest());
        }
        R rendered = renderer.render(info, pending);
        RegionEncoder.commit(pending, reference);
        if (s == null) {
            s = new RegionState();
        }
        s.endResync();
        s.advance(pending.after());
        s.lastSequence = e.sequence();
        startEpoch(s, e.captureTimeMillis(), rendered.frame().length);
        return new Emit<>(s, info, pending, rendered, reason, created, e.hasDigest());
    }

    /** An event of a region the encoder holds in sync: a DELTA, or a FULL frame when the policy asks for one. */
    private <R extends Rendered> Outcome<R> encode(RegionState s, PageStore reference, PageUpdateEvent e, FrameInfo info, Renderer<R> renderer) {
        PageUpdate update = e.toPageUpdate();
        RefreshReason reason = policy.beforeEncoding(s, e.pageShift(), e.captureTimeMillis());
        PendingFrame pending = null;
        R rendered = null;
        if (reason == null) {
            pending = RegionEncoder.delta(s.meta(), reference, update);
            if (e.hasDigest() && pending.after().digest() != e.digest().getAsLong()) {
                return resyncWith(s, info, Reason.DIGEST_MISMATCH, pending.after().digest());
            }
            if (pending.count() == 0 && pending.removedFrom() == pending.removedTo() && pending.after().regionPages() == s.regionPages) {
                s.lastSequence = e.sequence();
                return new Unchanged<>(s, e.hasDigest());
            }
            rendered = renderer.render(info, pending);
            if (policy.keyframeMayBeSmaller(s, rendered.frame().length)) {
                // By cost: the keyframe replaces the delta only when it is the smaller frame.
                PendingFrame full = RegionEncoder.full(s.meta(), epochAfter(s, e.captureTimeMillis()), e.pageShift(), reference, update);
                R keyframe = renderer.render(info, full);
                if (keyframe.frame().length < rendered.frame().length) {
                    pending = full;
                    rendered = keyframe;
                    reason = RefreshReason.SIZE;
                }
            } else if (policy.deltasOutweighKeyframe(s, rendered.frame().length)) {
                reason = RefreshReason.BUDGET;
            }
        }
        if (reason != null && (pending == null || pending.type() != dev.hde.codec.wire.FrameType.FULL)) {
            pending = RegionEncoder.full(s.meta(), epochAfter(s, e.captureTimeMillis()), e.pageShift(), reference, update);
            if (e.hasDigest() && pending.after().digest() != e.digest().getAsLong()) {
                return resyncWith(s, info, Reason.DIGEST_MISMATCH, pending.after().digest());
            }
            rendered = renderer.render(info, pending);
        }
        RegionEncoder.commit(pending, reference);
        s.advance(pending.after());
        s.lastSequence = e.sequence();
        if (reason != null) {
            startEpoch(s, e.captureTimeMillis(), rendered.frame().length);
        } else {
            s.deltaBytesSinceFull += rendered.frame().length;
        }
        return new Emit<>(s, info, pending, rendered, reason, false, e.hasDigest());
    }

    private <R extends Rendered> Outcome<R> resync(RegionState s, PageUpdateEvent e, FrameInfo info, Reason reason, long expectedDigest) {
        if (s == null) {
            RegionState waiting = RegionState.awaiting(reason, e.sequence());
            return new Resync<>(waiting, info, reason, 0, RegionEncoder.resync(info, null), expectedDigest);
        }
        return resyncWith(s, info, reason, expectedDigest);
    }

    /** Starts a wait on a region the encoder holds (its reference, which receivers hold, stays as it is). */
    private static <R extends Rendered> Outcome<R> resyncWith(RegionState s, FrameInfo info, Reason reason, long expectedDigest) {
        s.startResync(reason, info.sourceSequence());
        byte[] notice = RegionEncoder.resync(info, s.hasReference() ? s.meta() : null);
        return new Resync<>(s, info, reason, s.lastSequence, notice, expectedDigest);
    }

    private static void startEpoch(RegionState s, long startMillis, long keyframeBytes) {
        s.epochStartMillis = startMillis;
        s.deltaBytesSinceFull = 0;
        s.lastFullBytes = keyframeBytes;
    }

    /** {@link #nextEpoch}, and for a region the encoder holds no image of, no lower than its clock. */
    private long epochAfter(RegionState s, long captureMillis) {
        long next = nextEpoch(s, captureMillis);
        return s == null || !s.hasReference() ? Math.max(next, clockMillis.getAsLong()) : next;
    }

    /**
     * Epochs move forward and follow capture time, so a key that was forgotten (pruned, or its state
     * lost) and comes back with newer memory still moves its receivers forward. (Events encoded again
     * after a restart without state are not newer: the encoder's clock covers those, {@link #epochAfter}.)
     */
    public static long nextEpoch(RegionState s, long captureMillis) {
        long previous = s == null ? 0 : s.epoch;
        return Math.max(previous + 1, captureMillis);
    }
}
