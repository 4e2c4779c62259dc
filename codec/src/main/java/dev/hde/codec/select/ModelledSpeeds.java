package dev.hde.codec.select;

import dev.hde.codec.block.BlockCodec;
import dev.hde.codec.block.BlockCodecs;
import dev.hde.codec.block.CodecSpec;
import dev.hde.codec.delta.DeltaMethod;
import dev.hde.codec.wire.FrameHeader;

/**
 * A fixed speed table: the modelled encode and decode time of one rendered frame, from its header
 * (method, codec, raw and block length), the page bytes it carries and the bytes that changed.
 * Offline comparisons of choices (the codec's selector simulation, the {@code hde replay} job's
 * "table" cost) use it instead of real timings, which on a shared machine swing by ±50% from run to
 * run: with it, a comparison and what a selector learns from it depend only on the input and the
 * seed.
 *
 * <p>The table is the one the {@link CostModel} priors' speeds were calibrated with on this
 * machine (docs/selector.md, "Priors"): a method cost per page byte (RAW 0.10, XOR 0.20, XBZRLE 0.15
 * plus 0.6 per byte it writes, DICT 0.25 plus loading the old pages), plus a codec cost per byte of
 * the block it compresses, between its speed on incompressible data and its speed on very
 * compressible data: LZ4 0.05..0.8, zstd-1 0.10..1.3, zstd-3 0.15..1.9, zstd-9 1.5..25, zstd-19
 * 60..220 ns/B, other zstd levels interpolated geometrically between 1, 3, 6, 9, 12, 15, 19 and 22.
 * Decoding: 0.5 ns per page byte, XOR 0.25 and XBZRLE 0.2 per byte of its stream, DICT 0.2, plus
 * LZ4 0.15 and zstd 0.6 (DICT 0.8) per block byte unless the block was stored. A trained
 * dictionary adds 0.02 ns per page byte each way.
 *
 * <p>{@code codecScale} (zstd), {@code lz4Scale} and {@code xbzrleScale} skew the world away from
 * what the priors assume ({@link #SKEWED}), to check that learning corrects wrong priors.
 *
 * @param codecScale multiplies zstd's speeds (and DICT's dictionary load)
 * @param lz4Scale multiplies LZ4's speeds
 * @param xbzrleScale multiplies XBZRLE's method cost
 */
public record ModelledSpeeds(double codecScale, double lz4Scale, double xbzrleScale) implements java.io.Serializable {

    /** The table as measured here, which the priors assume. */
    public static final ModelledSpeeds CALIBRATED = new ModelledSpeeds(1, 1, 1);
    /** A world the priors get wrong: zstd 2.5x slower, LZ4 2x faster, XBZRLE 1.5x slower. */
    public static final ModelledSpeeds SKEWED = new ModelledSpeeds(2.5, 0.5, 1.5);

    public ModelledSpeeds {
        if (!(codecScale > 0 && lz4Scale > 0 && xbzrleScale > 0)) {
            throw new IllegalArgumentException("speed scales must be positive");
        }
    }

    /** Nanoseconds per block byte {lo, hi} of a codec: incompressible .. very compressible. */
    public double[] codec(CodecSpec c) {
        double[] r = switch (c.codec()) {
            case NONE -> new double[] {0, 0};
            case LZ4 -> c.level() == 0 ? new double[] {0.05, 0.8} : new double[] {0.5, 5 + 1.5 * c.level()};
            case ZSTD -> zstd(c.level());
            case LZMA -> lzma(c.level());
            case BROTLI -> brotli(c.level());
        };
        double scale = c.codec() == BlockCodec.ZSTD || c.codec() == BlockCodec.BROTLI ? codecScale : c.codec() == BlockCodec.LZ4 ? lz4Scale : 1;
        return new double[] {r[0] * scale, r[1] * scale};
    }

    private static final int[] ZSTD_LEVELS = {1, 3, 6, 9, 12, 15, 19, 22};
    private static final double[] ZSTD_LO = {0.10, 0.15, 0.6, 1.5, 4, 10, 60, 100};
    private static final double[] ZSTD_HI = {1.3, 1.9, 6, 25, 45, 80, 220, 400};

    /** zstd's {lo, hi} ns per block byte at a level (the table's levels exactly, others interpolated). */
    static double[] zstd(int level) {
        if (level <= 1) {
            double f = Math.pow(0.85, Math.min(20, 1 - level)); // negative levels: faster
            return new double[] {ZSTD_LO[0] * f, ZSTD_HI[0] * f};
        }
        for (int i = 1; i < ZSTD_LEVELS.length; i++) {
            if (level == ZSTD_LEVELS[i]) {
                return new double[] {ZSTD_LO[i], ZSTD_HI[i]};
            }
            if (level < ZSTD_LEVELS[i]) {
                double t = (double) (level - ZSTD_LEVELS[i - 1]) / (ZSTD_LEVELS[i] - ZSTD_LEVELS[i - 1]);
                return new double[] {geo(ZSTD_LO[i - 1], ZSTD_LO[i], t), geo(ZSTD_HI[i - 1], ZSTD_HI[i], t)};
            }
        }
        return new double[] {ZSTD_LO[ZSTD_LO.length - 1], ZSTD_HI[ZSTD_HI.length - 1]};
    }

