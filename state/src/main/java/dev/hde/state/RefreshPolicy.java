package dev.hde.state;

import java.io.Serializable;
import java.time.Duration;

/**
 * When the encoder starts a new epoch with a FULL frame, and when it forgets an idle region.
 *
 * <p>Keyframes on purpose (docs/configuration.md, "Keyframes"): deltas are made against the
 * receiver's exact image, so nothing drifts and nothing needs resetting by count. A keyframe is sent
 * when the region is new to the encoder or the page size changed, when it is cheaper than the delta
 * it would replace (the size rule), after a resync, when a receiver asks for one, and at the age
 * backstop (so a receiver that starts from the frames topic never needs a keyframe older than the
 * topic's retention). The seed documents' count, interval and "deltas outweigh the keyframe" rules
 * stay available and are off by default: on a live link each of them sends bytes that no receiver
 * needs (a receiver that starts late asks for a keyframe instead).
 *
 * @param interval an update arriving this long (capture time) after the keyframe starts a new epoch; zero = off (default)
 * @param maxChain the most DELTA frames on one keyframe; 0 = no limit (default)
 * @param maxAge the age backstop: a keyframe with deltas on top is refreshed once it is this old (an
 *     event-time timer in the job, and checked when an update arrives); keep it below the frames
 *     topic's retention (default 24 h)
 * @param sizeRule a keyframe instead of a delta when the keyframe is the smaller frame (tried when the
 *     delta comes out larger than the last keyframe; default on)
 * @param idleTimeout a region with no update for this long (processing time) is forgotten; its next
 *     partial update then asks the producer for the whole region (default 24 h)
 * @param deltaBudget the seed documents' rule: a keyframe once the deltas since the last one add up to
 *     more than it, which bounds what a receiver starting at the keyframe reads to twice a keyframe,
 *     at the cost of keyframes a live link does not need (default off)
 */
public record RefreshPolicy(Duration interval, int maxChain, Duration maxAge, boolean sizeRule, Duration idleTimeout, boolean deltaBudget)
        implements Serializable {

    public static final RefreshPolicy DEFAULT = new RefreshPolicy(Duration.ZERO, 0, Duration.ofHours(24), true, Duration.ofHours(24), false);

    /** The seed documents' rules: interval 5 min, a chain of 10, age 15 min, the delta budget (what the job did before keyframes by purpose). */
    public static final RefreshPolicy SEED =
            new RefreshPolicy(Duration.ofMinutes(5), 10, Duration.ofMinutes(15), true, Duration.ofHours(1), true);

    /** Without the delta budget. */
    public RefreshPolicy(Duration interval, int maxChain, Duration maxAge, boolean sizeRule, Duration idleTimeout) {
        this(interval, maxChain, maxAge, sizeRule, idleTimeout, false);
    }

    public RefreshPolicy {
        if (interval.isNegative() || maxAge.isNegative() || maxAge.isZero() || idleTimeout.isNegative() || idleTimeout.isZero()) {
            throw new IllegalArgumentException("the age and idle durations must be positive, the interval positive or zero (off)");
        }
        if (maxChain < 0) {
            throw new IllegalArgumentException("maxChain must not be negative (0 = no limit)");
        }
    }

    /**
     * The reason the update arriving at {@code captureMillis} must start a new epoch before any
     * encoding, or null when a DELTA may be tried (the size rule is checked on the rendered delta).
     * {@code s} is a region the encoder holds the producer's state of; a region it does not hold is
     * a resync, not a refresh ({@link EventEncoder}).
     */
    public RefreshReason beforeEncoding(RegionState s, int pageShift, long captureMillis) {
        if (s == null || !s.hasReference()) {
            return RefreshReason.FIRST;
        }
        if (s.pageShift != pageShift) {
            return RefreshReason.PAGE_SIZE_CHANGED;
        }
        if (maxChain > 0 && s.chainIndex >= maxChain) {
            return RefreshReason.CHAIN_LENGTH;
        }
        if (!interval.isZero() && captureMillis - s.epochStartMillis >= interval.toMillis()) {
            return RefreshReason.INTERVAL;
        }
        if (s.chainIndex > 0 && captureMillis - s.epochStartMillis >= maxAge.toMillis()) {
            return RefreshReason.AGE;
        }
        return null;
    }

    /**
     * The size rule: whether a keyframe may be smaller than a rendered delta of {@code deltaBytes}
     * (the delta is larger than the last keyframe was), so that both are worth comparing.
     */
    public boolean keyframeMayBeSmaller(RegionState s, long deltaBytes) {
        return sizeRule && s.lastFullBytes > 0 && deltaBytes > s.lastFullBytes;
    }

    /** The delta budget: whether a rendered delta of {@code deltaBytes} makes the deltas since the keyframe outweigh it. */
    public boolean deltasOutweighKeyframe(RegionState s, long deltaBytes) {
        return deltaBudget && s.lastFullBytes > 0 && s.deltaBytesSinceFull + deltaBytes > s.lastFullBytes;
    }

    public RefreshPolicy withInterval(Duration d) {
        return new RefreshPolicy(d, maxChain, maxAge, sizeRule, idleTimeout, deltaBudget);
    }

    public RefreshPolicy withMaxChain(int n) {
        return new RefreshPolicy(interval, n, maxAge, sizeRule, idleTimeout, deltaBudget);
    }

    public RefreshPolicy withMaxAge(Duration d) {
        return new RefreshPolicy(interval, maxChain, d, sizeRule, idleTimeout, deltaBudget);
    }

    public RefreshPolicy withSizeRule(boolean on) {
        return new RefreshPolicy(interval, maxChain, maxAge, on, idleTimeout, deltaBudget);
    }

    public RefreshPolicy withDeltaBudget(boolean on) {
        return new RefreshPolicy(interval, maxChain, maxAge, sizeRule, idleTimeout, on);
    }

    public RefreshPolicy withIdleTimeout(Duration d) {
        return new RefreshPolicy(interval, maxChain, maxAge, sizeRule, d, deltaBudget);
    }
}
