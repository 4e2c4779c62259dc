package dev.hde.codec.region;

import dev.hde.codec.block.BlockCodec;
import dev.hde.codec.block.CodecSpec;
import dev.hde.codec.delta.DeltaMethod;

/** One choice of delta method and block codec for a frame. */
public record EncodeSpec(DeltaMethod method, CodecSpec codec) implements java.io.Serializable {

    public EncodeSpec {
        if (method == DeltaMethod.DICT && codec.codec() != BlockCodec.ZSTD && codec.codec() != BlockCodec.LZMA) {
            throw new IllegalArgumentException("the dict method needs zstd or lzma, not " + codec);
        }
    }

    public static EncodeSpec of(DeltaMethod method, CodecSpec codec) {
        return new EncodeSpec(method, codec);
    }

    @Override
    public String toString() {
        return method.name().toLowerCase(java.util.Locale.ROOT) + "+" + codec;
    }
}
