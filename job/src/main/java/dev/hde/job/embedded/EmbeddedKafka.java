package dev.hde.job.embedded;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

/**
 * A one-node Kafka cluster (combined broker and KRaft controller) in this JVM, on a free local
 * port and a temporary directory: what {@code hde demo}, {@code hde bench-pipeline} and the
 * integration tests run against. Configured for one node (replication factor 1 for the internal
 * topics, including the transaction log that exactly-once sinks need).
 */
public final class EmbeddedKafka implements AutoCloseable {

    /** The largest record the embedded broker takes (the job's producers default to the same). */
    public static final int MAX_MESSAGE_BYTES = 32 << 20;

    private final KafkaClusterTestKit cluster;

    private EmbeddedKafka(KafkaClusterTestKit cluster) {
        this.cluster = cluster;
    }

    public static EmbeddedKafka start() throws Exception {
        KafkaClusterTestKit cluster = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder()
                        .setCombined(true)
                        .setNumBrokerNodes(1)
                        .setNumControllerNodes(1)
                        .build())
                .setConfigProp("transaction.state.log.replication.factor", "1")
                .setConfigProp("transaction.state.log.min.isr", "1")
                .setConfigProp("offsets.topic.replication.factor", "1")
                .setConfigProp("offsets.topic.num.partitions", "4")
                .setConfigProp("transaction.state.log.num.partitions", "4")
                .setConfigProp("group.initial.rebalance.delay.ms", "0")
                // No time retention: tests and demos publish capture times from the past (e.g. 2023), and the broker's
                // retention check (first run 30 s after start) would delete every segment older than 7 days under them.
                .setConfigProp("log.retention.ms", "-1")
                // Whole regions and their keyframes are records of up to a region's size.
                .setConfigProp("message.max.bytes", Integer.toString(MAX_MESSAGE_BYTES))
                .setConfigProp("replica.fetch.max.bytes", Integer.toString(MAX_MESSAGE_BYTES))
                .build();
        try {
            formatQuietly(cluster);
            cluster.startup();
            cluster.waitForReadyBrokers();
        } catch (Exception e) {
            cluster.close();
            throw e;
        }
        EmbeddedKafka kafka = new EmbeddedKafka(cluster);
        kafka.warmUpGroupCoordinator();
        return kafka;
    }

    /**
     * Makes the broker create its consumer-offsets topic now (it does on the first coordinator
     * lookup), so that the jobs' first offset commits do not fail with "coordinator not available".
     */
    private void warmUpGroupCoordinator() throws Exception {
        long deadline = System.nanoTime() + java.time.Duration.ofSeconds(30).toNanos();
        try (Admin admin = admin()) {
            while (true) {
                try {
                    admin.listConsumerGroupOffsets("hde-warm-up").partitionsToOffsetAndMetadata().get();
                    return;
                } catch (ExecutionException e) {
                    if (System.nanoTime() > deadline) {
                        throw e;
                    }
                    Thread.sleep(100);
                }
            }
        }
    }

    /** Formatting the storage prints to System.out; keep stdout for the caller's own output (the demo's JSON line). */
    private static void formatQuietly(KafkaClusterTestKit cluster) throws Exception {
        synchronized (System.class) {
            java.io.PrintStream out = System.out;
            System.setOut(new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
            try {
                cluster.format();
            } finally {
                System.setOut(out);
            }
        }
    }

    public String bootstrapServers() {
        return cluster.bootstrapServers();
    }

    public Admin admin() {
        Properties p = new Properties();
        p.setProperty(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        return Admin.create(p);
    }

    /** Creates the topics that do not exist yet (replication factor 1); {@code compacted} ones with cleanup.policy=compact. */
    public void createTopics(int partitions, Collection<String> topics, Set<String> compacted) throws Exception {
        createTopics(admin(), partitions, (short) 1, topics, compacted);
    }

    /** Creates the topics that do not exist yet; shared by the embedded runtime and {@code hde encode --create-topics}. */
    public static void createTopics(Admin admin, int partitions, short replication, Collection<String> topics, Set<String> compacted)
            throws Exception {
        try (admin) {
            Set<String> existing = admin.listTopics().names().get();
            List<NewTopic> fresh = new ArrayList<>();
            for (String t : topics) {
                if (!existing.contains(t)) {
                    NewTopic nt = new NewTopic(t, compacted.contains(t) ? 1 : partitions, replication);
                    if (compacted.contains(t)) {
                        nt.configs(Map.of("cleanup.policy", "compact"));
                    }
                    fresh.add(nt);
                }
            }
            if (fresh.isEmpty()) {
                return;
            }
            try {
                admin.createTopics(fresh).all().get();
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw e;
                }
            }
            awaitLeaders(admin, fresh.stream().map(NewTopic::name).collect(Collectors.toSet()));
        }
    }

    /**
     * Waits until every partition of the topics answers on its leader. Without this an idempotent
     * producer that starts right after the topics were created can have its first batch refused
     * (NOT_LEADER_OR_FOLLOWER) while later ones are taken, and then retries that first batch out of
     * sequence until its delivery timeout.
     */
    private static void awaitLeaders(Admin admin, Set<String> topics) throws Exception {
        long deadline = System.nanoTime() + java.time.Duration.ofSeconds(60).toNanos();
        while (true) {
            try {
                Map<TopicPartition, OffsetSpec> request = new HashMap<>();
                for (TopicDescription d : admin.describeTopics(topics).allTopicNames().get().values()) {
                    for (TopicPartitionInfo p : d.partitions()) {
                        if (p.leader() == null || p.leader().isEmpty()) {
                            throw new IllegalStateException("no leader yet for " + d.name() + "-" + p.partition());
                        }
                        request.put(new TopicPartition(d.name(), p.partition()), OffsetSpec.latest());
                    }
                }
                admin.listOffsets(request).all().get(); // answered by each partition's leader
                return;
            } catch (Exception e) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("topics " + topics + " not ready within 60 s", e);
                }
                Thread.sleep(100);
            }
        }
    }

    @Override
    public void close() {
        try {
            cluster.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            throw new IllegalStateException("stopping the embedded Kafka broker", e);
        }
    }
}
