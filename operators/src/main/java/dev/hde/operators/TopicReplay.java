package dev.hde.operators;

import java.io.Serializable;
import java.util.function.Consumer;

/**
 * A topic as it stands, read once when a side operator or an encoder subtask starts: every
 * committed value up to the end offsets at that moment. The catalog merger replays the catalog
 * topic (so a replica that starts without state learns the dots its site already published and
 * never hands one out twice); encoders and the selector trainer replay the compacted
 * selector-model topic (a job started from nothing begins with the last published model);
 * encoders, the dictionary trainer and decoders replay the dictionaries topic. Implemented with a
 * Kafka consumer in the job module ({@code KafkaTopicReplay}); tests pass a list.
 */
@FunctionalInterface
public interface TopicReplay extends Serializable {

    /** Calls {@code value} with every committed non-null value now on the topic. */
    void replay(Consumer<byte[]> value) throws Exception;
}
