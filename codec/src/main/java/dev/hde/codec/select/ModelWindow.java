package dev.hde.codec.select;

import java.util.Collections;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * A sliding window of models by capture time, so that the published model forgets old records
 * without giving up order independence: records go to the bucket of their capture time
 * ({@code floor(capture / bucketMillis)}), only the newest {@code buckets} buckets (counted back from
 * the newest bucket any record reached, not from a wall clock) are kept, and {@link #current()} is
 * their merge. Whatever the order records and partial windows arrive in, once the same records
 * have arrived the current model is the same. A decaying average would not have that property.
 *
 * <p>Not thread-safe. The side operator keeps one in its state ({@link #buckets()} in the model
 * format, one record per bucket) and publishes {@link #current()}.
 */
public final class ModelWindow {

    private final long generation;
    private final long bucketMillis;
    private final int buckets;
    private final TreeMap<Long, SelectorModel.Builder> window = new TreeMap<>();
    private long newest = Long.MIN_VALUE;

    /**
     * @param bucketMillis width of a bucket (e.g. 10 minutes)
     * @param buckets buckets kept (e.g. 6 for the last hour)
     */
    public ModelWindow(long generation, long bucketMillis, int buckets) {
        if (bucketMillis < 1 || buckets < 1) {
            throw new IllegalArgumentException("bucketMillis and buckets must be positive");
        }
        this.generation = generation;
        this.bucketMillis = bucketMillis;
        this.buckets = buckets;
    }

    public void add(Observation o) {
        long b = o.captureTimeMillis() / bucketMillis;
        if (advance(b)) {
            window.computeIfAbsent(b, k -> new SelectorModel.Builder(generation)).add(o);
        }
    }

    /** Adds a bucket's model (of this window's generation), e.g. from another partial aggregator or from state. */
    public void merge(long bucket, SelectorModel m) {
        if (advance(bucket)) {
            window.computeIfAbsent(bucket, k -> new SelectorModel.Builder(generation)).merge(m);
        }
    }

    public void merge(ModelWindow other) {
        if (other.bucketMillis != bucketMillis || other.generation != generation) {
            throw new IllegalArgumentException("windows of different buckets or generations");
        }
        for (Map.Entry<Long, SelectorModel> e : other.buckets().entrySet()) {
            merge(e.getKey(), e.getValue());
        }
    }

    /** Moves the window to include bucket b; returns whether b is inside it. */
    private boolean advance(long b) {
        if (b > newest) {
            newest = b;
            window.headMap(newest - buckets + 1, false).clear();
        }
        return b > newest - buckets;
    }

    /** The merge of the buckets in the window. */
    public SelectorModel current() {
        SelectorModel.Builder sum = new SelectorModel.Builder(generation);
        for (SelectorModel.Builder b : window.values()) {
            sum.merge(b.build());
        }
        return sum.build();
    }

    /** The buckets in the window (bucket number = capture time / bucketMillis), in order. */
    public NavigableMap<Long, SelectorModel> buckets() {
        TreeMap<Long, SelectorModel> out = new TreeMap<>();
        window.forEach((k, v) -> out.put(k, v.build()));
        return Collections.unmodifiableNavigableMap(out);
    }
}
