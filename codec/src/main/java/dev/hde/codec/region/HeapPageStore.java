package dev.hde.codec.region;

import java.util.HashMap;
import java.util.Map;

/** A {@link PageStore} in a hash map: for receivers outside Flink, tools and tests. */
public final class HeapPageStore implements PageStore {

    private final Map<Integer, byte[]> pages = new HashMap<>();

    @Override
    public byte[] get(int index) {
        return pages.get(index);
    }

    @Override
    public void put(int index, byte[] page) {
        pages.put(index, page);
    }

    @Override
    public void remove(int index) {
        pages.remove(index);
    }

    @Override
    public void clear() {
        pages.clear();
    }

    @Override
    public void forEach(PageVisitor visitor) {
        pages.forEach(visitor::page);
    }

    public int size() {
        return pages.size();
    }

    /** Writes the region as a flat image of {@code regionPages} pages into {@code dst} at {@code off}. */
    public void copyTo(byte[] dst, int off, int regionPages, int pageSize) {
        java.util.Arrays.fill(dst, off, off + regionPages * pageSize, (byte) 0);
        for (Map.Entry<Integer, byte[]> e : pages.entrySet()) {
            if (e.getKey() < regionPages) {
                System.arraycopy(e.getValue(), 0, dst, off + e.getKey() * pageSize, pageSize);
            }
        }
    }
}
