package dev.hde.job.kafka;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.TopicExistsException;

/** Creating the job's topics with the Kafka admin client (no broker classes: this runs on clusters too). */
public final class KafkaTopics {

    private KafkaTopics() {}

    /**
     * Creates the topics that do not exist yet ({@code compacted} ones with one partition and
     * cleanup.policy=compact) and waits until every partition has a leader; closes {@code admin}.
     * Used by the embedded runtime and {@code hde encode --create-topics}.
     */
    public static void create(Admin admin, int partitions, short replication, Collection<String> topics, Set<String> compacted)
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

}
