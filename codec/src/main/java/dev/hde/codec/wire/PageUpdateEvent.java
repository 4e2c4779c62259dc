package dev.hde.codec.wire;

import dev.hde.codec.region.PageUpdate;
import java.util.Arrays;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * What a hypervisor-side producer says about one region at one moment.
 *
 * @param sequence the producer's sequence number for this state key, increasing by one per event
 * @param regionPages the region's page count after this event (0 for DELETE)
 * @param indices strictly increasing page indices below {@code regionPages} (for REGION: 0..regionPages-1)
 * @param pages the new content of each listed page, one page each
 * @param digest the producer's region digest of its memory after this event (the frame digest's
 *     construction, {@link dev.hde.codec.PageHash}; 0 for DELETE): the truth the encoder checks its
 *     reference image against. Empty for a version 1 event, which carries none.
 */
public record PageUpdateEvent(
        EventKind kind,
        String stateKey,
        int pageShift,
        int regionPages,
        long sequence,
        long captureTimeMillis,
        int[] indices,
        byte[][] pages,
        OptionalLong digest) {

    public PageUpdateEvent {
        Objects.requireNonNull(kind);
        Objects.requireNonNull(stateKey);
        Objects.requireNonNull(indices);
        Objects.requireNonNull(pages);
        Objects.requireNonNull(digest);
    }

    /** An event without the producer's digest (a version 1 event). */
    public PageUpdateEvent(EventKind kind, String stateKey, int pageShift, int regionPages, long sequence, long captureTimeMillis,
            int[] indices, byte[][] pages) {
        this(kind, stateKey, pageShift, regionPages, sequence, captureTimeMillis, indices, pages, OptionalLong.empty());
    }

    public static PageUpdateEvent pages(String key, int pageShift, int regionPages, long seq, long time, int[] indices, byte[][] pages) {
        return new PageUpdateEvent(EventKind.PAGES, key, pageShift, regionPages, seq, time, indices, pages);
    }

    public static PageUpdateEvent region(String key, int pageShift, long seq, long time, byte[][] pages) {
        int[] indices = new int[pages.length];
        Arrays.setAll(indices, i -> i);
        return new PageUpdateEvent(EventKind.REGION, key, pageShift, pages.length, seq, time, indices, pages);
    }

    public static PageUpdateEvent delete(String key, int pageShift, long seq, long time) {
        return new PageUpdateEvent(EventKind.DELETE, key, pageShift, 0, seq, time, new int[0], new byte[0][]);
    }

    /** This event carrying the producer's region digest {@code d} (written as a version 2 event). */
    public PageUpdateEvent withDigest(long d) {
        return new PageUpdateEvent(kind, stateKey, pageShift, regionPages, sequence, captureTimeMillis, indices, pages, OptionalLong.of(d));
    }

    /** The same event with another sequence number. */
    public PageUpdateEvent withSequence(long seq) {
        return new PageUpdateEvent(kind, stateKey, pageShift, regionPages, seq, captureTimeMillis, indices, pages, digest);
    }

    public boolean hasDigest() {
        return digest.isPresent();
    }

    public int pageSize() {
        return 1 << pageShift;
    }

    /** The pages as an update of the region (not for DELETE). */
    public PageUpdate toPageUpdate() {
        return new PageUpdate(regionPages, indices, pages);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PageUpdateEvent e && kind == e.kind && stateKey.equals(e.stateKey) && pageShift == e.pageShift
                && regionPages == e.regionPages && sequence == e.sequence && captureTimeMillis == e.captureTimeMillis
                && Arrays.equals(indices, e.indices) && Arrays.deepEquals(pages, e.pages) && digest.equals(e.digest);
    }

    @Override
    public int hashCode() {
        return Objects.hash(kind, stateKey, pageShift, regionPages, sequence, captureTimeMillis, Arrays.hashCode(indices), digest);
    }

    @Override
    public String toString() {
        return "PageUpdateEvent[" + kind + " " + stateKey + " seq=" + sequence + " pages=" + indices.length + "/" + regionPages
                + (digest.isPresent() ? String.format(" digest=%016x", digest.getAsLong()) : "") + "]";
    }
}
