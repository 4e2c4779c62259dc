package dev.hde.codec.select;

import dev.hde.codec.block.BlockCodec;
import dev.hde.codec.block.CodecSpec;
import dev.hde.codec.delta.DeltaMethod;

/**
 * The cost of encoding a frame one way: encode time + wire bytes / link bandwidth + decode time,
 * from an {@link Estimate} of the ratio and speeds. Estimates start from priors (functions of the
 * frame's {@link DataFeatures}, calibrated on this codec; docs/selector.md has the table they come
 * from) and move towards what the performance records of the same kind of data show, as a
 * pseudo-count-weighted mean: with pseudo-count k and n records, the estimate is
 * {@code (k * prior + n * observed) / (k + n)}, so a few records already move it and many records
 * decide it.
 *
 * <p>The ratio is learned per payload byte for the delta methods (their output scales with the
 * share of the bytes that changed, which varies inside a kind), per byte for RAW. Speeds are learned
 * per page byte carried. Everything is a pure function of its inputs: no clock, no randomness.
 */
public final class CostModel {

    /** Payload share below which every delta method still pays a few bytes per page (op byte, lengths, run headers). */
    public static final double MIN_PAYLOAD_SHARE = 1.0 / 512;
    /** Bytes per page the frame spends whatever the method (the op byte), as a share of a 4 KiB page. */
    static final double OP_OVERHEAD = 1.0 / 4096;

    private CostModel() {}

    /**
     * Expected bytes out per byte in, and nanoseconds per byte in to encode and to decode.
     */
    public record Estimate(double ratio, double encodeNanosPerByte, double decodeNanosPerByte) {

        /** Expected nanoseconds for a frame carrying {@code bytesIn} page bytes over {@code link}. */
        public double costNanos(long bytesIn, Link link) {
            return bytesIn * costNanosPerByte(link);
        }

        /** Expected nanoseconds per page byte: encode + wire + decode. */
        public double costNanosPerByte(Link link) {
            return encodeNanosPerByte + ratio * link.nanosPerByte() + decodeNanosPerByte;
        }
    }

    /** The share of a frame's bytes a method's output scales with: 1 for RAW, the payload share (at least {@link #MIN_PAYLOAD_SHARE}) otherwise. */
    public static double payloadShare(DataFeatures f, DeltaMethod method) {
        return method == DeltaMethod.RAW ? 1.0 : Math.max(MIN_PAYLOAD_SHARE, f.payloadShare());
    }

    /**
     * The estimate for a frame: the prior moved towards the cell's records with pseudo-count
     * {@code pseudoCount}. An empty cell gives the prior.
     */
    public static Estimate estimate(EncodeChoice c, DataFeatures f, Aggregate cell, double pseudoCount) {
        Estimate prior = prior(c, f);
        if (cell == null || cell.isEmpty()) {
            return prior;
        }
        double k = pseudoCount;
        double share = payloadShare(f, c.method());
        double ratio = prior.ratio();
        if (cell.count() > 0 && cell.payloadBytes() > 0) {
            double n = cell.count();
            double priorPerPayload = prior.ratio() / share;
            double observedPerPayload = (double) cell.bytesOut() / cell.payloadBytes();
            ratio = share * (k * priorPerPayload + n * observedPerPayload) / (k + n);
        }
        double encode = prior.encodeNanosPerByte();
        if (cell.count() > 0 && cell.bytesIn() > 0) {
            double n = cell.count();
            encode = (k * encode + n * ((double) cell.encodeNanos() / cell.bytesIn())) / (k + n);
        }
        double decode = prior.decodeNanosPerByte();
        if (cell.decodeCount() > 0 && cell.decodeBytes() > 0) {
            double n = cell.decodeCount();
            decode = (k * decode + n * ((double) cell.decodeNanos() / cell.decodeBytes())) / (k + n);
        }
        return new Estimate(Math.min(ratio, 1.5), encode, decode);
    }

    // ---------------------------------------------------------------- priors

