package dev.hde.state.crdt;

import java.util.Objects;

/**
 * A last-writer-wins register: a value with the stamp of the write that made it. Of two registers
 * the larger wins: by {@code epoch} first (the baseline epoch for catalog entries, 0 where there is
 * none), then the {@link Hlc} time of the write, then the writing site's id, then the value itself,
 * so that the choice is total and every replica makes the same one. Never a bare wall clock: two
 * sites' clocks disagree, and a write made after seeing another must win over it.
 */
public record LwwRegister<V extends Comparable<? super V>>(V value, long epoch, Hlc time, String site)
        implements Comparable<LwwRegister<V>> {

    public LwwRegister {
        Objects.requireNonNull(value, "value");
        Objects.requireNonNull(time, "time");
        SiteIds.check(site);
        if (epoch < 0) {
            throw new IllegalArgumentException("negative epoch " + epoch);
        }
    }

    /** The order of the stamps alone: epoch, time, site. */
    public int compareStamp(LwwRegister<V> o) {
        int c = Long.compare(epoch, o.epoch);
        if (c == 0) {
            c = time.compareTo(o.time);
        }
        if (c == 0) {
            c = site.compareTo(o.site);
        }
        return c;
    }

    @Override
    public int compareTo(LwwRegister<V> o) {
        int c = compareStamp(o);
        return c != 0 ? c : value.compareTo(o.value);
    }

    /** The winner of the two: the join of the register lattice. */
    public LwwRegister<V> merge(LwwRegister<V> o) {
        return compareTo(o) >= 0 ? this : o;
    }
}
