package dev.hde.producer;

import dev.hde.codec.wire.PageUpdateEvent;
import java.io.IOException;

/**
 * Where page updates come from: a live process ({@code capture}), a directory of memory images
 * ({@code images}) or the synthetic VM workload ({@code synthetic}). {@link ProducerLoop} calls
 * {@link #scan} once per round; the source hands every event of the round to the emitter as soon as
 * it has it (a large VM never has a whole round in memory), each state key's events in order.
 */
public interface Source extends AutoCloseable {

    /** Receives the events of a round; may block (back-pressure, rate limit). */
    @FunctionalInterface
    interface Emitter {
        void emit(PageUpdateEvent event) throws IOException, InterruptedException;
    }

    /**
     * What one scan looked at.
     *
     * @param pagesScanned pages of memory the round covered (every page of every selected region)
     * @param pagesRead pages actually read and hashed (fewer than scanned when soft-dirty bits say which pages were written)
     * @param unreadablePages pages that could not be read and were taken as zeros
     */
    record Scan(long pagesScanned, long pagesRead, long unreadablePages) {
        public static final Scan NONE = new Scan(0, 0, 0);
    }

    /** Scans once (round 0 is the first) and emits the round's events. */
    Scan scan(int round, Emitter out) throws IOException, InterruptedException;

    /** False once the source has nothing more to give (every image read, the process gone). */
    boolean hasMore();

    /**
     * The encoder asked for this region whole (a resync request): the next round sends it as a REGION
     * event. Returns false when this source cannot (a key it does not hold, or a source that cannot
     * read its memory again).
     */
    default boolean requestWhole(String stateKey) {
        return false;
    }

    /** Whether a state key is one of this source's (its VM's), so a request it cannot answer is worth a log line. */
    default boolean owns(String stateKey) {
        return false;
    }

    /** One line saying what the source reads, for the terminal. */
    String describe();

    @Override
    default void close() throws IOException {}
}
