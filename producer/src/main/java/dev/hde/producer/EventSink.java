package dev.hde.producer;

import dev.hde.codec.wire.PageUpdateEvent;
import java.util.Objects;
import java.util.function.BiConsumer;

/**
 * Where page-update events go: Kafka ({@link KafkaEventSink}), nowhere ({@link #discard()}, for
 * {@code --dry-run}), or anything a test supplies (a lambda collecting the events).
 */
public interface EventSink extends AutoCloseable {

    /**
     * Takes one event and its wire bytes ({@code PageUpdateEventFormat.write(event)}). May block
     * while too many bytes are in flight (back-pressure). Throws {@link PublishException} when an
     * earlier event failed.
     */
    void publish(PageUpdateEvent event, byte[] wire) throws InterruptedException;

    /** Waits until every event published so far is acknowledged; throws {@link PublishException} if any failed. */
    default void flush() {}

    /** Bytes published but not yet acknowledged (0 when the sink does not know). */
    default long inFlightBytes() {
        return 0;
    }

    @Override
    default void close() {}

    /** Publishes nothing. */
    static EventSink discard() {
        return (event, wire) -> {};
    }

    /**
     * Shows every event to {@code observer} (e.g. a {@link RegionImages} model of what was sent)
     * before publishing it to {@code sink}; flush, in-flight bytes and close go to {@code sink}.
     */
    static EventSink observed(EventSink sink, BiConsumer<PageUpdateEvent, byte[]> observer) {
        Objects.requireNonNull(sink);
        Objects.requireNonNull(observer);
        return new EventSink() {
            @Override
            public void publish(PageUpdateEvent event, byte[] wire) throws InterruptedException {
                observer.accept(event, wire);
                sink.publish(event, wire);
            }

            @Override
            public void flush() {
                sink.flush();
            }

            @Override
            public long inFlightBytes() {
                return sink.inFlightBytes();
            }

            @Override
            public void close() {
                sink.close();
            }
        };
    }
}
