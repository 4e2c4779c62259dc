package dev.hde.job.kafka;

import dev.hde.operators.SelectorModelMarkers;
import java.nio.charset.StandardCharsets;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/** A model in band: into its partition of the page-updates topic, record key {@value SelectorModelMarkers#RECORD_KEY}. */
public final class SelectorModelMarkerSerializer implements KafkaRecordSerializationSchema<SelectorModelMarker> {

    private static final long serialVersionUID = 1L;

    private final String topic;

    public SelectorModelMarkerSerializer(String topic) {
        this.topic = topic;
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(SelectorModelMarker m, KafkaSinkContext context, Long timestamp) {
        return new ProducerRecord<>(topic, m.partition, Math.max(0, m.timestamp), SelectorModelMarkers.RECORD_KEY.getBytes(StandardCharsets.UTF_8),
                m.model);
    }
}
