package dev.hde.job.embedded;

import dev.hde.codec.wire.PageUpdateEvent;
import dev.hde.codec.wire.PageUpdateEventFormat;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Publishes page-update events as a hypervisor-side producer does: record key = state key, value =
 * the event's wire bytes, record timestamp = capture time; idempotent, {@code acks=all}, so that
 * one region's events land once and in order on one partition.
 */
public final class WorkloadPublisher implements AutoCloseable {

    /** What was published so far. {@code pageBytes} = pages carried × page size. */
    public record Stats(long events, long pages, long pageBytes, long eventBytes) {}

    private final KafkaProducer<byte[], byte[]> producer;
    private final String topic;
    private final AtomicLong events = new AtomicLong();
    private final AtomicLong pages = new AtomicLong();
    private final AtomicLong pageBytes = new AtomicLong();
    private final AtomicLong eventBytes = new AtomicLong();
    private final AtomicReference<Exception> failure = new AtomicReference<>();

    public WorkloadPublisher(Properties kafkaClientProperties, String topic) {
        Properties p = new Properties();
        p.putAll(kafkaClientProperties);
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, "5");
        p.putIfAbsent(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(1 << 20));
        p.putIfAbsent(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(EmbeddedKafka.MAX_MESSAGE_BYTES));
        p.putIfAbsent(ProducerConfig.BUFFER_MEMORY_CONFIG, Long.toString(128L << 20));
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        this.producer = new KafkaProducer<>(p);
        this.topic = topic;
    }

    /** Sends the events (asynchronously; {@link #flush} waits for them). */
    public void send(List<PageUpdateEvent> batch) {
        for (PageUpdateEvent e : batch) {
            send(e.stateKey(), PageUpdateEventFormat.write(e), e.captureTimeMillis());
            pages.addAndGet(e.indices().length);
            pageBytes.addAndGet((long) e.indices().length * e.pageSize());
        }
    }

    /** Sends one record as it is (also malformed ones, for tests): key, value, timestamp. */
    public void send(String key, byte[] value, long timestampMillis) {
        send(null, key, value, timestampMillis);
    }

    /** Sends one record to {@code partition} (null: the key's). */
    public void send(Integer partition, String key, byte[] value, long timestampMillis) {
        throwIfFailed();
        producer.send(new ProducerRecord<>(topic, partition, timestampMillis, key == null ? null : key.getBytes(StandardCharsets.UTF_8), value),
                (metadata, error) -> {
                    if (error != null) {
                        failure.compareAndSet(null, error);
                    }
                });
        events.incrementAndGet();
        eventBytes.addAndGet(value == null ? 0 : value.length);
    }

    /** Waits until everything sent is acknowledged; throws if anything failed. */
    public void flush() {
        producer.flush();
        throwIfFailed();
    }

    public Stats stats() {
        return new Stats(events.get(), pages.get(), pageBytes.get(), eventBytes.get());
    }

    private void throwIfFailed() {
        Exception e = failure.get();
        if (e != null) {
            throw new IllegalStateException("publishing to " + topic + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        producer.close();
    }
}
