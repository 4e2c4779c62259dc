package dev.hde.producer;

import dev.hde.codec.RegionDigest;
import dev.hde.codec.wire.PageUpdateEvent;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A seeded VM memory workload: several VMs with several regions each, whose pages are a realistic
 * mix of zero, text, code, heap and random content. Round 0 publishes every region whole; each
 * later round dirties a share of the pages, mostly with small in-page edits (counters, pointers,
 * short strings), some with whole-page rewrites, some back to zero, and some not at all (false
 * dirties, as hypervisors report). The generator keeps the true memory, so a test can check what a
 * receiver rebuilt.
 */
public final class SyntheticWorkload {

    /**
     * @param dirtyRate share of each region's pages reported dirty per round
     * @param rewriteRate share of dirty pages rewritten whole (fresh content) rather than edited
     * @param randomShare share of pages holding incompressible bytes (encrypted or compressed data)
     */
    public record Settings(int vms, int regionsPerVm, int regionPages, int pageShift, double dirtyRate, double rewriteRate,
            double randomShare, long seed) {

        public static final Settings DEFAULT = new Settings(4, 4, 512, 12, 0.03, 0.05, 0.05, 42L);

        public Settings {
            if (vms < 1 || regionsPerVm < 1 || regionPages < 1) {
                throw new IllegalArgumentException("at least one VM, region and page");
            }
            if (dirtyRate < 0 || dirtyRate > 1 || rewriteRate < 0 || rewriteRate > 1 || randomShare < 0 || randomShare > 1) {
                throw new IllegalArgumentException("rates are shares between 0 and 1");
            }
        }

        public Settings withVms(int n, int regions) {
            return new Settings(n, regions, regionPages, pageShift, dirtyRate, rewriteRate, randomShare, seed);
        }

        public Settings withRegionPages(int n) {
            return new Settings(vms, regionsPerVm, n, pageShift, dirtyRate, rewriteRate, randomShare, seed);
        }

        public Settings withDirtyRate(double rate) {
            return new Settings(vms, regionsPerVm, regionPages, pageShift, rate, rewriteRate, randomShare, seed);
        }

        public Settings withSeed(long s) {
            return new Settings(vms, regionsPerVm, regionPages, pageShift, dirtyRate, rewriteRate, randomShare, s);
        }
    }

    private static final String[] WORDS = {"the", "memory", "page", "region", "kernel", "value", "session", "user", "error",
        "request", "cache", "index", "buffer", "thread", "socket", "vm", "flink", "delta", "frame", "zero"};

    private final Settings settings;
    private final SplittableRandom random;
    private final List<Region> regions = new ArrayList<>();
    private int round;
    private long heartbeatMillis;

    private static final class Region {
        final String key;
        final byte[][] pages;
        final RegionDigest digest;
        long sequence;
        boolean wholeRequested;
        /** Capture time of the region's last event. */
        long lastEventMillis;

        Region(String key, byte[][] pages) {
            this.key = key;
            this.pages = pages;
            this.digest = new RegionDigest(pages.length);
            for (int i = 0; i < pages.length; i++) {
                digest.set(i, RegionDigest.contribution(i, pages[i]));
            }
        }

        void write(int index, byte[] page) {
            pages[index] = page;
            digest.set(index, RegionDigest.contribution(index, page));
        }
    }

    public SyntheticWorkload(Settings settings) {
        this.settings = settings;
        this.random = new SplittableRandom(settings.seed());
        for (int vm = 0; vm < settings.vms(); vm++) {
            for (int r = 0; r < settings.regionsPerVm(); r++) {
                byte[][] pages = new byte[settings.regionPages()][];
                for (int p = 0; p < pages.length; p++) {
                    pages[p] = freshPage();
                }
                regions.add(new Region(String.format("vm-%02d/r%04d", vm, r), pages));
            }
        }
    }

    /**
     * A region that made no event for {@code every} (it is not changing) makes an empty PAGES event,
     * its next sequence number and its digest, as {@link RegionTracker#heartbeat} does; zero (the
     * default): never.
     */
    public SyntheticWorkload heartbeat(java.time.Duration every) {
        if (every.isNegative()) {
            throw new IllegalArgumentException("heartbeat " + every);
        }
        this.heartbeatMillis = every.toMillis();
        return this;
    }

    public Settings settings() {
        return settings;
    }

    public int pageSize() {
        return 1 << settings.pageShift();
    }

