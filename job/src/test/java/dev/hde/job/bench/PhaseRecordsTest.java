package dev.hde.job.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hde.job.embedded.EmbeddedKafka;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/** A phase's records leave the embedded broker's disk within seconds, not at its default five-minute retention check. */
class PhaseRecordsTest {

    private static final int SEGMENT = 1 << 20;

    @Test
    void deletedRecordsLeaveTheBrokersDiskDownToASegmentPerPartition() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start(); Admin admin = kafka.admin()) {
            kafka.createTopics(2, List.of("load"), Set.of());
            PhaseRecords.shortSegments(admin, "load", SEGMENT);
            Properties p = new Properties();
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
            p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "none");
            byte[] value = new byte[64 << 10];
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
                for (int i = 0; i < 160; i++) { // 10 MiB, five segments per partition
                    value[0] = (byte) i;
                    producer.send(new ProducerRecord<>("load", i % 2, null, value.clone()));
                }
            }
            long before = PhaseRecords.awaitLogFreed(admin, List.of("load"), SEGMENT, Duration.ZERO);
            assertThat(before).as("the log holds the records").isGreaterThanOrEqualTo(10L << 20);
            PhaseRecords.deleteAll(admin, "load");
            long after = PhaseRecords.awaitLogFreed(admin, List.of("load"), SEGMENT, Duration.ofSeconds(30));
            assertThat(after).as("log bytes left after their records were deleted").isLessThanOrEqualTo(2L * SEGMENT);
        }
    }
}
