package dev.hde.operators;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hde.codec.region.PageStore;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.util.FlinkRuntimeException;
import org.junit.jupiter.api.Test;

/** The reference image as bases and patches: the pages it gives back are the pages put, whatever the order of operations. */
class PatchedPageStoreTest {

    static final int PAGE = 4096;

    /** {@code MapState} over a {@code HashMap}, counting writes and removals. */
    static final class CountingMapState implements MapState<Integer, byte[]> {
        final Map<Integer, byte[]> map = new HashMap<>();
        long puts;
        long putBytes;
        long removes;
        long gets;

        @Override public byte[] get(Integer key) { gets++; return map.get(key); }
        @Override public void put(Integer key, byte[] value) { puts++; putBytes += value.length; map.put(key, value); }
        @Override public void putAll(Map<Integer, byte[]> m) { m.forEach(this::put); }
        @Override public void remove(Integer key) { removes++; map.remove(key); }
        @Override public boolean contains(Integer key) { return map.containsKey(key); }
        @Override public Iterable<Map.Entry<Integer, byte[]>> entries() { return new ArrayList<>(map.entrySet()); }
        @Override public Iterable<Integer> keys() { return new ArrayList<>(map.keySet()); }
        @Override public Iterable<byte[]> values() { return new ArrayList<>(map.values()); }
        @Override public Iterator<Map.Entry<Integer, byte[]>> iterator() { return entries().iterator(); }
        @Override public boolean isEmpty() { return map.isEmpty(); }
        @Override public void clear() { map.clear(); }
    }

    static byte[] page(SplittableRandom r) {
        byte[] p = new byte[PAGE];
        r.nextBytes(p);
        return p;
    }

    /**
     * A page as memory has them: random bytes (stored as they are), or now and then records of a few
     * repeated words with a random field here and there (stored compressed).
     */
    static byte[] anyPage(SplittableRandom r) {
        return r.nextBoolean() ? page(r) : recordsPage(r, r.nextInt(PAGE / 2));
    }

    /** Records of a repeated word with {@code noise} random bytes here and there: a page LZ4 makes smaller. */
    static byte[] recordsPage(SplittableRandom r, int noise) {
        byte[] p = new byte[PAGE];
        long word = r.nextLong();
        for (int at = 0; at < PAGE; at += 8) {
            for (int b = 0; b < 8; b++) {
                p[at + b] = (byte) (word >>> (8 * b));
            }
        }
        for (int i = 0; i < noise; i++) {
            p[r.nextInt(PAGE)] = (byte) r.nextInt(256);
        }
        return p;
    }

    static byte[] edited(SplittableRandom r, byte[] old, int bytes) {
        byte[] p = old.clone();
        for (int i = 0; i < bytes; i++) {
            p[r.nextInt(PAGE)] ^= (byte) (1 + r.nextInt(255));
        }
        return p;
    }

    @Test
    void givesBackWhatWasPutUnderAnyMixOfSmallEditsRewritesRemovalsAndScans() {
        givesBackWhatWasPut(false);
    }

    @Test
    void withThePageIndexGivesBackWhatWasPutAndTheIndexIsExactlyWhatTheStateHolds() {
        givesBackWhatWasPut(true);
    }

