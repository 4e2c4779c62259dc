package dev.hde.codec.wire;

import dev.hde.codec.HdeException;
import dev.hde.codec.HdeException.Kind;

/** PAGES: some dirty pages; REGION: every page of the region in order; DELETE: the region is gone. */
public enum EventKind {
    PAGES(1),
    REGION(2),
    DELETE(3);

    private final int id;

    EventKind(int id) {
        this.id = id;
    }

    public int id() {
        return id;
    }

    public static EventKind fromId(int id) {
        for (EventKind k : values()) {
            if (k.id == id) {
                return k;
            }
        }
        throw new HdeException(Kind.UNKNOWN_TYPE, "event kind " + id);
    }
}
