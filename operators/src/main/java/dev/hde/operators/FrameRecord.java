package dev.hde.operators;

/** One frame on its way to or from the frames topic (record key = state key). */
public class FrameRecord {

    public String stateKey;
    public byte[] bytes;

    public FrameRecord() {}

    public FrameRecord(String stateKey, byte[] bytes) {
        this.stateKey = stateKey;
        this.bytes = bytes;
    }
}
