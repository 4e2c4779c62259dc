package dev.hde.job.kafka;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.apache.kafka.common.TopicPartition;

/**
 * Where an encoder that starts without state reads the page updates from: the end of a partition
 * its group has committed offsets on (a job that ran before and lost its state: the events from its
 * last committed offset on were encoded against that state, and encoding them again without it
 * could only repeat frames receivers hold; the resyncs that the next partial events ask for bring
 * every region back), the beginning of one it has none on (a new deployment: the producers' first
 * whole regions are there). Used only without a checkpoint: a restored job resumes from its own.
 */
final class ResumeWithoutState implements OffsetsInitializer {

    private static final long serialVersionUID = 1L;

    @Override
    public Map<TopicPartition, Long> getPartitionOffsets(Collection<TopicPartition> partitions, PartitionOffsetsRetriever retriever) {
        Map<TopicPartition, Long> committed = retriever.committedOffsets(partitions);
        List<TopicPartition> ran = new ArrayList<>();
        List<TopicPartition> fresh = new ArrayList<>();
        for (TopicPartition tp : partitions) {
            Long offset = committed.get(tp);
            (offset != null && offset >= 0 ? ran : fresh).add(tp);
        }
        Map<TopicPartition, Long> out = new HashMap<>();
        if (!ran.isEmpty()) {
            out.putAll(retriever.endOffsets(ran));
        }
        if (!fresh.isEmpty()) {
            out.putAll(retriever.beginningOffsets(fresh));
        }
        return out;
    }

    @Override
    @SuppressWarnings("deprecation") // the interface still names the deprecated type
    public OffsetResetStrategy getAutoOffsetResetStrategy() {
        return OffsetResetStrategy.EARLIEST;
    }
}
