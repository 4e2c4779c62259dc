package dev.hde.codec.select;

import java.util.Locale;

/**
 * What kind of link the frames cross, which sets the bandwidth the cost model divides the wire
 * bytes by. The defaults are the issue's: a datacenter link of 10 Gbit/s, an internet path of
 * 100 Mbit/s, and a hybrid link of 1 Gbit/s unless configured or measured ({@link Link}).
 */
public enum NetworkMode {
    DATACENTER(10_000_000_000L),
    INTERNET(100_000_000L),
    HYBRID(1_000_000_000L);

    private final long defaultBitsPerSecond;

    NetworkMode(long defaultBitsPerSecond) {
        this.defaultBitsPerSecond = defaultBitsPerSecond;
    }

    public long defaultBitsPerSecond() {
        return defaultBitsPerSecond;
    }

    /** The link of this mode at its default bandwidth. */
    public Link link() {
        return new Link(this, defaultBitsPerSecond);
    }

    /** "datacenter", "internet" or "hybrid", any case. */
    public static NetworkMode parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("network mode must be datacenter, internet or hybrid, not " + s);
        }
    }

    public String lowerName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
