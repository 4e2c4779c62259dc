package dev.hde.job.chaos;

import dev.hde.codec.HdeException;
import dev.hde.codec.Limits;
import dev.hde.codec.PageHash;
import dev.hde.codec.region.FrameApplier;
import dev.hde.codec.region.HeapPageStore;
import dev.hde.codec.region.RegionMeta;
import dev.hde.codec.region.RegionReceiver;
import dev.hde.codec.wire.ControlRequest;
import dev.hde.codec.wire.ControlRequestFormat;
import dev.hde.codec.wire.FrameFormat;
import dev.hde.codec.wire.FrameHeader;
import dev.hde.codec.wire.FrameType;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The receivers of a chaos run: reads the committed frames ({@code read_committed}, from the
 * beginning, as they come), applies each region's frames with the codec's receiver, and audits them
 * against the producer's truth, never against anything the encoder made: after every frame applied,
 * the receiver's region digest, computed from its own pages, must be the one the producer recorded
 * for the frame's source event; at the end every region's pages are compared byte for byte with the
 * producer's memory. It also counts frames that repeat a (key, epoch, chain index) and frames that
 * could not be applied because one before them was missing. Like {@code hde decode}, a region
 * stopped on a refused frame asks the encoder for a keyframe (again every few seconds while it
 * stays stopped): a receiver that only waited would wait for ever.
 */
final class FrameAudit implements AutoCloseable {

    /** One region as its receiver holds it. */
    private static final class Region {
        final HeapPageStore pages = new HeapPageStore();
        RegionReceiver.State state = RegionReceiver.State.EMPTY;
        /** The source sequence of the last frame applied. */
        long lastSequence = -1;
        /** When this receiver last asked the encoder for a keyframe (System.nanoTime), or 0. */
        long askedNanos;
    }

    /** How long a stopped region waits for the keyframe it asked for before it asks again. */
    private static final long ASK_AGAIN_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(5);

    /** What the audit found about one region at the end. */
    enum Verdict {
        EXACT,
        WAITING,
        WRONG
    }

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final KafkaProducer<byte[], byte[]> requests;
    private final String topic;
    private final String keyframeRequestTopic;
    private final RegionReceiver receiver = new RegionReceiver(new FrameApplier(Limits.DEFAULT));
    private final Map<String, Region> regions = new HashMap<>();
    private final Set<String> seen = new HashSet<>();
    private final List<String> problems = new ArrayList<>();
    private boolean assigned;
    long frames;
    long keyframeRequests;
    long duplicates;
    long lost;
    long refused;
    long resyncNotices;
    long digestsChecked;
    long digestsWrong;

