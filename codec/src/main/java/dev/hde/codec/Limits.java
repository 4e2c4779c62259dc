package dev.hde.codec;

/**
 * Bounds every length read from input is checked against before anything is allocated for it.
 *
 * @param maxPageShift log2 of the largest page size accepted (16 = 64 KiB)
 * @param maxRegionPages the most pages one region (state key) may have
 * @param maxKeyBytes the longest state key, in UTF-8 bytes
 */
public record Limits(int maxPageShift, int maxRegionPages, int maxKeyBytes) implements java.io.Serializable {

    public static final int MIN_PAGE_SHIFT = 9;
    public static final int MAX_PAGE_SHIFT = 16;

    /** 4 KiB .. 64 KiB pages, regions up to 1 GiB of 4 KiB pages, keys up to 1 KiB. */
    public static final Limits DEFAULT = new Limits(MAX_PAGE_SHIFT, 262_144, 1024);

    public Limits {
        if (maxPageShift < MIN_PAGE_SHIFT || maxPageShift > MAX_PAGE_SHIFT) {
            throw new IllegalArgumentException("maxPageShift must be in [" + MIN_PAGE_SHIFT + ", " + MAX_PAGE_SHIFT + "]");
        }
        if (maxRegionPages < 1) {
            throw new IllegalArgumentException("maxRegionPages must be positive");
        }
        if (maxKeyBytes < 1 || maxKeyBytes > 65_535) {
            throw new IllegalArgumentException("maxKeyBytes must be in [1, 65535]");
        }
    }

    public void checkPageShift(int pageShift) {
        if (pageShift < MIN_PAGE_SHIFT || pageShift > maxPageShift) {
            throw new HdeException(HdeException.Kind.LIMIT_EXCEEDED,
                    "page size 2^" + pageShift + " outside [2^" + MIN_PAGE_SHIFT + ", 2^" + maxPageShift + "]");
        }
    }

    public void checkRegionPages(long regionPages) {
        if (regionPages < 0 || regionPages > maxRegionPages) {
            throw new HdeException(HdeException.Kind.LIMIT_EXCEEDED,
                    "region of " + regionPages + " pages exceeds the limit of " + maxRegionPages);
        }
    }

    public void checkKeyBytes(int keyBytes) {
        if (keyBytes < 1 || keyBytes > maxKeyBytes) {
            throw new HdeException(HdeException.Kind.BAD_KEY,
                    "state key of " + keyBytes + " bytes outside [1, " + maxKeyBytes + "]");
        }
    }
}
