package dev.hde.job.kafka;

import dev.hde.operators.FrameRecord;
import java.nio.charset.StandardCharsets;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * A frame as the receiver reads it: the record key is the state key, the value the frame bytes.
 * A record without a key is kept under the empty key (its frame names its own key, and the
 * decoder refuses a frame whose key differs), a record without a value as an empty frame (which
 * the decoder refuses as truncated): never a silent drop.
 */
public final class FrameRecordDeserializer implements KafkaRecordDeserializationSchema<FrameRecord> {

    private static final long serialVersionUID = 1L;

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<FrameRecord> out) {
        String key = record.key() == null ? "" : new String(record.key(), StandardCharsets.UTF_8);
        out.collect(new FrameRecord(key, record.value() == null ? new byte[0] : record.value()));
    }

    @Override
    public TypeInformation<FrameRecord> getProducedType() {
        return TypeInformation.of(FrameRecord.class);
    }
}
