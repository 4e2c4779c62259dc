package dev.hde.codec.select;

/**
 * Sums over the performance records of one kind of data and one {@link EncodeChoice}: what the
 * frames cost, and what the priors predicted they would cost ({@link CostModel#prior}, computed from
 * each frame's features when the record is taken), so that {@link CostModel#estimate} can learn the
 * ratio of the two. Sums are saturating (they stop at {@link Long#MAX_VALUE}), which keeps addition
 * commutative and associative on non-negative values, so any order and grouping of merges gives the
 * same result.
 *
 * @param count encoder records
 * @param bytesIn page bytes those frames carried (non-zero listed pages x page size)
 * @param bytesOut bytes of those frames on the wire
 * @param expectedBytesOut the bytes the priors predicted for them (each record's prediction rounded to a byte)
 * @param encodeNanos time the encoder spent rendering them
 * @param expectedEncodeNanos the encode time the priors predicted for them
 * @param decodeCount decoder records (receivers that report their apply time)
 * @param decodeBytes page bytes of the decoded frames
 * @param decodeNanos time the decoders spent applying them
 * @param expectedDecodeNanos the decode time the priors predicted for them
 */
public record Aggregate(long count, long bytesIn, long bytesOut, long expectedBytesOut, long encodeNanos, long expectedEncodeNanos,
        long decodeCount, long decodeBytes, long decodeNanos, long expectedDecodeNanos) implements java.io.Serializable {

    public static final Aggregate ZERO = new Aggregate(0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

    public Aggregate {
        if (count < 0 || bytesIn < 0 || bytesOut < 0 || expectedBytesOut < 0 || encodeNanos < 0 || expectedEncodeNanos < 0 || decodeCount < 0
                || decodeBytes < 0 || decodeNanos < 0 || expectedDecodeNanos < 0) {
            throw new IllegalArgumentException("negative sum in an aggregate");
        }
    }

    /** One encoder record: what it cost, and what the priors predicted. */
    public static Aggregate encoded(long bytesIn, long bytesOut, long expectedBytesOut, long encodeNanos, long expectedEncodeNanos) {
        return new Aggregate(1, bytesIn, bytesOut, expectedBytesOut, encodeNanos, expectedEncodeNanos, 0, 0, 0, 0);
    }

    /** One decoder record. */
    public static Aggregate decoded(long bytesIn, long decodeNanos, long expectedDecodeNanos) {
        return new Aggregate(0, 0, 0, 0, 0, 0, 1, bytesIn, decodeNanos, expectedDecodeNanos);
    }

    public Aggregate plus(Aggregate o) {
        return new Aggregate(add(count, o.count), add(bytesIn, o.bytesIn), add(bytesOut, o.bytesOut), add(expectedBytesOut, o.expectedBytesOut),
                add(encodeNanos, o.encodeNanos), add(expectedEncodeNanos, o.expectedEncodeNanos), add(decodeCount, o.decodeCount),
                add(decodeBytes, o.decodeBytes), add(decodeNanos, o.decodeNanos), add(expectedDecodeNanos, o.expectedDecodeNanos));
    }

    /** Records of either side. */
    public long records() {
        return add(count, decodeCount);
    }

    public boolean isEmpty() {
        return count == 0 && decodeCount == 0;
    }

    static long add(long a, long b) {
        long s = a + b;
        return s < 0 ? Long.MAX_VALUE : s; // both are non-negative: overflow shows as a negative sum
    }
}
