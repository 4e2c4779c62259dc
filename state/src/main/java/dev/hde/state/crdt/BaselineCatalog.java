package dev.hde.state.crdt;

import dev.hde.codec.HdeException;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.BiConsumer;
import java.util.function.LongSupplier;
import java.util.function.Predicate;

/**
 * One site's replica of the baseline catalog: state key → the latest keyframe
 * ({@link KeyframeInfo}), an add-wins observed-remove map of last-writer-wins registers ordered by
 * (epoch, {@link Hlc}, site). See docs/crdt.md.
 *
 * <p>The keys are split into {@code bucketCount} buckets by XXH64 of their UTF-8 bytes
 * ({@link StateKeys#bucketOf}), and each bucket is its own {@link OrMap} with its own causal
 * context (its own dot counters per site). That makes a bucket a self-contained CRDT: anti-entropy
 * compares one 64-bit digest per bucket and re-sends whole buckets, and merging a re-sent bucket can
 * only affect that bucket's keys. The bucket count is part of the catalog's identity: every site
 * must use the same one (default {@value #DEFAULT_BUCKETS}).
 *
 * <p>Mutable, not thread-safe; meant to live in one operator instance per site.
 */
public final class BaselineCatalog {

    public static final int DEFAULT_BUCKETS = 64;

    private final String site;
    private final int bucketCount;
    private final HybridLogicalClock clock;
    private final OrMap<String, KeyframeInfo>[] buckets;
    private final long[] digests;
    private final boolean[] dirty;

    public BaselineCatalog(String site, int bucketCount, HybridLogicalClock clock) {
        this.site = SiteIds.check(site);
        if (bucketCount < 1 || bucketCount > CatalogLimits.MAX_BUCKETS) {
            throw new IllegalArgumentException("bucket count must be in [1, " + CatalogLimits.MAX_BUCKETS + "]: " + bucketCount);
        }
        this.bucketCount = bucketCount;
        this.clock = Objects.requireNonNull(clock);
        @SuppressWarnings("unchecked")
        OrMap<String, KeyframeInfo>[] b = (OrMap<String, KeyframeInfo>[]) new OrMap<?, ?>[bucketCount];
        for (int i = 0; i < bucketCount; i++) {
            b[i] = new OrMap<>(StateKeys.UTF8_ORDER);
        }
        this.buckets = b;
        this.digests = new long[bucketCount];
        this.dirty = new boolean[bucketCount];
    }

    /** A catalog with {@value #DEFAULT_BUCKETS} buckets on the system clock. */
    public BaselineCatalog(String site) {
        this(site, DEFAULT_BUCKETS, HybridLogicalClock.system());
    }

    /** Rebuilds a replica from its own STATE message (the Flink state form): its buckets and its clock. */
    public static BaselineCatalog restore(CatalogDelta state, LongSupplier wallClock) {
        BaselineCatalog c = new BaselineCatalog(state.origin(), state.bucketCount(), new HybridLogicalClock(wallClock));
        state.buckets().forEach((b, m) -> c.buckets[b].merge(m));
        Arrays.fill(c.dirty, true);
        c.clock.restore(state.clock());
        return c;
    }

    public String site() {
        return site;
    }

    public int bucketCount() {
        return bucketCount;
    }

    public HybridLogicalClock clock() {
        return clock;
    }

    /** Replaces the wall clock under the HLC (e.g. after a restore, a processing-time service). */
    public void setWallClock(LongSupplier wallClock) {
        clock.setWallClock(wallClock);
    }

    public int bucketOf(String key) {
        return StateKeys.bucketOf(key, bucketCount);
    }

    /**
     * Records a new keyframe of {@code key} made at this site; returns the delta to ship. Stamped
     * (info.epoch, a fresh HLC time, this site): it wins over every keyframe of a lower epoch.
     */
    public CatalogDelta put(String key, KeyframeInfo info) {
        int b = StateKeys.bucketOf(StateKeys.utf8(key), bucketCount);
        Hlc t = clock.now();
        OrMap<String, KeyframeInfo> d = buckets[b].put(site, key, info, info.epoch(), t);
        dirty[b] = true;
        return single(CatalogDelta.Kind.DELTA, t, b, d);
    }

    /**
     * Forgets {@code key} everywhere (the region is gone: a DELETE event); returns the delta to ship
     * (empty if the key was absent). Removes the keyframes this replica has seen, of every site.
     */
    public CatalogDelta remove(String key) {
        return removeWhere(key, r -> true);
    }

    /**
     * Forgets the keyframes of {@code key} that {@code frameSite}'s frames topic holds (that site
     * pruned the region, its receivers got an unconditional DELETE frame), leaving other sites'
     * keyframes of the key in place; returns the delta to ship (empty if none matched).
     */
    public CatalogDelta removeFrom(String key, String frameSite) {
        return removeWhere(key, r -> r.value().site().equals(frameSite));
    }

    private CatalogDelta removeWhere(String key, Predicate<LwwRegister<KeyframeInfo>> which) {
        int b = StateKeys.bucketOf(StateKeys.utf8(key), bucketCount);
        OrMap<String, KeyframeInfo> d = buckets[b].remove(key, which);
        if (!d.isEmpty()) {
            dirty[b] = true;
        }
        return single(CatalogDelta.Kind.DELTA, d.isEmpty() ? clock.current() : clock.now(), b, d);
    }

    private CatalogDelta single(CatalogDelta.Kind kind, Hlc t, int b, OrMap<String, KeyframeInfo> d) {
        TreeMap<Integer, OrMap<String, KeyframeInfo>> m = new TreeMap<>();
        m.put(b, d);
        return new CatalogDelta(kind, site, t, bucketCount, m);
    }

