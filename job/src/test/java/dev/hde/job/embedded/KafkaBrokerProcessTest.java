package dev.hde.job.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/** The broker in its own JVM: acknowledged records survive a kill -9 and a restart on the same directories and port. */
class KafkaBrokerProcessTest {

    @Test
    void acknowledgedRecordsSurviveKillAndRestart() throws Exception {
        try (KafkaBrokerProcess kafka = KafkaBrokerProcess.start()) {
            String servers = kafka.bootstrapServers();
            long firstPid = kafka.pid();
            EmbeddedKafka.createTopics(kafka.admin(), 2, (short) 1, List.of("t"), Set.of());
            try (KafkaProducer<String, String> producer = producer(servers)) {
                for (int i = 0; i < 200; i++) {
                    producer.send(new ProducerRecord<>("t", "k" + (i % 7), "v" + i)).get();
                }
            }

            kafka.kill();
            assertThat(kafka.isAlive()).isFalse();
            assertThatThrownBy(kafka::pid).isInstanceOf(IllegalStateException.class);

            kafka.restart();
            assertThat(kafka.bootstrapServers()).isEqualTo(servers);
            assertThat(kafka.pid()).isNotEqualTo(firstPid);
            List<String> values = readAll(servers, 200);
            assertThat(values).hasSize(200);
            assertThat(values).containsAll(List.of("v0", "v99", "v199"));
            assertThatThrownBy(kafka::restart).isInstanceOf(IllegalStateException.class).hasMessageContaining("still running");
        }
    }

    private static KafkaProducer<String, String> producer(String servers) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, servers);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        return new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
    }

    private static List<String> readAll(String servers, int expected) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, servers);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "reader");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
            c.subscribe(List.of("t"));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (values.size() < expected && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(500))) {
                    values.add(new String(r.value().getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8));
                }
            }
        }
        return values;
    }
}