    /** The state keys, in a fixed order. */
    public List<String> stateKeys() {
        return regions.stream().map(r -> r.key).toList();
    }

    /**
     * The events of the next round, one per region (round 0: REGION events; then PAGES events, and a
     * REGION event for a region asked for whole), each with the producer's region digest.
     */
    public List<PageUpdateEvent> nextRound(long captureTimeMillis) {
        return nextRound(captureTimeMillis, key -> true);
    }

    /**
     * As {@link #nextRound(long)}, where only the regions {@code changing} accepts change this round:
     * the others stay as they are and send nothing, unless they were asked for whole (then a REGION
     * event of them as they are) or their heartbeat is due (then an empty PAGES event). Round 0 sends
     * every region whole.
     */
    public List<PageUpdateEvent> nextRound(long captureTimeMillis, java.util.function.Predicate<String> changing) {
        List<PageUpdateEvent> events = new ArrayList<>(regions.size());
        for (Region region : regions) {
            if (round > 0 && !changing.test(region.key)) {
                if (region.wholeRequested) {
                    region.wholeRequested = false;
                    region.lastEventMillis = captureTimeMillis;
                    events.add(PageUpdateEvent.region(region.key, settings.pageShift(), ++region.sequence, captureTimeMillis,
                            copy(region.pages)).withDigest(region.digest.digest()));
                } else if (heartbeatMillis > 0 && captureTimeMillis - region.lastEventMillis >= heartbeatMillis) {
                    region.lastEventMillis = captureTimeMillis;
                    events.add(PageUpdateEvent.pages(region.key, settings.pageShift(), region.pages.length, ++region.sequence,
                            captureTimeMillis, new int[0], new byte[0][]).withDigest(region.digest.digest()));
                }
                continue;
            }
            region.sequence++;
            region.lastEventMillis = captureTimeMillis;
            if (round == 0 || region.wholeRequested) {
                if (round > 0) {
                    dirty(region, captureTimeMillis); // the memory goes on changing; the event carries all of it
                }
                region.wholeRequested = false;
                events.add(PageUpdateEvent.region(region.key, settings.pageShift(), region.sequence, captureTimeMillis, copy(region.pages))
                        .withDigest(region.digest.digest()));
            } else {
                events.add(dirty(region, captureTimeMillis).withDigest(region.digest.digest()));
            }
        }
        round++;
        return events;
    }

    /**
     * Writes {@code pages} at {@code indices} of a region (e.g. data that became encrypted) and
     * returns the PAGES event that reports them, numbered after the region's last event, with the
     * region's digest.
     */
    public PageUpdateEvent write(String stateKey, int[] indices, byte[][] pages, long captureTimeMillis) {
        Region region = region(stateKey);
        for (int i = 0; i < indices.length; i++) {
            region.write(indices[i], pages[i].clone());
        }
        return PageUpdateEvent.pages(region.key, settings.pageShift(), region.pages.length, ++region.sequence, captureTimeMillis,
                indices.clone(), Arrays.stream(pages).map(byte[]::clone).toArray(byte[][]::new)).withDigest(region.digest.digest());
    }

    /** The next round sends {@code stateKey} whole (a resync request); false for a key this workload does not have. */
    public boolean requestWhole(String stateKey) {
        for (Region r : regions) {
            if (r.key.equals(stateKey)) {
                r.wholeRequested = true;
                return true;
            }
        }
        return false;
    }

    /** The producer's region digest of a region now (what its last event carried). */
    public long digest(String stateKey) {
        return region(stateKey).digest.digest();
    }

    public int roundsDone() {
        return round;
    }

    /** The true content of a region now, pages laid end to end. */
    public byte[] image(String stateKey) {
        Region region = region(stateKey);
        int pageSize = pageSize();
        byte[] image = new byte[region.pages.length * pageSize];
        for (int i = 0; i < region.pages.length; i++) {
            System.arraycopy(region.pages[i], 0, image, i * pageSize, pageSize);
        }
        return image;
    }

