package dev.hde.job.replay;

import dev.hde.job.kafka.SourceRecordDeserializer;
import dev.hde.operators.SourceRecord;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;

/**
 * A bounded range of the page-updates topic: the offsets where the replay starts (inclusive) and
 * stops (exclusive) on each partition, worked out when the replay starts from offsets or times,
 * and the Kafka source that reads it ({@code read_committed}; no offsets are committed).
 */
public final class ReplayKafka {

    private ReplayKafka() {}

    /** Start (inclusive) and end (exclusive) offset of each partition that has something to read. */
    public record Range(String topic, Map<TopicPartition, Long> start, Map<TopicPartition, Long> end) {

        /** Offsets in the range (records, plus any transaction markers). */
        public long offsets() {
            long n = 0;
            for (Map.Entry<TopicPartition, Long> e : start.entrySet()) {
                n += end.get(e.getKey()) - e.getValue();
            }
            return n;
        }

        public String describe() {
            StringBuilder sb = new StringBuilder(topic).append(" partitions");
            new TreeMap<>(byPartition(start)).forEach((p, s) -> sb.append(' ').append(p).append(":[").append(s).append(',')
                    .append(end.get(new TopicPartition(topic, p))).append(')'));
            return sb.toString();
        }

        private static Map<Integer, Long> byPartition(Map<TopicPartition, Long> m) {
            Map<Integer, Long> out = new HashMap<>();
            m.forEach((tp, o) -> out.put(tp.partition(), o));
            return out;
        }
    }

    /**
     * An offset bound: {@code N} (the same offset on every partition) or {@code P:N[,P:N...]} (per
     * partition; partitions not named are not bounded by it).
     */
    public static Map<Integer, Long> parseOffsets(String s) {
        Map<Integer, Long> out = new HashMap<>();
        String t = s.trim();
        if (t.matches("\\d+")) {
            out.put(-1, Long.parseLong(t));
            return out;
        }
        Pattern p = Pattern.compile("(\\d+):(\\d+)");
        for (String part : t.split(",")) {
            Matcher m = p.matcher(part.trim());
            if (!m.matches()) {
                throw new IllegalArgumentException("an offset is N or PARTITION:N[,PARTITION:N...], not " + s);
            }
            out.put(Integer.parseInt(m.group(1)), Long.parseLong(m.group(2)));
        }
        return out;
    }

    /**
     * Works out the range: from {@code fromOffsets} or the first record at or after {@code fromTime}
     * (else the beginning), to {@code toOffsets} or the first record at or after {@code toTime}
     * (exclusive; else the end). Every bound is kept inside what the topic holds now, with the end
     * at the last stable offset (what a {@code read_committed} reader can reach).
     */
    public static Range resolve(Properties kafka, String topic, Map<Integer, Long> fromOffsets, Long fromTime, Map<Integer, Long> toOffsets,
            Long toTime) throws ExecutionException, InterruptedException {
        try (Admin admin = Admin.create(kafka)) {
            TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
            List<TopicPartition> parts = d.partitions().stream().map(p -> new TopicPartition(topic, p.partition())).toList();
            Map<TopicPartition, Long> earliest = offsets(admin, parts, OffsetSpec.earliest());
            Map<TopicPartition, Long> stable = offsets(admin, parts, OffsetSpec.latest());
            Map<TopicPartition, Long> fromT = fromTime == null ? null : offsets(admin, parts, OffsetSpec.forTimestamp(fromTime));
            Map<TopicPartition, Long> toT = toTime == null ? null : offsets(admin, parts, OffsetSpec.forTimestamp(toTime));
            Map<TopicPartition, Long> start = new HashMap<>();
            Map<TopicPartition, Long> end = new HashMap<>();
            for (TopicPartition tp : parts) {
                long lo = earliest.get(tp);
                long hi = stable.get(tp);
                long s = lo;
                Long fo = pick(fromOffsets, tp.partition());
                if (fo != null) {
                    s = fo;
                } else if (fromT != null) {
                    s = fromT.get(tp) < 0 ? hi : fromT.get(tp);
                }
                long e = hi;
                Long to = pick(toOffsets, tp.partition());
                if (to != null) {
                    e = to;
                } else if (toT != null) {
                    e = toT.get(tp) < 0 ? hi : toT.get(tp);
                }
                s = Math.max(lo, Math.min(s, hi));
                e = Math.max(s, Math.min(e, hi));
                if (e > s) {
                    start.put(tp, s);
                    end.put(tp, e);
                }
            }
            return new Range(topic, start, end);
        }
    }

    private static Long pick(Map<Integer, Long> offsets, int partition) {
        if (offsets == null) {
            return null;
        }
        Long v = offsets.get(partition);
        return v != null ? v : offsets.get(-1);
    }

    private static Map<TopicPartition, Long> offsets(Admin admin, List<TopicPartition> parts, OffsetSpec spec)
            throws ExecutionException, InterruptedException {
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        parts.forEach(tp -> request.put(tp, spec));
        Map<TopicPartition, Long> out = new HashMap<>();
        admin.listOffsets(request, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all().get()
                .forEach((tp, info) -> out.put(tp, info.offset()));
        return out;
    }

    /** The bounded source of a range: committed records only; a batch job takes no checkpoints, so it commits no offsets. */
    public static KafkaSource<SourceRecord> source(Properties kafka, Range range, String groupId) {
        if (range.start().isEmpty()) {
            throw new IllegalArgumentException("nothing to read in " + range.topic() + " between those bounds");
        }
        return KafkaSource.<SourceRecord>builder()
                .setProperties(kafka)
                .setPartitions(new java.util.HashSet<>(range.start().keySet())) // serializable
                .setGroupId(groupId)
                .setClientIdPrefix(groupId)
                .setDeserializer(new SourceRecordDeserializer())
                .setStartingOffsets(OffsetsInitializer.offsets(new HashMap<>(range.start())))
                .setBounded(OffsetsInitializer.offsets(new HashMap<>(range.end())))
                .setProperty("isolation.level", "read_committed")
                .build();
    }
}
