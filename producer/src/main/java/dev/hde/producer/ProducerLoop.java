package dev.hde.producer;

import dev.hde.codec.wire.EventKind;
import dev.hde.codec.wire.PageUpdateEvent;
import dev.hde.codec.wire.PageUpdateEventFormat;
import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Runs a {@link Source} round after round into an {@link EventSink}: each event is written in the
 * wire format, passed through the rate limit and published; at the end of each round the sink is
 * flushed, so a round's figures count acknowledged events and a failure stops the run within a round.
 *
 * <p>Rounds start every {@code interval} (a round that takes longer is followed at once by the
 * next). {@link #run} ends after {@code rounds} rounds (0: no bound), when the source has nothing
 * more, or when {@link #stop} is called (the round under way is finished first). {@link #round}
 * runs one round now, for tests and embedders that drive the rounds themselves.
 */
public final class ProducerLoop {

    /** Told after each round. */
    @FunctionalInterface
    public interface Listener {
        void roundDone(RoundStats round, RunStats total);

        Listener NONE = (r, t) -> {};
    }

    /** Where resync requests come from (e.g. {@link ResyncListener}); drained at the start of each round. */
    @FunctionalInterface
    public interface ResyncRequests {
        /** The state keys asked for whole since the last call. */
        List<String> drain();

        ResyncRequests NONE = List::of;
    }

    private final Source source;
    private final EventSink sink;
    private final RateLimiter limiter;
    private final Listener listener;
    private ResyncRequests resyncRequests = ResyncRequests.NONE;
    private long lingerNanos;
    private Consumer<String> log = line -> {};
    private final Object wake = new Object();
    private volatile boolean stopping;
    private int round;
    private RunStats total = RunStats.EMPTY;

    // The round under way.
    private long events;
    private long deletes;
    private long pagesChanged;
    private long bytes;

    /** @param limiter the rate limit, or null for none */
    public ProducerLoop(Source source, EventSink sink, RateLimiter limiter, Listener listener) {
        this.source = Objects.requireNonNull(source);
        this.sink = Objects.requireNonNull(sink);
        this.limiter = limiter;
        this.listener = listener == null ? Listener.NONE : listener;
    }

    public ProducerLoop(Source source, EventSink sink) {
        this(source, sink, null, null);
    }

    /**
     * Answers resync requests: at the start of each round, every key drained from {@code requests}
     * is asked of the source whole ({@link Source#requestWhole}); a key of this source that it cannot
     * send whole is told to {@code log} (one line each).
     */
    public ProducerLoop answering(ResyncRequests requests, Consumer<String> log) {
        this.resyncRequests = Objects.requireNonNull(requests);
        this.log = Objects.requireNonNull(log);
        return this;
    }

    /**
     * After a source that ends (images), keep running rounds for this long, so that resync requests
     * are still answered ({@link Source#requestWhole}); zero (the default): stop when the source ends.
     */
    public ProducerLoop lingering(Duration linger) {
        this.lingerNanos = linger.toNanos();
        return this;
    }

    /** Runs one round now: scans, publishes and flushes. */
    public RoundStats round() throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        events = 0;
        deletes = 0;
        pagesChanged = 0;
        bytes = 0;
        long resyncs = 0;
        for (String key : new LinkedHashSet<>(resyncRequests.drain())) {
            if (source.requestWhole(key)) {
                resyncs++;
            } else if (source.owns(key)) {
                log.accept("cannot answer the resync request for " + key + ": " + source.describe() + " does not hold it (any more)");
            }
        }
        Source.Scan scan = source.scan(round, this::emit);
        sink.flush();
        RoundStats r = new RoundStats(round, scan.pagesScanned(), scan.pagesRead(), pagesChanged, events, deletes, bytes,
                scan.unreadablePages(), System.nanoTime() - t0, resyncs);
        round++;
        total = total.plus(r);
        listener.roundDone(r, total);
        return r;
    }

    private void emit(PageUpdateEvent event) throws InterruptedException {
        byte[] wire = PageUpdateEventFormat.write(event);
        if (limiter != null) {
            limiter.acquire(wire.length);
        }
        sink.publish(event, wire);
        events++;
        bytes += wire.length;
        pagesChanged += event.indices().length;
        if (event.kind() == EventKind.DELETE) {
            deletes++;
        }
    }

    /**
     * Runs rounds until {@code rounds} are done (0: no bound), the source has nothing more, or
     * {@link #stop} is called; rounds start {@code interval} apart.
     */
    public RunStats run(int rounds, Duration interval) throws IOException, InterruptedException {
        long step = interval.toNanos();
        long next = System.nanoTime();
        long endedAt = 0;
        for (int done = 0; (rounds <= 0 || done < rounds) && !stopping; done++) {
            if (!source.hasMore()) {
                endedAt = endedAt == 0 ? System.nanoTime() : endedAt;
                if (System.nanoTime() - endedAt >= lingerNanos) {
                    break;
                }
            }
            if (done > 0) {
                next += step;
                long now = System.nanoTime();
                if (next < now) {
                    next = now; // overran: start at once, and keep the cadence from here
                } else if (!pause(next - now)) {
                    break;
                }
            }
            round();
        }
        return total;
    }

    /** Waits, or returns false at once when stopped. */
    private boolean pause(long nanos) throws InterruptedException {
        long until = System.nanoTime() + nanos;
        synchronized (wake) {
            for (long left = nanos; left > 0 && !stopping; left = until - System.nanoTime()) {
                wake.wait(Math.max(1, left / 1_000_000));
            }
        }
        return !stopping;
    }

    /** Ends {@link #run} after the round under way (from any thread, e.g. a shutdown hook). */
    public void stop() {
        stopping = true;
        synchronized (wake) {
            wake.notifyAll();
        }
    }

    public boolean stopped() {
        return stopping;
    }

    public RunStats total() {
        return total;
    }

    public int roundsDone() {
        return round;
    }
}