    private Region region(String stateKey) {
        return regions.stream().filter(r -> r.key.equals(stateKey)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no region " + stateKey));
    }

    private PageUpdateEvent dirty(Region region, long captureTimeMillis) {
        int n = region.pages.length;
        int dirty = Math.max(1, (int) Math.round(n * settings.dirtyRate()));
        boolean[] chosen = new boolean[n];
        for (int i = 0; i < dirty; i++) {
            // Dirty pages cluster, as a process's working set does.
            int centre = random.nextInt(n);
            chosen[Math.min(n - 1, centre + random.nextInt(4))] = true;
        }
        List<Integer> indices = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            if (chosen[i]) {
                indices.add(i);
            }
        }
        byte[][] pages = new byte[indices.size()][];
        int[] index = new int[indices.size()];
        for (int j = 0; j < index.length; j++) {
            int p = indices.get(j);
            index[j] = p;
            double roll = random.nextDouble();
            if (roll < 0.10) {
                // false dirty: reported, unchanged
            } else if (roll < 0.13) {
                region.write(p, new byte[pageSize()]);
            } else if (roll < 0.13 + settings.rewriteRate()) {
                region.write(p, freshPage());
            } else {
                region.write(p, edited(region.pages[p]));
            }
            pages[j] = region.pages[p].clone();
        }
        return PageUpdateEvent.pages(region.key, settings.pageShift(), n, region.sequence, captureTimeMillis, index, pages);
    }

    private byte[] freshPage() {
        double roll = random.nextDouble();
        if (roll < settings.randomShare()) {
            return randomPage();
        }
        roll = random.nextDouble();
        if (roll < 0.30) {
            return new byte[pageSize()];
        } else if (roll < 0.55) {
            return textPage();
        } else if (roll < 0.75) {
            return codePage();
        }
        return heapPage();
    }

    private byte[] randomPage() {
        byte[] page = new byte[pageSize()];
        random.nextBytes(page);
        return page;
    }

    private byte[] textPage() {
        byte[] page = new byte[pageSize()];
        int at = 0;
        while (at < page.length) {
            byte[] word = (WORDS[random.nextInt(WORDS.length)] + (random.nextInt(8) == 0 ? "\n" : " ")).getBytes(StandardCharsets.US_ASCII);
            int n = Math.min(word.length, page.length - at);
            System.arraycopy(word, 0, page, at, n);
            at += n;
        }
        return page;
    }

    /** Instruction-like bytes: a small vocabulary of opcodes with varying operands. */
    private byte[] codePage() {
        byte[] page = new byte[pageSize()];
        byte[] opcodes = {(byte) 0x48, (byte) 0x89, (byte) 0x8b, (byte) 0xe8, (byte) 0xc3, (byte) 0x0f, (byte) 0x85, (byte) 0x83};
        for (int i = 0; i < page.length; i++) {
            page[i] = (i & 3) == 3 ? (byte) random.nextInt(256) : opcodes[random.nextInt(opcodes.length)];
        }
        return page;
    }

    /** Heap-like: 64-byte objects with a header, a pointer-like word, small counters and zero padding. */
    private byte[] heapPage() {
        byte[] page = new byte[pageSize()];
        long base = 0x7f00_0000_0000L + random.nextInt(1 << 20) * 4096L;
        for (int obj = 0; obj + 64 <= page.length; obj += 64) {
            page[obj] = (byte) 0xAB;
            page[obj + 1] = (byte) random.nextInt(16);
            long pointer = base + random.nextInt(4096) * 16L;
            for (int b = 0; b < 8; b++) {
                page[obj + 8 + b] = (byte) (pointer >>> (8 * b));
            }
            page[obj + 16] = (byte) random.nextInt(100);
        }
        return page;
    }

    /** A few small edits: a counter bumped, a pointer rewritten, a short string changed, bytes moved. */
    private byte[] edited(byte[] old) {
        byte[] page = old.clone();
        int edits = 1 + random.nextInt(6);
        for (int e = 0; e < edits; e++) {
            int at = random.nextInt(page.length - 16);
            switch (random.nextInt(4)) {
                case 0 -> page[at]++;
                case 1 -> {
                    for (int b = 0; b < 8; b++) {
                        page[at + b] = (byte) random.nextInt(256);
                    }
                }
                case 2 -> {
                    byte[] w = WORDS[random.nextInt(WORDS.length)].getBytes(StandardCharsets.US_ASCII);
                    System.arraycopy(w, 0, page, at, Math.min(w.length, 16));
                }
                default -> {
                    int len = Math.min(64, page.length - at - 1);
                    System.arraycopy(page, at, page, at + 1, len);
                }
            }
        }
        return page;
    }

    private static byte[][] copy(byte[][] pages) {
        return Arrays.stream(pages).map(byte[]::clone).toArray(byte[][]::new);
    }
}
