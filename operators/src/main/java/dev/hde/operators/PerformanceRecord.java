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

    public PerformanceRecord() {}
}
