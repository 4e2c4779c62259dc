package dev.hde.producer;

import dev.hde.codec.HdeException;
import dev.hde.codec.Limits;
import dev.hde.codec.wire.ControlRequest;
import dev.hde.codec.wire.ControlRequestFormat;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads the encoder's resync requests (topic {@code hde.resync-requests}, the {@code HDEQ} format) on
 * a thread of its own and keeps the requested state keys until the capture loop takes them
 * ({@link #drain}). It starts at the end of the topic: a producer that starts sends every region
 * whole in its first round anyway, which answers any older request. Records that do not parse, and
 * requests of another kind, are skipped with a log line.
 */
public final class ResyncListener implements ProducerLoop.ResyncRequests, AutoCloseable {

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final String topic;
    private final Consumer<String> log;
    private final ConcurrentLinkedQueue<String> requested = new ConcurrentLinkedQueue<>();
    private final Thread thread;
    private volatile boolean running = true;
    private volatile long received;
    private volatile boolean listening;

    /** Starts listening; {@code client} holds bootstrap servers and security settings (as for the producer). */
    public static ResyncListener start(Properties client, String topic, Consumer<String> log) {
        Properties p = new Properties();
        p.putAll(client);
        p.remove("group.id");
        p.setProperty(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.setProperty(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.setProperty(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.setProperty(ConsumerConfig.CLIENT_ID_CONFIG, "hde-producer-resync");
        ResyncListener l = new ResyncListener(new KafkaConsumer<>(p), topic, log);
        l.thread.start();
        return l;
    }

    private ResyncListener(KafkaConsumer<byte[], byte[]> consumer, String topic, Consumer<String> log) {
        this.consumer = consumer;
        this.topic = topic;
        this.log = log;
        this.thread = new Thread(this::listen, "hde-producer-resync-listener");
        this.thread.setDaemon(true);
    }

    private void listen() {
        boolean assigned = false;
        boolean warned = false;
        try {
            while (running) {
                try {
                    if (!assigned) {
                        List<PartitionInfo> parts = consumer.partitionsFor(topic, Duration.ofSeconds(5));
                        if (parts == null || parts.isEmpty()) {
                            if (!warned) {
                                log.accept("no topic " + topic + " yet: resync requests will be read once it exists");
                                warned = true;
                            }
                            Thread.sleep(2_000);
                            continue;
                        }
                        List<TopicPartition> tps = new ArrayList<>();
                        for (PartitionInfo pi : parts) {
                            tps.add(new TopicPartition(topic, pi.partition()));
                        }
                        consumer.assign(tps);
                        consumer.seekToEnd(tps);
                        for (TopicPartition tp : tps) {
                            consumer.position(tp); // resolve the end now: requests from here on are answered
                        }
                        assigned = true;
                        listening = true;
                    }
                    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                        take(r.value());
                    }
                } catch (WakeupException e) {
                    return;
                } catch (KafkaException e) {
                    log.accept("reading " + topic + ": " + e.getMessage() + " (retrying)");
                    Thread.sleep(1_000);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            consumer.close(Duration.ofSeconds(2));
        }
    }

    private void take(byte[] value) {
        try {
            ControlRequest q = ControlRequestFormat.read(value, Limits.DEFAULT);
            if (q.kind() == ControlRequest.Kind.RESYNC) {
                received++;
                requested.add(q.stateKey());
            }
        } catch (HdeException e) {
            log.accept("skipping a record of " + topic + ": " + e.getMessage());
        }
    }

    /** Waits until the listener reads from the end of the topic (or {@code timeout} passes); for tests and tools. */
    public boolean awaitListening(Duration timeout) throws InterruptedException {
        long until = System.nanoTime() + timeout.toNanos();
        while (!listening && System.nanoTime() < until) {
            Thread.sleep(20);
        }
        return listening;
    }

    @Override
    public List<String> drain() {
        List<String> keys = new ArrayList<>();
        for (String k = requested.poll(); k != null; k = requested.poll()) {
            keys.add(k);
        }
        return keys;
    }

    /** Requests read so far. */
    public long received() {
        return received;
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
