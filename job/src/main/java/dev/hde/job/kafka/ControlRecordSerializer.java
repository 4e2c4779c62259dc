package dev.hde.job.kafka;

import dev.hde.operators.ControlRecord;
import java.nio.charset.StandardCharsets;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/** A control request on its topic: key = state key (UTF-8), value = the {@code HDEQ} record. */
public final class ControlRecordSerializer implements KafkaRecordSerializationSchema<ControlRecord> {

    private static final long serialVersionUID = 1L;

    private final String topic;

    public ControlRecordSerializer(String topic) {
        this.topic = topic;
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(ControlRecord r, KafkaSinkContext context, Long timestamp) {
        return new ProducerRecord<>(topic, null, timestamp == null || timestamp < 0 ? null : timestamp,
                r.stateKey.getBytes(StandardCharsets.UTF_8), r.bytes);
    }
}
