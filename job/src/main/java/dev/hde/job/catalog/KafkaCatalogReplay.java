package dev.hde.job.catalog;

import dev.hde.operators.CatalogReplay;
import java.time.Duration;
import java.util.Properties;
import java.util.function.Consumer;

/** The catalog topic as it stands, for the catalog merger's start: every committed message, read with a plain consumer. */
public final class KafkaCatalogReplay implements CatalogReplay {

    private static final long serialVersionUID = 1L;

    private final Properties clientProperties;
    private final String topic;
    private final Duration timeout;

    public KafkaCatalogReplay(Properties clientProperties, String topic, Duration timeout) {
        this.clientProperties = clientProperties;
        this.topic = topic;
        this.timeout = timeout;
    }

    @Override
    public void replay(Consumer<byte[]> message) {
        CatalogTopic.readAll(clientProperties, topic, timeout, r -> {
            if (r.value() != null) {
                message.accept(r.value());
            }
        });
    }
}