    /**
     * Random events of one region; {@code indexed}: each event's store starts from the bitmaps the previous
     * one left (as the operators store them with the region's state), and from none at the start and now and
     * then (state written before the bitmaps existed), and after every step the bitmaps, when known, are
     * exactly the pages the two maps hold.
     */
    private static void givesBackWhatWasPut(boolean indexed) {
        long seed = new SplittableRandom().nextLong();
        SplittableRandom r = new SplittableRandom(seed);
        CountingMapState bases = new CountingMapState();
        CountingMapState patches = new CountingMapState();
        PatchedPageStore store = indexed ? PatchedPageStore.indexed(bases, patches, null, null) : new PatchedPageStore(bases, patches);
        Map<Integer, byte[]> truth = new TreeMap<>();
        int pages = indexed && r.nextInt(4) == 0 ? PagePresence.MAX_PAGES + 64 : 64; // now and then a region too large for the bitmaps
        boolean unknown = true; // the bitmaps are not known until a clear or a scan has seen every page
        for (int step = 0; step < 20_000; step++) {
            if (r.nextInt(8) == 0) { // the next event
                if (!indexed) {
                    store = new PatchedPageStore(bases, patches);
                } else if (r.nextInt(50) == 0) {
                    store = PatchedPageStore.indexed(bases, patches, null, null); // state from before the bitmaps
                    unknown = true;
                    if (r.nextBoolean()) { // and from before compressed bases: every base a whole page
                        bases.map.replaceAll((k, v) -> StoredPageFormat.decode(v));
                    }
                } else {
                    store = PatchedPageStore.indexed(bases, patches, store.basePages(), store.patchedPages());
                }
            }
            int i = pages > 64 && r.nextInt(16) == 0 ? 64 + r.nextInt(pages - 64) : r.nextInt(64);
            int op = r.nextInt(100);
            String at = "seed " + seed + ", step " + step + ", page " + i;
            if (op < 40) { // the encoder's read-modify-write: read the page, then write its new content
                byte[] old = store.get(i);
                assertThat(old).as(at).isEqualTo(truth.get(i));
                byte[] next = old == null ? anyPage(r) : r.nextInt(10) == 0 ? anyPage(r) : edited(r, old, r.nextInt(r.nextBoolean() ? 8 : 800));
                store.put(i, next);
                truth.put(i, next);
            } else if (op < 60) { // a write without a read before it (a keyframe's pages, a resync)
                byte[] next = truth.containsKey(i) && r.nextBoolean() ? edited(r, truth.get(i), 1 + r.nextInt(16)) : anyPage(r);
                store.put(i, next);
                truth.put(i, next);
            } else if (op < 65) { // written back unchanged
                if (truth.containsKey(i)) {
                    store.get(i);
                    store.put(i, truth.get(i).clone());
                }
            } else if (op < 72) {
                store.remove(i);
                truth.remove(i);
            } else if (op < 73) {
                store.clear();
                truth.clear();
                unknown = false;
            } else if (op < 80) {
                Map<Integer, byte[]> scanned = new TreeMap<>();
                store.forEach(scanned::put);
                unknown = false;
                assertThat(scanned).as(at).containsOnlyKeys(truth.keySet());
                truth.forEach((k, v) -> assertThat(scanned.get(k)).as(at + " (scan)").isEqualTo(v));
            } else {
                assertThat(store.get(i)).as(at).isEqualTo(truth.get(i));
            }
            // A base is stored in at most a page's bytes; a patch never outlives its base, and is never more than its share of a page.
            assertThat(bases.map.values()).as(at).allSatisfy(b -> assertThat(b.length).isBetween(2, PAGE));
            assertThat(bases.map.keySet()).as(at).containsAll(patches.map.keySet());
            assertThat(patches.map.values()).as(at).allSatisfy(p -> assertThat(p.length).isBetween(1, PAGE / PatchedPageStore.MAX_PATCH_SHARE));
            if (store.basePages() != null) {
                assertThat(pagesIn(store.basePages())).as(at + " (pages with a base)").isEqualTo(new java.util.TreeSet<>(bases.map.keySet()));
                assertThat(pagesIn(store.patchedPages())).as(at + " (pages with a patch)").isEqualTo(new java.util.TreeSet<>(patches.map.keySet()));
            } else if (indexed) {
                assertThat(pages > 64 || unknown).as(at + ": the bitmaps are lost only to a page beyond them or to state without them").isTrue();
            }
        }
        if (indexed) {
            PatchedPageStore scanned = PatchedPageStore.indexed(bases, patches, null, null);
            scanned.forEach((i, p) -> {});
            boolean beyond = bases.map.keySet().stream().anyMatch(i -> i >= PagePresence.MAX_PAGES);
            assertThat(scanned.basePages() == null).as("seed " + seed + ": a scan indexes the region unless a page is beyond the bitmaps")
                    .isEqualTo(beyond);
        }
    }

