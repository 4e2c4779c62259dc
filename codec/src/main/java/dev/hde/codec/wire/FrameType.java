package dev.hde.codec.wire;

import dev.hde.codec.HdeException;
import dev.hde.codec.HdeException.Kind;

/**
 * FULL starts an epoch with the whole region, DELTA changes it, DELETE ends it. RESYNC changes
 * nothing: the encoder can no longer make frames that lead to the producer's memory for this region
 * (state lost, an event missing, a digest that does not match) and has asked the producer for the
 * whole region; a receiver keeps its image, reports the region as waiting for a keyframe, and takes
 * the next FULL frame.
 */
public enum FrameType {
    FULL(1),
    DELTA(2),
    DELETE(3),
    RESYNC(4);

    private final int id;

    FrameType(int id) {
        this.id = id;
    }

    public int id() {
        return id;
    }

    /** FULL and DELTA frames list pages; DELETE and RESYNC frames have no page table and no data. */
    public boolean carriesPages() {
        return this == FULL || this == DELTA;
    }

    public static FrameType fromId(int id) {
        for (FrameType t : values()) {
            if (t.id == id) {
                return t;
            }
        }
        throw new HdeException(Kind.UNKNOWN_TYPE, "frame type " + id);
    }
}