    /**
     * Merges a delta, a repair or another replica's state. The sender's clock moves this replica's
     * HLC forward (unless it is too far ahead). A message of another bucket count is refused with
     * {@link HdeException.Kind#LENGTH_MISMATCH}: the catalogs cannot be compared.
     */
    public MergeReport merge(CatalogDelta delta) {
        if (delta.bucketCount() != bucketCount) {
            throw new HdeException(HdeException.Kind.LENGTH_MISMATCH,
                    "catalog message of " + delta.bucketCount() + " buckets, this catalog has " + bucketCount);
        }
        boolean adopted = clock.observe(delta.clock());
        MergeReport r = adopted ? MergeReport.NONE : new MergeReport(0, 0, 0, 0, 1);
        for (Map.Entry<Integer, OrMap<String, KeyframeInfo>> e : delta.buckets().entrySet()) {
            int b = e.getKey();
            r = r.plus(buckets[b].merge(e.getValue()));
            dirty[b] = true;
        }
        return r;
    }

    /** The latest keyframe known for {@code key}, or null. */
    public KeyframeInfo get(String key) {
        return buckets[bucketOf(key)].value(key);
    }

    /** The winning register of {@code key} (keyframe and stamp), or null. */
    public LwwRegister<KeyframeInfo> register(String key) {
        return buckets[bucketOf(key)].get(key);
    }

    public boolean contains(String key) {
        return buckets[bucketOf(key)].containsKey(key);
    }

    /** Number of state keys in the catalog. */
    public int size() {
        int n = 0;
        for (OrMap<String, KeyframeInfo> m : buckets) {
            n += m.size();
        }
        return n;
    }

    /** Every key with its latest keyframe, in key order within each bucket, bucket by bucket. */
    public void forEach(BiConsumer<String, KeyframeInfo> action) {
        for (OrMap<String, KeyframeInfo> m : buckets) {
            m.forEach((k, r) -> action.accept(k, r.value()));
        }
    }

    /** A sorted copy of the visible map. */
    public TreeMap<String, KeyframeInfo> toMap() {
        TreeMap<String, KeyframeInfo> out = new TreeMap<>(StateKeys.UTF8_ORDER);
        forEach(out::put);
        return out;
    }

    /** Bucket {@code b}'s digest: 0 when the bucket is empty, else XXH64 of its canonical serialization. */
    public long digest(int b) {
        if (dirty[b]) {
            digests[b] = buckets[b].isEmpty() ? 0 : CatalogFormat.sectionDigest(b, buckets[b]);
            dirty[b] = false;
        }
        return digests[b];
    }

    /** All bucket digests. */
    public long[] digests() {
        long[] out = new long[bucketCount];
        for (int b = 0; b < bucketCount; b++) {
            out[b] = digest(b);
        }
        return out;
    }

    /** This replica's digests as a message to publish. */
    public DigestMessage digestMessage() {
        return new DigestMessage(site, clock.now(), digests());
    }

    /** The buckets whose digests differ from {@code remote}'s (refused if its bucket count differs). */
    public int[] differingBuckets(DigestMessage remote) {
        if (remote.bucketCount() != bucketCount) {
            throw new HdeException(HdeException.Kind.LENGTH_MISMATCH,
                    "digests of " + remote.bucketCount() + " buckets, this catalog has " + bucketCount);
        }
        return differingBuckets(remote.digests());
    }

    int[] differingBuckets(long[] remote) {
        int n = 0;
        int[] ids = new int[bucketCount];
        for (int b = 0; b < bucketCount; b++) {
            if (digest(b) != remote[b]) {
                ids[n++] = b;
            }
        }
        return Arrays.copyOf(ids, n);
    }

    /** A REPAIR message with this replica's state of the given buckets (empty buckets are left out: they add nothing). */
    public CatalogDelta bucketDelta(int... ids) {
        TreeMap<Integer, OrMap<String, KeyframeInfo>> m = new TreeMap<>();
        for (int b : ids) {
            if (b < 0 || b >= bucketCount) {
                throw new IllegalArgumentException("bucket " + b + " of " + bucketCount);
            }
            m.put(b, buckets[b].copy());
        }
        return new CatalogDelta(CatalogDelta.Kind.REPAIR, site, clock.current(), bucketCount, m);
    }

    /** The whole replica as a STATE message: every non-empty bucket, with this site and its clock. */
    public CatalogDelta state() {
        TreeMap<Integer, OrMap<String, KeyframeInfo>> m = new TreeMap<>();
        for (int b = 0; b < bucketCount; b++) {
            if (!buckets[b].isEmpty()) {
                m.put(b, buckets[b].copy());
            }
        }
        return new CatalogDelta(CatalogDelta.Kind.STATE, site, clock.current(), bucketCount, m);
    }

    OrMap<String, KeyframeInfo> bucket(int b) {
        return buckets[b];
    }

    /** A deep copy (same site, an independent clock in the same state on the same wall clock). */
    public BaselineCatalog copy() {
        BaselineCatalog c = new BaselineCatalog(site, bucketCount, clock.copy());
        for (int b = 0; b < bucketCount; b++) {
            c.buckets[b] = buckets[b].copy();
            c.digests[b] = digests[b];
            c.dirty[b] = dirty[b];
        }
        return c;
    }

    /** Same CRDT content: bucket count, entries with all their dots and registers, and contexts. */
    public boolean sameContent(BaselineCatalog other) {
        return other.bucketCount == bucketCount && Arrays.equals(other.buckets, buckets);
    }

    @Override
    public String toString() {
        return "BaselineCatalog[" + site + ", " + size() + " keys in " + bucketCount + " buckets, clock " + clock.current() + "]";
    }
}