    /**
     * LZMA's {lo, hi} ns per block byte (org.tukaani:xz, measured with the codec JMH's data on this
     * machine): presets 0..3 use the fast mode (hash chains), 4..9 the normal mode (binary trees).
     */
    static double[] lzma(int level) {
        return level <= 3 ? new double[] {25 + 10 * level, 60 + 20 * level} : new double[] {80 + 15 * level, 250 + 40 * level};
    }

    /**
     * Brotli's {lo, hi} ns per block byte before {@code codecScale}, as zstd's: measured as multiples
     * of zstd-3's time on the same blocks in the same process (brotli4j 1.24, the corpus' SPLIT blocks,
     * docs/benchmarks.md "Brotli in `balanced`"): quality 4 3.4-4.7 times, 5 4.7-5.7, 6 5.2-6.9, and
     * a third more for what `hde replay` timed against this table (keyframes of whole pages included);
     * qualities 0-3 and 7-11 extrapolated (quality 3 about 2.5 times in the brotli command).
     */
    static double[] brotli(int quality) {
        return switch (quality) {
            case 0, 1, 2 -> new double[] {1, 3};
            case 3 -> new double[] {2, 5};
            case 4 -> new double[] {4, 9};
            case 5 -> new double[] {7, 13};
            case 6 -> new double[] {8, 16};
            case 7, 8, 9 -> new double[] {12 + 6 * (quality - 7), 25 + 15 * (quality - 7)};
            default -> new double[] {200, 600};
        };
    }

    private static double geo(double a, double b, double t) {
        return a * Math.pow(b / a, t);
    }

    /** Loading the old pages as DICT's raw-content dictionary, ns per page byte (before {@code codecScale}). */
    static double dictLoad(int level) {
        return level <= 3 ? 1.0 : level <= 9 ? 1.0 + (level - 3) * 0.5 : 4.0 + (level - 9) * 1.6;
    }

    /**
     * Modelled {encode, decode} nanoseconds of one rendered frame.
     *
     * @param arm the choice the frame was rendered with (mapped for the frame type: a keyframe's is RAW)
     * @param h the frame's header
     * @param bytesIn page bytes the frame carries (non-zero listed pages x page size)
     * @param changedBytes bytes that differ from the old pages, whole pages for new ones (what XOR's codec works on)
     */
    public double[] time(EncodeChoice arm, FrameHeader h, long bytesIn, long changedBytes) {
        return time(arm, h.method(), h.codec() == BlockCodec.NONE, h.dataRawLength(), h.dataBlockLength(), bytesIn, changedBytes,
                h.dictionaryId() != 0);
    }

    /**
     * Modelled {encode, decode} nanoseconds of a frame described by its sizes: the same table, for
     * a frame that is only predicted ({@link CostModel#prior} charges its predicted frames with it).
     *
     * @param method the delta method the frame uses (RAW for a keyframe)
     * @param stored whether the block is stored (no codec, or the codec did not shrink it)
     * @param raw the data block's length before the codec
     * @param block its length after the codec (= raw when stored)
     * @param trainedDictionary whether the block was compressed with a trained dictionary
     */
    public double[] time(EncodeChoice arm, DeltaMethod method, boolean stored, double raw, double block, double bytesIn, double changedBytes,
            boolean trainedDictionary) {
        boolean attempted = arm.codec().codec() != BlockCodec.NONE;
        double c = !attempted || stored || raw <= 0 ? 0 : Math.sqrt(Math.max(0, 1 - block / raw));
        double[] lohi = codec(arm.codec());
        double codecNs = attempted ? raw * (lohi[0] + (lohi[1] - lohi[0]) * c) : 0;
        int level = arm.codec().level();
        double encode;
        double decode = 0.5 * bytesIn;
        switch (method) {
            case RAW -> encode = 0.10 * bytesIn + codecNs;
            case XOR -> {
                // the codec races through the zero runs: only the changed bytes cost the full rate
                double busy = Math.min(raw, 2.0 * changedBytes);
                encode = 0.20 * bytesIn + (attempted ? raw * lohi[0] + busy * (lohi[1] - lohi[0]) * c : 0);
                decode += 0.25 * bytesIn;
            }
            case XBZRLE -> {
                encode = xbzrleScale * (0.15 * bytesIn + 0.6 * raw) + codecNs;
                decode += 0.2 * raw;
            }
            case DICT -> {
                double load = arm.codec().codec() == BlockCodec.LZMA ? 0.5 * lzma(level)[0] : dictLoad(level) * codecScale;
                encode = 0.25 * bytesIn + BlockCodecs.codingPasses(arm.codec(), true) * (load * bytesIn + 0.7 * codecNs);
                decode += 0.2 * bytesIn;
            }
            case SPLIT -> {
                encode = xbzrleScale * (0.15 * bytesIn + 0.9 * raw) + codecNs;
                decode += 0.3 * raw;
            }
            default -> throw new IllegalStateException("unknown method " + method);
        }
        if (!stored) {
            decode += raw * switch (arm.codec().codec()) {
                case LZ4 -> 0.15;
                case LZMA -> 12.0;
                case BROTLI -> 2.3; // 3.3-4.3 times zstd's decode time on the same blocks
                default -> method == DeltaMethod.DICT ? 0.8 : 0.6;
            };
        }
        if (trainedDictionary && !stored) {
            encode += 0.02 * bytesIn;
            decode += 0.02 * bytesIn;
        }
        return new double[] {encode, decode};
    }
}
