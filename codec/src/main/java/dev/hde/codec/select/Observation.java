package dev.hde.codec.select;

import java.util.Objects;

/**
 * One performance record as the selector model takes it: the kind of data, the choice that was
 * made (the one the selector chose, not what the frame header ended up saying: a zstd block that
 * did not shrink is stored as codec none, and that failure belongs to the zstd choice), and the
 * sums it adds.
 *
 * @param captureTimeMillis when the frame's pages were captured: the model's {@code asOf} is the latest one
 */
public record Observation(int kind, EncodeChoice choice, Aggregate sums, long captureTimeMillis) implements java.io.Serializable {

    public Observation {
        if (kind < 0 || kind >= DataFeatures.KINDS) {
            throw new IllegalArgumentException("kind " + kind + " outside [0, " + DataFeatures.KINDS + ")");
        }
        Objects.requireNonNull(choice);
        Objects.requireNonNull(sums);
        if (captureTimeMillis < 0) {
            throw new IllegalArgumentException("negative capture time");
        }
    }

    /**
     * An encoder's record of a frame: its features, the choice (as the selector returned it, mapped
     * with {@link EncodeChoice#forFrame} for a keyframe), the frame's length and the time spent. The
     * priors' prediction for the frame ({@link CostModel#prior}) goes into the record with it.
     */
    public static Observation encoded(DataFeatures f, EncodeChoice choice, long frameBytes, long encodeNanos, long captureTimeMillis) {
        CostModel.Estimate prior = CostModel.prior(choice, f);
        return new Observation(f.kind(), choice, Aggregate.encoded(f.bytes(), frameBytes, expected(prior.ratio(), f),
                Math.max(0, encodeNanos), expected(prior.encodeNanosPerByte(), f)), captureTimeMillis);
    }

    /** A receiver's record of applying a frame (decoders that report; the encoder cannot measure this). */
    public static Observation decoded(DataFeatures f, EncodeChoice choice, long decodeNanos, long captureTimeMillis) {
        CostModel.Estimate prior = CostModel.prior(choice, f);
        return new Observation(f.kind(), choice, Aggregate.decoded(f.bytes(), Math.max(0, decodeNanos), expected(prior.decodeNanosPerByte(), f)),
                captureTimeMillis);
    }

    /** A prediction per page byte for the whole frame, rounded (at least 1, so that a record always has something to compare with). */
    static long expected(double perByte, DataFeatures f) {
        double v = perByte * Math.max(4096L, f.bytes());
        return Math.max(1L, Math.min((long) 1e15, Math.round(v)));
    }
}
