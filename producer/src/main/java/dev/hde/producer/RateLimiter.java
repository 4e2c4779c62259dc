package dev.hde.producer;

/**
 * A token bucket over bytes: {@link #acquire} lets {@code rate} bytes per second through on
 * average, with bursts of up to one second's worth (or one event, if larger). Callers block in
 * {@code acquire} while they are ahead of the rate: the capture loop slows down instead of
 * flooding the link or the cluster.
 */
public final class RateLimiter {

    /** Sleeps; a test substitutes a fake clock. */
    public interface Clock {
        long nanoTime();

        void sleepNanos(long nanos) throws InterruptedException;

        Clock SYSTEM = new Clock() {
            @Override
            public long nanoTime() {
                return System.nanoTime();
            }

            @Override
            public void sleepNanos(long nanos) throws InterruptedException {
                Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000));
            }
        };
    }

    private final double bytesPerNano;
    private final double capacity;
    private final Clock clock;
    private double tokens;
    private long last;

    /** @param bytesPerSecond the average rate; must be positive */
    public RateLimiter(long bytesPerSecond, Clock clock) {
        if (bytesPerSecond <= 0) {
            throw new IllegalArgumentException("rate must be positive");
        }
        this.bytesPerNano = bytesPerSecond / 1e9;
        this.capacity = bytesPerSecond;
        this.clock = clock;
        this.tokens = capacity;
        this.last = clock.nanoTime();
    }

    public RateLimiter(long bytesPerSecond) {
        this(bytesPerSecond, Clock.SYSTEM);
    }

    /** Takes {@code bytes} tokens, first waiting as long as the bucket would be overdrawn. */
    public void acquire(long bytes) throws InterruptedException {
        long now = clock.nanoTime();
        tokens = Math.min(capacity, tokens + (now - last) * bytesPerNano);
        last = now;
        tokens -= bytes;
        if (tokens < 0) {
            long wait = (long) Math.ceil(-tokens / bytesPerNano);
            clock.sleepNanos(wait);
            long after = clock.nanoTime();
            tokens += (after - last) * bytesPerNano;
            last = after;
        }
    }
}
