package dev.hde.state.crdt;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.BiConsumer;
import java.util.function.Predicate;

/**
 * An add-wins observed-remove map from keys to last-writer-wins registers, in the dot-based style
 * of riak_dt's ORSWOT and map and of the delta-state CRDTs of Almeida, Shoker and Baquero
 * ("Delta state replicated data types", JPDC 2018).
 *
 * <p>State: for each key, the <em>dots</em> of the writes that put it there and are still live,
 * each with the register that write carried; and one {@link CausalContext}: every dot this replica
 * has seen, live or not. A key's visible value is the largest of its live registers.
 *
 * <ul>
 *   <li><b>put</b> at site s makes a new dot of s and a register; it retires the key's observed dots
 *       whose registers it beats (a register that beats the new one stays live, so the map is LWW by
 *       register order, and an older keyframe never hides a newer one).
 *   <li><b>remove</b> retires every observed dot of the key and keeps <em>no tombstone</em>: the dots
 *       are already in the causal context, and that is all a merge needs.
 *   <li><b>merge</b> keeps a dot if both sides have it, or if one side has it and the other has
 *       never seen it (not in its context). A dot one side has seen and dropped stays dropped, so
 *       nothing removed comes back; a dot the remover had not seen survives, so a concurrent put wins
 *       over a remove. A key with no live dot left is gone.
 * </ul>
 *
 * <p>Every mutator returns a <em>delta</em>: a small map of the same type (the new entry and the
 * dots it retires, as context) that gives the same result merged anywhere as the whole state would.
 * Deltas and states merge alike; merge is commutative, associative and idempotent, so deltas may be
 * delivered in any order, twice, or not at all, provided a full-state exchange fills the gaps later.
 *
 * <p>Mutable and not thread-safe. {@code V} must be ordered so that equal stamps still resolve.
 */
public final class OrMap<K, V extends Comparable<? super V>> {

    private final Comparator<? super K> keyOrder;
    private final TreeMap<K, TreeMap<Dot, LwwRegister<V>>> entries;
    private final CausalContext context = new CausalContext();
    /** Which key holds each live dot: merging a small delta looks its context up here instead of scanning. */
    private final HashMap<Dot, K> owner = new HashMap<>();

    public OrMap(Comparator<? super K> keyOrder) {
        this.keyOrder = Objects.requireNonNull(keyOrder);
        this.entries = new TreeMap<>(keyOrder);
    }

    public Comparator<? super K> keyOrder() {
        return keyOrder;
    }

    /**
     * Writes {@code value} under {@code key} as {@code site}, stamped (epoch, time, site); returns the delta.
     * The caller's clock must give {@code site} increasing times (see {@link HybridLogicalClock}).
     */
    public OrMap<K, V> put(String site, K key, V value, long epoch, Hlc time) {
        Objects.requireNonNull(key, "key");
        LwwRegister<V> reg = new LwwRegister<>(value, epoch, time, site);
        Dot dot = context.nextDot(site);
        OrMap<K, V> delta = new OrMap<>(keyOrder);
        TreeMap<Dot, LwwRegister<V>> entry = entries.get(key);
        TreeMap<Dot, LwwRegister<V>> next = new TreeMap<>();
        if (entry != null) {
            for (Map.Entry<Dot, LwwRegister<V>> e : entry.entrySet()) {
                if (e.getValue().compareTo(reg) > 0) {
                    next.put(e.getKey(), e.getValue());
                } else {
                    delta.context.add(e.getKey());
                    owner.remove(e.getKey());
                }
            }
        }
        next.put(dot, reg);
        entries.put(key, next);
        owner.put(dot, key);
        context.add(dot);

        TreeMap<Dot, LwwRegister<V>> single = new TreeMap<>();
        single.put(dot, reg);
        delta.entries.put(key, single);
        delta.owner.put(dot, key);
        delta.context.add(dot);
        return delta;
    }

    /** Removes {@code key} (every dot of it this replica has seen); returns the delta, empty if the key was absent. */
    public OrMap<K, V> remove(K key) {
        return remove(key, r -> true);
    }

    /**
     * Removes the observed writes of {@code key} whose registers match {@code which}, leaving the
     * others live; returns the delta (empty if nothing matched). Still an observed remove: the delta's
     * context is exactly the dots it retires.
     */
    public OrMap<K, V> remove(K key, Predicate<? super LwwRegister<V>> which) {
        OrMap<K, V> delta = new OrMap<>(keyOrder);
        TreeMap<Dot, LwwRegister<V>> entry = entries.get(key);
        if (entry != null) {
            for (var it = entry.entrySet().iterator(); it.hasNext(); ) {
                Map.Entry<Dot, LwwRegister<V>> e = it.next();
                if (which.test(e.getValue())) {
                    // Read the dot before removing: a removed TreeMap node may be reused for its successor.
                    Dot d = e.getKey();
                    it.remove();
                    owner.remove(d);
                    delta.context.add(d);
                }
            }
            if (entry.isEmpty()) {
                entries.remove(key);
            }
        }
        return delta;
    }

