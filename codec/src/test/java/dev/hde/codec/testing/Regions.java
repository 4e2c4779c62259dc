package dev.hde.codec.testing;

import dev.hde.codec.PageHash;
import dev.hde.codec.Pages;
import dev.hde.codec.region.HeapPageStore;
import dev.hde.codec.region.PageStore;
import java.util.Arrays;

/** Checks of a page store against a model region kept as a plain flat {@code byte[]}. */
public final class Regions {

    private Regions() {}

    /** The region digest of a flat image, computed from scratch (independent of any incremental update). */
    public static long digest(byte[] image, int regionPages, int pageSize) {
        long d = 0;
        for (int i = 0; i < regionPages; i++) {
            d ^= PageHash.of(i, image, i * pageSize, pageSize);
        }
        return d;
    }

    public static int nonZeroPages(byte[] image, int regionPages, int pageSize) {
        int n = 0;
        for (int i = 0; i < regionPages; i++) {
            if (!Pages.isZero(image, i * pageSize, pageSize)) {
                n++;
            }
        }
        return n;
    }

    /**
     * Null when {@code store} holds exactly the model: every non-zero page of the image, byte for
     * byte, no zero page, nothing past the region; otherwise what differs first.
     */
    public static String mismatch(HeapPageStore store, byte[] image, int regionPages, int pageSize) {
        for (int i = 0; i < regionPages; i++) {
            byte[] got = store.get(i);
            int off = i * pageSize;
            if (got == null) {
                if (!Pages.isZero(image, off, pageSize)) {
                    return "page " + i + " is missing (a zero page) but the model has content";
                }
            } else {
                if (got.length != pageSize) {
                    return "page " + i + " has " + got.length + " bytes";
                }
                int m = Arrays.mismatch(got, 0, pageSize, image, off, off + pageSize);
                if (m >= 0) {
                    return "page " + i + " differs at byte " + m;
                }
                if (Pages.isZero(got)) {
                    return "page " + i + " is stored as an explicit zero page";
                }
            }
        }
        int expected = nonZeroPages(image, regionPages, pageSize);
        if (store.size() != expected) {
            return "store holds " + store.size() + " pages, the model has " + expected
                    + " non-zero pages (pages left past the region of " + regionPages + "?)";
        }
        return null;
    }

    /** A deep copy of a store's pages below {@code upTo}, for "unchanged" checks. */
    public static byte[][] snapshot(PageStore store, int upTo) {
        byte[][] s = new byte[upTo][];
        for (int i = 0; i < upTo; i++) {
            byte[] p = store.get(i);
            s[i] = p == null ? null : p.clone();
        }
        return s;
    }

    /** A flat image of a store's first {@code regionPages} pages. */
    public static byte[] image(HeapPageStore store, int regionPages, int pageSize) {
        byte[] out = new byte[regionPages * pageSize];
        store.copyTo(out, 0, regionPages, pageSize);
        return out;
    }
}
