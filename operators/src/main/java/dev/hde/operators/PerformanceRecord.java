package dev.hde.operators;

/** What one frame cost and saved: the encoder's side output that the selector learns from. */
public class PerformanceRecord {

    public String stateKey;
    public String frameType;
    public String method;
    public String codec;
    public int level;
    /** Pages the event carried. */
    public int pagesOffered;
    /** Pages the frame lists (changed or new; unchanged pages are left out). */
    public int pagesChanged;
    public int zeroPages;
    /** Data features of the frame's pages (see {@link dev.hde.codec.select.DataFeatures}). */
    public double entropyBits;
    public double zeroFraction;
    public double changedShare;
    public int dataKind;
    /** Bytes of page content the frame brings to the receiver. */
    public long bytesIn;
    /** Bytes of the frame on the wire. */
    public long bytesOut;
    public long encodeNanos;
    public long captureTimeMillis;
    /**
     * What the frame was encoded with, as {@link dev.hde.codec.select.EncodeChoice#toString()} (e.g.
     * {@code xbzrle+zstd-3}; for a keyframe the RAW form of the choice): the arm the selector chose,
     * not what the frame header says (a zstd block that did not shrink is stored as codec none).
     * With several fixed specs, the one whose frame was kept.
     */
    public String choice;
    /** The selector's draw made this an exploration (always false with fixed choices). */
    public boolean explored;
    /** Share of the non-zero listed pages that had no old content ({@link dev.hde.codec.select.DataFeatures#newShare()}). */
    public double newShare;
    /** Page bytes of the frame the features count (non-zero listed pages x page size; the cost model's B). */
    public long featureBytes;
    /** The part of {@code featureBytes} that held news for the chosen method: all of it for RAW, {@code payloadShare()} of it otherwise. */
    public long payloadBytes;
    /** Time spent rendering the frame with the chosen choice (the part of {@code encodeNanos} the choice decides). */
    public long renderNanos;
    /** Version of the selector model the choice was made with ({@code g0.t0.r0} = the priors; empty with fixed choices). */
    public String modelVersion;
    /** The encoder subtask that made the frame. */
    public int subtask;
    /**
     * The record as the selector model takes it: a one-cell model of generation 0 in the {@code HDES}
     * format ({@link dev.hde.codec.select.SelectorModelFormat}) holding
     * {@link dev.hde.codec.select.Observation#encoded} of the frame's full features, the choice, the
     * frame's length, {@code renderNanos} and the capture time. Made where all the features are, so
     * the trainer needs no knowledge of what the model's sums are.
     */
    public byte[] observation;

    public PerformanceRecord() {}
}
