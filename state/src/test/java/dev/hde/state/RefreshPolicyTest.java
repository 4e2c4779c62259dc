package dev.hde.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RefreshPolicyTest {

    private static final long T0 = 1_700_000_000_000L;

    /** Interval 10 s, chain of 3, age 60 s, size rule on, idle 1 h. */
    private static final RefreshPolicy POLICY =
            new RefreshPolicy(Duration.ofSeconds(10), 3, Duration.ofSeconds(60), true, Duration.ofHours(1));

    private static RegionState state(int pageShift, int chainIndex, long epochStart) {
        RegionState s = new RegionState();
        s.pageShift = pageShift;
        s.regionPages = 16;
        s.epoch = epochStart;
        s.chainIndex = chainIndex;
        s.epochStartMillis = epochStart;
        return s;
    }

    @Test
    void defaultsAreKeyframesOnPurpose() {
        RefreshPolicy d = RefreshPolicy.DEFAULT;
        assertThat(d.interval()).as("off").isZero();
        assertThat(d.maxChain()).as("off").isZero();
        assertThat(d.maxAge()).isEqualTo(Duration.ofHours(24));
        assertThat(d.sizeRule()).isTrue();
        assertThat(d.idleTimeout()).isEqualTo(Duration.ofHours(24));
        // A long chain of small deltas, well within the age backstop: no keyframe by count or interval.
        RegionState s = state(12, 10_000, T0);
        assertThat(d.beforeEncoding(s, 12, T0 + Duration.ofHours(23).toMillis())).isNull();
        assertThat(d.beforeEncoding(s, 12, T0 + Duration.ofHours(24).toMillis())).isEqualTo(RefreshReason.AGE);
    }

    @Test
    void theSeedRulesStayAvailable() {
        RefreshPolicy seed = RefreshPolicy.SEED;
        assertThat(seed.beforeEncoding(state(12, 10, T0), 12, T0 + 1)).isEqualTo(RefreshReason.CHAIN_LENGTH);
        assertThat(seed.beforeEncoding(state(12, 1, T0), 12, T0 + 300_000)).isEqualTo(RefreshReason.INTERVAL);
    }

    @Test
    void ageBackstopOnlyWithDeltasOnTop() {
        assertThat(POLICY.withInterval(Duration.ZERO).beforeEncoding(state(12, 1, T0), 12, T0 + 59_999)).isNull();
        // chain 0: the keyframe is the newest frame; an update after the age is still a delta on it (the timer does not fire either)
        assertThat(POLICY.withInterval(Duration.ZERO).beforeEncoding(state(12, 0, T0), 12, T0 + 120_000)).isNull();
        assertThat(POLICY.withInterval(Duration.ZERO).beforeEncoding(state(12, 1, T0), 12, T0 + 60_000)).isEqualTo(RefreshReason.AGE);
    }

    @Test
    void noStateMeansFirst() {
        assertThat(POLICY.beforeEncoding(null, 12, T0)).isEqualTo(RefreshReason.FIRST);
    }

    @Test
    void pageSizeChange() {
        assertThat(POLICY.beforeEncoding(state(12, 0, T0), 13, T0 + 1)).isEqualTo(RefreshReason.PAGE_SIZE_CHANGED);
        assertThat(POLICY.beforeEncoding(state(12, 0, T0), 11, T0 + 1)).isEqualTo(RefreshReason.PAGE_SIZE_CHANGED);
        // The page size wins over every other reason: the old reference cannot be used at all.
        assertThat(POLICY.beforeEncoding(state(12, 3, T0), 13, T0 + 60_000)).isEqualTo(RefreshReason.PAGE_SIZE_CHANGED);
    }

    @Test
    void chainLength() {
        assertThat(POLICY.beforeEncoding(state(12, 2, T0), 12, T0 + 1)).isNull();
        assertThat(POLICY.beforeEncoding(state(12, 3, T0), 12, T0 + 1)).isEqualTo(RefreshReason.CHAIN_LENGTH);
        assertThat(POLICY.beforeEncoding(state(12, 7, T0), 12, T0 + 1)).isEqualTo(RefreshReason.CHAIN_LENGTH);
        // The chain wins over the interval.
        assertThat(POLICY.beforeEncoding(state(12, 3, T0), 12, T0 + 10_000)).isEqualTo(RefreshReason.CHAIN_LENGTH);
    }

    @Test
    void maxChainZeroAndIntervalZeroAreOff() {
        RefreshPolicy p = POLICY.withMaxChain(0).withInterval(Duration.ZERO);
        assertThat(p.beforeEncoding(state(12, 1_000_000, T0), 12, T0 + 1)).isNull();
        assertThat(p.beforeEncoding(state(12, 1, T0), 12, T0 + 59_999)).isNull();
    }

    @Test
    void aRegionWithoutReferenceIsFirst() {
        RegionState waiting = RegionState.awaiting(dev.hde.codec.wire.ControlRequest.Reason.NO_REFERENCE, 5);
        assertThat(POLICY.beforeEncoding(waiting, 12, T0)).isEqualTo(RefreshReason.FIRST);
    }

    @Test
    void intervalIsCaptureTimeBased() {
        RegionState s = state(12, 1, T0);
        assertThat(POLICY.beforeEncoding(s, 12, T0 + 9_999)).isNull();
        assertThat(POLICY.beforeEncoding(s, 12, T0 + 10_000)).isEqualTo(RefreshReason.INTERVAL);
        assertThat(POLICY.beforeEncoding(s, 12, T0 + 3_600_000)).isEqualTo(RefreshReason.INTERVAL);
        // A capture time before the keyframe (a producer clock step back) is no reason to refresh.
        assertThat(POLICY.beforeEncoding(s, 12, T0 - 5_000)).isNull();
    }

    @Test
    void noReasonMeansTryADelta() {
        assertThat(POLICY.beforeEncoding(state(12, 0, T0), 12, T0)).isNull();
        assertThat(POLICY.beforeEncoding(state(12, 2, T0), 12, T0 + 5_000)).isNull();
    }

    @Test
    void sizeRuleComparesAKeyframeOnlyWithADeltaLargerThanTheLastKeyframe() {
        RegionState s = state(12, 2, T0);
        s.lastFullBytes = 1_000;
        s.deltaBytesSinceFull = 600_000; // what came before does not matter
        assertThat(POLICY.keyframeMayBeSmaller(s, 1_000)).isFalse();
        assertThat(POLICY.keyframeMayBeSmaller(s, 1_001)).isTrue();
        assertThat(POLICY.withSizeRule(false).keyframeMayBeSmaller(s, 1_000_000)).isFalse();
        s.lastFullBytes = 0;
        assertThat(POLICY.keyframeMayBeSmaller(s, 1_000_000)).as("no keyframe size known yet").isFalse();
    }

    @Test
    void deltaBudgetIsOffByDefaultAndCountsTheDeltasSinceTheKeyframe() {
        RegionState s = state(12, 2, T0);
        s.lastFullBytes = 1_000;
        s.deltaBytesSinceFull = 600;
        assertThat(RefreshPolicy.DEFAULT.deltaBudget()).isFalse();
        assertThat(POLICY.deltasOutweighKeyframe(s, 1_000_000)).isFalse();
        RefreshPolicy budget = POLICY.withDeltaBudget(true);
        assertThat(budget.deltasOutweighKeyframe(s, 399)).isFalse();
        assertThat(budget.deltasOutweighKeyframe(s, 400)).as("equal cost keeps the delta").isFalse();
        assertThat(budget.deltasOutweighKeyframe(s, 401)).isTrue();
        s.lastFullBytes = 0;
        assertThat(budget.deltasOutweighKeyframe(s, 1_000_000)).isFalse();
    }

    @Test
    void sizeRuleAndBudgetProperty() {
        long seed = Long.getLong("hde.test.seed", 20240501L);
        Random random = new Random(seed);
        for (int i = 0; i < 1_000; i++) {
            RegionState s = state(12, 1, T0);
            s.lastFullBytes = random.nextInt(100_000);
            s.deltaBytesSinceFull = random.nextInt(100_000);
            long delta = random.nextInt(100_000);
            boolean rule = random.nextBoolean();
            boolean budget = random.nextBoolean();
            RefreshPolicy p = POLICY.withSizeRule(rule).withDeltaBudget(budget);
            assertThat(p.keyframeMayBeSmaller(s, delta)).as("seed %d", seed).isEqualTo(rule && s.lastFullBytes > 0 && delta > s.lastFullBytes);
            assertThat(p.deltasOutweighKeyframe(s, delta)).as("seed %d", seed)
                    .isEqualTo(budget && s.lastFullBytes > 0 && s.deltaBytesSinceFull + delta > s.lastFullBytes);
        }
    }

    @Test
    void badDurationsAreRefused() {
        Duration ok = Duration.ofSeconds(1);
        for (Duration bad : new Duration[] {Duration.ZERO, Duration.ofMillis(-1), Duration.ofHours(-3)}) {
            if (!bad.isZero()) {
                assertThatThrownBy(() -> new RefreshPolicy(bad, 1, ok, true, ok)).isInstanceOf(IllegalArgumentException.class);
                assertThatThrownBy(() -> POLICY.withInterval(bad)).isInstanceOf(IllegalArgumentException.class);
            }
            assertThatThrownBy(() -> new RefreshPolicy(ok, 1, bad, true, ok)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> new RefreshPolicy(ok, 1, ok, true, bad)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> POLICY.withMaxAge(bad)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> POLICY.withIdleTimeout(bad)).isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> new RefreshPolicy(ok, -1, ok, true, ok)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> POLICY.withMaxChain(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RefreshPolicy(null, 1, ok, true, ok)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void withersChangeOneThing() {
        assertThat(POLICY.withInterval(Duration.ofSeconds(1)))
                .isEqualTo(new RefreshPolicy(Duration.ofSeconds(1), 3, Duration.ofSeconds(60), true, Duration.ofHours(1)));
        assertThat(POLICY.withMaxChain(9))
                .isEqualTo(new RefreshPolicy(Duration.ofSeconds(10), 9, Duration.ofSeconds(60), true, Duration.ofHours(1)));
        assertThat(POLICY.withMaxAge(Duration.ofSeconds(2)))
                .isEqualTo(new RefreshPolicy(Duration.ofSeconds(10), 3, Duration.ofSeconds(2), true, Duration.ofHours(1)));
        assertThat(POLICY.withSizeRule(false))
                .isEqualTo(new RefreshPolicy(Duration.ofSeconds(10), 3, Duration.ofSeconds(60), false, Duration.ofHours(1)));
        assertThat(POLICY.withIdleTimeout(Duration.ofMinutes(1)))
                .isEqualTo(new RefreshPolicy(Duration.ofSeconds(10), 3, Duration.ofSeconds(60), true, Duration.ofMinutes(1)));
        assertThat(POLICY.withDeltaBudget(true))
                .isEqualTo(new RefreshPolicy(Duration.ofSeconds(10), 3, Duration.ofSeconds(60), true, Duration.ofHours(1), true));
    }

    @Test
    void javaSerializableForFunctionClosures() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(POLICY);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            assertThat(in.readObject()).isEqualTo(POLICY);
        }
    }
}
