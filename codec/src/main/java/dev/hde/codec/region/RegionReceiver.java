package dev.hde.codec.region;

import dev.hde.codec.HdeException;
import dev.hde.codec.wire.FrameType;
import java.util.Objects;

/**
 * A receiver's rules for one region's stream of frames, on top of {@link FrameApplier} (which checks
 * and applies one frame): what a RESYNC frame, a refused frame and the keyframe after them do.
 *
 * <ul>
 *   <li>A RESYNC frame changes nothing: the image is the last good one and the region is
 *       <em>waiting</em> for a keyframe. A RESYNC of epoch 0 (the encoder holds nothing of the region:
 *       its state was lost or pruned) also means that the next keyframe starts a new line of epochs,
 *       which may be lower than the one the receiver holds.
 *   <li>A refused frame stops the region: the image stays as it was, later frames are ignored, and
 *       the next FULL frame (checked like any other) brings it back.
 *   <li>Anything else goes to the {@link FrameApplier}.
 * </ul>
 *
 * <p>Flink-free: the decoder job keeps a {@link State} per region in keyed state; tools and tests keep
 * one in memory.
 */
public final class RegionReceiver {

    /**
     * Where one region stands at a receiver.
     *
     * @param image the image's metadata, or null when the receiver holds none (never had one, or deleted)
     * @param waiting a RESYNC frame came after the last keyframe: the image is not the producer's current memory
     * @param newLineage the RESYNC was of epoch 0: the next keyframe may have any epoch
     * @param error why the region stopped (a refused frame), or null
     * @param framesApplied frames applied since the receiver started
     * @param deleted the last frame applied was a DELETE
     */
    public record State(RegionMeta image, boolean waiting, boolean newLineage, String error, long framesApplied, boolean deleted) {
        public static final State EMPTY = new State(null, false, false, null, 0, false);

        /** The image is the producer's memory as of the last frame: not waiting, not stopped. */
        public boolean current() {
            return !waiting && error == null;
        }
    }

    /** What a frame did. */
    public enum Outcome {
        /** Applied: the image changed (or was deleted). */
        APPLIED,
        /** A RESYNC frame: nothing changed; the region waits for a keyframe. */
        WAITING,
        /** Refused: the region stopped with {@link State#error()}; the image is as it was. */
        REFUSED,
        /** The region is stopped and this frame is not a keyframe: ignored. */
        IGNORED
    }

    /** A frame's effect: the new state, the outcome, and the frame's header when it parsed. */
    public record Step(State state, Outcome outcome, dev.hde.codec.wire.FrameHeader header) {}

    private final FrameApplier applier;

    public RegionReceiver(FrameApplier applier) {
        this.applier = Objects.requireNonNull(applier);
    }

    /** Takes one frame of {@code key}; {@code store} holds the image's pages and changes only when a frame is applied. */
    public Step receive(byte[] frame, String key, State s, PageStore store) {
        if (s.error() != null && typeOf(frame) != FrameType.FULL) {
            return new Step(s, Outcome.IGNORED, null);
        }
        // After a stop or an epoch-0 RESYNC the next keyframe starts afresh: its own checks (CRC, digest) are all there is to check.
        RegionMeta current = s.error() != null || s.newLineage() ? null : s.image();
        FrameApplier.Applied applied;
        try {
            applied = applier.apply(frame, key, current, store);
        } catch (HdeException e) {
            return new Step(new State(s.image(), s.waiting(), s.newLineage(), e.getMessage(), s.framesApplied(), s.deleted()), Outcome.REFUSED,
                    null);
        }
        if (applied.header().type() == FrameType.RESYNC) {
            boolean newLineage = s.newLineage() || applied.header().epoch() == 0;
            return new Step(new State(s.image(), true, newLineage, null, s.framesApplied(), s.deleted()), Outcome.WAITING, applied.header());
        }
        boolean deleted = applied.header().type() == FrameType.DELETE;
        return new Step(new State(applied.meta(), false, false, null, s.framesApplied() + 1, deleted), Outcome.APPLIED, applied.header());
    }

    /** The frame type from its fixed offset (no CRC check; null when it is not a frame): only to route, never to apply. */
    public static FrameType typeOf(byte[] frame) {
        if (frame == null || frame.length < dev.hde.codec.wire.FrameFormat.MIN_FRAME_BYTES) {
            return null;
        }
        int magic = (frame[0] & 0xFF) | (frame[1] & 0xFF) << 8 | (frame[2] & 0xFF) << 16 | (frame[3] & 0xFF) << 24;
        if (magic != dev.hde.codec.wire.FrameFormat.MAGIC) {
            return null;
        }
        for (FrameType t : FrameType.values()) {
            if (t.id() == (frame[5] & 0xFF)) {
                return t;
            }
        }
        return null;
    }
}
