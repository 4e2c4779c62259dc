package dev.hde.state.crdt;

/**
 * Bounds every count read from a catalog or digest message is checked against before anything is
 * allocated or looped over for it.
 *
 * @param maxBuckets the largest bucket count a message may declare
 * @param maxSites the most sites one bucket section may name
 * @param maxEntries the most keys one message may carry (over all its sections)
 * @param maxDotsPerEntry the most live dots one key may carry (one per site with a live concurrent write)
 * @param maxCloudDots the most out-of-order context dots one message may carry (over all its sections)
 * @param maxMessageBytes the longest message accepted
 */
public record CatalogLimits(int maxBuckets, int maxSites, int maxEntries, int maxDotsPerEntry, int maxCloudDots, int maxMessageBytes)
        implements java.io.Serializable {

    /** The hard ceiling on bucket counts. */
    public static final int MAX_BUCKETS = 1 << 16;

    /** For messages on the catalog topic: 4096 buckets, 1024 sites, 2^20 keys and cloud dots, 256 dots per key, 64 MiB. */
    public static final CatalogLimits DEFAULT = new CatalogLimits(4096, 1024, 1 << 20, 256, 1 << 20, 64 << 20);

    /** For a whole catalog in Flink state: up to 2^24 keys and cloud dots and 1 GiB. */
    public static final CatalogLimits STATE = new CatalogLimits(MAX_BUCKETS, 1024, 1 << 24, 1024, 1 << 24, 1 << 30);

    public CatalogLimits {
        if (maxBuckets < 1 || maxBuckets > MAX_BUCKETS || maxSites < 1 || maxEntries < 0 || maxDotsPerEntry < 1
                || maxCloudDots < 0 || maxMessageBytes < 16) {
            throw new IllegalArgumentException("catalog limits out of range");
        }
    }
}
