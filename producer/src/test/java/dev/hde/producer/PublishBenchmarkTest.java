package dev.hde.producer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hde.producer.bench.Benchmarks;
import dev.hde.producer.testing.InProcessKafka;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.CommonClientConfigs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The publish-speed figure of docs/benchmarks.md: the producer's loop publishing to the in-process
 * broker (same JVM, same cores) with acks=all. Not part of the normal test run:
 *
 * <pre>
 * ./mvnw -B -q -pl producer -am test -Dhde.bench=true -Dtest=PublishBenchmarkTest -Dsurefire.failIfNoSpecifiedTests=false
 * </pre>
 */
@EnabledIfSystemProperty(named = "hde.bench", matches = "true")
class PublishBenchmarkTest {

    @Test
    void publishSpeedToTheInProcessBroker() throws Exception {
        long bytes = Long.getLong("hde.bench.publish.bytes", 512L << 20);
        try (InProcessKafka kafka = InProcessKafka.start()) {
            kafka.createTopic("bench", 4, Map.of());
            Properties client = new Properties();
            client.setProperty(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
            Properties props = KafkaEventSink.producerProperties(client, 2L << 20, 64L << 20, Duration.ofSeconds(60));
            try (KafkaEventSink sink = KafkaEventSink.create(props, "bench")) {
                Benchmarks.publish(sink, 64L << 20, 64, 64); // warm-up
                for (int pagesPerEvent : new int[] {16, 64, 512}) {
                    Benchmarks.Figure f = Benchmarks.publish(sink, bytes, pagesPerEvent, 64);
                    System.out.println(String.format(java.util.Locale.ROOT, "%-44s %8.1f MB/s  (%s; %,d MB in %.2f s)", f.name(), f.mbPerSecond(),
                            f.note(), f.bytes() / 1_000_000, f.nanos() / 1e9));
                    assertThat(f.bytes()).isGreaterThan(bytes / 2);
                }
            }
        }
    }
}
