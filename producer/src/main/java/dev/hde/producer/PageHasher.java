package dev.hde.producer;

import java.nio.ByteBuffer;
import net.jpountz.xxhash.XXHash64;
import net.jpountz.xxhash.XXHashFactory;

/**
 * The 64-bit page hash the producer compares between rounds to find changed pages: XXH64 with seed
 * 0 over the page's bytes (native code from lz4-java, on heap or direct buffers alike). Two pages
 * with equal hashes are taken as equal; for a page that did change, the chance of that is 2^-64.
 */
public final class PageHasher {

    private static final XXHash64 XXH64 = XXHashFactory.fastestInstance().hash64();

    private PageHasher() {}

    /** The hash of {@code len} bytes of {@code buf} from absolute index {@code off} (position and limit are ignored). */
    public static long hash(ByteBuffer buf, int off, int len) {
        return XXH64.hash(buf, off, len, 0L);
    }

    public static long hash(byte[] page) {
        return XXH64.hash(page, 0, page.length, 0L);
    }

    /** The hash of an all-zero page: what a page the receiver does not hold yet counts as. */
    public static long zeroPage(int pageSize) {
        return hash(new byte[pageSize]);
    }
}
