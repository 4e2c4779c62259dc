package dev.hde.operators;

/**
 * A record the validator refused: the original bytes, untouched, and why. The reason is an
 * {@link dev.hde.codec.HdeException.Kind} name; the detail is the human-readable message.
 */
public class DeadLetter {

    public byte[] key;
    public byte[] value;
    public String reason;
    public String detail;
    public String sourceTopic;
    public int sourcePartition;
    public long sourceOffset;

    public DeadLetter() {}

    public DeadLetter(SourceRecord r, String reason, String detail) {
        this.key = r.key;
        this.value = r.value;
        this.reason = reason;
        this.detail = detail;
        this.sourceTopic = r.topic;
        this.sourcePartition = r.partition;
        this.sourceOffset = r.offset;
    }
}
