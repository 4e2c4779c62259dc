package dev.hde.codec.select;

import java.util.Objects;

/**
 * A network mode with the bandwidth the cost model uses for it: the mode's default, a configured
 * value, or a measured one ({@link #measured}).
 *
 * @param bitsPerSecond 1 kbit/s .. 10 Tbit/s
 */
public record Link(NetworkMode mode, long bitsPerSecond) implements java.io.Serializable {

    public static final long MIN_BITS_PER_SECOND = 1_000L;
    public static final long MAX_BITS_PER_SECOND = 10_000_000_000_000L;

    public Link {
        Objects.requireNonNull(mode);
        if (bitsPerSecond < MIN_BITS_PER_SECOND || bitsPerSecond > MAX_BITS_PER_SECOND) {
            throw new IllegalArgumentException("bandwidth must be in [" + MIN_BITS_PER_SECOND + ", " + MAX_BITS_PER_SECOND
                    + "] bit/s, not " + bitsPerSecond);
        }
    }

    public static Link of(NetworkMode mode) {
        return mode.link();
    }

    /**
     * The link as measured: {@code bytes} took {@code nanos} to cross it (for instance the frames
     * a Kafka producer acknowledged in a window), clamped to the allowed range.
     */
    public static Link measured(NetworkMode mode, long bytes, long nanos) {
        if (bytes <= 0 || nanos <= 0) {
            throw new IllegalArgumentException("a measurement needs bytes and time");
        }
        double bps = bytes * 8e9 / nanos;
        return new Link(mode, (long) Math.max(MIN_BITS_PER_SECOND, Math.min(MAX_BITS_PER_SECOND, bps)));
    }

    /** Nanoseconds one byte takes on the wire. */
    public double nanosPerByte() {
        return 8e9 / bitsPerSecond;
    }

    @Override
    public String toString() {
        return mode.lowerName() + "@" + bitsPerSecond + "bit/s";
    }
}
