package dev.hde.operators;

import dev.hde.codec.HdeException;
import dev.hde.codec.delta.Xbzrle;
import dev.hde.codec.region.PageStore;
import dev.hde.codec.wire.WireReader;
import dev.hde.codec.wire.WireWriter;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.util.FlinkRuntimeException;

/**
 * A region image in Flink keyed {@code MapState} as base pages and, for a page changed a little since
 * its base was written, the patch from its base to its content (XBZRLE, at most {@link #MAX_PATCH_SHARE}
 * of the page). Memory changes a few bytes of a page at a time (a counter, a pointer), so most changes
 * write a patch of tens of bytes instead of the whole page: with RocksDB the bases, the bulk of the
 * state, are then written once and not again until a page has changed too much, so the steady state
 * spends little on flushing and compacting sorted runs of pages and its incremental checkpoints upload
 * little (docs/benchmarks.md, "State at scale"). A page whose patch would exceed the bound is written
 * whole as its new base and its patch removed. A base is stored as {@link StoredPageFormat} makes it
 * (LZ4-compressed when that is smaller), so RocksDB need not compress it again at every flush and merge.
 *
 * <p>Reading a page is two point lookups (base and patch), writing one (the patch, or the base and a
 * patch removal); an {@link #indexed} store skips those its region's {@link PagePresence} says find
 * nothing (a page without a patch is one lookup, a zero page none). The base {@link #get} read is kept
 * for the {@link #put} or {@link #remove} of the page that follows it, so an event's read-modify-write
 * of a page reads it once. So an instance serves one event (or request, or timer) of one key, and a new
 * one the next: a base read for one key must never be taken for another's. {@link #forEach} is one scan of each state. A patch that does not apply to
 * its base, or a stored base that is not a page, is corrupt state: an exception, never a page made up.
 */
final class PatchedPageStore implements PageStore {

    /** A patch may take at most this share of a page (1/8); a page changed more is written whole. */
    static final int MAX_PATCH_SHARE = 8;

    private final MapState<Integer, byte[]> bases;
    private final MapState<Integer, byte[]> patches;
    private WireWriter scratch;

    /**
     * What this store knows of each page's state (its base, null for none, and whether it has a patch): from {@link #get},
     * a scan, or its own writes. After a scan or a clear it knows every page: one it holds nothing of has no base.
     */
    private final Map<Integer, Read> reads = new HashMap<>();
    private boolean knowsAll;

    private record Read(byte[] base, boolean patched) {}

    /**
     * Which pages the state holds a base and a patch of, when known (null: look every page up); kept up
     * to date by every write, and made anew by a clear or a scan when {@link #indexed}.
     */
    private PagePresence presence;
    private final boolean indexed;
    /** Point lookups made (bases and patches; a scan is none). */
    private long lookups;

    /** A store that looks up every page it is asked for (the region's state keeps no {@link PagePresence}). */
    PatchedPageStore(MapState<Integer, byte[]> bases, MapState<Integer, byte[]> patches) {
        this(bases, patches, null, false);
    }

    private PatchedPageStore(MapState<Integer, byte[]> bases, MapState<Integer, byte[]> patches, PagePresence presence, boolean indexed) {
        this.bases = bases;
        this.patches = patches;
        this.presence = presence;
        this.indexed = indexed;
    }

    /**
     * A store that skips the lookups the region's {@link PagePresence} bitmaps (as stored with its state;
     * null when it has none yet) say find nothing; the caller stores {@link #basePages()} and
     * {@link #patchedPages()} with the region's state after the event.
     */
    static PatchedPageStore indexed(MapState<Integer, byte[]> bases, MapState<Integer, byte[]> patches, long[] basePages, long[] patchedPages) {
        return new PatchedPageStore(bases, patches, PagePresence.of(basePages, patchedPages), true);
    }

    /** Point lookups this store made in state (bases and patches, each one; a scan counts none). */
    long lookups() {
        return lookups;
    }

    /** The bitmap of pages with a base to store with the region's state, null when the store does not know them. */
    long[] basePages() {
        return presence == null ? null : presence.basesToStore();
    }

    /** The bitmap of pages with a patch to store with the region's state, null when the store does not know them. */
    long[] patchedPages() {
        return presence == null ? null : presence.patchesToStore();
    }

    /** The presence bitmaps if they cover page {@code index}; a page beyond them ends their use for this region. */
    private PagePresence presenceFor(int index) {
        if (presence != null && !PagePresence.tracks(index)) {
            presence = null;
        }
        return presence;
    }

    @Override
    public byte[] get(int index) {
        try {
            Read known = reads.get(index);
            if (known != null && !known.patched()) {
                return known.base();
            }
            if (known == null && knowsAll) {
                return null;
            }
            PagePresence p = known == null ? presenceFor(index) : null;
            byte[] base;
            if (known != null) {
                base = known.base();
            } else if (p != null && !p.hasBase(index)) {
                base = null;
            } else {
                base = base(index);
                if (base == null && p != null) {
                    throw contradiction(index, "a base");
                }
            }
            boolean patched = base != null && (known != null || p == null || p.hasPatch(index));
            byte[] patch = patched ? patch(index) : null;
            if (patch == null && patched && p != null) {
                throw contradiction(index, "a patch");
            }
            reads.put(index, new Read(base, patch != null));
            return patch == null ? base : apply(index, base, patch);
        } catch (CorruptState e) {
            throw e;
        } catch (HdeException e) {
            throw new FlinkRuntimeException("the patch of page " + index + " in state does not apply to its base: " + e.getMessage(), e);
        } catch (Exception e) {
            throw new FlinkRuntimeException("reading page " + index + " from state", e);
        }
    }

