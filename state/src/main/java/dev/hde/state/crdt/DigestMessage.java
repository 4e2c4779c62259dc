package dev.hde.state.crdt;

import java.util.Arrays;
import java.util.Objects;

/**
 * One replica's anti-entropy digests: one 64-bit digest per key bucket (0 for an empty bucket),
 * with the sender's site id and clock. A receiver re-sends the buckets whose digests differ from
 * its own ({@link BaselineCatalog#differingBuckets}, {@link BaselineCatalog#bucketDelta}).
 */
public final class DigestMessage {

    private final String origin;
    private final Hlc clock;
    private final long[] digests;

    public DigestMessage(String origin, Hlc clock, long[] digests) {
        this.origin = SiteIds.check(origin);
        this.clock = Objects.requireNonNull(clock);
        if (digests.length < 1 || digests.length > CatalogLimits.MAX_BUCKETS) {
            throw new IllegalArgumentException("bucket count " + digests.length);
        }
        this.digests = digests.clone();
    }

    public String origin() {
        return origin;
    }

    public Hlc clock() {
        return clock;
    }

    public int bucketCount() {
        return digests.length;
    }

    public long digest(int bucket) {
        return digests[bucket];
    }

    public long[] digests() {
        return digests.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DigestMessage m && m.origin.equals(origin) && m.clock.equals(clock) && Arrays.equals(m.digests, digests);
    }

    @Override
    public int hashCode() {
        return Objects.hash(origin, clock, Arrays.hashCode(digests));
    }

    @Override
    public String toString() {
        return "DigestMessage[" + origin + " @" + clock + ", " + digests.length + " buckets]";
    }
}
