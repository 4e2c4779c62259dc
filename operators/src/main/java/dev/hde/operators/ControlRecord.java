package dev.hde.operators;

/** A control request ({@code HDEQ}, {@link dev.hde.codec.wire.ControlRequestFormat}) on its way to a control topic: record key = state key. */
public class ControlRecord {

    public String stateKey;
    public byte[] bytes;

    public ControlRecord() {}

    public ControlRecord(String stateKey, byte[] bytes) {
        this.stateKey = stateKey;
        this.bytes = bytes;
    }
}
