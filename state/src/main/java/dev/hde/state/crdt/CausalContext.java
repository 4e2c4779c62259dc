package dev.hde.state.crdt;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * The set of dots a replica has seen, kept compact: a {@link VersionVector} for each site's
 * contiguous prefix {@code 1..n} and a <em>dot cloud</em> for the dots that arrived out of order.
 * Every change compacts: a cloud dot that closes the gap above its site's counter is folded into
 * the vector, so the cloud only ever holds dots above {@code counter + 1}, and a context in which
 * every gap has been filled is a plain version vector. The representation is canonical: two equal
 * sets of dots have equal vectors and clouds (and so equal serializations and digests).
 *
 * <p>The context is where removals are remembered: an observed-remove map keeps no tombstone per
 * removed key, only the removed entry's dots in its context (see {@link OrMap}).
 */
public final class CausalContext {

    private final VersionVector vv = new VersionVector();
    /** Per site, counters above {@code vv.get(site) + 1}; no empty sets. */
    private final TreeMap<String, TreeSet<Long>> cloud = new TreeMap<>();

    public CausalContext() {}

    public boolean contains(Dot d) {
        if (vv.contains(d)) {
            return true;
        }
        TreeSet<Long> c = cloud.get(d.site());
        return c != null && c.contains(d.counter());
    }

    /** Adds a dot (a no-op when already present) and compacts its site. */
    public void add(Dot d) {
        long n = vv.get(d.site());
        if (d.counter() <= n) {
            return;
        }
        if (d.counter() == n + 1) {
            vv.set(d.site(), d.counter());
            fold(d.site());
        } else {
            cloud.computeIfAbsent(d.site(), s -> new TreeSet<>()).add(d.counter());
        }
    }

    /** Union with another context, in place. */
    public void merge(CausalContext other) {
        for (Map.Entry<String, Long> e : other.vv.asMap().entrySet()) {
            addPrefix(e.getKey(), e.getValue());
        }
        for (Map.Entry<String, TreeSet<Long>> e : other.cloud.entrySet()) {
            for (long n : e.getValue()) {
                add(new Dot(e.getKey(), n));
            }
        }
    }

    /** Raises {@code site}'s contiguous prefix to {@code counter} (the reader's way to load a vector). */
    void addPrefix(String site, long counter) {
        if (counter > vv.get(site)) {
            vv.set(site, counter);
            TreeSet<Long> c = cloud.get(site);
            if (c != null) {
                c.headSet(counter, true).clear();
                if (c.isEmpty()) {
                    cloud.remove(site);
                }
            }
            fold(site);
        }
    }

    /** Moves cloud dots that continue the site's contiguous prefix into the vector. */
    private void fold(String site) {
        TreeSet<Long> c = cloud.get(site);
        if (c == null) {
            return;
        }
        long n = vv.get(site);
        while (!c.isEmpty() && c.first() == n + 1) {
            n = c.pollFirst();
        }
        vv.set(site, n);
        if (c.isEmpty()) {
            cloud.remove(site);
        }
    }

    /** The highest counter of {@code site} in this context (0 if none). */
    public long max(String site) {
        TreeSet<Long> c = cloud.get(site);
        return c != null ? c.last() : vv.get(site);
    }

    /** The next dot {@code site} should use: one above the highest it has seen of its own. */
    public Dot nextDot(String site) {
        return new Dot(site, Math.addExact(max(site), 1));
    }

    public boolean isEmpty() {
        return vv.isEmpty() && cloud.isEmpty();
    }

    /** True when no dot arrived out of order: the context is exactly its version vector. */
    public boolean isCompact() {
        return cloud.isEmpty();
    }

    /** A copy of the contiguous part. */
    public VersionVector versionVector() {
        return vv.copy();
    }

    /** The out-of-order dots, ascending. */
    public List<Dot> cloud() {
        List<Dot> out = new ArrayList<>();
        cloud.forEach((site, set) -> set.forEach(n -> out.add(new Dot(site, n))));
        return Collections.unmodifiableList(out);
    }

    public int cloudSize() {
        int n = 0;
        for (TreeSet<Long> s : cloud.values()) {
            n += s.size();
        }
        return n;
    }

    /** Dots in the context, saturating at {@link Long#MAX_VALUE}. */
    public long dotCount() {
        long n = vv.dotCount() + cloudSize();
        return n < 0 ? Long.MAX_VALUE : n;
    }

    /** Calls {@code action} for every dot; meant for small contexts (see {@link #dotCount}). */
    public void forEachDot(Consumer<Dot> action) {
        for (Map.Entry<String, Long> e : vv.asMap().entrySet()) {
            for (long n = 1; n <= e.getValue(); n++) {
                action.accept(new Dot(e.getKey(), n));
            }
        }
        cloud.forEach((site, set) -> set.forEach(n -> action.accept(new Dot(site, n))));
    }

    /** Sites that appear in the vector or the cloud, ascending. */
    public NavigableSet<String> sites() {
        TreeSet<String> s = new TreeSet<>(vv.asMap().keySet());
        s.addAll(cloud.keySet());
        return s;
    }

    public CausalContext copy() {
        CausalContext c = new CausalContext();
        c.vv.merge(vv);
        cloud.forEach((site, set) -> c.cloud.put(site, new TreeSet<>(set)));
        return c;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CausalContext c && c.vv.equals(vv) && c.cloud.equals(cloud);
    }

    @Override
    public int hashCode() {
        return vv.hashCode() * 31 + cloud.hashCode();
    }

    @Override
    public String toString() {
        return cloud.isEmpty() ? vv.toString() : vv + "+" + cloud;
    }
}
