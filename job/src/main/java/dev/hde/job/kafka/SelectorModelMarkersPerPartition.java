package dev.hde.job.kafka;

import dev.hde.codec.select.SelectorModelFormat;
import dev.hde.job.catalog.CatalogTopic;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichFlatMapFunction;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * Each model the selector trainer publishes, once for every partition the page-updates topic has at
 * that moment (looked up at each model: models come every publish interval, and a partition added
 * to the topic gets the next one). A topic that cannot be found fails the job: its encoders would
 * otherwise never see a model.
 */
public final class SelectorModelMarkersPerPartition extends RichFlatMapFunction<byte[], SelectorModelMarker> {

    private static final long serialVersionUID = 1L;
    private static final Duration LOOKUP_TIMEOUT = Duration.ofSeconds(30);

    private final Properties clientProperties;
    private final String topic;
    private transient KafkaConsumer<byte[], byte[]> consumer;

    public SelectorModelMarkersPerPartition(Properties clientProperties, String topic) {
        this.clientProperties = clientProperties;
        this.topic = topic;
    }

    @Override
    public void open(OpenContext openContext) {
        consumer = CatalogTopic.consumer(clientProperties);
    }

    @Override
    public void flatMap(byte[] model, Collector<SelectorModelMarker> out) {
        List<TopicPartition> partitions = CatalogTopic.partitions(consumer, topic, LOOKUP_TIMEOUT);
        if (partitions.isEmpty()) {
            throw new IllegalStateException("topic " + topic + " not found: the selector's models in band have nowhere to go");
        }
        long timestamp = SelectorModelFormat.read(model).asOfMillis();
        for (TopicPartition p : partitions) {
            out.collect(new SelectorModelMarker(p.partition(), model, timestamp));
        }
    }

    @Override
    public void close() {
        if (consumer != null) {
            consumer.close();
        }
    }
}
