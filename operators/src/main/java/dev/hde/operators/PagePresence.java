package dev.hde.operators;

import java.util.BitSet;

/**
 * Which pages of a region the state holds a base of and which a patch of, as two bitmaps kept in the
 * region's own state ({@code RegionState.basePages}, {@code patchedPages}), so that a lookup known to
 * find nothing is never made: a changed page without a patch is one point lookup, not two, and a page
 * that was zero none. With state larger than memory every lookup probes the filters of the store's
 * sorted runs and searches its memtables; the region's state is read for every event anyway, so the
 * bitmaps cost it no lookup (docs/benchmarks.md, "Lookups the state's own index saves").
 *
 * <p>Only regions of at most {@link #MAX_PAGES} pages carry them (two bitmaps of 512 bytes at most,
 * written with the region's state on every event); a store that meets a page index beyond that, or a
 * region whose state has no bitmaps (written before they existed), knows nothing of them (null) and
 * looks up every page as before until a scan or a clear of the region has seen all of its pages again.
 * A lookup that contradicts them (a base or patch they hold that the state does not) is corrupt state:
 * {@link PatchedPageStore} throws, it never takes either side.
 */
final class PagePresence {

    /** The largest region that carries the bitmaps, in pages (2 MiB regions of 4 KiB pages have 512). */
    static final int MAX_PAGES = 4096;

    private final BitSet bases;
    private final BitSet patches;

    private PagePresence(BitSet bases, BitSet patches) {
        this.bases = bases;
        this.patches = patches;
    }

    /** A region of which the state holds nothing. */
    static PagePresence empty() {
        return new PagePresence(new BitSet(), new BitSet());
    }

    /**
     * The bitmaps as stored with a region's state (bit i of word i/64, {@link BitSet#valueOf(long[])}), or null
     * (unknown) when either is absent or too long. They are copied: the region's state object keeps its own
     * until it is given new ones.
     */
    static PagePresence of(long[] bases, long[] patches) {
        int words = (MAX_PAGES + 63) >>> 6;
        if (bases == null || patches == null || bases.length > words || patches.length > words) {
            return null;
        }
        return new PagePresence(BitSet.valueOf(bases), BitSet.valueOf(patches));
    }

    /** Whether page {@code index} may be tracked; a store meeting an index beyond stops tracking. */
    static boolean tracks(int index) {
        return index >= 0 && index < MAX_PAGES;
    }

    boolean hasBase(int index) {
        return bases.get(index);
    }

    boolean hasPatch(int index) {
        return patches.get(index);
    }

    void base(int index, boolean held) {
        bases.set(index, held);
    }

    void patch(int index, boolean held) {
        patches.set(index, held);
    }

    /** The bitmaps to store, trailing empty words left out. */
    long[] basesToStore() {
        return bases.toLongArray();
    }

    long[] patchesToStore() {
        return patches.toLongArray();
    }
}
