package dev.hde.codec.block;

/**
 * A block codec with its level: zstd levels as zstd defines them (negative = fast, up to 22);
 * LZ4 level 0 is the fast compressor and 1..17 the high-compression one; LZMA levels are xz's
 * presets 0..9, 9 being xz's -9e (6..8 differ from 6 only in dictionary size, which the block sets);
 * Brotli qualities are 0..11;
 * NONE has level 0.
 */
public record CodecSpec(BlockCodec codec, int level) implements java.io.Serializable {

    public static final CodecSpec NONE = new CodecSpec(BlockCodec.NONE, 0);
    public static final CodecSpec LZ4 = new CodecSpec(BlockCodec.LZ4, 0);

    public CodecSpec {
        switch (codec) {
            case NONE -> {
                if (level != 0) {
                    throw new IllegalArgumentException("codec none takes no level");
                }
            }
            case LZ4 -> {
                if (level < 0 || level > 17) {
                    throw new IllegalArgumentException("lz4 level must be 0 (fast) or 1..17 (high), not " + level);
                }
            }
            case ZSTD -> {
                if (level < -128 || level > 22 || level == 0) {
                    throw new IllegalArgumentException("zstd level must be in [-128, 22] and not 0, not " + level);
                }
            }
            case LZMA -> {
                if (level < 0 || level > 9) {
                    throw new IllegalArgumentException("lzma level must be an xz preset 0..9, not " + level);
                }
            }
            case BROTLI -> {
                if (level < 0 || level > 11) {
                    throw new IllegalArgumentException("brotli quality must be 0..11, not " + level);
                }
            }
        }
    }

    public static CodecSpec zstd(int level) {
        return new CodecSpec(BlockCodec.ZSTD, level);
    }

    public static CodecSpec lzma(int level) {
        return new CodecSpec(BlockCodec.LZMA, level);
    }

    public static CodecSpec brotli(int quality) {
        return new CodecSpec(BlockCodec.BROTLI, quality);
    }

    public static CodecSpec lz4(int level) {
        return new CodecSpec(BlockCodec.LZ4, level);
    }

    @Override
    public String toString() {
        return switch (codec) {
            case NONE -> "none";
            case LZ4 -> level == 0 ? "lz4" : "lz4hc-" + level;
            case ZSTD -> "zstd-" + level;
            case LZMA -> "lzma-" + level;
            case BROTLI -> "brotli-" + level;
        };
    }
}
