package dev.hde.codec;

import net.jpountz.xxhash.XXHash64;
import net.jpountz.xxhash.XXHashFactory;

/**
 * The region digest: XOR over all non-zero pages of XXH64(page content, seed = page index).
 *
 * <p>Zero pages contribute nothing, so a region that grows by zero pages keeps its digest, and both
 * sides update the digest in O(changed pages): {@code digest ^= hash(i, old) ^ hash(i, new)}. The
 * page index in the seed makes two swapped pages change the digest.
 */
public final class PageHash {

    private static final XXHash64 XXH64 = XXHashFactory.fastestInstance().hash64();

    private PageHash() {}

    /** The page's contribution to the region digest; 0 for a null (absent) or all-zero page. */
    public static long of(int pageIndex, byte[] page) {
        if (page == null) {
            return 0L;
        }
        return of(pageIndex, page, 0, page.length);
    }

    public static long of(int pageIndex, byte[] buf, int off, int len) {
        if (Pages.isZero(buf, off, len)) {
            return 0L;
        }
        return ofNonZero(pageIndex, buf, off, len);
    }

    /** The contribution of a page as a {@link dev.hde.codec.region.PageStore} holds it: null, or never all zeros. */
    public static long ofStored(int pageIndex, byte[] page) {
        return page == null ? 0L : ofNonZero(pageIndex, page, 0, page.length);
    }

    /** The contribution of a page already known not to be all zeros. */
    public static long ofNonZero(int pageIndex, byte[] buf, int off, int len) {
        return XXH64.hash(buf, off, len, Integer.toUnsignedLong(pageIndex));
    }
}
