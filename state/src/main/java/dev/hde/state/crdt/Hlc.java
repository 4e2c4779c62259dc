package dev.hde.state.crdt;

/**
 * A hybrid logical clock timestamp (Kulkarni et al. 2014): {@code millis} is the largest physical
 * time (milliseconds since the Unix epoch) the issuing clock has seen, {@code logical} counts
 * events within it. Ordered by millis, then logical.
 */
public record Hlc(long millis, int logical) implements Comparable<Hlc> {

    /** The last millisecond of the year 9999, as for capture times: a larger physical part is refused. */
    public static final long MAX_MILLIS = 253_402_300_799_999L;

    public static final Hlc ZERO = new Hlc(0, 0);

    public Hlc {
        if (millis < 0 || millis > MAX_MILLIS) {
            throw new IllegalArgumentException("HLC physical time " + millis + " outside [0, " + MAX_MILLIS + "]");
        }
        if (logical < 0) {
            throw new IllegalArgumentException("negative HLC logical counter " + logical);
        }
    }

    @Override
    public int compareTo(Hlc o) {
        int c = Long.compare(millis, o.millis);
        return c != 0 ? c : Integer.compare(logical, o.logical);
    }

    public static Hlc max(Hlc a, Hlc b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    @Override
    public String toString() {
        return millis + "." + logical;
    }
}
