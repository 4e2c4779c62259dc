package dev.hde.codec.wire;

import java.util.Objects;

/**
 * A request on one of the two control topics (docs/wire-format.md, "Control request").
 *
 * <p>{@link Kind#RESYNC}: the encoder to the producers (topic {@code hde.resync-requests}): it cannot
 * make frames that lead to the producer's memory of this region and asks for the whole region (a
 * REGION event) on the producer's next round. {@link Kind#KEYFRAME}: a receiver to the encoder
 * (topic {@code hde.keyframe-requests}): it needs a keyframe of this region (it is new, or a frame
 * failed) and the encoder sends one from its verified reference image.
 *
 * @param lastGoodSequence the producer sequence of the last event the encoder applied and checked, 0 when none
 * @param sequence the event (RESYNC) or frame's source sequence (KEYFRAME) that made the request, 0 when none
 * @param timeMillis when the request was made (milliseconds since the epoch)
 * @param attempt 1 for the first request of an episode, then 2, 3, … for the repeats of an unanswered one
 * @param requester who asks (an encoder subtask, a receiver's name), for logs; may be empty
 */
public record ControlRequest(
        Kind kind, String stateKey, Reason reason, long lastGoodSequence, long sequence, long timeMillis, int attempt, String requester) {

    /** Which control topic the request belongs to. */
    public enum Kind {
        RESYNC(1),
        KEYFRAME(2);

        private final int id;

        Kind(int id) {
            this.id = id;
        }

        public int id() {
            return id;
        }

        static Kind fromId(int id) {
            for (Kind k : values()) {
                if (k.id == id) {
                    return k;
                }
            }
            throw new dev.hde.codec.HdeException(dev.hde.codec.HdeException.Kind.UNKNOWN_TYPE, "request kind " + id);
        }
    }

    /** Why it is asked. */
    public enum Reason {
        /** The encoder holds no reference image of the region (new to it, state lost, pruned) and a partial event came. */
        NO_REFERENCE(1),
        /** Events of the region are missing (the producer's sequence jumped). */
        SEQUENCE_GAP(2),
        /** The encoder's reference image, updated by the event, does not have the producer's digest. */
        DIGEST_MISMATCH(3),
        /** The producer changed the page size with a partial event. */
        PAGE_SIZE_CHANGED(4),
        /** A receiver that holds nothing of the region (it started mid-stream). */
        NEW_RECEIVER(5),
        /** A receiver whose image of the region stopped on a refused frame. */
        RECEIVER_FAILED(6),
        /** Asked by an operator (a tool), not by a component. */
        OPERATOR(7);

        private final int id;

        Reason(int id) {
            this.id = id;
        }

        public int id() {
            return id;
        }

        static Reason fromId(int id) {
            for (Reason r : values()) {
                if (r.id == id) {
                    return r;
                }
            }
            throw new dev.hde.codec.HdeException(dev.hde.codec.HdeException.Kind.UNKNOWN_TYPE, "request reason " + id);
        }
    }

    public ControlRequest {
        Objects.requireNonNull(kind);
        Objects.requireNonNull(stateKey);
        Objects.requireNonNull(reason);
        Objects.requireNonNull(requester);
        if (lastGoodSequence < 0 || sequence < 0 || timeMillis < 0 || attempt < 1) {
            throw new IllegalArgumentException("negative sequence or time, or an attempt below 1");
        }
    }

    public static ControlRequest resync(String stateKey, Reason reason, long lastGoodSequence, long sequence, long timeMillis, int attempt,
            String requester) {
        return new ControlRequest(Kind.RESYNC, stateKey, reason, lastGoodSequence, sequence, timeMillis, attempt, requester);
    }

    public static ControlRequest keyframe(String stateKey, Reason reason, long sequence, long timeMillis, String requester) {
        return new ControlRequest(Kind.KEYFRAME, stateKey, reason, 0, sequence, timeMillis, 1, requester);
    }
}
