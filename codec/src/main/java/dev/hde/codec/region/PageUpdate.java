package dev.hde.codec.region;

import java.util.Objects;

/**
 * New content for some pages of a region, and the region's page count after the update (pages at
 * or past it are gone). Indices are strictly increasing and below {@code regionPages}; every page
 * is exactly one page long.
 */
public record PageUpdate(int regionPages, int[] indices, byte[][] pages) {

    public PageUpdate {
        Objects.requireNonNull(indices);
        Objects.requireNonNull(pages);
        if (indices.length != pages.length) {
            throw new IllegalArgumentException(indices.length + " indices for " + pages.length + " pages");
        }
        for (int i = 0; i < indices.length; i++) {
            if (indices[i] < 0 || indices[i] >= regionPages || (i > 0 && indices[i] <= indices[i - 1])) {
                throw new IllegalArgumentException("page indices must increase and stay below " + regionPages);
            }
        }
    }

    public int size() {
        return indices.length;
    }
}
