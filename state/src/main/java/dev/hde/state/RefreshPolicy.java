package dev.hde.state;

import java.io.Serializable;
import java.time.Duration;

/**
 * When the encoder starts a new epoch with a FULL frame, and when it forgets an idle region.
 * Defaults as in the seed documents: interval 5 min, a chain of 10 deltas, age 15 min; plus the
 * size rule and pruning after an hour without updates.
 *
 * @param interval an update arriving this long (capture time) after the keyframe starts a new epoch
 * @param maxChain the most DELTA frames on one keyframe
 * @param maxAge an event-time timer refreshes a keyframe with deltas on top once it is this old
 * @param sizeRule refresh when the deltas since the keyframe would outweigh a new keyframe
 * @param idleTimeout a region with no update for this long (processing time) is pruned
 */
public record RefreshPolicy(Duration interval, int maxChain, Duration maxAge, boolean sizeRule, Duration idleTimeout)
        implements Serializable {

    public static final RefreshPolicy DEFAULT =
            new RefreshPolicy(Duration.ofMinutes(5), 10, Duration.ofMinutes(15), true, Duration.ofHours(1));

    public RefreshPolicy {
        if (interval.isNegative() || interval.isZero() || maxAge.isNegative() || maxAge.isZero()
                || idleTimeout.isNegative() || idleTimeout.isZero()) {
            throw new IllegalArgumentException("refresh durations must be positive");
        }
        if (maxChain < 0) {
            throw new IllegalArgumentException("maxChain must not be negative");
        }
    }

    /**
     * The reason the update arriving at {@code captureMillis} must start a new epoch before any
     * encoding, or null when a DELTA may be tried (the size rule is checked on the rendered delta).
     */
    public RefreshReason beforeEncoding(RegionState s, int pageShift, long captureMillis) {
        if (s == null) {
            return RefreshReason.FIRST;
        }
        if (s.pageShift != pageShift) {
            return RefreshReason.PAGE_SIZE_CHANGED;
        }
        if (s.chainIndex >= maxChain) {
            return RefreshReason.CHAIN_LENGTH;
        }
        if (captureMillis - s.epochStartMillis >= interval.toMillis()) {
            return RefreshReason.INTERVAL;
        }
        return null;
    }

    /** True when a rendered delta of {@code deltaBytes} should give way to a new keyframe. */
    public boolean deltaOutweighsKeyframe(RegionState s, long deltaBytes) {
        return sizeRule && s.lastFullBytes > 0 && s.deltaBytesSinceFull + deltaBytes > s.lastFullBytes;
    }

    public RefreshPolicy withInterval(Duration d) {
        return new RefreshPolicy(d, maxChain, maxAge, sizeRule, idleTimeout);
    }

    public RefreshPolicy withMaxChain(int n) {
        return new RefreshPolicy(interval, n, maxAge, sizeRule, idleTimeout);
    }

    public RefreshPolicy withMaxAge(Duration d) {
        return new RefreshPolicy(interval, maxChain, d, sizeRule, idleTimeout);
    }

    public RefreshPolicy withSizeRule(boolean on) {
        return new RefreshPolicy(interval, maxChain, maxAge, on, idleTimeout);
    }

    public RefreshPolicy withIdleTimeout(Duration d) {
        return new RefreshPolicy(interval, maxChain, maxAge, sizeRule, d);
    }
}
