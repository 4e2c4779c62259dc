package dev.hde.state.crdt;

import dev.hde.codec.HdeException;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What one catalog sends another: some of its key buckets, each a (small) {@link OrMap} with its
 * own causal context. A mutator's delta carries one bucket; a repair carries the buckets anti-entropy
 * found different; a full state carries all of them. All three merge the same way
 * ({@link BaselineCatalog#merge}), and deltas can be joined into one (a delta group) before sending.
 *
 * <p>Immutable once built: the buckets are never shared with a live catalog.
 */
public final class CatalogDelta {

    /** Why the message was sent; the merge is the same for every kind. */
    public enum Kind {
        /** Every non-empty bucket of the origin (also the Flink state form). */
        STATE(1),
        /** Made by put and remove (or a join of such deltas). */
        DELTA(2),
        /** Buckets re-sent by anti-entropy. */
        REPAIR(3);

        private final int id;

        Kind(int id) {
            this.id = id;
        }

        public int id() {
            return id;
        }

        public static Kind fromId(int id) {
            for (Kind k : values()) {
                if (k.id == id) {
                    return k;
                }
            }
            throw new HdeException(HdeException.Kind.UNKNOWN_TYPE, "catalog message kind " + id);
        }
    }

    private final Kind kind;
    private final String origin;
    private final Hlc clock;
    private final int bucketCount;
    private final TreeMap<Integer, OrMap<String, KeyframeInfo>> buckets;

    /** Takes ownership of {@code buckets}; bottom (empty) buckets are dropped. */
    CatalogDelta(Kind kind, String origin, Hlc clock, int bucketCount, TreeMap<Integer, OrMap<String, KeyframeInfo>> buckets) {
        this.kind = Objects.requireNonNull(kind);
        this.origin = SiteIds.check(origin);
        this.clock = Objects.requireNonNull(clock);
        if (bucketCount < 1 || bucketCount > CatalogLimits.MAX_BUCKETS) {
            throw new IllegalArgumentException("bucket count " + bucketCount);
        }
        this.bucketCount = bucketCount;
        buckets.values().removeIf(OrMap::isEmpty);
        for (int b : buckets.keySet()) {
            if (b < 0 || b >= bucketCount) {
                throw new IllegalArgumentException("bucket " + b + " of " + bucketCount);
            }
        }
        this.buckets = buckets;
    }

    public Kind kind() {
        return kind;
    }

    public String origin() {
        return origin;
    }

    /** The sender's clock when it made the message. */
    public Hlc clock() {
        return clock;
    }

    public int bucketCount() {
        return bucketCount;
    }

    /** The buckets carried, by id; read them, do not change them. */
    public SortedMap<Integer, OrMap<String, KeyframeInfo>> buckets() {
        return Collections.unmodifiableSortedMap(buckets);
    }

    /** True when merging it changes nothing anywhere. */
    public boolean isEmpty() {
        return buckets.isEmpty();
    }

    /** Keys carried (entries present). */
    public int entryCount() {
        int n = 0;
        for (OrMap<String, KeyframeInfo> m : buckets.values()) {
            n += m.size();
        }
        return n;
    }

    /**
     * The join of two messages (a delta group): merging it anywhere equals merging both. Keeps this
     * message's origin; the clock is the larger; the kind is kept if both agree, else DELTA.
     */
    public CatalogDelta join(CatalogDelta other) {
        if (other.bucketCount != bucketCount) {
            throw new IllegalArgumentException("cannot join messages of " + bucketCount + " and " + other.bucketCount + " buckets");
        }
        TreeMap<Integer, OrMap<String, KeyframeInfo>> out = new TreeMap<>();
        buckets.forEach((b, m) -> out.put(b, m.copy()));
        other.buckets.forEach((b, m) -> {
            OrMap<String, KeyframeInfo> mine = out.get(b);
            if (mine == null) {
                out.put(b, m.copy());
            } else {
                mine.merge(m);
            }
        });
        return new CatalogDelta(kind == other.kind ? kind : Kind.DELTA, origin, Hlc.max(clock, other.clock), bucketCount, out);
    }

    /** Same CRDT content (bucket count and buckets), whatever the kind, origin and clock. */
    public boolean sameContent(CatalogDelta other) {
        return other.bucketCount == bucketCount && other.buckets.equals(buckets);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CatalogDelta d && d.kind == kind && d.origin.equals(origin) && d.clock.equals(clock) && sameContent(d);
    }

    @Override
    public int hashCode() {
        return Objects.hash(kind, origin, clock, bucketCount, buckets);
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("CatalogDelta[").append(kind).append(" from ").append(origin).append(" @").append(clock)
                .append(", ").append(buckets.size()).append('/').append(bucketCount).append(" buckets");
        for (Map.Entry<Integer, OrMap<String, KeyframeInfo>> e : buckets.entrySet()) {
            s.append("\n  ").append(e.getKey()).append(": ").append(e.getValue());
        }
        return s.append(']').toString();
    }
}
