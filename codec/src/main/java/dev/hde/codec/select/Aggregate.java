package dev.hde.codec.select;

/**
 * Sums over the performance records of one kind of data and one {@link EncodeChoice}. Sums are
 * saturating (they stop at {@link Long#MAX_VALUE}), which keeps addition commutative and
 * associative on non-negative values, so any order and grouping of merges gives the same result.
 *
 * @param count encoder records
 * @param bytesIn page bytes those frames carried (non-zero listed pages x page size)
 * @param payloadBytes the part of {@code bytesIn} that held news ({@link DataFeatures#payloadShare()}; all of it for RAW)
 * @param bytesOut bytes of those frames on the wire
 * @param encodeNanos time the encoder spent rendering them
 * @param decodeCount decoder records (receivers that report their apply time)
 * @param decodeBytes page bytes of the decoded frames
 * @param decodeNanos time the decoders spent applying them
 */
public record Aggregate(long count, long bytesIn, long payloadBytes, long bytesOut, long encodeNanos, long decodeCount, long decodeBytes,
        long decodeNanos) implements java.io.Serializable {

    public static final Aggregate ZERO = new Aggregate(0, 0, 0, 0, 0, 0, 0, 0);

    public Aggregate {
        if (count < 0 || bytesIn < 0 || payloadBytes < 0 || bytesOut < 0 || encodeNanos < 0 || decodeCount < 0 || decodeBytes < 0
                || decodeNanos < 0) {
            throw new IllegalArgumentException("negative sum in an aggregate");
        }
        if (payloadBytes > bytesIn) {
            throw new IllegalArgumentException("payload bytes above bytes in");
        }
    }

    /** One encoder record. */
    public static Aggregate encoded(long bytesIn, long payloadBytes, long bytesOut, long encodeNanos) {
        return new Aggregate(1, bytesIn, payloadBytes, bytesOut, encodeNanos, 0, 0, 0);
    }

    /** One decoder record. */
    public static Aggregate decoded(long bytesIn, long decodeNanos) {
        return new Aggregate(0, 0, 0, 0, 0, 1, bytesIn, decodeNanos);
    }

    public Aggregate plus(Aggregate o) {
        return new Aggregate(add(count, o.count), add(bytesIn, o.bytesIn), add(payloadBytes, o.payloadBytes), add(bytesOut, o.bytesOut),
                add(encodeNanos, o.encodeNanos), add(decodeCount, o.decodeCount), add(decodeBytes, o.decodeBytes),
                add(decodeNanos, o.decodeNanos));
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
