package dev.hde.codec.select;

import dev.hde.codec.region.PendingFrame;

/**
 * What the selector knows about a frame's data before choosing how to encode it, from a sample of
 * its bytes: cheap enough for the hot path (one byte in {@link #SAMPLE_STRIDE} of at most
 * {@link #MAX_SAMPLED_PAGES} pages spread over the frame; the
 * entropy has the Miller-Madow small-sample correction).
 *
 * @param entropyBits Shannon entropy of the sampled new bytes, 0..8 bits per byte
 * @param zeroFraction share of sampled new bytes that are zero
 * @param changedShare share of sampled bytes that differ from the old page, over pages that had one
 *     (1.0 when no page had old content, as in a keyframe)
 * @param pages pages the frame lists
 * @param bytes bytes of page content the frame carries
 * @param newShare share of the non-zero listed pages that have no old content (new pages, pages
 *     that were zero, every page of a keyframe): they cost a whole page whatever the delta method.
 *     Counted over every listed page, not sampled (it needs no page content)
 * @param runStartShare share of the sampled changed bytes whose preceding byte is unchanged (or
 *     that start the page): about 1 / the mean length of a run of changed bytes. Each run costs
 *     XBZRLE a header of about two bytes, so on memory whose changes are one or two bytes long
 *     (counters, pointers, flags: redis) its output is twice the changed bytes, and on memory
 *     rewritten in long runs barely more than them. {@link #DEFAULT_RUN_START_SHARE} when no
 *     sampled byte changed.
 * @param repeatShare share of the sampled non-zero aligned 8-byte words of the new content that
 *     repeat a word sampled before in the same frame: redundancy that order-0 entropy does not see
 *     (structures, pointers and keys that recur). Redis keyframes of entropy 5.1 compress to 0.08
 *     with zstd-3 at a repeat share of 0.7-0.8; generated pages of the same entropy to 0.45 at
 *     0.07-0.09. {@link #DEFAULT_REPEAT_SHARE} when nothing was sampled.
 * @param movedShare share of the sampled non-zero listed pages whose new content is, byte for byte,
 *     the old content of another listed page: pages moved or copied within the frame (a guest's page
 *     cache, copied files). DICT finds such a page in its dictionary and sends it for a few bytes;
 *     every other method sends it as new content. 0 when nothing was sampled.
 */
