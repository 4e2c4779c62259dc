package dev.hde.job.kafka;

import dev.hde.operators.FrameRecord;
import java.nio.charset.StandardCharsets;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * A frame on the frames topic: key = state key (UTF-8), so one region's frames stay in order on
 * one partition; value = the frame; timestamp = the Flink record timestamp (the capture time of
 * the page update behind the frame).
 */
public final class FrameRecordSerializer implements KafkaRecordSerializationSchema<FrameRecord> {

    private static final long serialVersionUID = 1L;

    private final String topic;

    public FrameRecordSerializer(String topic) {
        this.topic = topic;
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(FrameRecord frame, KafkaSinkContext context, Long timestamp) {
        return new ProducerRecord<>(topic, null, timestamp == null || timestamp < 0 ? null : timestamp,
                frame.stateKey.getBytes(StandardCharsets.UTF_8), frame.bytes);
    }
}
