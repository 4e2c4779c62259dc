package dev.hde.operators;

import dev.hde.state.crdt.BaselineCatalog;
import dev.hde.state.crdt.CatalogLimits;
import dev.hde.state.crdt.SiteIds;
import java.io.Serializable;
import java.time.Duration;
import java.util.Objects;

/**
 * How the catalog merger of one site works (docs/crdt.md, "The catalog merger").
 *
 * @param site this replica's site id (unique among live replicas; {@link SiteIds})
 * @param bucketCount key buckets of the catalog; the same at every site
 * @param publishInterval how often the deltas of local writes are joined into one message and published
 * @param antiEntropyInterval how often this site publishes its bucket digests
 * @param stateInterval how often this site publishes its whole state (so that a reader of the topic
 *     can bootstrap from each site's last state plus later deltas); zero = never
 * @param maxMessageBytes the largest catalog message written (the sink's {@code max.request.size});
 *     a larger repair or state is split by buckets
 */
public record CatalogMergerSettings(String site, int bucketCount, Duration publishInterval, Duration antiEntropyInterval,
        Duration stateInterval, int maxMessageBytes) implements Serializable {

    public static final Duration DEFAULT_PUBLISH_INTERVAL = Duration.ofSeconds(1);
    public static final Duration DEFAULT_ANTI_ENTROPY_INTERVAL = Duration.ofSeconds(30);
    public static final Duration DEFAULT_STATE_INTERVAL = Duration.ofMinutes(10);

    public CatalogMergerSettings {
        SiteIds.check(site);
        if (bucketCount < 1 || bucketCount > CatalogLimits.DEFAULT.maxBuckets()) {
            throw new IllegalArgumentException("catalog bucket count must be in [1, " + CatalogLimits.DEFAULT.maxBuckets() + "]: " + bucketCount);
        }
        positive(publishInterval, "catalog publish interval");
        positive(antiEntropyInterval, "anti-entropy interval");
        Objects.requireNonNull(stateInterval, "state interval");
        if (stateInterval.isNegative()) {
            throw new IllegalArgumentException("catalog state interval must not be negative");
        }
        if (maxMessageBytes < 1024) {
            throw new IllegalArgumentException("max catalog message bytes must be at least 1 KiB");
        }
    }

    public static CatalogMergerSettings of(String site) {
        return new CatalogMergerSettings(site, BaselineCatalog.DEFAULT_BUCKETS, DEFAULT_PUBLISH_INTERVAL, DEFAULT_ANTI_ENTROPY_INTERVAL,
                DEFAULT_STATE_INTERVAL, Math.min(32 << 20, CatalogLimits.DEFAULT.maxMessageBytes()));
    }

    private static void positive(Duration d, String what) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(what + " must be positive");
        }
    }

    public CatalogMergerSettings withIntervals(Duration publish, Duration antiEntropy, Duration state) {
        return new CatalogMergerSettings(site, bucketCount, publish, antiEntropy, state, maxMessageBytes);
    }

    public CatalogMergerSettings withBucketCount(int n) {
        return new CatalogMergerSettings(site, n, publishInterval, antiEntropyInterval, stateInterval, maxMessageBytes);
    }

    public CatalogMergerSettings withMaxMessageBytes(int n) {
        return new CatalogMergerSettings(site, bucketCount, publishInterval, antiEntropyInterval, stateInterval, n);
    }
}
