package dev.hde.operators;

import java.io.Serializable;
import java.util.function.Consumer;

/**
 * The catalog topic as it stands, read once when the catalog merger starts (fresh or restored):
 * every committed message, own ones included. Merging them before any baseline event is turned
 * into a write makes a replica that starts without state (or from an older savepoint) learn the
 * dots its site already published, so it never hands one out twice. Implemented with a Kafka
 * consumer in the job module ({@code KafkaCatalogReplay}); tests pass a list.
 */
@FunctionalInterface
public interface CatalogReplay extends Serializable {

    /** Calls {@code message} with the value of every committed record now on the topic. */
    void replay(Consumer<byte[]> message) throws Exception;
}
