package dev.hde.state;

import dev.hde.codec.region.RegionMeta;

/**
 * The encoder's small per-region metadata, kept beside the page-granular reference image. A Flink
 * POJO (public fields, no-arg constructor) so that its serializer is Flink's own and can evolve.
 *
 * <p>Times are producer capture times (milliseconds), never processing time, so that the frames a
 * job makes depend only on its input and a restarted job makes the same ones.
 */
public class RegionState {

    public int pageShift;
    public int regionPages;
    public long epoch;
    public int chainIndex;
    public long digest;
    /** The producer sequence number of the last event applied. */
    public long lastSequence;
    /** Capture time of the event that made the current epoch's FULL frame. */
    public long epochStartMillis;
    /** Bytes of the DELTA frames sent since the last FULL frame. */
    public long deltaBytesSinceFull;
    /** Bytes of the last FULL frame: what the size rule expects a new one to cost. */
    public long lastFullBytes;
    /** Processing time the prune timer is set for, or 0. */
    public long pruneTimer;
    /** Event time the age-refresh timer is set for, or 0. */
    public long ageTimer;
    /** Processing time of the last event, for pruning idle regions. */
    public long lastActivity;

    public RegionState() {}

    public RegionMeta meta() {
        return new RegionMeta(pageShift, regionPages, epoch, chainIndex, digest);
    }

    /** Takes the chain position and digest a frame left behind. */
    public void advance(RegionMeta after) {
        pageShift = after.pageShift();
        regionPages = after.regionPages();
        epoch = after.epoch();
        chainIndex = after.chainIndex();
        digest = after.digest();
    }
}
