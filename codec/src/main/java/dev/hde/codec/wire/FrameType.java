package dev.hde.codec.wire;

import dev.hde.codec.HdeException;
import dev.hde.codec.HdeException.Kind;

/** FULL starts an epoch with the whole region, DELTA changes it, DELETE ends it. */
public enum FrameType {
    FULL(1),
    DELTA(2),
    DELETE(3);

    private final int id;

    FrameType(int id) {
        this.id = id;
    }

    public int id() {
        return id;
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
