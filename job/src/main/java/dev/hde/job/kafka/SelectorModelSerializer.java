package dev.hde.job.kafka;

import java.nio.charset.StandardCharsets;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * A selector model on the compacted topic {@code hde.selector-model}: key {@code "model"} (UTF-8), so
 * that compaction keeps the last published model; value = the {@code HDES} bytes.
 */
public final class SelectorModelSerializer implements KafkaRecordSerializationSchema<byte[]> {

    private static final long serialVersionUID = 1L;

    /** The record key of the model. */
    public static final String KEY = "model";

    private final String topic;

    public SelectorModelSerializer(String topic) {
        this.topic = topic;
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(byte[] model, KafkaSinkContext context, Long timestamp) {
        return new ProducerRecord<>(topic, null, null, KEY.getBytes(StandardCharsets.UTF_8), model);
    }
}
