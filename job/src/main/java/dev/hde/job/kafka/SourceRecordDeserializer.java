package dev.hde.job.kafka;

import dev.hde.operators.SourceRecord;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Keeps a page-update record as it came: key, value, topic, partition and offset. Never fails:
 * judging the bytes is the validator's job, and a record it refuses goes to the dead letters
 * with the place it came from. The Kafka record timestamp (the producer's capture time) becomes
 * the Flink record timestamp.
 */
public final class SourceRecordDeserializer implements KafkaRecordDeserializationSchema<SourceRecord> {

    private static final long serialVersionUID = 1L;

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<SourceRecord> out) {
        out.collect(new SourceRecord(record.key(), record.value(), record.topic(), record.partition(), record.offset()));
    }

    @Override
    public TypeInformation<SourceRecord> getProducedType() {
        return TypeInformation.of(SourceRecord.class);
    }
}