public record DataFeatures(double entropyBits, double zeroFraction, double changedShare, int pages, long bytes, double newShare,
        double runStartShare, double repeatShare, double movedShare) {

    public static final int SAMPLE_STRIDE = 31; // prime, so the sample does not lock onto struct layouts

    /** Pages sampled at most per frame. */
    public static final int MAX_SAMPLED_PAGES = 64;

    /** Number of kinds of data the selector learns apart ({@link #kind()}). */
    public static final int KINDS = 9;

    /**
     * The run-start share assumed when nothing says otherwise: a mean changed run of about 3 bytes,
     * between redis (0.45: runs of 2.2 bytes) and memory edited in longer runs (0.05-0.1).
     */
    public static final double DEFAULT_RUN_START_SHARE = 0.3;

    /** The repeat share assumed when nothing says otherwise: that of generated memory (0.07-0.09), no redundancy beyond the entropy. */
    public static final double DEFAULT_REPEAT_SHARE = 0.08;

    public DataFeatures {
        runStartShare = Double.isNaN(runStartShare) ? DEFAULT_RUN_START_SHARE : Math.max(0.0, Math.min(1.0, runStartShare));
        repeatShare = Double.isNaN(repeatShare) ? DEFAULT_REPEAT_SHARE : Math.max(0.0, Math.min(1.0, repeatShare));
        movedShare = Double.isNaN(movedShare) ? 0.0 : Math.max(0.0, Math.min(1.0, movedShare));
    }

    /** Features without the moved share (0: no page moved within the frame). */
    public DataFeatures(double entropyBits, double zeroFraction, double changedShare, int pages, long bytes, double newShare,
            double runStartShare, double repeatShare) {
        this(entropyBits, zeroFraction, changedShare, pages, bytes, newShare, runStartShare, repeatShare, 0.0);
    }

    /** Features without the new-page share (taken as 0, or 1 when nothing had old content). */
    public DataFeatures(double entropyBits, double zeroFraction, double changedShare, int pages, long bytes) {
        this(entropyBits, zeroFraction, changedShare, pages, bytes, changedShare >= 1.0 ? 1.0 : 0.0);
    }

    /** Features without the run-start and repeat shares ({@link #DEFAULT_RUN_START_SHARE}, {@link #DEFAULT_REPEAT_SHARE}). */
    public DataFeatures(double entropyBits, double zeroFraction, double changedShare, int pages, long bytes, double newShare) {
        this(entropyBits, zeroFraction, changedShare, pages, bytes, newShare, DEFAULT_RUN_START_SHARE, DEFAULT_REPEAT_SHARE);
    }

    public static DataFeatures of(PendingFrame f) {
        int[] histogram = new int[256];
        long sampled = 0;
        long zeros = 0;
        long compared = 0;
        long differing = 0;
        long runStarts = 0;
        int nonZeroPages = 0;
        int newPages = 0;
        boolean anyOld = false;
        int pageSize = f.after().pageSize();
        // The new-page share is exact: it needs no page content, only which pages had none.
        for (int i = 0; i < f.count(); i++) {
            anyOld |= f.oldPages()[i] != null;
            if (f.newPages()[i] != null) {
                nonZeroPages++;
                if (f.oldPages()[i] == null) {
                    newPages++;
                }
            }
        }
        // At most MAX_SAMPLED_PAGES pages, spread over the frame, so the cost per frame is bounded.
        int step = Math.max(1, (f.count() + MAX_SAMPLED_PAGES - 1) / MAX_SAMPLED_PAGES);
        // Sampled aligned 8-byte words, in an open-addressing set sized for the sample (0 = empty slot; zero words are not counted).
        int maxSamples = ((f.count() + step - 1) / step) * (pageSize / SAMPLE_STRIDE + 1);
        long[] words = new long[Integer.highestOneBit(Math.max(16, maxSamples * 2 - 1)) << 1];
        int mask = words.length - 1;
        long wordsSampled = 0;
        long wordsRepeated = 0;
        // No listed page had old content (a keyframe): nothing can have moved, and no index to build.
        OldPageIndex oldPages = anyOld ? OldPageIndex.of(f) : null;
        int pagesSampled = 0;
        int pagesMoved = 0;
        for (int i = 0; i < f.count(); i += step) {
            byte[] page = f.newPages()[i];
            byte[] old = f.oldPages()[i];
            if (page == null) {
                continue;
            }
            pagesSampled++;
            if (oldPages != null && oldPages.holdsElsewhere(page, i)) {
                pagesMoved++;
            }
            for (int b = i % SAMPLE_STRIDE; b < pageSize; b += SAMPLE_STRIDE) {
                int v = page[b] & 0xFF;
                histogram[v]++;
                int w = b & ~7;
                if (w + 8 <= pageSize) {
                    long word = (long) LONGS.get(page, w);
                    if (word != 0) {
                        wordsSampled++;
                        int slot = (int) (mix(word) & mask);
                        while (words[slot] != 0 && words[slot] != word) {
                            slot = (slot + 1) & mask;
                        }
                        if (words[slot] == word) {
                            wordsRepeated++;
                        } else {
                            words[slot] = word;
                        }
                    }
                }
                sampled++;
                if (v == 0) {
                    zeros++;
                }
                if (old != null) {
                    compared++;
                    if (old[b] != page[b]) {
                        differing++;
                        if (b == 0 || old[b - 1] == page[b - 1]) {
                            runStarts++;
                        }
                    }
                }
            }
        }
        double entropy = 0;
        int distinct = 0;
        for (int count : histogram) {
            if (count > 0) {
                double p = (double) count / sampled;
                entropy -= p * (Math.log(p) / Math.log(2));
                distinct++;
            }
        }
        if (sampled > 0) {
            // Miller-Madow correction: a sample of a few hundred bytes underestimates the entropy.
            entropy = Math.min(8.0, entropy + (distinct - 1) / (2.0 * sampled * Math.log(2)));
        }
        return new DataFeatures(entropy, sampled == 0 ? 1.0 : (double) zeros / sampled,
                compared == 0 ? 1.0 : (double) differing / compared, f.count(), f.changedBytes(),
                nonZeroPages == 0 ? 0.0 : (double) newPages / nonZeroPages,
                differing == 0 ? DEFAULT_RUN_START_SHARE : (double) runStarts / differing,
                wordsSampled == 0 ? DEFAULT_REPEAT_SHARE : (double) wordsRepeated / wordsSampled,
                pagesSampled == 0 ? 0.0 : (double) pagesMoved / pagesSampled);
    }

    /**
     * The old content of a frame's listed pages, by a fingerprint of eight words spread over each page,
     * to find a new page that is another listed page's old content: one read of eight words per
     * listed page to build, and a full comparison only where a fingerprint matches.
     */
    private static final class OldPageIndex {
        private final long[] fingerprints;
        private final int[] listed;
        private final byte[][] olds;
        private final int mask;

        private OldPageIndex(long[] fingerprints, int[] listed, byte[][] olds) {
            this.fingerprints = fingerprints;
            this.listed = listed;
            this.olds = olds;
            this.mask = fingerprints.length - 1;
        }

        static OldPageIndex of(PendingFrame f) {
            int n = f.count();
            int size = Integer.highestOneBit(Math.max(8, n * 2 - 1)) << 1;
            OldPageIndex index = new OldPageIndex(new long[size], new int[size], f.oldPages());
            for (int i = 0; i < n; i++) {
                byte[] old = f.oldPages()[i];
                long fp = old == null ? 0 : fingerprint(old);
                if (fp == 0) {
                    continue; // no old content, or nothing in the fingerprint's words to tell pages apart
                }
                int slot = (int) (mix(fp) & index.mask);
                while (index.fingerprints[slot] != 0) {
                    slot = (slot + 1) & index.mask;
                }
                index.fingerprints[slot] = fp;
                index.listed[slot] = i;
            }
            return index;
        }

        /**
         * Whether {@code page} is exactly the old content of a listed page other than the {@code self}-th.
         * At most {@link #MAX_COMPARISONS} pages are compared whole: pages alike in the fingerprint's words
         * but not elsewhere (structured memory) would otherwise cost a comparison each.
         */
        boolean holdsElsewhere(byte[] page, int self) {
            long fp = fingerprint(page);
            if (fp == 0) {
                return false;
            }
            int compared = 0;
            for (int slot = (int) (mix(fp) & mask); fingerprints[slot] != 0 && compared < MAX_COMPARISONS; slot = (slot + 1) & mask) {
                int i = listed[slot];
                if (fingerprints[slot] == fp && i != self) {
                    if (java.util.Arrays.equals(olds[i], page)) {
                        return true;
                    }
                    compared++;
                }
            }
            return false;
        }

        private static final int MAX_COMPARISONS = 4;

        /** Eight aligned words at eight spread offsets, mixed; 0 when they are all zero. */
        private static long fingerprint(byte[] page) {
            int stride = (page.length / 8) & ~7;
            long h = 0;
            boolean any = false;
            for (int k = 0; k < 8; k++) {
                long w = (long) LONGS.get(page, k * stride + ((k * 8) % stride));
                any |= w != 0;
                h = Long.rotateLeft(h ^ mix(w + k), 23);
            }
            return any ? (h == 0 ? 1 : h) : 0;
        }
    }

    private static final java.lang.invoke.VarHandle LONGS = java.lang.invoke.MethodHandles.byteArrayViewVarHandle(long[].class,
            java.nio.ByteOrder.LITTLE_ENDIAN);

    private static long mix(long z) {
        z = (z ^ (z >>> 33)) * 0xFF51AFD7ED558CCDL;
        return z ^ (z >>> 33);
    }

    /**
     * The kind of data, 0..{@link #KINDS}-1: entropy low / mid / high (below 3, below 6.5, above)
     * crossed with the changed share small / medium / large (below 5%, below 40%, above). Few
     * enough kinds that each is learned quickly.
     */
    public int kind() {
        int e = entropyBits < 3.0 ? 0 : entropyBits < 6.5 ? 1 : 2;
        int c = changedShare < 0.05 ? 0 : changedShare < 0.40 ? 1 : 2;
        return e * 3 + c;
    }

    /**
     * The share of the carried bytes that hold news, the part a delta method cannot leave out: new
     * pages whole, and the changed bytes of the others. XBZRLE's output, and roughly every delta
     * method's compressed output, scales with it; RAW's does not.
     */
    public double payloadShare() {
        double s = newShare + (1.0 - newShare) * changedShare;
        return Math.max(0.0, Math.min(1.0, s));
    }
}
