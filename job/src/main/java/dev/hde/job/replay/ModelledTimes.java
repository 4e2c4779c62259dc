package dev.hde.job.replay;

import dev.hde.codec.block.BlockCodec;
import dev.hde.codec.block.CodecSpec;
import dev.hde.codec.delta.DeltaMethod;
import dev.hde.codec.select.EncodeChoice;
import dev.hde.codec.wire.FrameHeader;

/**
 * The fixed speed table of the codec's offline simulation ({@code SelectorSimulation.TimeTable.CALIBRATED}
 * in the codec's tests, docs/selector.md "The offline acceptance test"): modelled encode and decode
 * nanoseconds of one rendered frame, from its header (method, codec, raw and block length), the page
 * bytes it carries and the bytes that changed. Deterministic, unlike real timings on a shared machine,
 * so the replay's "adaptive vs best fixed" comparison on these figures does not depend on timing noise,
 * and the adaptive selector learns from these figures, so that its choices reproduce.
 *
 * <p>The simulation's table knows zstd levels 1, 3, 9 and 19 and LZ4; other levels use the speed
 * interpolation of the codec's {@code CostModel} priors (which agree with the table at those levels).
 * The codec keeps the table in its test sources, so it is repeated here; it belongs in the codec's main
 * sources, beside the priors it was calibrated with.
 */
final class ModelledTimes {

    private ModelledTimes() {}

    /** Nanoseconds per block byte {lo, hi}: incompressible .. very compressible. */
    static double[] codec(CodecSpec c) {
        return switch (c.codec()) {
            case NONE -> new double[] {0, 0};
            case LZ4 -> c.level() == 0 ? new double[] {0.05, 0.8} : new double[] {0.5, 5 + 1.5 * c.level()};
            case ZSTD -> zstd(c.level());
        };
    }

    private static final int[] ZSTD_LEVELS = {1, 3, 6, 9, 12, 15, 19, 22};
    private static final double[] ZSTD_LO = {0.10, 0.15, 0.6, 1.5, 4, 10, 60, 100};
    private static final double[] ZSTD_HI = {1.3, 1.9, 6, 25, 45, 80, 220, 400};

    private static double[] zstd(int level) {
        if (level <= 1) {
            double f = Math.pow(0.85, Math.min(20, 1 - level));
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

    private static double geo(double a, double b, double t) {
        return a * Math.pow(b / a, t);
    }

    /**
     * Modelled {encode, decode} nanoseconds of one rendered frame.
     *
     * @param arm the choice the frame was rendered with (mapped for the frame type)
     * @param h the frame's header
     * @param bytesIn page bytes the frame carries (non-zero listed pages x page size)
     * @param changedBytes bytes that differ from the old pages, whole pages for new ones
     */
    static double[] time(EncodeChoice arm, FrameHeader h, long bytesIn, long changedBytes) {
        double raw = h.dataRawLength();
        boolean attempted = arm.codec().codec() != BlockCodec.NONE;
        boolean stored = h.codec() == BlockCodec.NONE;
        double c = !attempted || stored || raw == 0 ? 0 : Math.sqrt(Math.max(0, 1 - h.dataBlockLength() / raw));
        double[] lohi = codec(arm.codec());
        double codecNs = attempted ? raw * (lohi[0] + (lohi[1] - lohi[0]) * c) : 0;
        int level = arm.codec().level();
        double encode;
        double decode = 0.5 * bytesIn;
        switch (h.method()) {
            case RAW -> encode = 0.10 * bytesIn + codecNs;
            case XOR -> {
                // the codec races through the zero runs: only the changed bytes cost the full rate
                double busy = Math.min(raw, 2.0 * changedBytes);
                encode = 0.20 * bytesIn + (attempted ? raw * lohi[0] + busy * (lohi[1] - lohi[0]) * c : 0);
                decode += 0.25 * bytesIn;
            }
            case XBZRLE -> {
                encode = 0.15 * bytesIn + 0.6 * raw + codecNs;
                decode += 0.2 * raw;
            }
            case DICT -> {
                double load = level <= 3 ? 1.0 : level <= 9 ? 1.0 + (level - 3) * 0.5 : 4.0 + (level - 9) * 1.6;
                encode = 0.25 * bytesIn + load * bytesIn + 0.7 * codecNs;
                decode += 0.2 * bytesIn;
            }
            default -> throw new IllegalStateException("unknown method " + h.method());
        }
        if (!stored) {
            decode += raw * (h.codec() == BlockCodec.LZ4 ? 0.15 : h.method() == DeltaMethod.DICT ? 0.8 : 0.6);
        }
        if (h.dictionaryId() != 0) {
            encode += 0.02 * bytesIn;
            decode += 0.02 * bytesIn;
        }
        return new double[] {encode, decode};
    }
}