    /**
     * The prior for a choice on a frame with these features, before any record. See
     * docs/selector.md ("Priors") for where each constant comes from. In short:
     *
     * <ul>
     *   <li>{@code q}, what zstd-3 leaves of raw page content, grows with the sampled entropy h:
     *       {@code min(1, 0.02 + 0.98 (h/7.9)^2.2)} (from 7.9 bits on, as random pages: 1, nothing compresses);
     *   <li>XBZRLE's output is about {@code 1.1 P + 0.006} of the page bytes, P the payload share
     *       (changed bytes plus new pages); zstd-3 leaves {@code P q + (1-P) (0.2 + 0.8 q)} of it,
     *       other codecs a multiple of that;
     *   <li>XOR keeps whole pages: its zero runs cost the codec a little, and without a codec it is RAW;
     *   <li>DICT is zstd with the old pages as dictionary: XBZRLE-like at level 6 and above, worse below;
     *   <li>speeds: a method cost per page byte, plus a codec cost per byte of the block it compresses,
     *       slower on compressible data than on incompressible data (which zstd and LZ4 skip quickly).
     * </ul>
     */
    public static Estimate prior(EncodeChoice c, DataFeatures f) {
        DeltaMethod method = c.method();
        CodecSpec codec = c.codec();
        double h = Math.max(0.0, Math.min(8.0, f.entropyBits()));
        double q = Math.min(1.0, 0.02 + 0.98 * Math.pow(h / 7.9, 2.2)); // zstd-3 on raw content; nothing compresses above 7.9 bits
        double p = payloadShare(f, method);
        double newShare = Math.max(0.0, Math.min(1.0, f.newShare()));

        // What the block codec sees, as a share of the page bytes, and how well it compresses (0 = to nothing, 1 = not at all).
        double blockShare;
        double blockQ; // for zstd-3
        switch (method) {
            case RAW -> {
                blockShare = 1.0;
                blockQ = q;
            }
            case XBZRLE -> {
                blockShare = xbzrleShare(p);
                blockQ = deltaQ(p, q);
            }
            case XOR -> {
                blockShare = 1.0;
                blockQ = deltaQ(p, q);
            }
            case DICT -> {
                blockShare = 1.0;
                blockQ = q;
            }
            default -> throw new IllegalStateException();
        }

        double ratio;
        if (codec.codec() == BlockCodec.NONE) {
            ratio = blockShare;
        } else {
            double factor = scaled(blockQ, codecMultiplier(codec, method != DeltaMethod.RAW && method != DeltaMethod.DICT, p));
            ratio = switch (method) {
                case RAW -> factor;
                case XBZRLE -> blockShare * factor;
                case XOR -> Math.min(1.0, p * factor * (codec.codec() == BlockCodec.LZ4 ? 1.3 : 1.1)
                        + (codec.codec() == BlockCodec.LZ4 ? 0.015 : 0.004) * (1 - p));
                case DICT -> {
                    double rawFactor = scaled(q, codecMultiplier(codec, false, 1.0));
                    double dq = deltaQ(p, q);
                    double asDelta = xbzrleShare(p) * scaled(dq, codecMultiplier(codec, true, p));
                    double soft = Math.sqrt(1.0 - dq); // nothing to gain (or lose) on incompressible data
                    yield Math.min(rawFactor, asDelta * (codec.level() >= 6 ? 1.0 - 0.05 * soft : 1.0 + 0.5 * soft));
                }
            };
            if (c.trainedDictionary()) {
                // Measured on redis (held out): a trained dictionary saves 4-12% on single 4 KiB pages, and
                // from 8 pages on it does nothing or costs up to 2% (docs/selector.md).
                double small = Math.min(1.0, 4096.0 / Math.max(1, f.bytes()));
                ratio *= 1.005 - 0.08 * Math.sqrt(1.0 - blockQ) * small * small;
            }
        }
        ratio = Math.min(1.0, ratio) + OP_OVERHEAD;

        // Speeds, nanoseconds per page byte.
        double compressible = Math.sqrt(Math.max(0.0, 1.0 - blockQ));
        double codecNs = codecNanosPerBlockByte(codec, compressible);
        double encode = switch (method) {
            case RAW -> 0.10 + codecNs;
            case XOR -> 0.20 + codecNs * (p + 0.2 * (1 - p)); // zero runs go by fast
            case XBZRLE -> 0.15 + 0.75 * Math.min(1.0, p) + blockShare * codecNs;
            case DICT -> 0.25 + dictLoadNanosPerByte(codec.level()) * (1 - newShare) + 0.7 * codecNs;
        };
        if (c.trainedDictionary()) {
            encode += 0.02;
        }
        double decode = 0.5 + switch (method) {
            case RAW -> 0.0;
            case XOR -> 0.25;
            case XBZRLE -> 0.2 * blockShare * Math.sqrt(1.0 - Math.min(1.0, p)); // pages that did not shrink are RAW ops
            case DICT -> 0.2;
        };
        double stored = Math.max(0.1, compressible); // a block that does not compress is stored and costs nothing to "decompress"
        decode += switch (codec.codec()) {
            case NONE -> 0.0;
            case LZ4 -> 0.15 * blockShare * stored;
            case ZSTD -> (method == DeltaMethod.DICT ? 0.8 : 0.6) * blockShare * stored;
        };
        if (c.trainedDictionary()) {
            decode += 0.02;
        }
        return new Estimate(ratio, encode, decode);
    }

    /** Share of the page bytes XBZRLE writes: the payload plus run headers. */
    static double xbzrleShare(double payload) {
        return Math.min(1.0, 1.1 * payload + 0.006);
    }

