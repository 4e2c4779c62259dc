package dev.hde.job.chaos;

import dev.hde.codec.wire.EventKind;
import dev.hde.codec.wire.PageUpdateEvent;
import dev.hde.codec.wire.PageUpdateEventFormat;
import dev.hde.producer.KafkaEventSink;
import dev.hde.producer.PublishException;
import dev.hde.producer.ResyncListener;
import dev.hde.producer.SyntheticWorkload;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The producer of a chaos run, and the keeper of the truth: a seeded synthetic workload (it holds
 * the true memory of every region) published round after round with the real producer's sink,
 * answering the encoder's resync requests with whole regions. It drops some partial events on
 * purpose (they change the memory but never reach Kafka), and keeps, for every event it made, the
 * region digest of its memory after it: what a frame made from that event must lead to.
 */
final class TruthProducer implements AutoCloseable {

    private final SyntheticWorkload memory;
    private final Properties producerProperties;
    private final String topic;
    private final ResyncListener resyncs;
    private final SplittableRandom random;
    private final double dropRate;
    private final Consumer<String> log;
    private final Map<String, Map<Long, Long>> digests = new HashMap<>();
    private KafkaEventSink sink;
    private volatile Predicate<String> changing = key -> true;
    private final AtomicLong events = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong answered = new AtomicLong();
    private final AtomicLong publishFailures = new AtomicLong();
    /** A region whose next change is lost on the way, after which it stays quiet; null: none. */
    private volatile String loseLastChange;
    /** Regions that stay quiet after their lost last change. */
    private final java.util.Set<String> quiet = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private volatile boolean running = true;
    private Thread thread;

    TruthProducer(SyntheticWorkload memory, Properties client, String topic, String resyncTopic, double dropRate, long seed,
            Consumer<String> log) {
        this.memory = memory;
        this.producerProperties = KafkaEventSink.producerProperties(client, 64L << 20, 64L << 20, Duration.ofMinutes(2));
        this.topic = topic;
        this.dropRate = dropRate;
        this.random = new SplittableRandom(seed);
        this.log = log;
        this.sink = KafkaEventSink.create(producerProperties, topic);
        this.resyncs = ResyncListener.start(client, resyncTopic, log);
    }

    /** Which regions change from the next round on (the others stay idle; asked-for whole regions are still sent). */
    void changing(Predicate<String> which) {
        this.changing = which;
    }

    /**
     * Loses the next change of region {@code key} on the way and keeps the region quiet after it: a
     * last change that only a later event (a heartbeat) can reveal as lost. {@link #lastChangeLost}
     * tells when it has happened.
     */
    void loseLastChangeOf(String key) {
        loseLastChange = key;
    }

    boolean lastChangeLost() {
        return loseLastChange == null && !quiet.isEmpty();
    }

    /** Runs a round every {@code interval} on a thread of its own until {@link #close}. */
    void start(Duration interval) throws InterruptedException {
        resyncs.awaitListening(Duration.ofSeconds(30));
        thread = new Thread(() -> {
            long next = System.nanoTime();
            while (running) {
                try {
                    round();
                    next += interval.toNanos();
                    long wait = next - System.nanoTime();
                    if (wait > 0) {
                        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                    } else {
                        next = System.nanoTime();
                    }
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "chaos-producer");
        thread.start();
    }

    private void round() throws InterruptedException {
        for (String key : resyncs.drain()) {
            if (memory.requestWhole(key)) {
                answered.incrementAndGet();
            }
        }
        List<PageUpdateEvent> round;
        synchronized (this) {
            Predicate<String> now = changing;
            round = memory.nextRound(System.currentTimeMillis(), key -> now.test(key) && !quiet.contains(key));
            for (PageUpdateEvent e : round) {
                digests.computeIfAbsent(e.stateKey(), k -> new HashMap<>()).put(e.sequence(), e.digest().orElseThrow());
            }
        }
        for (PageUpdateEvent e : round) {
            if (e.kind() == EventKind.PAGES && e.indices().length > 0 && e.stateKey().equals(loseLastChange)) {
                quiet.add(e.stateKey());
                loseLastChange = null;
                dropped.incrementAndGet();
                log.accept(e.stateKey() + ": its last change (event " + e.sequence() + ") lost on the way; the region stays quiet");
                continue;
            }
            if (e.kind() == EventKind.PAGES && memory.roundsDone() > 1 && random.nextDouble() < dropRate) {
                dropped.incrementAndGet(); // lost on the way: the memory changed, Kafka never sees it
                continue;
            }
            publish(e);
        }
        try {
            sink.flush();
        } catch (PublishException e) {
            failed(e);
        }
    }

    private void publish(PageUpdateEvent e) throws InterruptedException {
        try {
            sink.publish(e, PageUpdateEventFormat.write(e));
            events.incrementAndGet();
        } catch (PublishException ex) {
            failed(ex);
        }
    }

    /** A publish that failed (the broker was away too long): the events in flight are lost, like dropped ones; a new sink goes on. */
    private void failed(PublishException e) {
        publishFailures.incrementAndGet();
        log.accept("publishing failed (" + e.getMessage() + "); those events are lost, the encoder will ask for whole regions");
        try {
            sink.close();
        } catch (RuntimeException ignored) {
            // the old producer is broken anyway
        }
        sink = KafkaEventSink.create(producerProperties, topic);
    }

    /** The producer's region digest after event {@code sequence} of {@code key}, or null for an event it never made. */
    synchronized Long digestAfter(String key, long sequence) {
        Map<Long, Long> m = digests.get(key);
        return m == null ? null : m.get(sequence);
    }

    /** The sequence of the producer's last event of {@code key} (sent or dropped), or -1. */
    synchronized long lastSequence(String key) {
        Map<Long, Long> m = digests.get(key);
        return m == null || m.isEmpty() ? -1 : java.util.Collections.max(m.keySet());
    }

    /** The true memory of a region now. */
    synchronized byte[] image(String key) {
        return memory.image(key);
    }

    List<String> keys() {
        return memory.stateKeys();
    }

    long events() {
        return events.get();
    }

    long dropped() {
        return dropped.get();
    }

    long resyncRequestsRead() {
        return resyncs.received();
    }

    long resyncsAnswered() {
        return answered.get();
    }

    long publishFailures() {
        return publishFailures.get();
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        if (thread != null) {
            thread.interrupt();
            thread.join(30_000);
        }
        resyncs.close();
        try {
            sink.close();
        } catch (RuntimeException ignored) {
            // closing after a broker that went away
        }
    }
}
