package dev.hde.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hde.job.config.HdeJobConfig;
import dev.hde.job.embedded.EmbeddedKafka;
import dev.hde.job.embedded.WorkloadPublisher;
import dev.hde.operators.RegionVerdict;
import dev.hde.producer.SyntheticWorkload;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/** What the pipeline tests share: the Flink mini cluster, the in-process broker, topics, reading topics back. */
public final class PipelineTestSupport {

    public static final int PARALLELISM = 2;
    public static final int PARTITIONS = 4;

    private PipelineTestSupport() {}

    public static MiniClusterExtension miniCluster() {
        return new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
                .setNumberTaskManagers(1)
                .setNumberSlotsPerTaskManager(PARALLELISM)
                .setConfiguration(new Configuration())
                .build());
    }

    /** A job configuration on the embedded broker with topics named after {@code prefix}: small, fast checkpoints, quick restarts. */
    public static HdeJobConfig config(EmbeddedKafka kafka, String prefix, Path checkpoints) {
        return new HdeJobConfig()
                .bootstrapServers(kafka.bootstrapServers())
                .pageUpdatesTopic(prefix + ".page-updates")
                .framesTopic(prefix + ".frames")
                .deadLettersTopic(prefix + ".dead-letters")
                .selectorModelTopic(prefix + ".selector-model")
                .dictionariesTopic(prefix + ".dictionaries")
                .catalogTopic(prefix + ".catalog")
                .resyncRequestsTopic(prefix + ".resync-requests")
                .keyframeRequestsTopic(prefix + ".keyframe-requests")
                .encoderGroupId(prefix + "-encoder")
                .decoderGroupId(prefix + "-decoder")
                .transactionalIdPrefix(prefix)
                .parallelism(PARALLELISM)
                .checkpointInterval(Duration.ofMillis(500))
                .checkpointDirectory(checkpoints.toUri().toString())
                .restartDelay(Duration.ofMillis(200))
                .startingOffsets(HdeJobConfig.StartingOffsets.EARLIEST)
                .bounded(true);
    }

    public static void createTopics(EmbeddedKafka kafka, HdeJobConfig c, String... more) throws Exception {
        List<String> topics = new ArrayList<>(c.encoderTopics());
        topics.add(c.dictionariesTopic());
        topics.addAll(List.of(more));
        kafka.createTopics(PARTITIONS, topics, c.compactedTopics());
    }

    /** Publishes {@code rounds} rounds of the workload; returns what was sent. */
    public static WorkloadPublisher.Stats publish(HdeJobConfig c, SyntheticWorkload memory, int rounds) {
        try (WorkloadPublisher p = new WorkloadPublisher(c.kafkaClientProperties(), c.pageUpdatesTopic())) {
            long time = 1_700_000_000_000L;
            for (int r = 0; r < rounds; r++) {
                p.send(memory.nextRound(time + r * 1000L));
            }
            p.flush();
            return p.stats();
        }
    }

    /** Every record of {@code topic}, partition by partition, with the given isolation level. */
    public static List<ConsumerRecord<byte[], byte[]>> readAll(EmbeddedKafka kafka, String topic, boolean committedOnly) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, committedOnly ? "read_committed" : "read_uncommitted");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p)) {
            List<TopicPartition> parts = consumer.partitionsFor(topic).stream().map(i -> new TopicPartition(topic, i.partition())).toList();
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            if (committedOnly) {
                awaitTransactionsResolved(kafka, parts, Duration.ofSeconds(30));
            }
            Map<TopicPartition, Long> end = consumer.endOffsets(parts);
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (parts.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                assertThat(System.nanoTime()).as("reading %s", topic).isLessThan(deadline);
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        return out;
    }

    /**
     * Waits (at most {@code timeout}) until no transaction is open on {@code parts}: the last
     * committed offset has reached the log's end. A job's final commit returns before the broker has
     * written its markers to every partition, and a read-committed reader that takes its end offsets
     * in between stops short of the last transaction's records.
     */
    private static void awaitTransactionsResolved(EmbeddedKafka kafka, List<TopicPartition> parts, Duration timeout) {
        Map<TopicPartition, org.apache.kafka.clients.admin.OffsetSpec> latest = new java.util.HashMap<>();
        parts.forEach(tp -> latest.put(tp, org.apache.kafka.clients.admin.OffsetSpec.latest()));
        long deadline = System.nanoTime() + timeout.toNanos();
        try (org.apache.kafka.clients.admin.Admin admin = kafka.admin()) {
            while (System.nanoTime() < deadline) {
                var committed = admin.listOffsets(latest, new org.apache.kafka.clients.admin.ListOffsetsOptions(
                        org.apache.kafka.common.IsolationLevel.READ_COMMITTED)).all().get();
                var written = admin.listOffsets(latest, new org.apache.kafka.clients.admin.ListOffsetsOptions(
                        org.apache.kafka.common.IsolationLevel.READ_UNCOMMITTED)).all().get();
                if (parts.stream().allMatch(tp -> committed.get(tp).offset() == written.get(tp).offset())) {
                    return;
                }
                Thread.sleep(50);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("listing the offsets of " + parts, e);
        }
        // Still open (a transaction of a process that died): read what is committed.
    }

    /** The frames of each state key in topic order (one key's frames are on one partition). */
    public static Map<String, List<String>> framesByKey(List<ConsumerRecord<byte[], byte[]>> records) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : records) {
            out.computeIfAbsent(new String(r.key(), java.nio.charset.StandardCharsets.UTF_8), k -> new ArrayList<>())
                    .add(java.util.HexFormat.of().formatHex(r.value()));
        }
        return out;
    }

    /** Checks every region's last verdict and its rebuilt image against the true memory. */
    public static void assertRebuiltExactly(Map<String, RegionVerdict> verdicts, SyntheticWorkload memory, Path images, Set<String> deleted)
            throws Exception {
        assertThat(verdicts.keySet()).containsExactlyInAnyOrderElementsOf(memory.stateKeys());
        for (String key : memory.stateKeys()) {
            RegionVerdict v = verdicts.get(key);
            assertThat(v.verified).as("verdict of %s: %s", key, v.error).isTrue();
            Path file = images.resolve(key.replace('/', '_') + ".bin");
            if (deleted.contains(key)) {
                assertThat(v.deleted).as("%s deleted", key).isTrue();
                assertThat(file).doesNotExist();
            } else {
                assertThat(v.deleted).isFalse();
                assertThat(Files.readAllBytes(file)).as("rebuilt image of %s", key).isEqualTo(memory.image(key));
            }
        }
    }
}
