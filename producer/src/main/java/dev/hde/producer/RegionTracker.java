package dev.hde.producer;

import dev.hde.codec.Limits;
import dev.hde.codec.RegionDigest;
import dev.hde.codec.wire.PageUpdateEvent;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * The producer's memory of what it last published for each region (state key): the region's page
 * count and one 64-bit hash per page, never the pages themselves (8 bytes per 4 KiB page). The
 * hashes are the region digest's page contributions ({@link RegionDigest}: XXH64 with the page
 * index as seed, 0 for a zero page), so the same pass that finds the changed pages keeps the region
 * digest, which every event carries: the producer's truth, which the encoder checks its reference
 * image against. Each scan reads the pages, compares their hashes with the last round's and emits one
 * event: a REGION event (every page) the first time a key is seen in this run or when the encoder
 * asked for the whole region ({@link #requestWhole}), then a PAGES event with exactly the pages whose
 * hash changed (none when nothing changed, no event at all), and a DELETE when the region is gone.
 *
 * <p><b>Heartbeats</b> ({@link #heartbeat}): a region that sent nothing for that long sends a PAGES
 * event with no pages, the next sequence number and its digest. An event lost on the way is found by
 * the encoder only from the sequence number of a later one; without heartbeats a region whose last
 * change was lost and which then stays quiet would leave its receivers behind for as long as it
 * stays quiet, and nobody would know. With them the encoder sees the gap within one heartbeat and
 * asks for the whole region; when nothing was lost the empty event changes nothing and sends no frame.
 *
 * <p>Why REGION first and not only the non-zero pages: the encoder may still hold the key from an
 * earlier run of the producer, and only a REGION event says what every page is now (pages that
 * became zero included).
 *
 * <p>Sequence numbers go up by one per event of a key, starting after {@code firstSequence - 1},
 * and keep going when a key is deleted and comes back. The CLI starts them at the run's start time
 * in microseconds, so that the events of a restarted producer are never taken for duplicates of
 * the last run's (the encoder drops events whose sequence is not above the last one it saw).
 *
 * <p>Not thread-safe: one capture loop owns it.
 */
public final class RegionTracker {

    /** Reads pages of one region. */
    @FunctionalInterface
    public interface PageReader {
        /**
         * Pages {@code [first, first + count)} of the region, laid end to end from index 0 of the
         * returned buffer (its position and limit do not matter); valid until the next call.
         */
        ByteBuffer read(int first, int count) throws IOException;
    }

    /** What one region's scan found: pages read and hashed, pages in the event (0 when none was emitted). */
    public record Result(int pagesRead, int pagesChanged, boolean emitted) {}

    /** Pages read in one go at most: 1 MiB of 4 KiB pages. */
    public static final int DEFAULT_CHUNK_PAGES = 256;

    private static final class Region {
        RegionDigest digest;
        /** Capture time of the region's last event. */
        long lastEventMillis;
    }

    private final int pageShift;
    private final int pageSize;
    private final int chunkPages;
    private final long firstSequence;
    private final LongSupplier clock;
    private final Map<String, Region> regions = new LinkedHashMap<>();
    private final Map<String, Long> lastSequence = new HashMap<>();
    /** Keys the encoder asked to have whole on their next scan (resync requests). */
    private final Set<String> wholeRequested = new HashSet<>();
    private long heartbeatMillis;

    public RegionTracker(int pageShift, long firstSequence) {
        this(pageShift, firstSequence, DEFAULT_CHUNK_PAGES, System::currentTimeMillis);
    }

    /**
     * @param chunkPages the most pages asked of a {@link PageReader} at once
     * @param clock capture times (milliseconds since the epoch)
     */
    public RegionTracker(int pageShift, long firstSequence, int chunkPages, LongSupplier clock) {
        if (pageShift < Limits.MIN_PAGE_SHIFT || pageShift > Limits.MAX_PAGE_SHIFT) {
            throw new IllegalArgumentException("page shift " + pageShift);
        }
        if (firstSequence < 1 || chunkPages < 1) {
            throw new IllegalArgumentException("sequences start at 1 or later, chunks hold a page or more");
        }
        this.pageShift = pageShift;
        this.pageSize = 1 << pageShift;
        this.chunkPages = chunkPages;
        this.firstSequence = firstSequence;
        this.clock = clock;
    }

    public int pageShift() {
        return pageShift;
    }

    /**
     * A region that sent no event for {@code every} sends an empty PAGES event on its next scan (the
     * class comment says why); zero (the default): never.
     */
    public RegionTracker heartbeat(java.time.Duration every) {
        if (every.isNegative()) {
            throw new IllegalArgumentException("heartbeat " + every);
        }
        this.heartbeatMillis = every.toMillis();
        return this;
    }

    /** The state keys published and not deleted, in the order they were first seen. */
    public Set<String> keys() {
        return new LinkedHashSet<>(regions.keySet());
    }

    public boolean tracks(String key) {
        return regions.containsKey(key);
    }

    /**
     * The encoder asked for the whole region (a resync request): its next scan reads every page and
     * emits a REGION event. Returns false (and asks nothing) for a key this tracker does not hold.
     */
    public boolean requestWhole(String key) {
        if (!regions.containsKey(key)) {
            return false;
        }
        wholeRequested.add(key);
        return true;
    }

    /** Whether the next scan of {@code key} sends the whole region. */
    public boolean wholeRequested(String key) {
        return wholeRequested.contains(key);
    }

    /** The producer's region digest of {@code key} as last published, or empty when the key is not tracked. */
    public java.util.OptionalLong digest(String key) {
        Region r = regions.get(key);
        return r == null ? java.util.OptionalLong.empty() : java.util.OptionalLong.of(r.digest.digest());
    }

    /**
     * Scans one region of {@code regionPages} pages and emits its event, if any.
     *
     * @param candidates the pages that may have changed since the last scan (from soft-dirty bits),
     *     or null to read every page; pages past the region's last page count are always read, and
     *     a region seen for the first time is read whole
     */
    public Result scan(String key, int regionPages, PageReader reader, BitSet candidates, Source.Emitter out)
            throws IOException, InterruptedException {
        if (regionPages < 1) {
            throw new IllegalArgumentException("region " + key + " of " + regionPages + " pages");
        }
        long time = clock.getAsLong();
        Region region = regions.get(key);
        if (region == null || wholeRequested.remove(key)) {
            return first(key, regionPages, reader, time, out);
        }
        RegionDigest digest = region.digest;
        int old = digest.pages();
        BitSet check;
        if (candidates == null) {
            check = new BitSet(regionPages);
            check.set(0, regionPages);
        } else {
            check = candidates.get(0, Math.min(regionPages, Math.max(candidates.length(), 1)));
            if (regionPages > old) {
                check.set(old, regionPages);
            }
        }
        digest.resize(regionPages); // pages cut off leave the digest; new pages start as zero pages
        int[] indices = new int[Math.min(regionPages, 64)];
        List<byte[]> pages = new ArrayList<>();
        int read = 0;
        for (int start = check.nextSetBit(0); start >= 0 && start < regionPages; start = check.nextSetBit(start)) {
            int end = Math.min(Math.min(check.nextClearBit(start), regionPages), start + chunkPages);
            ByteBuffer buf = reader.read(start, end - start);
            for (int i = start; i < end; i++) {
                int off = (i - start) << pageShift;
                if (digest.set(i, RegionDigest.contribution(i, buf, off, pageSize))) {
                    if (pages.size() == indices.length) {
                        indices = Arrays.copyOf(indices, Math.min(regionPages, indices.length * 2));
                    }
                    indices[pages.size()] = i;
                    pages.add(copy(buf, off));
                }
            }
            read += end - start;
            start = end;
        }
        if (pages.isEmpty() && regionPages == old && (heartbeatMillis == 0 || time - region.lastEventMillis < heartbeatMillis)) {
            return new Result(read, 0, false);
        }
        int n = pages.size();
        region.lastEventMillis = time;
        out.emit(PageUpdateEvent.pages(key, pageShift, regionPages, nextSequence(key), time, Arrays.copyOf(indices, n),
                pages.toArray(new byte[n][])).withDigest(digest.digest()));
        return new Result(read, n, true);
    }

    private Result first(String key, int regionPages, PageReader reader, long time, Source.Emitter out)
            throws IOException, InterruptedException {
        RegionDigest digest = new RegionDigest(regionPages);
        byte[][] pages = new byte[regionPages][];
        for (int start = 0; start < regionPages; start += chunkPages) {
            int count = Math.min(chunkPages, regionPages - start);
            ByteBuffer buf = reader.read(start, count);
            for (int i = 0; i < count; i++) {
                int off = i << pageShift;
                digest.set(start + i, RegionDigest.contribution(start + i, buf, off, pageSize));
                pages[start + i] = copy(buf, off);
            }
        }
        Region region = new Region();
        region.digest = digest;
        region.lastEventMillis = time;
        regions.put(key, region);
        out.emit(PageUpdateEvent.region(key, pageShift, nextSequence(key), time, pages).withDigest(digest.digest()));
        return new Result(regionPages, regionPages, true);
    }

    /** Emits a DELETE for a tracked region and forgets it; false (and nothing emitted) when the key is not tracked. */
    public boolean delete(String key, Source.Emitter out) throws IOException, InterruptedException {
        if (regions.remove(key) == null) {
            return false;
        }
        wholeRequested.remove(key);
        out.emit(PageUpdateEvent.delete(key, pageShift, nextSequence(key), clock.getAsLong()).withDigest(0));
        return true;
    }

    private long nextSequence(String key) {
        long next = lastSequence.getOrDefault(key, firstSequence - 1) + 1;
        lastSequence.put(key, next);
        return next;
    }

    private byte[] copy(ByteBuffer buf, int off) {
        byte[] page = new byte[pageSize];
        buf.get(off, page);
        return page;
    }
}
