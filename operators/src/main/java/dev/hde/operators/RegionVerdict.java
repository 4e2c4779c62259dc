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
    public boolean verified;
    /** The {@link dev.hde.codec.HdeException} that stopped this region, or null. */
    public String error;

    public RegionVerdict() {}
}
