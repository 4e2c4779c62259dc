package dev.hde.job.catalog;

import dev.hde.job.config.HdeJobConfig;
import dev.hde.state.crdt.KeyframeInfo;
import java.time.Duration;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;

/**
 * Where a decoder that starts from the catalog begins on the frames topic (docs/crdt.md,
 * "Receivers"): per partition, at the earliest keyframe the catalog names there.
 *
 * <p>The catalog does not hold frame offsets (the encoder cannot know them before the
 * transactional sink commits); it holds the keyframe's partition and capture time, and the frame's
 * Kafka record timestamp is that capture time. So for each partition this asks Kafka for the first
 * offset whose timestamp is at or after the smallest capture time (minus a slack) among that
 * partition's keyframes: {@code offsetsForTimes} returns the earliest such offset, so the start is
 * at or before every keyframe of the partition, whatever the order of timestamps in it. A
 * partition where no record is that recent starts at its end (its keyframes are not committed yet);
 * a partition with no keyframe of this site in the catalog starts at its beginning (nothing is
 * known about it, so nothing is skipped). The decoder then skips each region's DELTA frames until
 * its first FULL frame.
 *
 * <p>Only keyframes in this site's frames topic count ({@code KeyframeInfo.site == siteId}): a
 * region whose latest keyframe is in another site's topic is not this topic's to rebuild; if its
 * frames appear here after the start, they are taken from its next FULL frame on.
 */
public final class KeyframeStart {

    /**
     * @param offsets where to start on every partition of the frames topic
     * @param keyframes the catalog's keyframes in this site's frames topic, by state key
     * @param otherSites state keys whose latest keyframe is in another site's frames topic
     * @param fromBeginning partitions with no keyframe of this site: read from their beginning
     * @param skippable records before the start offsets (what the catalog saves reading)
     */
    public record Plan(Map<TopicPartition, Long> offsets, SortedMap<String, KeyframeInfo> keyframes, SortedSet<String> otherSites,
            SortedSet<Integer> fromBeginning, long skippable, CatalogReader.Snapshot catalog) {

        public OffsetsInitializer initializer() {
            return OffsetsInitializer.offsets(new HashMap<>(offsets)); // a plain map: the initializer is serialized into the job
        }
    }

    private KeyframeStart() {}

    public static Plan plan(HdeJobConfig c) {
        Duration timeout = Duration.ofMinutes(2);
        CatalogReader.Snapshot snapshot = CatalogReader.read(c, timeout);
        try (KafkaConsumer<byte[], byte[]> consumer = CatalogTopic.consumer(c.kafkaClientProperties())) {
            List<TopicPartition> parts = CatalogTopic.partitions(consumer, c.framesTopic(), timeout);
            if (parts.isEmpty()) {
                throw new IllegalStateException("frames topic " + c.framesTopic() + " not found");
            }
            return plan(c, snapshot, consumer, parts, timeout);
        }
    }

    static Plan plan(HdeJobConfig c, CatalogReader.Snapshot snapshot, KafkaConsumer<byte[], byte[]> consumer, List<TopicPartition> parts,
            Duration timeout) {
        String topic = c.framesTopic();
        int n = parts.size();
        TreeMap<String, KeyframeInfo> mine = new TreeMap<>();
        TreeSet<String> others = new TreeSet<>();
        Map<Integer, Long> earliestTime = new HashMap<>();
        Map<Integer, Long> knownOffset = new HashMap<>();
        long slack = c.keyframeSeekSlack().toMillis();
        snapshot.catalog().forEach((key, info) -> {
            if (!info.site().equals(c.siteId())) {
                others.add(key);
                return;
            }
            mine.put(key, info);
            int p = info.partition() >= 0 && info.partition() < n ? info.partition() : KafkaFramePartitioner.partitionOf(key, n);
            if (info.hasPosition() && info.partition() == p) {
                knownOffset.merge(p, info.offset(), Math::min);
            } else {
                earliestTime.merge(p, Math.max(0, info.timeMillis() - slack), Math::min);
            }
        });

        Map<TopicPartition, Long> begin = consumer.beginningOffsets(parts, timeout);
        Map<TopicPartition, Long> end = consumer.endOffsets(parts, timeout);
        Map<TopicPartition, Long> query = new HashMap<>();
        earliestTime.forEach((p, t) -> query.put(new TopicPartition(topic, p), t));
        Map<TopicPartition, OffsetAndTimestamp> found = query.isEmpty() ? Map.of() : consumer.offsetsForTimes(query, timeout);

        Map<TopicPartition, Long> offsets = new TreeMap<>(java.util.Comparator.comparingInt(TopicPartition::partition));
        TreeSet<Integer> fromBeginning = new TreeSet<>();
        long skippable = 0;
        for (TopicPartition tp : parts) {
            long start;
            boolean byTime = query.containsKey(tp);
            Long byOffset = knownOffset.get(tp.partition());
            if (!byTime && byOffset == null) {
                start = begin.get(tp);
                fromBeginning.add(tp.partition());
            } else {
                start = Long.MAX_VALUE;
                if (byTime) {
                    OffsetAndTimestamp at = found.get(tp);
                    start = at == null ? end.get(tp) : at.offset();
                }
                if (byOffset != null) {
                    start = Math.min(start, byOffset);
                }
                start = Math.max(begin.get(tp), start);
            }
            offsets.put(tp, start);
            skippable += start - begin.get(tp);
        }
        return new Plan(Collections.unmodifiableMap(offsets), Collections.unmodifiableSortedMap(mine), Collections.unmodifiableSortedSet(others),
                Collections.unmodifiableSortedSet(fromBeginning), skippable, snapshot);
    }
}
