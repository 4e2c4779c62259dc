package dev.hde.job.embedded;

import dev.hde.job.kafka.KafkaTopics;
import java.util.Collection;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
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
                // Segments below records deleted with the admin API leave the disk within seconds, not at the default
                // five-minute retention check (hde bench-pipeline frees the load's records so before its steady phase).
                .setConfigProp("log.retention.check.interval.ms", "2000")
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

    /** Creates the topics that do not exist yet; see {@link KafkaTopics#create}. */
    public static void createTopics(Admin admin, int partitions, short replication, Collection<String> topics, Set<String> compacted)
            throws Exception {
        KafkaTopics.create(admin, partitions, replication, topics, compacted);
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
