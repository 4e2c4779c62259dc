package dev.hde.operators;

/**
 * A page-update event the validator accepted: its state key and its wire bytes. The bytes travel
 * as they are (one format, one parser); the encoder parses them again, which cannot fail.
 */
public class ValidEvent {

    public String stateKey;
    public byte[] bytes;

    public ValidEvent() {}

    public ValidEvent(String stateKey, byte[] bytes) {
        this.stateKey = stateKey;
        this.bytes = bytes;
    }
}
