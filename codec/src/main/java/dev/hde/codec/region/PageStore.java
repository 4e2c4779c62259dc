package dev.hde.codec.region;

/**
 * The pages of one region image, by index. Zero pages are absent: {@link #get} returns null for
 * them, and storing a zero page is a {@link #remove}. The Flink operators back this with
 * {@code MapState}, so every method must cost O(1) state access.
 */
public interface PageStore {

    /** The page's content (never all zeros), or null for a zero page. Callers must not modify it. */
    byte[] get(int index);

    /** Stores a non-zero page; the store may keep the array, so callers must not modify it afterwards. */
    void put(int index, byte[] page);

    void remove(int index);

    void clear();
}