    /** What zstd-3 leaves of a delta stream (changed bytes, run headers, zero runs) with payload share p over content with q. */
    static double deltaQ(double p, double q) {
        return p * q + (1 - p) * (0.2 + 0.8 * q);
    }

    /** A codec's multiplier applied to what compresses: no codec shrinks incompressible data ({@code blockQ} = 1). */
    static double scaled(double blockQ, double multiplier) {
        if (blockQ >= 1.0) {
            return 1.0;
        }
        return Math.min(1.0, blockQ * Math.pow(multiplier, 1.0 - blockQ));
    }

    /**
     * How much worse (above 1) or better (below 1) than zstd-3 a codec compresses: on raw content
     * (redis changed pages: lz4 1.58x, zstd-1 1.04x, zstd-19 0.85x of zstd-3) and on delta streams
     * (XBZRLE output: lz4 1.28x, zstd-1 1.02x, zstd-9 0.96x, zstd-19 0.92x).
     */
    static double codecMultiplier(CodecSpec codec, boolean deltaStream, double payload) {
        double raw;
        double delta;
        switch (codec.codec()) {
            case NONE -> {
                return 1.0;
            }
            case LZ4 -> {
                raw = codec.level() == 0 ? 1.45 : 1.2;
                delta = codec.level() == 0 ? 1.25 : 1.15;
            }
            case ZSTD -> {
                int l = codec.level();
                raw = l < 1 ? 1.04 + 0.03 * Math.min(10, 1 - l) : l == 1 ? 1.04 : l == 2 ? 1.02 : l <= 5 ? 1.0 : l <= 9 ? 0.95 : l <= 15 ? 0.92 : 0.86;
                delta = l < 1 ? 1.03 + 0.03 * Math.min(10, 1 - l) : l == 1 ? 1.03 : l <= 5 ? 1.0 : l <= 9 ? 0.96 : l <= 15 ? 0.94 : 0.92;
            }
            default -> throw new IllegalStateException();
        }
        if (!deltaStream) {
            return raw;
        }
        return payload * raw + (1 - payload) * delta;
    }

    /**
     * Nanoseconds per byte of block a codec takes, between its speed on incompressible data
     * ({@code compressible} = 0) and on very compressible data (1). Measured on this machine
     * (docs/selector.md): lz4 0.05..0.8, zstd-1 0.1..1.3, zstd-3 0.15..1.9, zstd-9 1.5..25,
     * zstd-19 60..220; other levels interpolated.
     */
    static double codecNanosPerBlockByte(CodecSpec codec, double compressible) {
        double lo;
        double hi;
        switch (codec.codec()) {
            case NONE -> {
                return 0.0;
            }
            case LZ4 -> {
                if (codec.level() == 0) {
                    lo = 0.05;
                    hi = 0.8;
                } else {
                    lo = 0.5;
                    hi = 5 + 1.5 * codec.level();
                }
            }
            case ZSTD -> {
                double[] r = zstdSpeed(codec.level());
                lo = r[0];
                hi = r[1];
            }
            default -> throw new IllegalStateException();
        }
        return lo + (hi - lo) * compressible;
    }

    private static final int[] ZSTD_LEVELS = {1, 3, 6, 9, 12, 15, 19, 22};
    private static final double[] ZSTD_LO = {0.10, 0.15, 0.6, 1.5, 4, 10, 60, 100};
    private static final double[] ZSTD_HI = {1.3, 1.9, 6, 25, 45, 80, 220, 400};

    private static double[] zstdSpeed(int level) {
        if (level <= 1) {
            double f = Math.pow(0.85, Math.min(20, 1 - level)); // negative levels: faster
            return new double[] {ZSTD_LO[0] * f, ZSTD_HI[0] * f};
        }
        for (int i = 1; i < ZSTD_LEVELS.length; i++) {
            if (level <= ZSTD_LEVELS[i]) {
                double t = (double) (level - ZSTD_LEVELS[i - 1]) / (ZSTD_LEVELS[i] - ZSTD_LEVELS[i - 1]);
                return new double[] {geo(ZSTD_LO[i - 1], ZSTD_LO[i], t), geo(ZSTD_HI[i - 1], ZSTD_HI[i], t)};
            }
        }
        return new double[] {ZSTD_LO[ZSTD_LO.length - 1], ZSTD_HI[ZSTD_HI.length - 1]};
    }

    private static double geo(double a, double b, double t) {
        return a * Math.pow(b / a, t);
    }

    /** Loading the old pages as a raw-content dictionary: zstd indexes them, more thoroughly at higher levels. */
    static double dictLoadNanosPerByte(int level) {
        return level <= 3 ? 1.0 : level <= 9 ? 1.0 + (level - 3) * 0.5 : Math.min(20, 4.0 + (level - 9) * 1.6);
    }
}
