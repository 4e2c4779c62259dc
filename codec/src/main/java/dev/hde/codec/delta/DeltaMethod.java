package dev.hde.codec.delta;

import dev.hde.codec.HdeException;
import dev.hde.codec.HdeException.Kind;

/**
 * How the changed pages of a frame are turned into the data block before the block codec runs.
 * Unchanged pages are always left out and zero pages always cost only their page-table entry.
 */
public enum DeltaMethod {
    /** The new content of each page. */
    RAW(0),
    /** Old content XOR new content: in-place edits become runs of zeros for the block codec. */
    XOR(1),
    /** QEMU's XBZRLE per page: runs of unchanged bytes and new bytes; a page that would not shrink is sent raw. */
    XBZRLE(2),
    /**
     * The new content, compressed by zstd with the old content of the same pages, in the same order,
     * as a raw-content dictionary: each page finds its old self at one constant distance, and bytes
     * that moved within or across the changed pages are found too.
     */
    DICT(3),
    /**
     * The runs of changed bytes of each page, split into sections: where the runs are, their bytes as
     * new minus old, and whole pages ({@link SplitRuns}); the block codec then sees each kind of data
     * apart.
     */
    SPLIT(4);

    private final int id;

    DeltaMethod(int id) {
        this.id = id;
    }

    public int id() {
        return id;
    }

    public static DeltaMethod fromId(int id) {
        for (DeltaMethod m : values()) {
            if (m.id == id) {
                return m;
            }
        }
        throw new HdeException(Kind.UNKNOWN_METHOD, "delta method " + id);
    }
}
