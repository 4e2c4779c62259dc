package dev.hde.codec.region;

import dev.hde.codec.block.BlockCodec;
import dev.hde.codec.block.CodecSpec;
import dev.hde.codec.delta.DeltaMethod;

/**
 * One choice of delta method and block codec for a frame.
 *
 * <p>{@code maxRawShare} bounds where a spec is worth trying when {@link RegionEncoder#renderSmallest}
 * chooses among several: only on frames whose data block, before the codec, is at most that share of
 * the frame's page bytes. A slow codec (LZMA, 20-60 ns per byte it codes) then costs at most that
 * share of its speed per page byte: it is spent where the delta method already made the frame small,
 * which is where the bytes it saves are a large part of the frame, and never on new content that
 * would take it at full length. Unbounded ({@link Double#POSITIVE_INFINITY}) for a plain spec; a
 * single spec given to {@link RegionEncoder#render} is always used.
 */
public record EncodeSpec(DeltaMethod method, CodecSpec codec, double maxRawShare) implements java.io.Serializable {

    public EncodeSpec {
        if (method == DeltaMethod.DICT && codec.codec() != BlockCodec.ZSTD && codec.codec() != BlockCodec.LZMA) {
            throw new IllegalArgumentException("the dict method needs zstd or lzma, not " + codec);
        }
        if (!(maxRawShare > 0)) {
            throw new IllegalArgumentException("the raw share bound must be positive, not " + maxRawShare);
        }
    }

    public EncodeSpec(DeltaMethod method, CodecSpec codec) {
        this(method, codec, Double.POSITIVE_INFINITY);
    }

    public static EncodeSpec of(DeltaMethod method, CodecSpec codec) {
        return new EncodeSpec(method, codec);
    }

    /** This spec, tried among several only on frames whose data block before the codec is at most {@code share} of their page bytes. */
    public EncodeSpec whereRawShareAtMost(double share) {
        return new EncodeSpec(method, codec, share);
    }

    /** Whether {@link #maxRawShare} bounds this spec. */
    public boolean bounded() {
        return maxRawShare != Double.POSITIVE_INFINITY;
    }

    /** The same method and codec without the bound. */
    public EncodeSpec unbounded() {
        return bounded() ? new EncodeSpec(method, codec) : this;
    }

    @Override
    public String toString() {
        String s = method.name().toLowerCase(java.util.Locale.ROOT) + "+" + codec;
        return bounded() ? s + "@" + maxRawShare : s;
    }
}
