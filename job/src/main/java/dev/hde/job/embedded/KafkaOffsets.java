package dev.hde.job.embedded;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;

/**
 * Where a running encoder stands, read from Kafka alone: how far its consumer group has committed
 * (the Kafka source commits on each completed checkpoint) and whether the frames topic still holds
 * open transactions (its last stable offset below its high watermark).
 */
public final class KafkaOffsets {

    private KafkaOffsets() {}

    /** The end offsets of every partition of {@code topic}: the high watermark, or the last stable offset with read_committed. */
    public static Map<TopicPartition, Long> endOffsets(Admin admin, String topic, IsolationLevel isolation)
            throws ExecutionException, InterruptedException {
        TopicDescription d = admin.describeTopics(java.util.List.of(topic)).allTopicNames().get().get(topic);
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        d.partitions().forEach(p -> request.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest()));
        Map<TopicPartition, Long> out = new HashMap<>();
        admin.listOffsets(request, new ListOffsetsOptions(isolation)).all().get().forEach((tp, info) -> out.put(tp, info.offset()));
        return out;
    }

    /** The offsets {@code groupId} has committed on the partitions of {@code topic} (absent partitions: none committed). */
    public static Map<TopicPartition, Long> committed(Admin admin, String groupId, String topic)
            throws ExecutionException, InterruptedException {
        Map<TopicPartition, OffsetAndMetadata> all = admin.listConsumerGroupOffsets(groupId).partitionsToOffsetAndMetadata().get();
        Map<TopicPartition, Long> out = new HashMap<>();
        all.forEach((tp, om) -> {
            if (tp.topic().equals(topic) && om != null) {
                out.put(tp, om.offset());
            }
        });
        return out;
    }

    /** True when {@code reached} is at or past {@code target} on every partition that has records. */
    public static boolean reached(Map<TopicPartition, Long> reached, Map<TopicPartition, Long> target) {
        for (Map.Entry<TopicPartition, Long> e : target.entrySet()) {
            if (e.getValue() > 0 && reached.getOrDefault(e.getKey(), -1L) < e.getValue()) {
                return false;
            }
        }
        return true;
    }

    /** True when no partition of {@code topic} holds records of an open transaction. */
    public static boolean noOpenTransactions(Admin admin, String topic) throws ExecutionException, InterruptedException {
        return endOffsets(admin, topic, IsolationLevel.READ_COMMITTED).equals(endOffsets(admin, topic, IsolationLevel.READ_UNCOMMITTED));
    }
}