    @Override
    public void put(int index, byte[] page) {
        try {
            Read read = reads.get(index);
            PagePresence p = presenceFor(index);
            byte[] base = read != null ? read.base() : knowsAll || (p != null && !p.hasBase(index)) ? null : base(index);
            boolean mayBePatched = base != null && (read != null ? read.patched() : p == null || p.hasPatch(index));
            if (base != null && base.length == page.length) {
                if (scratch == null) {
                    scratch = new WireWriter(page.length);
                }
                scratch.rewind(0);
                int n = Xbzrle.encode(base, 0, page, 0, page.length, scratch);
                if (n == 0) {
                    if (mayBePatched) {
                        patches.remove(index); // back to its base
                    }
                    held(p, index, true, false);
                    reads.put(index, new Read(base, false));
                    return;
                }
                if (n > 0 && n <= page.length / MAX_PATCH_SHARE) {
                    patches.put(index, Arrays.copyOf(scratch.buffer(), n));
                    held(p, index, true, true);
                    reads.put(index, new Read(base, true));
                    return;
                }
            }
            bases.put(index, StoredPageFormat.encode(page));
            if (mayBePatched) {
                patches.remove(index);
            }
            held(p, index, true, false);
            reads.put(index, new Read(page, false));
        } catch (Exception e) {
            throw new FlinkRuntimeException("writing page " + index + " to state", e);
        }
    }

    @Override
    public void remove(int index) {
        try {
            Read read = reads.get(index);
            PagePresence p = presenceFor(index);
            boolean mayHoldBase = read != null ? read.base() != null : !knowsAll && (p == null || p.hasBase(index));
            if (mayHoldBase) {
                bases.remove(index);
                if (read != null ? read.patched() : p == null || p.hasPatch(index)) {
                    patches.remove(index);
                }
            }
            held(p, index, false, false);
            reads.put(index, new Read(null, false));
        } catch (Exception e) {
            throw new FlinkRuntimeException("removing page " + index + " from state", e);
        }
    }

    @Override
    public void clear() {
        reads.clear();
        knowsAll = true;
        presence = indexed ? PagePresence.empty() : null;
        bases.clear();
        patches.clear();
    }

    @Override
    public void forEach(PageVisitor visitor) {
        try {
            Map<Integer, byte[]> patched = new HashMap<>();
            for (Map.Entry<Integer, byte[]> e : patches.entries()) {
                patched.put(e.getKey(), e.getValue());
            }
            reads.clear();
            PagePresence seen = indexed ? PagePresence.empty() : null;
            for (Map.Entry<Integer, byte[]> e : bases.entries()) {
                int index = e.getKey();
                byte[] patch = patched.get(index);
                byte[] base = decodeBase(index, e.getValue());
                reads.put(index, new Read(base, patch != null));
                if (seen != null && PagePresence.tracks(index)) {
                    held(seen, index, true, patch != null);
                } else {
                    seen = null;
                }
                visitor.page(index, patch == null ? base : apply(index, base, patch));
            }
            presence = seen; // the scan saw every page the state holds
            knowsAll = true; // a keyframe's writes after its scan read nothing again
        } catch (CorruptState e) {
            throw e;
        } catch (HdeException e) {
            throw new FlinkRuntimeException("a patch in state does not apply to its base: " + e.getMessage(), e);
        } catch (Exception e) {
            throw new FlinkRuntimeException("scanning the pages in state", e);
        }
    }

    private byte[] base(int index) throws Exception {
        lookups++;
        byte[] stored = bases.get(index);
        return stored == null ? null : decodeBase(index, stored);
    }

    private static byte[] decodeBase(int index, byte[] stored) {
        try {
            return StoredPageFormat.decode(stored);
        } catch (HdeException e) {
            throw new CorruptState("the base of page " + index + " in state is corrupt: " + e.getMessage(), e);
        }
    }

    private byte[] patch(int index) throws Exception {
        lookups++;
        return patches.get(index);
    }

    private static void held(PagePresence p, int index, boolean base, boolean patch) {
        if (p != null) {
            p.base(index, base);
            p.patch(index, patch);
        }
    }

    private static CorruptState contradiction(int index, String what) {
        return new CorruptState("the region's page index says the state holds " + what + " of page " + index
                + ", and the state holds none: its state is corrupt");
    }

    /** The region's {@link PagePresence} and its map states disagree, or a stored base is not a page. */
    private static final class CorruptState extends FlinkRuntimeException {
        private static final long serialVersionUID = 1L;

        CorruptState(String message) {
            super(message);
        }

        CorruptState(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private static byte[] apply(int index, byte[] base, byte[] patch) {
        byte[] page = base.clone();
        Xbzrle.decode(new WireReader(patch), patch.length, page, page.length);
        return page;
    }
}
