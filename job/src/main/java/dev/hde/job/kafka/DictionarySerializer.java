package dev.hde.job.kafka;

import dev.hde.codec.dict.DictionaryFormat;
import java.nio.charset.StandardCharsets;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * A trained dictionary on the compacted topic {@code hde.dictionaries}: key = its id in decimal
 * (UTF-8), so compaction keeps one record per dictionary; value = the {@code HDED} record.
 */
public final class DictionarySerializer implements KafkaRecordSerializationSchema<byte[]> {

    private static final long serialVersionUID = 1L;

    private final String topic;

    public DictionarySerializer(String topic) {
        this.topic = topic;
    }

    /** The record key of a dictionary record: its id in decimal. */
    public static byte[] key(byte[] record) {
        return Integer.toString(DictionaryFormat.read(record).id()).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(byte[] record, KafkaSinkContext context, Long timestamp) {
        return new ProducerRecord<>(topic, null, null, key(record), record);
    }
}
