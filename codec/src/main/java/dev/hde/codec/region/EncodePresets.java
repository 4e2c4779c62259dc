package dev.hde.codec.region;

import dev.hde.codec.block.CodecSpec;
import dev.hde.codec.delta.DeltaMethod;
import java.util.List;

/**
 * The named settings of the encoder ({@code --preset}): each renders a frame with every spec listed
 * (within its raw-share bound) and keeps the smallest ({@link RegionEncoder#renderSmallest}).
 * Figures on the real-memory corpus: docs/benchmarks.md.
 */
public final class EncodePresets {

    /** Fastest: XBZRLE runs then LZ4. */
    public static final List<EncodeSpec> FAST = List.of(EncodeSpec.of(DeltaMethod.XBZRLE, CodecSpec.LZ4));

    /**
     * The default: SPLIT sections then zstd level 3; on frames that SPLIT already made eight times
     * smaller than their pages (database and heap pages edited in place), Brotli quality 5 as well; on
     * frames that stay above 1/8 of their pages (new content: compressed data, copied files), DICT
     * with zstd level 3 as well, which finds content that moved between the frame's pages. The
     * smallest frame is kept. Brotli-5 costs 13-27 ns per byte it codes: bounded so, a few ns per page
     * byte; it sends within 2-3 % of LZMA-0's bytes there at 2-3 times its speed (the preset's encode
     * 1.7-3 times as fast on database and key-value memory; docs/benchmarks.md). DICT costs about twice
     * what SPLIT does (it indexes the old pages too), and only where SPLIT found little.
     *
     * <p>SPLIT + zstd-3 is not rendered at all where SPLIT's sections before the codec are above half
     * the frame's pages: that is new content, which SPLIT sends as its new bytes and DICT sends as the
     * same bytes with the old pages as history, so DICT alone decides at one zstd pass instead of two
     * (on the real-memory corpus: the same bytes within 0.6 %, guest memory encoded 1.2-1.5 times as fast;
     * docs/benchmarks.md). With no spec rendered (a keyframe) the first is used without its bound.
     */
    public static final List<EncodeSpec> BALANCED = List.of(EncodeSpec.of(DeltaMethod.SPLIT, CodecSpec.zstd(3)).whereRawShareAtMost(0.5),
            EncodeSpec.of(DeltaMethod.SPLIT, CodecSpec.brotli(5)).whereRawShareAtMost(0.125),
            EncodeSpec.of(DeltaMethod.DICT, CodecSpec.zstd(3)).whereEarlierFramesAbove(0.125));

    /** Fewest bytes, slowly: SPLIT sections, and the old pages as a preset dictionary, each with LZMA 9 (xz's -9e); the smaller. */
    public static final List<EncodeSpec> MAX = List.of(EncodeSpec.of(DeltaMethod.SPLIT, CodecSpec.lzma(9)),
            EncodeSpec.of(DeltaMethod.DICT, CodecSpec.lzma(9)));

    private EncodePresets() {}
}
