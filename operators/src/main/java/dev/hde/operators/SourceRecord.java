package dev.hde.operators;

/** A Kafka record as read, before validation: its bytes and where it came from. */
public class SourceRecord {

    public byte[] key;
    public byte[] value;
    public String topic;
    public int partition;
    public long offset;

    public SourceRecord() {}

    public SourceRecord(byte[] key, byte[] value, String topic, int partition, long offset) {
        this.key = key;
        this.value = value;
        this.topic = topic;
        this.partition = partition;
        this.offset = offset;
    }
}