    static java.util.SortedSet<Integer> pagesIn(long[] bits) {
        return java.util.BitSet.valueOf(bits).stream().boxed().collect(java.util.stream.Collectors.toCollection(java.util.TreeSet::new));
    }

    @Test
    void withThePageIndexAChangedPageWithoutAPatchIsOneLookupAndAZeroPageNone() {
        SplittableRandom r = new SplittableRandom(7);
        CountingMapState bases = new CountingMapState();
        CountingMapState patches = new CountingMapState();
        PatchedPageStore load = PatchedPageStore.indexed(bases, patches, null, null);
        load.clear(); // a new region's keyframe: the store knows every page from here on
        for (int i = 0; i < 100; i += 2) { // odd pages are zero
            load.put(i, page(r));
        }
        long[] basePages = load.basePages();
        long[] patchedPages = load.patchedPages();
        long before = bases.gets + patches.gets;
        PatchedPageStore event = PatchedPageStore.indexed(bases, patches, basePages, patchedPages);
        for (int i = 0; i < 100; i++) { // every page read and edited once
            byte[] old = event.get(i);
            event.put(i, old == null ? page(r) : edited(r, old, 4));
        }
        assertThat(bases.gets).as("a base lookup per stored page, none for the zero ones").isEqualTo(50);
        assertThat(patches.gets).as("no patch lookup: none of the pages had a patch").isZero();
        assertThat(patches.map).hasSize(50);
        // The next event: the edited pages have patches now, so they are two lookups again; the pages that were zero one.
        long basesBefore = bases.gets;
        PatchedPageStore next = PatchedPageStore.indexed(bases, patches, event.basePages(), event.patchedPages());
        for (int i = 0; i < 100; i++) {
            assertThat(next.get(i)).isNotNull();
        }
        assertThat(bases.gets - basesBefore).isEqualTo(100);
        assertThat(patches.gets).isEqualTo(50);
        // Without the bitmaps (state from before them) every page is two lookups, as before.
        long all = bases.gets + patches.gets;
        PatchedPageStore unindexed = PatchedPageStore.indexed(bases, patches, null, null);
        for (int i = 0; i < 100; i++) {
            unindexed.get(i);
        }
        assertThat(bases.gets + patches.gets - all).isEqualTo(200);
        assertThat(before).isZero();
    }

    @Test
    void aPageIndexThatContradictsTheStateIsAnErrorNotAGuess() {
        SplittableRandom r = new SplittableRandom(8);
        CountingMapState bases = new CountingMapState();
        CountingMapState patches = new CountingMapState();
        PatchedPageStore store = PatchedPageStore.indexed(bases, patches, null, null);
        store.clear();
        store.put(3, page(r));
        store.put(3, edited(r, store.get(3), 2));
        assertThat(patches.map).containsKey(3);
        long[] basePages = store.basePages();
        long[] patchedPages = store.patchedPages();
        patches.map.remove(3);
        assertThatThrownBy(() -> PatchedPageStore.indexed(bases, patches, basePages, patchedPages).get(3))
                .isInstanceOf(FlinkRuntimeException.class).hasMessageContaining("a patch of page 3");
        bases.map.remove(3);
        assertThatThrownBy(() -> PatchedPageStore.indexed(bases, patches, basePages, patchedPages).get(3))
                .isInstanceOf(FlinkRuntimeException.class).hasMessageContaining("a base of page 3");
    }

