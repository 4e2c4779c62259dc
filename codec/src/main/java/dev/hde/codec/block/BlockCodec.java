package dev.hde.codec.block;

import dev.hde.codec.HdeException;
import dev.hde.codec.HdeException.Kind;

/** The general-purpose compressors a frame's blocks can go through. The id is the wire value. */
public enum BlockCodec {
    NONE(0),
    LZ4(1),
    ZSTD(2),
    /** Raw LZMA (LZMA1) with a properties byte in front: slow to encode, the fewest bytes (docs/wire-format.md). */
    LZMA(3),
    /** Brotli (RFC 7932): between zstd and LZMA in bytes and speed, fast to decode (docs/wire-format.md). */
    BROTLI(4);

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
