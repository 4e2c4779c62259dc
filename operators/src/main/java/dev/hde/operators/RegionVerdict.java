package dev.hde.operators;

/** The decoder's word on one region after a frame: where its image stands, or why it stopped. */
public class RegionVerdict {

    public String stateKey;
    public long framesApplied;
    public long epoch;
    public int chainIndex;
    public int regionPages;
    public long digest;
    public boolean deleted;
    /** Every frame applied so far checked out (false once a frame was refused, until a keyframe recovers the region). */
    public boolean verified;
    /** The encoder lost the producer's state of this region and asked for a whole one: the image is the last good one, not current. */
    public boolean waitingForKeyframe;
    /** The {@link dev.hde.codec.HdeException} that stopped this region, or null. */
    public String error;

    public RegionVerdict() {}
}
