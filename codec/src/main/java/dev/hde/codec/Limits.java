package dev.hde.codec;

/**
 * Bounds every length read from input is checked against before anything is allocated for it.
 *
 * @param maxPageShift log2 of the largest page size accepted (16 = 64 KiB)
 * @param maxRegionPages the most pages one region (state key) may have
 * @param maxKeyBytes the longest state key, in UTF-8 bytes
 * @param maxRegionBytes the largest region (pages x page size): bounds every buffer a frame or event can ask for
 */
public record Limits(int maxPageShift, int maxRegionPages, int maxKeyBytes, long maxRegionBytes) implements java.io.Serializable {

    public static final int MIN_PAGE_SHIFT = 9;
    public static final int MAX_PAGE_SHIFT = 16;

    /** 512 B .. 64 KiB pages, up to 65,536 pages and 256 MiB per region, keys up to 1 KiB. */
    public static final Limits DEFAULT = new Limits(MAX_PAGE_SHIFT, 65_536, 1024, 256L << 20);

    /** Largest region bytes a limit may allow: every buffer stays a Java array. */
    public static final long MAX_REGION_BYTES = 1L << 30;

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
        if (maxRegionBytes < 1 || maxRegionBytes > MAX_REGION_BYTES) {
            throw new IllegalArgumentException("maxRegionBytes must be in [1, " + MAX_REGION_BYTES + "]");
        }
    }

    /** Limits whose region bytes are bounded only by pages x the largest page (capped at {@link #MAX_REGION_BYTES}). */
    public Limits(int maxPageShift, int maxRegionPages, int maxKeyBytes) {
        this(maxPageShift, maxRegionPages, maxKeyBytes, Math.min(MAX_REGION_BYTES, (long) maxRegionPages << maxPageShift));
    }

    /** Checks the page count and the region's bytes at this page size. */
    public void checkRegion(long regionPages, int pageShift) {
        checkRegionPages(regionPages);
        if (regionPages << pageShift > maxRegionBytes) {
            throw new HdeException(HdeException.Kind.LIMIT_EXCEEDED,
                    "region of " + regionPages + " pages of 2^" + pageShift + " bytes exceeds the limit of " + maxRegionBytes + " bytes");
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
