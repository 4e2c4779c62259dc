package dev.hde.job.kafka;

import dev.hde.job.catalog.CatalogTopic;
import dev.hde.operators.SelectorModelReplay;
import java.time.Duration;
import java.util.Properties;
import java.util.function.Consumer;

/** The selector-model topic as it stands (committed values, to the end offsets at the start), read with a plain consumer. */
public final class KafkaSelectorModelReplay implements SelectorModelReplay {

    private static final long serialVersionUID = 1L;

    private final Properties clientProperties;
    private final String topic;
    private final Duration timeout;

    public KafkaSelectorModelReplay(Properties clientProperties, String topic, Duration timeout) {
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
