package dev.hde.job.catalog;

import dev.hde.operators.FramePartitioner;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Properties;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.utils.Utils;

/**
 * The frames-topic partition of a state key as the frames sink's producer picks it: the frame
 * serializer leaves the partition to the producer, whose default partitioner sends a keyed record
 * to {@code toPositive(murmur2(key bytes)) % partitions} (Kafka's {@code BuiltInPartitioner}). The
 * partition count is looked up once, on first use; -1 when the topic cannot be found.
 */
public final class KafkaFramePartitioner implements FramePartitioner {

    private static final long serialVersionUID = 1L;

    private final Properties clientProperties;
    private final String topic;
    private transient int partitions;
    private transient boolean looked;

    public KafkaFramePartitioner(Properties clientProperties, String topic) {
        this.clientProperties = clientProperties;
        this.topic = topic;
    }

    /** The default partitioner's choice for a keyed record. */
    public static int partitionOf(String stateKey, int partitions) {
        return Utils.toPositive(Utils.murmur2(stateKey.getBytes(StandardCharsets.UTF_8))) % partitions;
    }

    @Override
    public int partition(String stateKey) {
        if (!looked) {
            looked = true;
            try (KafkaConsumer<byte[], byte[]> c = CatalogTopic.consumer(clientProperties)) {
                partitions = CatalogTopic.partitions(c, topic, Duration.ofSeconds(30)).size();
            } catch (RuntimeException e) {
                partitions = 0;
            }
        }
        return partitions > 0 ? partitionOf(stateKey, partitions) : -1;
    }
}
