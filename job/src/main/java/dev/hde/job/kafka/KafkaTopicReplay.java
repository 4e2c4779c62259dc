package dev.hde.job.kafka;

import dev.hde.job.catalog.CatalogTopic;
import dev.hde.operators.TopicReplay;
import java.time.Duration;
import java.util.Properties;
import java.util.function.Consumer;

/** A topic as it stands (committed values, to the end offsets at the start), read with a plain consumer. */
public final class KafkaTopicReplay implements TopicReplay {

    private static final long serialVersionUID = 1L;

    private final Properties clientProperties;
    private final String topic;
    private final Duration timeout;

    public KafkaTopicReplay(Properties clientProperties, String topic, Duration timeout) {
        this.clientProperties = clientProperties;
        this.topic = topic;
        this.timeout = timeout;
    }

    @Override
    public void replay(Consumer<byte[]> value) {
        CatalogTopic.readAll(clientProperties, topic, timeout, r -> {
            if (r.value() != null) {
                value.accept(r.value());
            }
        });
    }
}