    /**
     * @param keyframeRequestTopic where a stopped region asks the encoder for a keyframe, as
     *     {@code hde decode} does (a receiver that only waited would wait for ever)
     */
    FrameAudit(String bootstrapServers, String topic, String keyframeRequestTopic) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "hde-chaos-audit");
        this.consumer = new KafkaConsumer<>(p);
        Properties q = new Properties();
        q.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        q.put(ProducerConfig.ACKS_CONFIG, "all");
        q.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "2000");
        q.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        q.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        q.put(ProducerConfig.CLIENT_ID_CONFIG, "hde-chaos-audit-requests");
        this.requests = new KafkaProducer<>(q);
        this.topic = topic;
        this.keyframeRequestTopic = keyframeRequestTopic;
    }

    /** Reads what is committed now (a broker that is away only delays it); returns the frames read. */
    int poll(TruthProducer truth) {
        try {
            if (!assigned) {
                List<TopicPartition> parts = consumer.partitionsFor(topic, Duration.ofSeconds(5)).stream()
                        .map(i -> new TopicPartition(topic, i.partition())).toList();
                consumer.assign(parts);
                consumer.seekToBeginning(parts);
                assigned = true;
            }
            int n = 0;
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                take(new String(r.key(), StandardCharsets.UTF_8), r.value(), truth);
                n++;
            }
            long now = System.nanoTime();
            regions.forEach((key, region) -> {
                if (region.state.error() != null && now - region.askedNanos > ASK_AGAIN_NANOS) {
                    askForKeyframe(key, region); // the request or its answer may have been lost with a killed process
                }
            });
            return n;
        } catch (KafkaException e) {
            return 0; // the broker is away: read later
        }
    }

    private void take(String key, byte[] frame, TruthProducer truth) {
        frames++;
        Region region = regions.computeIfAbsent(key, k -> new Region());
        RegionReceiver.Step step = receiver.receive(frame, key, region.state, region.pages);
        region.state = step.state();
        // Refused and ignored frames count too: a repeat is a repeat whether or not the receiver took it.
        FrameHeader h = step.header() != null ? step.header() : headerOf(frame);
        if (h != null && h.type() == FrameType.RESYNC) {
            resyncNotices++;
            return;
        }
        if (h != null && !seen.add(key + "|" + h.type() + "|" + h.epoch() + "|" + h.chainIndex())) {
            duplicates++;
            problems.add(key + ": " + h.type() + " " + h.epoch() + "." + h.chainIndex() + " committed twice");
        }
        switch (step.outcome()) {
            case REFUSED -> {
                refused++;
                String error = step.state().error();
                if (error.startsWith(HdeException.Kind.SEQUENCE_GAP.name()) || error.startsWith(HdeException.Kind.NO_KEYFRAME.name())) {
                    lost++;
                }
                problems.add(key + ": refused: " + error);
                askForKeyframe(key, region);
            }
            case APPLIED -> {
                region.lastSequence = h.sourceSequence();
                if (h.type() == FrameType.DELETE) {
                    return;
                }
                Long expected = truth.digestAfter(key, h.sourceSequence());
                digestsChecked++;
                long held = digestOf(region);
                if (expected == null || expected != held) {
                    digestsWrong++;
                    problems.add(String.format("%s: after frame %d.%d (event %d) the receiver's region has digest %016x, the producer's "
                            + "memory had %s", key, h.epoch(), h.chainIndex(), h.sourceSequence(), held,
                            expected == null ? "no such event" : String.format("%016x", expected)));
                }
            }
            default -> {
                // IGNORED: a stopped region waits for its keyframe
            }
        }
    }

    /**
     * What {@code hde decode} does for a stopped region: a KEYFRAME request naming the last event
     * it applied. Sent without waiting; a broker that is away loses it, and the next poll asks again.
     */
    private void askForKeyframe(String key, Region region) {
        region.askedNanos = System.nanoTime();
        byte[] request = ControlRequestFormat.write(ControlRequest.keyframe(key, ControlRequest.Reason.RECEIVER_FAILED,
                Math.max(0, region.lastSequence), System.currentTimeMillis(), "hde-chaos"));
        try {
            requests.send(new ProducerRecord<>(keyframeRequestTopic, key.getBytes(StandardCharsets.UTF_8), request));
            keyframeRequests++;
        } catch (KafkaException e) {
            // the broker is away: asked again on a later poll
        }
    }

    /** The header of a frame the receiver did not apply, or null if it does not parse. */
    private static FrameHeader headerOf(byte[] frame) {
        try {
            return FrameFormat.parse(frame, Limits.DEFAULT).header();
        } catch (HdeException e) {
            return null;
        }
    }

    /** The region digest of the receiver's pages, computed from the pages themselves. */
    private static long digestOf(Region region) {
        RegionMeta m = region.state.image();
        long d = 0;
        for (int i = 0; m != null && i < m.regionPages(); i++) {
            d ^= PageHash.of(i, region.pages.get(i));
        }
        return d;
    }

    /**
     * Region {@code key} against the producer's memory now: exact; waiting (for a keyframe, or
     * behind: its last frame is of an earlier event than the producer's last one); or wrong (it is
     * at the producer's last event and holds other bytes).
     */
    Verdict verdict(String key, TruthProducer truth) {
        Region region = regions.get(key);
        if (region == null || region.state.image() == null) {
            return Verdict.WAITING;
        }
        RegionMeta m = region.state.image();
        byte[] image = new byte[m.regionPages() * m.pageSize()];
        region.pages.copyTo(image, 0, m.regionPages(), m.pageSize());
        if (java.util.Arrays.equals(image, truth.image(key))) {
            return region.state.current() ? Verdict.EXACT : Verdict.WAITING;
        }
        return !region.state.current() || region.lastSequence < truth.lastSequence(key) ? Verdict.WAITING : Verdict.WRONG;
    }

    List<String> problems() {
        return problems;
    }

    @Override
    public void close() {
        consumer.close(Duration.ofSeconds(5));
        requests.close(Duration.ofSeconds(5));
    }
}
