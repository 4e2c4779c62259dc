package dev.hde.job.embedded;

import dev.hde.codec.HdeException;
import dev.hde.codec.Limits;
import dev.hde.codec.dict.DictionaryStore;
import dev.hde.codec.dict.TrainedDictionary;
import dev.hde.codec.wire.FrameFormat;
import dev.hde.codec.wire.FrameHeader;
import dev.hde.codec.wire.FrameType;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads the frames topic as a receiver does (read_committed, from the beginning) and counts what
 * it sees: frames by type and bytes on the wire. Runs on its own thread until closed; what it has
 * counted only ever includes committed frames.
 */
public final class FrameCounter implements AutoCloseable {

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile Map<TopicPartition, Long> positions = Map.of();
    private final AtomicLong frames = new AtomicLong();
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicLong full = new AtomicLong();
    private final AtomicLong delta = new AtomicLong();
    private final AtomicLong delete = new AtomicLong();
    private volatile Exception failure;
    private volatile long lastFrameNanos;
    private final Map<String, Long> lastSequence = new java.util.concurrent.ConcurrentHashMap<>();

    public FrameCounter(Properties kafkaClientProperties, String topic, List<TopicPartition> partitions) {
        Properties p = new Properties();
        p.putAll(kafkaClientProperties);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        consumer = new KafkaConsumer<>(p);
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        thread = new Thread(this::run, "hde-frame-counter");
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        try {
            while (running) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    lastFrameNanos = System.nanoTime();
                    byte[] v = r.value();
                    frames.incrementAndGet();
                    bytes.addAndGet(v == null ? 0 : v.length);
                    noteSequence(v);
                    if (v != null && v.length > 5) {
                        int type = v[5] & 0xFF;
                        if (type == FrameType.FULL.id()) {
                            full.incrementAndGet();
                        } else if (type == FrameType.DELTA.id()) {
                            delta.incrementAndGet();
                        } else if (type == FrameType.DELETE.id()) {
                            delete.incrementAndGet();
                        }
                    }
                }
                Map<TopicPartition, Long> now = new java.util.HashMap<>();
                for (TopicPartition tp : consumer.assignment()) {
                    now.put(tp, consumer.position(tp));
                }
                positions = now;
            }
        } catch (Exception e) {
            if (running) {
                failure = e;
            }
        } finally {
            consumer.close();
        }
    }

    /**
     * The counter reads headers only and never decodes a block: a frame naming a trained dictionary
     * is followed like any other (parse checks only that the store answers its id; this placeholder
     * is never used to decompress).
     */
    private static final DictionaryStore HEADERS_ONLY = new DictionaryStore() {
        private final TrainedDictionary placeholder = TrainedDictionary.of("headers-only", 1, TrainedDictionary.Type.RAW_CONTENT, 0, new byte[1]);

        @Override
        public TrainedDictionary byId(int id) {
            return placeholder;
        }
    };

    private void noteSequence(byte[] frame) {
        if (frame == null) {
            return;
        }
        try {
            FrameHeader h = FrameFormat.parse(frame, Limits.DEFAULT, HEADERS_ONLY).header();
            lastSequence.merge(h.stateKey(), h.sourceSequence(), Math::max);
        } catch (HdeException e) {
            // not a frame: counted, not followed
        }
    }

    /** The highest source sequence number among the frames read for {@code stateKey}, or -1. */
    public long lastSequence(String stateKey) {
        return lastSequence.getOrDefault(stateKey, -1L);
    }

    /** Waits until the counter has read up to {@code endOffsets} (last stable offsets) on every partition. */
    public void awaitPositions(Map<TopicPartition, Long> endOffsets, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!KafkaOffsets.reached(positions, endOffsets)) {
            if (failure != null) {
                throw new IllegalStateException("reading frames failed", failure);
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("frames not read up to " + endOffsets + " within " + timeout + "; at " + positions);
            }
            Thread.sleep(50);
        }
    }

    /** {@link System#nanoTime()} when the last frame was read (0 before the first). */
    public long lastFrameNanos() {
        return lastFrameNanos;
    }

    public long frames() {
        return frames.get();
    }

    public long bytes() {
        return bytes.get();
    }

    public long fullFrames() {
        return full.get();
    }

    public long deltaFrames() {
        return delta.get();
    }

    public long deleteFrames() {
        return delete.get();
    }

    @Override
    public void close() {
        running = false;
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
