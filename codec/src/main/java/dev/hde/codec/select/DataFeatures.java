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
 *     that were zero, every page of a keyframe): they cost a whole page whatever the delta method
 */
public record DataFeatures(double entropyBits, double zeroFraction, double changedShare, int pages, long bytes, double newShare) {

    public static final int SAMPLE_STRIDE = 31; // prime, so the sample does not lock onto struct layouts

    /** Pages sampled at most per frame. */
    public static final int MAX_SAMPLED_PAGES = 16;

    /** Number of kinds of data the selector learns apart ({@link #kind()}). */
    public static final int KINDS = 9;

    /** Features without the new-page share (taken as 0, or 1 when nothing had old content). */
    public DataFeatures(double entropyBits, double zeroFraction, double changedShare, int pages, long bytes) {
        this(entropyBits, zeroFraction, changedShare, pages, bytes, changedShare >= 1.0 ? 1.0 : 0.0);
    }

    public static DataFeatures of(PendingFrame f) {
        int[] histogram = new int[256];
        long sampled = 0;
        long zeros = 0;
        long compared = 0;
        long differing = 0;
        int nonZeroPages = 0;
        int newPages = 0;
        int pageSize = f.after().pageSize();
        // At most MAX_SAMPLED_PAGES pages, spread over the frame, so the cost per frame is bounded.
        int step = Math.max(1, (f.count() + MAX_SAMPLED_PAGES - 1) / MAX_SAMPLED_PAGES);
        for (int i = 0; i < f.count(); i += step) {
            byte[] page = f.newPages()[i];
            byte[] old = f.oldPages()[i];
            if (page == null) {
                continue;
            }
            nonZeroPages++;
            if (old == null) {
                newPages++;
            }
            for (int b = i % SAMPLE_STRIDE; b < pageSize; b += SAMPLE_STRIDE) {
                int v = page[b] & 0xFF;
                histogram[v]++;
                sampled++;
                if (v == 0) {
                    zeros++;
                }
                if (old != null) {
                    compared++;
                    if (old[b] != page[b]) {
                        differing++;
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
                nonZeroPages == 0 ? 0.0 : (double) newPages / nonZeroPages);
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
