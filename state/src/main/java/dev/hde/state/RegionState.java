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
    /**
     * Why the encoder waits for a whole region ({@link dev.hde.codec.wire.ControlRequest.Reason} id),
     * or 0 when it holds the producer's state. While it waits, partial events are dropped and nothing
     * a receiver would apply is sent.
     */
    public int resyncReason;
    /** The producer sequence of the event that started the wait. */
    public long resyncSequence;
    /** Requests sent in this wait (1 = the first; more when unanswered ones are repeated). */
    public int resyncAttempts;
    /** Processing time the request-repeat timer is set for, or 0. */
    public long resyncTimer;
    /** The source sequence of the newest FULL frame: a receiver that saw a later frame needs a new keyframe when it asks for one. */
    public long keyframeSequence;
    /**
     * The page-updates partition of the region's events, or -1 before the first: with selector models
     * in band, the partition whose models choose the frames the encoder makes on its own (age, a
     * receiver's request).
     */
    public int sourcePartition = -1;
    /** Reported quiet: no event of the producer for the encoder's quiet time; cleared by the next one. */
    public boolean quiet;
    /**
     * Which pages the encoder's state holds a base of, a bitmap (bit i of word i/64): the encoder does not
     * look up what it knows is absent. Null when not known (state written before these fields, a region
     * of more pages than the bitmaps cover); then every page is looked up until the region is scanned or
     * cleared. Kept by the operator that holds the pages, not by {@link EventEncoder}.
     */
    public long[] basePages;
    /** Which pages the encoder's state holds a patch of (see {@link #basePages}). */
    public long[] patchedPages;

    public RegionState() {}

    /** A new region the encoder holds nothing of and waits for, for {@code reason}. */
    public static RegionState awaiting(dev.hde.codec.wire.ControlRequest.Reason reason, long sequence) {
        RegionState s = new RegionState();
        s.startResync(reason, sequence);
        return s;
    }

    /** Whether the encoder holds a reference image (it may still be waiting for a resync). */
    public boolean hasReference() {
        return epoch > 0;
    }

    /** Whether the encoder waits for a whole region of the producer. */
    public boolean awaitingResync() {
        return resyncReason != 0;
    }

    public void startResync(dev.hde.codec.wire.ControlRequest.Reason reason, long sequence) {
        resyncReason = reason.id();
        resyncSequence = sequence;
        resyncAttempts = 1;
    }

    /** The reason of the wait, or null. */
    public dev.hde.codec.wire.ControlRequest.Reason resyncReasonOrNull() {
        for (dev.hde.codec.wire.ControlRequest.Reason r : dev.hde.codec.wire.ControlRequest.Reason.values()) {
            if (r.id() == resyncReason) {
                return r;
            }
        }
        return null;
    }

    public void endResync() {
        resyncReason = 0;
        resyncSequence = 0;
        resyncAttempts = 0;
    }

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
