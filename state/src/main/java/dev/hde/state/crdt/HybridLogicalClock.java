package dev.hde.state.crdt;

import java.util.function.LongSupplier;

/**
 * A hybrid logical clock (Kulkarni, Demirbas, Madappa, Avva, Leone: "Logical Physical Clocks",
 * OPODIS 2014). Its timestamps stay close to the wall clock but never go backwards, even when the
 * wall clock does, and a replica that has seen a remote timestamp issues only larger ones after
 * it, so a write made after seeing another write always carries the larger timestamp.
 *
 * <p>The wall clock is a {@link LongSupplier} of milliseconds: tests inject a fake one and the
 * clock is then fully deterministic. A remote timestamp more than {@code maxDriftMillis} ahead of
 * the local wall clock is not adopted ({@link #observe} returns false): one site with a broken
 * clock must not drag every other site's clock into the future.
 *
 * <p>Not thread-safe (a Flink operator is single-threaded).
 */
public final class HybridLogicalClock {

    /** Remote clocks further ahead than this are not adopted. */
    public static final long DEFAULT_MAX_DRIFT_MILLIS = 5 * 60_000L;

    private LongSupplier wallClock;
    private final long maxDriftMillis;
    private long millis;
    private int logical;

    public HybridLogicalClock(LongSupplier wallClock, long maxDriftMillis) {
        if (maxDriftMillis < 0) {
            throw new IllegalArgumentException("negative drift bound");
        }
        this.wallClock = wallClock;
        this.maxDriftMillis = maxDriftMillis;
    }

    public HybridLogicalClock(LongSupplier wallClock) {
        this(wallClock, DEFAULT_MAX_DRIFT_MILLIS);
    }

    /** A clock on {@link System#currentTimeMillis()}. */
    public static HybridLogicalClock system() {
        return new HybridLogicalClock(System::currentTimeMillis);
    }

    private long physical() {
        return Math.max(0, Math.min(Hlc.MAX_MILLIS, wallClock.getAsLong()));
    }

    /** A timestamp for a local event (a write or a send): larger than every timestamp before it. */
    public Hlc now() {
        long pt = physical();
        if (pt > millis) {
            millis = pt;
            logical = 0;
        } else {
            tickLogical();
        }
        return current();
    }

    /**
     * A receive event: after it, {@link #now()} is larger than {@code remote}. Returns false, and
     * leaves the clock as it was, when {@code remote} is more than the drift bound ahead of the wall clock.
     */
    public boolean observe(Hlc remote) {
        long pt = physical();
        if (remote.millis() - pt > maxDriftMillis) {
            return false;
        }
        long l = Math.max(millis, Math.max(remote.millis(), pt));
        if (l == millis && l == remote.millis()) {
            logical = Math.max(logical, remote.logical());
            tickLogical();
        } else if (l == millis) {
            tickLogical();
        } else if (l == remote.millis()) {
            millis = l;
            logical = remote.logical();
            tickLogical();
        } else {
            millis = l;
            logical = 0;
        }
        return true;
    }

    private void tickLogical() {
        if (logical == Integer.MAX_VALUE) {
            // 2^31 events in one millisecond: borrow the next millisecond rather than wrap.
            millis = Math.min(Hlc.MAX_MILLIS, millis + 1);
            logical = 0;
        } else {
            logical++;
        }
    }

    /** The last timestamp issued or observed (no tick). */
    public Hlc current() {
        return new Hlc(millis, logical);
    }

    /** Moves the clock up to {@code last} (never back), e.g. after a restore from a checkpoint. */
    public void restore(Hlc last) {
        if (last.compareTo(current()) > 0) {
            millis = last.millis();
            logical = last.logical();
        }
    }

    public void setWallClock(LongSupplier wallClock) {
        this.wallClock = wallClock;
    }

    public LongSupplier wallClock() {
        return wallClock;
    }

    public long maxDriftMillis() {
        return maxDriftMillis;
    }

    /** A clock in the same state on the same wall clock. */
    public HybridLogicalClock copy() {
        HybridLogicalClock c = new HybridLogicalClock(wallClock, maxDriftMillis);
        c.millis = millis;
        c.logical = logical;
        return c;
    }
}