    /** Joins another replica's state or a delta into this one. */
    public MergeReport merge(OrMap<K, V> other) {
        if (other == this) {
            return MergeReport.NONE;
        }
        // Keys to look at: the other side's entries, and ours holding a dot the other side has seen.
        TreeSet<K> keys = new TreeSet<>(keyOrder);
        keys.addAll(other.entries.keySet());
        if (other.context.dotCount() <= owner.size()) {
            other.context.forEachDot(d -> {
                K k = owner.get(d);
                if (k != null) {
                    keys.add(k);
                }
            });
        } else {
            owner.forEach((d, k) -> {
                if (other.context.contains(d)) {
                    keys.add(k);
                }
            });
        }
        int added = 0;
        int updated = 0;
        int removed = 0;
        int concurrent = 0;
        for (K key : keys) {
            TreeMap<Dot, LwwRegister<V>> a = entries.get(key);
            TreeMap<Dot, LwwRegister<V>> b = other.entries.get(key);
            TreeMap<Dot, LwwRegister<V>> out = new TreeMap<>();
            boolean onlyHere = false;
            boolean onlyThere = false;
            if (a != null) {
                for (Map.Entry<Dot, LwwRegister<V>> e : a.entrySet()) {
                    LwwRegister<V> theirs = b == null ? null : b.get(e.getKey());
                    if (theirs != null) {
                        out.put(e.getKey(), e.getValue().merge(theirs));
                    } else if (!other.context.contains(e.getKey())) {
                        out.put(e.getKey(), e.getValue());
                        onlyHere = true;
                    }
                }
            }
            if (b != null) {
                for (Map.Entry<Dot, LwwRegister<V>> e : b.entrySet()) {
                    if ((a == null || !a.containsKey(e.getKey())) && !context.contains(e.getKey())) {
                        out.put(e.getKey(), e.getValue());
                        onlyThere = true;
                    }
                }
            }
            LwwRegister<V> before = a == null ? null : visible(a);
            if (a != null) {
                a.keySet().forEach(owner::remove);
            }
            if (out.isEmpty()) {
                entries.remove(key);
            } else {
                entries.put(key, out);
                out.keySet().forEach(d -> owner.put(d, key));
            }
            LwwRegister<V> after = out.isEmpty() ? null : visible(out);
            if (before == null && after != null) {
                added++;
            } else if (before != null && after == null) {
                removed++;
            } else if (before != null && !before.equals(after)) {
                updated++;
            }
            if (onlyHere && onlyThere) {
                concurrent++;
            }
        }
        context.merge(other.context);
        return new MergeReport(added, updated, removed, concurrent);
    }

    private static <V extends Comparable<? super V>> LwwRegister<V> visible(TreeMap<Dot, LwwRegister<V>> entry) {
        LwwRegister<V> best = null;
        for (LwwRegister<V> r : entry.values()) {
            if (best == null || r.compareTo(best) > 0) {
                best = r;
            }
        }
        return best;
    }

    /** The winning register of {@code key}, or null when the key is absent. */
    public LwwRegister<V> get(K key) {
        TreeMap<Dot, LwwRegister<V>> e = entries.get(key);
        return e == null ? null : visible(e);
    }

    public V value(K key) {
        LwwRegister<V> r = get(key);
        return r == null ? null : r.value();
    }

    public boolean containsKey(K key) {
        return entries.containsKey(key);
    }

    /** The live dots of {@code key} with their registers (empty when absent); read-only. */
    public SortedMap<Dot, LwwRegister<V>> entry(K key) {
        TreeMap<Dot, LwwRegister<V>> e = entries.get(key);
        return e == null ? Collections.emptySortedMap() : Collections.unmodifiableSortedMap(e);
    }

    /** Keys with their winning registers, in key order. */
    public void forEach(BiConsumer<? super K, ? super LwwRegister<V>> action) {
        entries.forEach((k, e) -> action.accept(k, visible(e)));
    }

    /** Keys with all their live dots, in key order (for serialization). */
    public void forEachEntry(BiConsumer<? super K, ? super SortedMap<Dot, LwwRegister<V>>> action) {
        entries.forEach((k, e) -> action.accept(k, Collections.unmodifiableSortedMap(e)));
    }

    public List<K> keys() {
        return new ArrayList<>(entries.keySet());
    }

    /** Number of keys present. */
    public int size() {
        return entries.size();
    }

    /** Number of live dots (at least {@link #size()}; more while concurrent writes are live). */
    public int dotCount() {
        return owner.size();
    }

    /** True when there are no entries and no context: the bottom of the lattice. */
    public boolean isEmpty() {
        return entries.isEmpty() && context.isEmpty();
    }

    /** A copy of the causal context. */
    public CausalContext context() {
        return context.copy();
    }

    CausalContext contextView() {
        return context;
    }

    /**
     * Adds a whole entry as read from the wire. The caller has checked that the dots are new, that
     * each register's site is its dot's site and that the dots are in the context
     * ({@link #addContext} first).
     */
    void load(K key, SortedMap<Dot, LwwRegister<V>> dots) {
        if (dots.isEmpty() || entries.containsKey(key)) {
            throw new IllegalArgumentException("empty or repeated entry " + key);
        }
        TreeMap<Dot, LwwRegister<V>> e = new TreeMap<>(dots);
        for (Map.Entry<Dot, LwwRegister<V>> d : e.entrySet()) {
            if (!d.getKey().site().equals(d.getValue().site()) || !context.contains(d.getKey()) || owner.containsKey(d.getKey())) {
                throw new IllegalArgumentException("dot " + d.getKey() + " of " + key + " does not fit the map");
            }
        }
        entries.put(key, e);
        e.keySet().forEach(d -> owner.put(d, key));
    }

    void addContext(CausalContext c) {
        context.merge(c);
    }

    void addContext(Dot d) {
        context.add(d);
    }

    public OrMap<K, V> copy() {
        OrMap<K, V> m = new OrMap<>(keyOrder);
        entries.forEach((k, e) -> m.entries.put(k, new TreeMap<>(e)));
        m.owner.putAll(owner);
        m.context.merge(context);
        return m;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof OrMap<?, ?> m && m.entries.equals(entries) && m.context.equals(context);
    }

    @Override
    public int hashCode() {
        return entries.hashCode() * 31 + context.hashCode();
    }

    @Override
    public String toString() {
        return "OrMap" + entries + " ctx " + context;
    }
}
