package dev.hde.codec.block;

import dev.hde.codec.HdeException;
import dev.hde.codec.HdeException.Kind;

/** The general-purpose compressors a frame's blocks can go through. The id is the wire value. */
public enum BlockCodec {
    NONE(0),
    LZ4(1),
    ZSTD(2);

    private final int id;

    BlockCodec(int id) {
        this.id = id;
    }

    public int id() {
        return id;
    }

    public static BlockCodec fromId(int id) {
        for (BlockCodec c : values()) {
            if (c.id == id) {
                return c;
            }
        }
        throw new HdeException(Kind.UNKNOWN_CODEC, "codec id " + id);
    }
}
