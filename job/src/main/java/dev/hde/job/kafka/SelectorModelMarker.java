package dev.hde.job.kafka;

/** A selector model bound for one partition of the page-updates topic (models in band). */
public class SelectorModelMarker {

    public int partition;
    /** The {@code HDES} bytes. */
    public byte[] model;
    /** The record timestamp: the model's capture time, so that the page-updates watermark does not jump ahead of the events. */
    public long timestamp;

    public SelectorModelMarker() {}

    public SelectorModelMarker(int partition, byte[] model, long timestamp) {
        this.partition = partition;
        this.model = model;
        this.timestamp = timestamp;
    }
}
