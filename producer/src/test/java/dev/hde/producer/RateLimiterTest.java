package dev.hde.producer;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RateLimiterTest {

    /** A clock that only moves when the limiter sleeps (or the test says so). */
    private static final class FakeClock implements RateLimiter.Clock {
        long now;
        long slept;

        @Override
        public long nanoTime() {
            return now;
        }

        @Override
        public void sleepNanos(long nanos) {
            now += nanos;
            slept += nanos;
        }
    }

    @Test
    void averagesTheRateAfterABurstOfOneSecond() throws Exception {
        FakeClock clock = new FakeClock();
        RateLimiter limiter = new RateLimiter(10_000_000, clock); // 10 MB/s
        for (int i = 0; i < 100; i++) {
            limiter.acquire(1_000_000); // 100 MB
        }
        // The first 10 MB are the burst; the other 90 MB take 9 s.
        assertThat(clock.now / 1e9).isCloseTo(9.0, org.assertj.core.data.Offset.offset(0.01));
    }

    @Test
    void anEventLargerThanTheBurstWaitsForItsShare() throws Exception {
        FakeClock clock = new FakeClock();
        RateLimiter limiter = new RateLimiter(1_000_000, clock);
        limiter.acquire(3_000_000);
        assertThat(clock.slept / 1e9).isCloseTo(2.0, org.assertj.core.data.Offset.offset(0.01));
        clock.now += 10_000_000_000L; // idle time refills the bucket only up to one second's worth
        long before = clock.slept;
        limiter.acquire(1_000_000);
        assertThat(clock.slept).isEqualTo(before);
        limiter.acquire(500_000);
        assertThat((clock.slept - before) / 1e9).isCloseTo(0.5, org.assertj.core.data.Offset.offset(0.01));
    }
}
