package dev.hde.state.crdt;

/**
 * One event of one replica: the {@code counter}-th update {@code site} made (counters start at 1).
 * Ordered by site, then counter.
 */
public record Dot(String site, long counter) implements Comparable<Dot> {

    public Dot {
        SiteIds.check(site);
        if (counter < 1) {
            throw new IllegalArgumentException("dot counters start at 1: " + counter);
        }
    }

    @Override
    public int compareTo(Dot o) {
        int c = site.compareTo(o.site);
        return c != 0 ? c : Long.compare(counter, o.counter);
    }

    @Override
    public String toString() {
        return site + ":" + counter;
    }
}
