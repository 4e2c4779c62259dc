package dev.hde.producer;

import dev.hde.codec.wire.PageUpdateEvent;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Publishes page-update events to a Kafka topic: record key = state key (UTF-8), value = the
 * event's wire bytes, record timestamp = the event's capture time. The producer is idempotent with
 * {@code acks=all} and at most 5 requests in flight per connection, so each state key's events land
 * exactly once and in order on its partition, also across retries.
 *
 * <p>Back-pressure: at most {@code buffer.memory} bytes wait for acknowledgement; a publish blocks
 * while the buffer is full, for up to {@code max.block.ms}, then fails. Failures of sends reported
 * later (in callbacks) surface at the next {@link #publish} or {@link #flush}.
 */
public final class KafkaEventSink implements EventSink {

    /** The producer's settings that this class insists on; a client config cannot turn them off. */
    public static final Map<String, String> FORCED = Map.of(
            ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true",
            ProducerConfig.ACKS_CONFIG, "all",
            ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName(),
            ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());

    private static final Pattern SECRET = Pattern.compile("(?i).*(password|secret|jaas|token|credential|\\.key$).*");

    private final Producer<byte[], byte[]> producer;
    private final String topic;
    private final AtomicReference<Exception> failure = new AtomicReference<>();
    private final AtomicLong inFlight = new AtomicLong();
    private final AtomicLong acknowledged = new AtomicLong();

    /** Publishes through a producer the caller made (and configured idempotent, {@code acks=all}); closes it on {@link #close}. */
    public KafkaEventSink(Producer<byte[], byte[]> producer, String topic) {
        this.producer = Objects.requireNonNull(producer);
        this.topic = Objects.requireNonNull(topic);
    }

    /** Makes the producer from client properties ({@link #producerProperties}). */
    public static KafkaEventSink create(Properties clientProperties, String topic) {
        return new KafkaEventSink(new KafkaProducer<>(clientProperties), topic);
    }

    /**
     * The producer's properties: the defaults below, then {@code client} (bootstrap servers,
     * security, tuning), then {@link #FORCED}.
     *
     * <ul>
     *   <li>{@code compression.type=none}: pages of memory are what the encoder compresses (against
     *       the receiver's image, which Kafka cannot do); a client config may still choose lz4 or
     *       zstd, e.g. for first rounds full of zero pages.
     *   <li>{@code linger.ms=5}, {@code batch.size=1 MiB}: a round's events go out in few requests;
     *       an event larger than a batch goes alone.
     *   <li>{@code max.request.size}: the largest event (a REGION event of a whole region) plus 64 KiB.
     *       The topic's {@code max.message.bytes} must be as large.
     *   <li>{@code max.in.flight.requests.per.connection=5}: the most that keeps idempotent ordering.
     *   <li>{@code buffer.memory} = {@code maxInFlightBytes}, {@code max.block.ms} = {@code maxBlock}: the back-pressure.
     * </ul>
     */
    public static Properties producerProperties(Properties client, long maxEventBytes, long maxInFlightBytes, Duration maxBlock) {
        Properties p = new Properties();
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "none");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(1 << 20));
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Long.toString(Math.min(Integer.MAX_VALUE, maxEventBytes + (64 << 10))));
        p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "5");
        p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, Long.toString(Math.max(maxInFlightBytes, maxEventBytes + (64 << 10))));
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, Long.toString(maxBlock.toMillis()));
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "hde-producer");
        p.putAll(client);
        p.putAll(FORCED);
        try {
            if (Integer.parseInt(String.valueOf(p.get(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION)).trim()) > 5) {
                // More would give up ordering with idempotence (Kafka refuses the combination anyway).
                p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "5");
            }
        } catch (NumberFormatException e) {
            // Kafka's own config check says what is wrong with it.
        }
        return p;
    }

    /** True for a client property whose value must never be printed or logged. */
    public static boolean isSecret(String name) {
        return SECRET.matcher(name).matches();
    }

    /** The properties with every secret value hidden: the only form that may be printed. */
    public static Map<String, String> redacted(Properties p) {
        Map<String, String> out = new TreeMap<>();
        for (String name : p.stringPropertyNames()) {
            out.put(name, isSecret(name) ? "[hidden]" : p.getProperty(name));
        }
        return out;
    }

    public String topic() {
        return topic;
    }

    @Override
    public void publish(PageUpdateEvent event, byte[] wire) {
        throwIfFailed();
        byte[] key = event.stateKey().getBytes(StandardCharsets.UTF_8);
        long size = wire.length;
        inFlight.addAndGet(size);
        try {
            producer.send(new ProducerRecord<>(topic, null, event.captureTimeMillis(), key, wire), (metadata, error) -> {
                inFlight.addAndGet(-size);
                if (error != null) {
                    failure.compareAndSet(null, error);
                } else {
                    acknowledged.addAndGet(size);
                }
            });
        } catch (KafkaException e) {
            inFlight.addAndGet(-size);
            throw new PublishException(explain(e, event.stateKey()), e);
        }
    }

    @Override
    public void flush() {
        try {
            producer.flush();
        } catch (KafkaException e) {
            throw new PublishException(explain(e, null), e);
        }
        throwIfFailed();
    }

    @Override
    public long inFlightBytes() {
        return inFlight.get();
    }

    /** Wire bytes the cluster acknowledged. */
    public long acknowledgedBytes() {
        return acknowledged.get();
    }

    private void throwIfFailed() {
        Exception e = failure.get();
        if (e != null) {
            throw new PublishException(explain(e, null), e);
        }
    }

    private String explain(Exception e, String key) {
        String what = "publishing to topic " + topic + (key == null ? "" : " (state key " + key + ")") + " failed: "
                + e.getClass().getSimpleName() + ": " + e.getMessage();
        if (e instanceof RecordTooLargeException) {
            return what + ". An event holds up to a whole region: raise the topic's max.message.bytes (and the brokers' "
                    + "message.max.bytes) above the region size plus 64 KiB, or publish smaller regions (--region-size).";
        }
        if (e instanceof TimeoutException) {
            return what + ". The cluster did not take the events in time: check --bootstrap-servers, that the topic exists, "
                    + "and the security settings (--kafka-config); --max-block sets how long a full buffer may wait.";
        }
        if (e instanceof AuthenticationException || e instanceof AuthorizationException) {
            return what + ". Check the credentials in --kafka-config and the producer's ACLs (WRITE and IDEMPOTENT_WRITE on the topic/cluster).";
        }
        return what;
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(30));
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "kafka topic %s", topic);
    }
}
