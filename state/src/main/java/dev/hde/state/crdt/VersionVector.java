package dev.hde.state.crdt;

import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Site → counter, absent sites counting 0. Merge is the pointwise maximum; {@link #compare}
 * tells whether one vector happened before, after, concurrently with or equals another.
 * Mutable (merge and increment change it in place); {@link #copy} before sharing.
 */
public final class VersionVector {

    /** How two version vectors relate. */
    public enum Order {
        EQUAL,
        /** This vector is dominated by the other: everything it has seen, the other has seen. */
        BEFORE,
        /** This vector dominates the other. */
        AFTER,
        CONCURRENT
    }

    private final TreeMap<String, Long> counters = new TreeMap<>();

    public VersionVector() {}

    public static VersionVector of(Map<String, Long> counters) {
        VersionVector v = new VersionVector();
        counters.forEach(v::set);
        return v;
    }

    public long get(String site) {
        Long n = counters.get(site);
        return n == null ? 0 : n;
    }

    /** Sets a site's counter; 0 removes the site. */
    public void set(String site, long counter) {
        SiteIds.check(site);
        if (counter < 0) {
            throw new IllegalArgumentException("negative counter " + counter);
        }
        if (counter == 0) {
            counters.remove(site);
        } else {
            counters.put(site, counter);
        }
    }

    /** Increments a site's counter and returns the new value. */
    public long increment(String site) {
        long n = Math.addExact(get(site), 1);
        set(site, n);
        return n;
    }

    /** Pointwise maximum, in place. */
    public VersionVector merge(VersionVector other) {
        other.counters.forEach((site, n) -> counters.merge(site, n, Math::max));
        return this;
    }

    /** True when the dot is at or below this vector's counter for its site. */
    public boolean contains(Dot d) {
        return d.counter() <= get(d.site());
    }

    /** True when every counter of this vector is at least the other's (this has seen all the other has). */
    public boolean dominates(VersionVector other) {
        for (Map.Entry<String, Long> e : other.counters.entrySet()) {
            if (get(e.getKey()) < e.getValue()) {
                return false;
            }
        }
        return true;
    }

    public Order compare(VersionVector other) {
        boolean ge = dominates(other);
        boolean le = other.dominates(this);
        if (ge && le) {
            return Order.EQUAL;
        }
        if (ge) {
            return Order.AFTER;
        }
        return le ? Order.BEFORE : Order.CONCURRENT;
    }

    public boolean concurrentWith(VersionVector other) {
        return compare(other) == Order.CONCURRENT;
    }

    /** The non-zero counters, by site. */
    public SortedMap<String, Long> asMap() {
        return Collections.unmodifiableSortedMap(counters);
    }

    /** Number of sites with a non-zero counter. */
    public int size() {
        return counters.size();
    }

    public boolean isEmpty() {
        return counters.isEmpty();
    }

    /** How many dots this vector covers (the sum of its counters), saturating at {@link Long#MAX_VALUE}. */
    public long dotCount() {
        long sum = 0;
        for (long n : counters.values()) {
            sum += n;
            if (sum < 0) {
                return Long.MAX_VALUE;
            }
        }
        return sum;
    }

    public VersionVector copy() {
        VersionVector v = new VersionVector();
        v.counters.putAll(counters);
        return v;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof VersionVector v && v.counters.equals(counters);
    }

    @Override
    public int hashCode() {
        return counters.hashCode();
    }

    @Override
    public String toString() {
        return counters.toString();
    }
}
