package dev.hde.job.bench;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;

/**
 * The records of a bench phase that is over, on the broker that runs in the bench's own JVM: deleted, and
 * their segments gone from the disk (and so from the OS cache) before the next phase. In a deployment the
 * broker runs on other machines; here the load's records (whole regions and their keyframes, more bytes
 * than the state itself) would otherwise hold most of the OS cache through the steady phase while the
 * state's files were read from the disk (docs/benchmarks.md, "State at scale").
 */
final class PhaseRecords {

    private PhaseRecords() {}

    /**
     * Makes the broker keep {@code topic} in segments of {@code segmentBytes} and delete a segment's file as
     * soon as its records are deleted, so that at most a segment per partition outlives them.
     */
    static void shortSegments(Admin admin, String topic, int segmentBytes) throws Exception {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        admin.incrementalAlterConfigs(Map.of(resource, List.of(
                new AlterConfigOp(new ConfigEntry(TopicConfig.SEGMENT_BYTES_CONFIG, Integer.toString(segmentBytes)), AlterConfigOp.OpType.SET),
                new AlterConfigOp(new ConfigEntry(TopicConfig.FILE_DELETE_DELAY_MS_CONFIG, "0"), AlterConfigOp.OpType.SET))))
                .all().get();
    }

    /** Deletes every record {@code topic} holds now. */
    static void deleteAll(Admin admin, String topic) throws Exception {
        var parts = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions();
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        parts.forEach(p -> latest.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest()));
        Map<TopicPartition, RecordsToDelete> delete = new HashMap<>();
        admin.listOffsets(latest).all().get().forEach((tp, info) -> delete.put(tp, RecordsToDelete.beforeOffset(info.offset())));
        admin.deleteRecords(delete).all().get();
    }

    /**
     * Waits until the broker has deleted the segments below the deleted records of {@code topics} (at its
     * next retention check) and returns the log bytes those topics still hold: at most {@code segmentBytes}
     * per partition, or more if {@code timeout} passed first.
     */
    static long awaitLogFreed(Admin admin, List<String> topics, int segmentBytes, Duration timeout) throws Exception {
        long until = System.nanoTime() + timeout.toNanos();
        List<Integer> brokers = admin.describeCluster().nodes().get().stream().map(Node::id).toList();
        while (true) {
            long bytes = 0;
            int partitions = 0;
            for (var broker : admin.describeLogDirs(brokers).allDescriptions().get().values()) {
                for (var dir : broker.values()) {
                    for (var replica : dir.replicaInfos().entrySet()) {
                        if (topics.contains(replica.getKey().topic())) {
                            bytes += replica.getValue().size();
                            partitions++;
                        }
                    }
                }
            }
            if (bytes <= (long) partitions * segmentBytes || System.nanoTime() > until) {
                return bytes;
            }
            Thread.sleep(500);
        }
    }
}
