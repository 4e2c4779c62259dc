package dev.hde.job.kafka;

import dev.hde.operators.DeadLetter;
import java.nio.charset.StandardCharsets;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * A refused record on the dead-letter topic: the original key and value, untouched, and why and
 * from where in headers ({@code hde.reason}, {@code hde.detail}, {@code hde.source.topic},
 * {@code hde.source.partition}, {@code hde.source.offset}; values UTF-8 text).
 */
public final class DeadLetterSerializer implements KafkaRecordSerializationSchema<DeadLetter> {

    private static final long serialVersionUID = 1L;

    public static final String REASON = "hde.reason";
    public static final String DETAIL = "hde.detail";
    public static final String SOURCE_TOPIC = "hde.source.topic";
    public static final String SOURCE_PARTITION = "hde.source.partition";
    public static final String SOURCE_OFFSET = "hde.source.offset";

    private final String topic;

    public DeadLetterSerializer(String topic) {
        this.topic = topic;
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(DeadLetter d, KafkaSinkContext context, Long timestamp) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(REASON, utf8(d.reason));
        headers.add(DETAIL, utf8(d.detail));
        headers.add(SOURCE_TOPIC, utf8(d.sourceTopic));
        headers.add(SOURCE_PARTITION, utf8(Integer.toString(d.sourcePartition)));
        headers.add(SOURCE_OFFSET, utf8(Long.toString(d.sourceOffset)));
        return new ProducerRecord<>(topic, null, timestamp == null || timestamp < 0 ? null : timestamp, d.key, d.value, headers);
    }

    private static byte[] utf8(String s) {
        return s == null ? new byte[0] : s.getBytes(StandardCharsets.UTF_8);
    }
}
