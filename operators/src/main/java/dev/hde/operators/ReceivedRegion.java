package dev.hde.operators;

import dev.hde.codec.region.RegionMeta;
import dev.hde.codec.region.RegionReceiver;

/**
 * The decoder's per-region metadata beside the rebuilt pages; {@code error} set means the region is
 * stopped until a keyframe comes.
 */
public class ReceivedRegion {

    public boolean hasImage;
    public int pageShift;
    public int regionPages;
    public long epoch;
    public int chainIndex;
    public long digest;
    public long framesApplied;
    public boolean deleted;
    public String error;
    /**
     * The encoder sent a RESYNC frame: the image is kept as it was (the last good one) and is not the
     * producer's current memory until the next FULL frame. Cleared by a FULL or DELETE frame.
     */
    public boolean waitingForKeyframe;
    /** The RESYNC was of epoch 0 (the encoder lost the region): the next keyframe may start a lower epoch. */
    public boolean newLineage;
    /** Which pages the state holds a base and a patch of ({@link PagePresence}); null when not known. */
    public long[] basePages;
    public long[] patchedPages;

    /** As the codec's receiver sees it. */
    public RegionReceiver.State state() {
        return new RegionReceiver.State(meta(), waitingForKeyframe, newLineage, error, framesApplied, deleted);
    }

    /** Takes the codec receiver's state after a frame. */
    public void set(RegionReceiver.State s) {
        take(s.image());
        deleted = s.deleted();
        waitingForKeyframe = s.waiting();
        newLineage = s.newLineage();
        error = s.error();
        framesApplied = s.framesApplied();
    }

    public ReceivedRegion() {}

    public RegionMeta meta() {
        return hasImage ? new RegionMeta(pageShift, regionPages, epoch, chainIndex, digest) : null;
    }

    public void take(RegionMeta m) {
        hasImage = m != null;
        deleted = m == null;
        if (m != null) {
            pageShift = m.pageShift();
            regionPages = m.regionPages();
            epoch = m.epoch();
            chainIndex = m.chainIndex();
            digest = m.digest();
        } else {
            regionPages = 0;
            digest = 0;
        }
    }
}
