package dev.hde.producer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hde.codec.wire.EventKind;
import dev.hde.codec.wire.PageUpdateEvent;
import dev.hde.codec.wire.PageUpdateEventFormat;
import dev.hde.producer.capture.MappingFilter;
import dev.hde.producer.capture.ProcessCaptureSource;
import dev.hde.producer.cli.ProducerCli;
import dev.hde.producer.testing.ChildProcess;
import dev.hde.producer.testing.InProcessKafka;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Pattern;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The producer against an in-process Kafka broker: what it publishes, read back from the topic,
 * parses, is in order per key, and applied to a model gives exactly the captured memory.
 */
class KafkaPublishTest {

    private static final int PAGE = 4096;
    private static InProcessKafka kafka;

    @BeforeAll
    static void startKafka() throws Exception {
        kafka = InProcessKafka.start();
    }

    @AfterAll
    static void stopKafka() throws Exception {
        if (kafka != null) {
            kafka.close();
        }
    }

    private static Properties client() {
        Properties p = new Properties();
        p.setProperty(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        return p;
    }

    @Test
    void capturedMemoryReadBackFromTheTopicRebuildsTheProcessByteForByte() throws Exception {
        String topic = "page-updates-capture";
        kafka.createTopic(topic, 3, Map.of());
        int pages = 1536; // 3 regions of 2 MiB
        try (ChildProcess child = ChildProcess.start((long) pages * PAGE)) {
            MappingFilter filter = new MappingFilter(Pattern.compile(child.nameRegex()), null, Pattern.compile("rw.s"), 1, Long.MAX_VALUE);
            ProcessCaptureSource.Settings s = new ProcessCaptureSource.Settings(child.pid(), "vm-7", filter, 512);
            Properties props = KafkaEventSink.producerProperties(client(), 2L << 20, 32L << 20, Duration.ofSeconds(30));
            RegionImages sent = new RegionImages(); // what the producer published, seen on the producer's side
            try (ProcessCaptureSource source = ProcessCaptureSource.open(s, new RegionTracker(12, 1));
                    KafkaEventSink sink = KafkaEventSink.create(props, topic)) {
                ProducerLoop loop = new ProducerLoop(source, EventSink.observed(sink, (e, wire) -> sent.apply(e)));
                long events = loop.round().events();
                for (int round = 1; round <= 5; round++) {
                    child.writeByte(round * 97 % pages, round, round);
                    child.fillPage(round * 211 % pages, round);
                    child.zeroPage(round * 307 % pages);
                    events += loop.round().events();
                }
                assertThat(sink.inFlightBytes()).isZero();
                assertThat(sink.acknowledgedBytes()).isEqualTo(loop.total().bytes());

                List<ConsumerRecord<byte[], byte[]>> records = kafka.readAll(topic, (int) events, Duration.ofSeconds(60));
                assertThat(records).hasSize((int) events);
                RegionImages model = new RegionImages();
                Map<String, Long> sequences = new HashMap<>();
                for (ConsumerRecord<byte[], byte[]> rec : records) {
                    PageUpdateEvent e = PageUpdateEventFormat.parse(rec.value(), dev.hde.codec.Limits.DEFAULT);
                    assertThat(new String(rec.key(), StandardCharsets.UTF_8)).isEqualTo(e.stateKey());
                    assertThat(rec.timestamp()).isEqualTo(e.captureTimeMillis());
                    // In order and without gaps per key (records of one key share a partition).
                    assertThat(e.sequence()).isEqualTo(sequences.getOrDefault(e.stateKey(), 0L) + 1);
                    sequences.put(e.stateKey(), e.sequence());
                    model.apply(e);
                }
                assertThat(model.keys()).hasSize(3).isEqualTo(sent.keys());
                assertThat(source.stateKeys()).containsExactlyElementsOf(sent.keys());
                for (String key : sent.keys()) {
                    assertThat(model.image(key)).isEqualTo(sent.image(key));
                }
                byte[] memory = child.memory();
                String first = records.stream().map(r -> new String(r.key(), StandardCharsets.UTF_8)).filter(k -> k.endsWith("-r0000"))
                        .findFirst().orElseThrow();
                long start = Long.parseLong(first.substring("vm-7/".length(), first.lastIndexOf("-r")), 16);
                for (int r = 0; r < 3; r++) {
                    byte[] region = model.image(ProcessCaptureSource.key("vm-7", start, r));
                    assertThat(Arrays.equals(region, 0, region.length, memory, r * 512 * PAGE, (r + 1) * 512 * PAGE)).as("region %d", r).isTrue();
                }
            }
        }
    }

    @Test
    void anEventOverTheTopicsMessageLimitFailsWithAnExplanation() throws Exception {
        String topic = "page-updates-small";
        kafka.createTopic(topic, 1, Map.of("max.message.bytes", "100000"));
        Properties props = KafkaEventSink.producerProperties(client(), 2L << 20, 32L << 20, Duration.ofSeconds(30));
        try (KafkaEventSink sink = KafkaEventSink.create(props, topic)) {
            PageUpdateEvent big = PageUpdateEvent.region("vm/r0000", 12, 1, 1L, new byte[64][PAGE]);
            sink.publish(big, PageUpdateEventFormat.write(big));
            assertThatThrownBy(sink::flush).isInstanceOf(PublishException.class).hasMessageContaining("max.message.bytes")
                    .hasMessageContaining("--region-size");
        }
    }

    @Test
    void theCliPublishesWithClientPropertiesFromAFileAndNeverPrintsSecrets(@TempDir Path dir) throws Exception {
        String topic = "page-updates-cli";
        kafka.createTopic(topic, 2, Map.of());
        Path config = dir.resolve("client.properties");
        // A secret that a PLAINTEXT connection does not use: it must pass through and never be printed.
        Files.writeString(config, "bootstrap.servers=" + kafka.bootstrapServers() + "\nssl.key.password=hunter2-secret\nclient.id=test-producer\n");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = ProducerCli.run(new PrintWriter(out), new PrintWriter(err), "synthetic", "--vms", "2", "--regions", "3", "--region-pages", "64",
                "--rounds", "4", "--interval", "0", "--topic", topic, "--kafka-config", config.toString(), "-X", "linger.ms=1", "--json");
        assertThat(code).as(err.toString()).isZero();
        assertThat(out.toString().lines()).hasSize(4);
        assertThat(err.toString()).contains("publishing to topic " + topic).contains("4 rounds").doesNotContain("hunter2");
        assertThat(out.toString()).doesNotContain("hunter2");

        List<ConsumerRecord<byte[], byte[]>> records = kafka.readAll(topic, 4 * 6, Duration.ofSeconds(60));
        assertThat(records).hasSize(4 * 6);
        RegionImages model = new RegionImages();
        records.stream().filter(r -> r.partition() == 0).forEach(r -> model.apply(r.value()));
        records.stream().filter(r -> r.partition() == 1).forEach(r -> model.apply(r.value()));
        assertThat(model.keys()).hasSize(6);
        assertThat(records.stream().map(r -> PageUpdateEventFormat.parse(r.value(), dev.hde.codec.Limits.DEFAULT).kind())
                .filter(k -> k == EventKind.REGION)).hasSize(6);
    }

    @Test
    void aClusterThatCannotBeReachedEndsTheRunBeforeTheFirstRoundWithExitCode4() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = ProducerCli.run(new PrintWriter(out), new PrintWriter(err), "synthetic", "--vms", "1", "--regions", "1", "--region-pages", "8",
                "--rounds", "1", "-b", "127.0.0.1:1", "--max-block", "2s", "-q");
        assertThat(code).isEqualTo(dev.hde.producer.cli.ExitCodes.UNREACHABLE);
        assertThat(err.toString()).isEqualTo("hde-producer synthetic: Kafka at 127.0.0.1:1 (PLAINTEXT): connection refused; is a broker listening there?\n");
        assertThat(out.toString()).isEmpty();
    }

