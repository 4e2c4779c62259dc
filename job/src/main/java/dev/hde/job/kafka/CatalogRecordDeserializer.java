package dev.hde.job.kafka;

import dev.hde.operators.CatalogRecord;
import java.nio.charset.StandardCharsets;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * A catalog topic record as the merger reads it: key (the writer's site id; empty without a key)
 * and value as they are. Never fails: the merger judges the bytes and counts what it refuses.
 */
public final class CatalogRecordDeserializer implements KafkaRecordDeserializationSchema<CatalogRecord> {

    private static final long serialVersionUID = 1L;

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<CatalogRecord> out) {
        String site = record.key() == null ? "" : new String(record.key(), StandardCharsets.UTF_8);
        out.collect(new CatalogRecord(site, record.value() == null ? new byte[0] : record.value()));
    }

    @Override
    public TypeInformation<CatalogRecord> getProducedType() {
        return TypeInformation.of(CatalogRecord.class);
    }
}
