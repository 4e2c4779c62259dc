package dev.hde.operators;

/**
 * A page-update event the validator accepted: its state key and its wire bytes. The bytes travel
 * as they are (one format, one parser); the encoder parses them again, which cannot fail.
 */
public class ValidEvent {

    public String stateKey;
    public byte[] bytes;
    /**
     * The page-updates partition the record came from, or -1 (a keyframe request, another source):
     * with models in band, the partition whose models apply ({@link SelectorModelMarkers}).
     */
    public int partition = -1;

    public ValidEvent() {}

    public ValidEvent(String stateKey, byte[] bytes) {
        this.stateKey = stateKey;
        this.bytes = bytes;
    }

    public ValidEvent(String stateKey, byte[] bytes, int partition) {
        this.stateKey = stateKey;
        this.bytes = bytes;
        this.partition = partition;
    }
}
