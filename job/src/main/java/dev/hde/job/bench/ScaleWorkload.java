package dev.hde.job.bench;

import dev.hde.codec.RegionDigest;
import dev.hde.codec.region.PageStore;
import dev.hde.codec.wire.PageUpdateEvent;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * VM memory of any size without holding it: each page's content is a function of (seed, region,
 * page, version), so gigabytes of reference images cost the producer only their digests (8 bytes a
 * page) and the versions of the pages that changed. Pages are a mix of zeros, text, code-like,
 * heap-like and random bytes as in the synthetic workload; a new version of a page is the previous
 * one with a few small edits. Events carry the producer's region digest.
 */
public final class ScaleWorkload {

    private static final byte[][] WORDS = java.util.stream.Stream.of("the ", "memory ", "page ", "region ", "kernel ", "value ",
            "session ", "user ", "error\n", "request ", "cache ", "index ", "buffer ", "thread ", "socket ", "frame ")
            .map(w -> w.getBytes(StandardCharsets.US_ASCII)).toArray(byte[][]::new);

    private final long seed;
    private final int regions;
    private final int regionPages;
    private final int pageShift;
    private final int pageSize;
    private final RegionDigest[] digests;
    private final long[] sequences;
    /** Versions of the pages that changed (region << 20 | page); absent = version 0. */
    private final Map<Long, Integer> versions = new HashMap<>();

    public ScaleWorkload(long seed, int regions, int regionPages, int pageShift) {
        if (regionPages >= 1 << 20) {
            throw new IllegalArgumentException("at most 2^20 pages per region");
        }
        this.seed = seed;
        this.regions = regions;
        this.regionPages = regionPages;
        this.pageShift = pageShift;
        this.pageSize = 1 << pageShift;
        this.digests = new RegionDigest[regions];
        this.sequences = new long[regions];
    }

    public int regions() {
        return regions;
    }

    public String key(int region) {
        return String.format(Locale.ROOT, "vm-%03d/r%04d", region / 64, region % 64);
    }

    /** Region {@code r} whole, as a producer's first event of it. */
    public PageUpdateEvent whole(int r, long time) {
        byte[][] pages = new byte[regionPages][];
        RegionDigest d = new RegionDigest(regionPages);
        for (int p = 0; p < regionPages; p++) {
            pages[p] = page(r, p, version(r, p));
            d.set(p, RegionDigest.contribution(p, pages[p]));
        }
        digests[r] = d;
        return PageUpdateEvent.region(key(r), pageShift, ++sequences[r], time, pages).withDigest(d.digest());
    }

    /**
     * As if every region had been sent whole once ({@link #whole}), without making its pages: a copy
     * of the producer after the load, whose next events carry the sequence numbers the real
     * producer's do (a frame names its source sequence, so the bytes depend on it).
     */
    public void assumeLoaded() {
        Arrays.fill(sequences, 1);
    }

    /** A PAGES event of region {@code r} (already sent whole) that edits {@code count} random pages. */
    public PageUpdateEvent edit(int r, int count, SplittableRandom random, long time) {
        int[] indices = random.ints(0, regionPages).distinct().limit(Math.min(count, regionPages)).sorted().toArray();
        byte[][] pages = new byte[indices.length][];
        for (int i = 0; i < indices.length; i++) {
            int p = indices[i];
            long id = (long) r << 20 | p;
            int v = versions.merge(id, 1, Integer::sum);
            pages[i] = page(r, p, v);
            if (digests[r] == null) {
                digests[r] = new RegionDigest(regionPages); // a copy that never sent the region whole: its digest is not the region's
            }
            digests[r].set(p, RegionDigest.contribution(p, pages[i]));
        }
        return PageUpdateEvent.pages(key(r), pageShift, regionPages, ++sequences[r], time, indices, pages).withDigest(digests[r].digest());
    }

    private int version(int r, int p) {
        return versions.getOrDefault((long) r << 20 | p, 0);
    }

