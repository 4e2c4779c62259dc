package dev.hde.operators;

import java.io.Serializable;
import java.util.function.Consumer;

/**
 * The selector-model topic as it stands, read once when an encoder subtask or the selector trainer
 * starts without state: every committed value (the topic is compacted, so in practice the last
 * model per key). The newest valid model among them is where a job started from nothing begins,
 * before the broadcast stream has delivered anything. Implemented with a Kafka consumer in the job
 * module ({@code KafkaSelectorModelReplay}); tests pass a list.
 */
@FunctionalInterface
public interface SelectorModelReplay extends Serializable {

    /** Calls {@code value} with every committed value now on the topic. */
    void replay(Consumer<byte[]> value) throws Exception;
}