    @Test
    void smallEditsWriteTensOfBytesAndTheBaseOnlyWhenThePageChangedTooMuch() {
        SplittableRandom r = new SplittableRandom(5);
        CountingMapState bases = new CountingMapState();
        CountingMapState patches = new CountingMapState();
        PageStore store = new PatchedPageStore(bases, patches);
        List<byte[]> pages = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            pages.add(page(r));
            store.put(i, pages.get(i));
        }
        assertThat(bases.putBytes).isEqualTo(100L * PAGE);
        long basesBefore = bases.putBytes;
        long getsBefore = bases.gets + patches.gets;
        store = new PatchedPageStore(bases, patches); // the next event
        for (int i = 0; i < 100; i++) { // a counter and a pointer changed in each page
            byte[] old = store.get(i);
            store.put(i, edited(r, old, 4));
        }
        assertThat(bases.putBytes).as("no base written again").isEqualTo(basesBefore);
        assertThat(patches.puts).isEqualTo(100);
        assertThat(patches.putBytes).isLessThan(100L * 40);
        assertThat(bases.gets + patches.gets - getsBefore).as("base and patch read once a page; the put after the get reads nothing").isEqualTo(200);
        // A page rewritten whole becomes its new base, and its patch goes.
        byte[] fresh = page(r);
        store.get(7);
        store.put(7, fresh);
        assertThat(bases.map.get(7)).isSameAs(fresh);
        assertThat(patches.map).doesNotContainKey(7);
        assertThat(store.get(7)).isEqualTo(fresh);
    }

    @Test
    void aKeyframeWrittenAfterAScanReadsNothingMore() {
        SplittableRandom r = new SplittableRandom(6);
        CountingMapState bases = new CountingMapState();
        CountingMapState patches = new CountingMapState();
        PageStore first = new PatchedPageStore(bases, patches);
        for (int i = 0; i < 64; i += 2) {
            first.put(i, page(r));
        }
        PageStore event = new PatchedPageStore(bases, patches); // the next event of the key
        byte[][] scanned = event.scan(64);
        long gets = bases.gets + patches.gets;
        for (int i = 0; i < 64; i++) { // every page written: edits of the stored ones, new content for the zero ones
            event.put(i, scanned[i] == null ? page(r) : edited(r, scanned[i], 3));
        }
        assertThat(bases.gets + patches.gets).as("point lookups after the scan").isEqualTo(gets);
        assertThat(patches.map).hasSize(32);
        PageStore later = new PatchedPageStore(bases, patches);
        for (int i = 0; i < 64; i++) {
            assertThat(later.get(i)).isNotNull();
        }
    }

    @Test
    void aPatchThatDoesNotApplyToItsBaseIsAnErrorNotAPage() {
        CountingMapState bases = new CountingMapState();
        CountingMapState patches = new CountingMapState();
        PageStore store = new PatchedPageStore(bases, patches);
        byte[] base = new byte[PAGE];
        Arrays.fill(base, (byte) 1);
        store.put(3, base);
        byte[] edited = base.clone();
        edited[100] = 2;
        store.put(3, edited);
        assertThat(patches.map).containsKey(3);
        patches.map.put(3, new byte[] {(byte) 0xff, (byte) 0xff, 0x7f, 5, 1}); // a run far past the page's end
        assertThatThrownBy(() -> store.get(3)).isInstanceOf(FlinkRuntimeException.class).hasMessageContaining("page 3");
        assertThatThrownBy(() -> store.forEach((i, p) -> {})).isInstanceOf(FlinkRuntimeException.class);
    }

    @Test
    void aStoredBaseThatIsNotAPageIsAnErrorNotAPage() {
        SplittableRandom r = new SplittableRandom(9);
        CountingMapState bases = new CountingMapState();
        CountingMapState patches = new CountingMapState();
        byte[] page = recordsPage(r, 64);
        new PatchedPageStore(bases, patches).put(3, page);
        byte[] stored = bases.map.get(3);
        assertThat(stored.length).as("stored compressed").isLessThan(PAGE / 2);
        assertThat(new PatchedPageStore(bases, patches).get(3)).isEqualTo(page);
        bases.map.put(3, Arrays.copyOf(stored, stored.length / 2));
        assertThatThrownBy(() -> new PatchedPageStore(bases, patches).get(3)).isInstanceOf(FlinkRuntimeException.class)
                .hasMessageContaining("the base of page 3 in state is corrupt");
        assertThatThrownBy(() -> new PatchedPageStore(bases, patches).forEach((i, p) -> {})).isInstanceOf(FlinkRuntimeException.class)
                .hasMessageContaining("the base of page 3 in state is corrupt");
    }
}
