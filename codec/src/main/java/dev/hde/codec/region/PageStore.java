package dev.hde.codec.region;

/**
 * The pages of one region image, by index. Zero pages are absent: {@link #get} returns null for
 * them, and storing a zero page is a {@link #remove}. The Flink operators back this with
 * {@code MapState}, so {@link #get}, {@link #put} and {@link #remove} must cost O(1) state access
 * and {@link #forEach} one pass over the stored pages (one prefix scan in RocksDB), never a
 * lookup per page index.
 */
public interface PageStore {

    /** Receives the stored pages of a {@link #forEach} scan. */
    @FunctionalInterface
    interface PageVisitor {
        void page(int index, byte[] page);
    }

    /** The page's content (never all zeros), or null for a zero page. Callers must not modify it. */
    byte[] get(int index);

    /** Stores a non-zero page; the store may keep the array, so callers must not modify it afterwards. */
    void put(int index, byte[] page);

    void remove(int index);

    void clear();

    /** Every stored (non-zero) page once, in no particular order; callers must not modify the pages. */
    void forEach(PageVisitor visitor);

    /**
     * The region's pages below {@code regionPages} in one scan: element i is page i, null for a zero
     * page. Stored pages at or past {@code regionPages} are left out.
     */
    default byte[][] scan(int regionPages) {
        byte[][] all = new byte[regionPages][];
        forEach((index, page) -> {
            if (index >= 0 && index < regionPages) {
                all[index] = page;
            }
        });
        return all;
    }
}
