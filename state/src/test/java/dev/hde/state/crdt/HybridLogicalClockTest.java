package dev.hde.state.crdt;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

class HybridLogicalClockTest {

    private long wall = 1_000;

    private HybridLogicalClock clock() {
        return new HybridLogicalClock(() -> wall, 10_000);
    }

    @Test
    void followsTheWallClockAndCountsWithinAMillisecond() {
        HybridLogicalClock c = clock();
        assertThat(c.now()).isEqualTo(new Hlc(1_000, 0));
        assertThat(c.now()).isEqualTo(new Hlc(1_000, 1));
        wall = 1_005;
        assertThat(c.now()).isEqualTo(new Hlc(1_005, 0));
    }

    @Test
    void neverGoesBackWhenTheWallClockDoes() {
        HybridLogicalClock c = clock();
        wall = 5_000;
        Hlc t = c.now();
        wall = 2_000; // NTP step back
        assertThat(c.now()).isEqualTo(new Hlc(5_000, 1)).isGreaterThan(t);
        assertThat(c.now()).isEqualTo(new Hlc(5_000, 2));
        wall = 5_001;
        assertThat(c.now()).isEqualTo(new Hlc(5_001, 0));
    }

    @Test
    void afterObservingARemoteTimestampEveryLocalOneIsLarger() {
        HybridLogicalClock c = clock();
        c.now();
        Hlc remote = new Hlc(3_000, 7); // a remote clock 2 s ahead
        assertThat(c.observe(remote)).isTrue();
        assertThat(c.current()).isEqualTo(new Hlc(3_000, 8));
        assertThat(c.now()).isEqualTo(new Hlc(3_000, 9));
        assertThat(c.observe(new Hlc(3_000, 20))).isTrue();
        assertThat(c.current()).isEqualTo(new Hlc(3_000, 21));
        assertThat(c.observe(new Hlc(100, 0))).isTrue(); // an old one moves nothing but the counter
        assertThat(c.current()).isEqualTo(new Hlc(3_000, 22));
        wall = 4_000;
        assertThat(c.observe(new Hlc(100, 0))).isTrue();
        assertThat(c.current()).isEqualTo(new Hlc(4_000, 0));
    }

    @Test
    void aClockTooFarAheadIsNotAdopted() {
        HybridLogicalClock c = clock();
        c.now();
        assertThat(c.observe(new Hlc(1_000 + 10_001, 0))).isFalse();
        assertThat(c.current()).isEqualTo(new Hlc(1_000, 0));
        assertThat(c.observe(new Hlc(1_000 + 10_000, 0))).isTrue();
    }

    @Test
    void restoreOnlyMovesForward() {
        HybridLogicalClock c = clock();
        c.restore(new Hlc(9_000, 3));
        assertThat(c.now()).isEqualTo(new Hlc(9_000, 4));
        c.restore(new Hlc(10, 0));
        assertThat(c.current()).isEqualTo(new Hlc(9_000, 4));
    }

    @Test
    void logicalOverflowBorrowsTheNextMillisecond() {
        HybridLogicalClock c = clock();
        c.restore(new Hlc(1_000, Integer.MAX_VALUE));
        assertThat(c.now()).isEqualTo(new Hlc(1_001, 0));
    }

    @Test
    void strictlyIncreasingAndDeterministicUnderAnyWallClock() {
        for (int run = 0; run < 2; run++) {
            Random rnd = new Random(42);
            long[] w = {50_000};
            HybridLogicalClock c = new HybridLogicalClock(() -> w[0], 60_000);
            Hlc last = Hlc.ZERO;
            long checksum = 0;
            for (int i = 0; i < 20_000; i++) {
                w[0] = Math.max(0, w[0] + rnd.nextInt(41) - 20);
                Hlc t;
                if (rnd.nextInt(3) == 0) {
                    c.observe(new Hlc(Math.max(0, w[0] + rnd.nextInt(2_000) - 1_000), rnd.nextInt(5)));
                    t = c.current();
                    assertThat(t).isGreaterThanOrEqualTo(last);
                } else {
                    t = c.now();
                    assertThat(t).isGreaterThan(last);
                }
                // close to the wall clock: never behind it, ahead only by what it observed
                assertThat(t.millis()).isGreaterThanOrEqualTo(w[0]);
                last = t;
                checksum = checksum * 31 + t.millis() * 7 + t.logical();
            }
            assertThat(checksum).isNotZero();
            if (run == 0) {
                firstChecksum = checksum;
            } else {
                assertThat(checksum).isEqualTo(firstChecksum);
            }
        }
    }

    private long firstChecksum;
}