    @Test
    void aResyncRequestOnTheControlTopicIsAnsweredWithTheWholeRegionOnTheNextRound() throws Exception {
        String topic = "answer.page-updates";
        String control = "answer.resync-requests";
        kafka.createTopic(topic, 1, Map.of());
        kafka.createTopic(control, 1, Map.of());
        SyntheticWorkload memory = new SyntheticWorkload(SyntheticWorkload.Settings.DEFAULT.withVms(2, 1).withRegionPages(8).withSeed(9));
        List<String> logged = new java.util.concurrent.CopyOnWriteArrayList<>();
        List<PageUpdateEvent> published = new ArrayList<>();
        try (ResyncListener listener = ResyncListener.start(client(), control, logged::add)) {
            assertThat(listener.awaitListening(Duration.ofSeconds(30))).isTrue();
            ProducerLoop loop = new ProducerLoop(new dev.hde.producer.source.SyntheticSource(memory, 1), (e, wire) -> published.add(e))
                    .answering(listener, logged::add);
            loop.round();
            loop.round();
            String key = memory.stateKeys().get(1);
            try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(client(), new ByteArraySerializer(), new ByteArraySerializer())) {
                for (String asked : List.of(key, "vm-42/r0000")) {
                    p.send(new ProducerRecord<>(control, asked.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                            dev.hde.codec.wire.ControlRequestFormat.write(dev.hde.codec.wire.ControlRequest.resync(asked,
                                    dev.hde.codec.wire.ControlRequest.Reason.SEQUENCE_GAP, 1, 3, 5, 1, "encoder-0")))).get();
                }
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (listener.received() < 2 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            published.clear();
            RoundStats r = loop.round();
            assertThat(r.resyncs()).isEqualTo(1);
            PageUpdateEvent answer = published.stream().filter(e -> e.stateKey().equals(key)).findFirst().orElseThrow();
            assertThat(answer.kind()).isEqualTo(dev.hde.codec.wire.EventKind.REGION);
            assertThat(answer.digest()).hasValue(memory.digest(key));
            assertThat(published.stream().filter(e -> !e.stateKey().equals(key)))
                    .allSatisfy(e -> assertThat(e.kind()).isEqualTo(dev.hde.codec.wire.EventKind.PAGES));
            // a key of another producer (another VM id): not this one's, so no line about it
            assertThat(logged).noneMatch(l -> l.contains("vm-42"));
        }
    }
}
