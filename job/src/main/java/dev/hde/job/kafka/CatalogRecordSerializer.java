package dev.hde.job.kafka;

import dev.hde.operators.CatalogRecord;
import java.nio.charset.StandardCharsets;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * A catalog message on the catalog topic: key = the writing site's id (UTF-8), so that one site's
 * messages stay in order on one partition; value = the {@code HDEC} / {@code HDEG} message; no
 * timestamp of its own (the producer's clock at sending), so that time retention counts from
 * publication, not from the capture time of the event that caused it.
 */
public final class CatalogRecordSerializer implements KafkaRecordSerializationSchema<CatalogRecord> {

    private static final long serialVersionUID = 1L;

    private final String topic;

    public CatalogRecordSerializer(String topic) {
        this.topic = topic;
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(CatalogRecord r, KafkaSinkContext context, Long timestamp) {
        return new ProducerRecord<>(topic, null, null, r.site.getBytes(StandardCharsets.UTF_8), r.message);
    }
}
