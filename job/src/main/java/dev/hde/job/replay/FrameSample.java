package dev.hde.job.replay;

/**
 * What the adaptive selector needs to know about one frame of the replay (a Flink POJO): where it
 * belongs in the stream, the features the selector decides on, and what each candidate made of it
 * (wire bytes and the modelled times of {@link dev.hde.codec.select.ModelledSpeeds#CALIBRATED}), in the order of
 * {@link ReplaySettings#choices()}. No frame bytes: the selector only chooses, the frames are
 * rendered again by the adaptive replay.
 */
public class FrameSample {

    public String stateKey;
    public long sequence;
    public long captureTimeMillis;
    public long bucket;
    /** A keyframe (FULL) rather than a DELTA frame. */
    public boolean full;

    public double entropyBits;
    public double zeroFraction;
    public double changedShare;
    public int pages;
    public long bytes;
    public double newShare;
    public double runStartShare;
    public double repeatShare;
    public double movedShare;

    /** Per candidate: frame bytes, modelled encode and decode nanoseconds. */
    public long[] wireBytes;
    public double[] tableEncodeNanos;
    public double[] tableDecodeNanos;
    /**
     * Per candidate: real encode nanoseconds (working the frame out and rendering it) and real decode
     * nanoseconds (the candidate's fixed configuration applying it), measured in the same pass as the
     * fixed configurations' own figures, so the adaptive selector's real times compare fairly.
     */
    public long[] encodeNanos;
    public long[] decodeNanos;
    /** Real nanoseconds spent sampling the frame's features (the selector's own cost). */
    public long featureNanos;

    public FrameSample() {}
}
