package dev.hde.codec.region;

import dev.hde.codec.block.BlockCodec;
import dev.hde.codec.block.CodecSpec;
import dev.hde.codec.delta.DeltaMethod;

/**
 * One choice of delta method and block codec for a frame.
 *
 * <p>Two bounds say where a spec is worth trying when {@link RegionEncoder#renderSmallest} chooses
 * among several; a single spec given to {@link RegionEncoder#render} is always used.
 *
 * <ul>
 *   <li>{@code maxRawShare}: only on frames whose data block, before the codec, is at most that share
 *       of the frame's page bytes. A slow codec (LZMA, 20-60 ns per byte it codes) then costs at most
 *       that share of its speed per page byte: it is spent where the delta method already made the
 *       frame small, which is where the bytes it saves are a large part of the frame, and never on new
 *       content that would take it at full length. Unbounded: {@link Double#POSITIVE_INFINITY}.
 *   <li>{@code minEarlierShare}: only on frames that every spec before it left above that share of
 *       the frame's page bytes. A second method is then paid for only where the first one found
 *       little to remove (new content: compressed data, copied files), which is where another way of
 *       finding repeats can still save a large part of the frame. Unbounded: 0.
 * </ul>
 */
public record EncodeSpec(DeltaMethod method, CodecSpec codec, double maxRawShare, double minEarlierShare)
        implements java.io.Serializable {

    public EncodeSpec {
        if (method == DeltaMethod.DICT && codec.codec() != BlockCodec.ZSTD && codec.codec() != BlockCodec.LZMA
                && codec.codec() != BlockCodec.BROTLI) {
            throw new IllegalArgumentException("the dict method needs zstd, lzma or brotli, not " + codec);
        }
        if (!(maxRawShare > 0)) {
            throw new IllegalArgumentException("the raw share bound must be positive, not " + maxRawShare);
        }
        if (!(minEarlierShare >= 0 && minEarlierShare < Double.POSITIVE_INFINITY)) {
            throw new IllegalArgumentException("the earlier frames' share bound must be finite and at least 0, not " + minEarlierShare);
        }
    }

    public EncodeSpec(DeltaMethod method, CodecSpec codec) {
        this(method, codec, Double.POSITIVE_INFINITY, 0);
    }

    public static EncodeSpec of(DeltaMethod method, CodecSpec codec) {
        return new EncodeSpec(method, codec);
    }

    /** This spec, tried among several only on frames whose data block before the codec is at most {@code share} of their page bytes. */
    public EncodeSpec whereRawShareAtMost(double share) {
        return new EncodeSpec(method, codec, share, minEarlierShare);
    }

    /** This spec, tried among several only on frames that the specs before it left above {@code share} of their page bytes. */
    public EncodeSpec whereEarlierFramesAbove(double share) {
        return new EncodeSpec(method, codec, maxRawShare, share);
    }

    /** Whether {@link #maxRawShare} bounds this spec. */
    public boolean bounded() {
        return maxRawShare != Double.POSITIVE_INFINITY;
    }

    /** Whether {@link #minEarlierShare} bounds this spec. */
    public boolean afterEarlierOnly() {
        return minEarlierShare > 0;
    }

    /** The same method and codec without either bound. */
    public EncodeSpec unbounded() {
        return bounded() || afterEarlierOnly() ? new EncodeSpec(method, codec) : this;
    }

    /** {@code method+codec}, then {@code @maxRawShare} and {@code >minEarlierShare} where bounded: the spelling of settings. */
    @Override
    public String toString() {
        String s = method.name().toLowerCase(java.util.Locale.ROOT) + "+" + codec;
        if (bounded()) {
            s += "@" + maxRawShare;
        }
        return afterEarlierOnly() ? s + ">" + minEarlierShare : s;
    }
}
