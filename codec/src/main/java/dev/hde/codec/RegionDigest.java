package dev.hde.codec;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicReferenceArray;
import net.jpountz.xxhash.XXHash64;
import net.jpountz.xxhash.XXHashFactory;

/**
 * The region digest of a region as its producer reads it: the {@link PageHash} contribution of each
 * page (0 for a zero page), and their XOR, kept up to date in O(changed pages). Producers keep one
 * per region and put its value in every event (the truth the encoder checks against); a page whose
 * contribution changed is a page whose content changed, so the same values find the changed pages.
 *
 * <p>Not thread-safe: one capture loop owns it.
 */
public final class RegionDigest {

    private static final XXHash64 XXH64 = XXHashFactory.fastestInstance().hash64();
    /** Per page shift, XXH64 of a zero page with seed = index, for the indices asked so far. */
    private static final AtomicReferenceArray<long[]> ZERO_HASHES = new AtomicReferenceArray<>(Limits.MAX_PAGE_SHIFT + 1);

    private long[] contributions;
    private int pages;
    private long digest;

    /** A region of {@code pages} zero pages (digest 0). */
    public RegionDigest(int pages) {
        this.contributions = new long[Math.max(pages, 1)];
        this.pages = pages;
    }

    public long digest() {
        return digest;
    }

    public int pages() {
        return pages;
    }

    /** The contribution page {@code index} has now. */
    public long contribution(int index) {
        return contributions[index];
    }

    /** Sets page {@code index}'s contribution; returns whether it changed (the page's content changed). */
    public boolean set(int index, long contribution) {
        long old = contributions[index];
        if (old == contribution) {
            return false;
        }
        contributions[index] = contribution;
        digest ^= old ^ contribution;
        return true;
    }

    /** Grows (new pages are zero) or shrinks (the pages cut off leave the digest) the region. */
    public void resize(int newPages) {
        if (newPages < pages) {
            for (int i = newPages; i < pages; i++) {
                digest ^= contributions[i];
                contributions[i] = 0;
            }
        } else if (newPages > contributions.length) {
            contributions = Arrays.copyOf(contributions, Math.max(newPages, contributions.length * 2));
        }
        pages = newPages;
    }

    /** Page {@code index}'s contribution to a region digest: {@link PageHash#of}. */
    public static long contribution(int index, byte[] page) {
        return PageHash.of(index, page);
    }

    /**
     * The same for a page in a buffer ({@code len} bytes from absolute index {@code off}; position and
     * limit are ignored), in one pass: the hash, compared with the hash a zero page has at that index.
     */
    public static long contribution(int index, ByteBuffer buf, int off, int len) {
        long h = XXH64.hash(buf, off, len, Integer.toUnsignedLong(index));
        return h == zeroHash(index, len) ? 0L : h;
    }

    /** XXH64 of a zero page of {@code pageSize} bytes with seed = {@code index} (cached per page size). */
    static long zeroHash(int index, int pageSize) {
        int shift = Integer.numberOfTrailingZeros(pageSize);
        long[] known = ZERO_HASHES.get(shift);
        if (known == null || index >= known.length) {
            known = growZeroHashes(shift, index);
        }
        return known[index];
    }

    private static synchronized long[] growZeroHashes(int shift, int index) {
        long[] known = ZERO_HASHES.get(shift);
        if (known != null && index < known.length) {
            return known;
        }
        int from = known == null ? 0 : known.length;
        long[] grown = known == null ? new long[Math.max(1024, index + 1)] : Arrays.copyOf(known, Math.max(known.length * 2, index + 1));
        byte[] zeros = new byte[1 << shift];
        for (int i = from; i < grown.length; i++) {
            grown[i] = XXH64.hash(zeros, 0, zeros.length, Integer.toUnsignedLong(i));
        }
        ZERO_HASHES.set(shift, grown); // published whole: readers see the filled array
        return grown;
    }
}