    /**
     * The producer's memory of region {@code r} as a {@link PageStore} (read-only; zero pages absent),
     * computed on demand: to encode the same events with the codec alone ({@code hde trace}'s bytes).
     */
    public PageStore memory(int r) {
        return memory(r, null);
    }

    /** The producer's memory of region {@code r} just before {@code event} (an edit of it, the last one made). */
    public PageStore memoryBefore(PageUpdateEvent event) {
        int r = regionOf(event.stateKey());
        return memory(r, event);
    }

    private int regionOf(String key) {
        return Integer.parseInt(key.substring(3, 6)) * 64 + Integer.parseInt(key.substring(key.length() - 4));
    }

    private PageStore memory(int r, PageUpdateEvent before) {
        return new PageStore() {
            @Override
            public byte[] get(int index) {
                int v = version(r, index);
                if (before != null && java.util.Arrays.binarySearch(before.indices(), index) >= 0) {
                    v--;
                }
                byte[] p = page(r, index, v);
                return dev.hde.codec.Pages.isZero(p) ? null : p;
            }

            @Override
            public void put(int index, byte[] page) {
                throw new UnsupportedOperationException("the producer's memory is read-only");
            }

            @Override
            public void remove(int index) {
                throw new UnsupportedOperationException("the producer's memory is read-only");
            }

            @Override
            public void clear() {
                throw new UnsupportedOperationException("the producer's memory is read-only");
            }

            @Override
            public void forEach(PageVisitor visitor) {
                for (int i = 0; i < regionPages; i++) {
                    byte[] p = get(i);
                    if (p != null) {
                        visitor.page(i, p);
                    }
                }
            }
        };
    }

    /** The content of page {@code p} of region {@code r} at {@code version}. */
    byte[] page(int r, int p, int version) {
        SplittableRandom random = new SplittableRandom(seed ^ ((long) r * 0x9E3779B97F4A7C15L + p * 0xC2B2AE3D27D4EB4FL));
        byte[] page = new byte[pageSize];
        int kind = random.nextInt(100);
        if (kind < 30) {
            if (version == 0) {
                return page; // zero
            }
            kind = 40; // a zero page that was written: text
        }
        if (kind < 55) {
            int at = 0;
            while (at < pageSize) {
                byte[] w = WORDS[random.nextInt(WORDS.length)];
                int n = Math.min(w.length, pageSize - at);
                System.arraycopy(w, 0, page, at, n);
                at += n;
            }
        } else if (kind < 75) {
            for (int i = 0; i < pageSize; i += 8) {
                long op = 0x48_89_8b_e8_c3_0f_85_83L >>> (8 * random.nextInt(8));
                for (int b = 0; b < 8; b++) {
                    page[i + b] = (byte) (b == 7 ? random.nextInt(256) : op >>> (8 * (b % 3)));
                }
            }
        } else if (kind < 95) {
            long base = 0x7f00_0000_0000L + (long) random.nextInt(1 << 20) * 4096;
            for (int obj = 0; obj + 64 <= pageSize; obj += 64) {
                page[obj] = (byte) 0xAB;
                long pointer = base + random.nextInt(4096) * 16L;
                for (int b = 0; b < 8; b++) {
                    page[obj + 8 + b] = (byte) (pointer >>> (8 * b));
                }
                page[obj + 16] = (byte) random.nextInt(100);
            }
        } else {
            random.nextBytes(page);
        }
        // Each version edits a few bytes: a counter, a pointer, a short string.
        for (int v = 1; v <= version; v++) {
            SplittableRandom edit = new SplittableRandom(seed + 31L * v ^ ((long) r << 24 ^ p));
            for (int e = 1 + edit.nextInt(4); e > 0; e--) {
                int at = edit.nextInt(pageSize - 8);
                page[at + edit.nextInt(8)] += (byte) (1 + edit.nextInt(255));
            }
        }
        return page;
    }
}
