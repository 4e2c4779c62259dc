package dev.hde.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hde.codec.wire.FrameFormat;
import dev.hde.codec.wire.PageUpdateEvent;
import dev.hde.codec.wire.PageUpdateEventFormat;
import dev.hde.codec.wire.WireWriter;
import dev.hde.job.config.HdeJobConfig;
import dev.hde.job.embedded.EmbeddedKafka;
import dev.hde.job.embedded.WorkloadPublisher;
import dev.hde.job.kafka.DeadLetterSerializer;
import dev.hde.operators.RegionVerdict;
import dev.hde.producer.SyntheticWorkload;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.CRC32C;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * One of every kind of malformed event lands on the dead-letter topic, untouched, with its reason
 * and origin in headers, while the good events around them are encoded and verify.
 */
class DeadLetterTest {

    @RegisterExtension
    static final MiniClusterExtension FLINK = PipelineTestSupport.miniCluster();

    static EmbeddedKafka kafka;

    @BeforeAll
    static void startKafka() throws Exception {
        kafka = EmbeddedKafka.start();
    }

    @AfterAll
    static void stopKafka() throws Exception {
        kafka.close();
    }

    /** A bad record: the Kafka key, the value, and the reason the validator must give. */
    record Bad(String key, byte[] value, String reason) {}

    @Test
    void everyKindOfMalformedEventIsDeadLetteredWhileGoodEventsFlow(@TempDir Path checkpoints, @TempDir Path images) throws Exception {
        HdeJobConfig c = PipelineTestSupport.config(kafka, "dlq", checkpoints);
        PipelineTestSupport.createTopics(kafka, c);
        SyntheticWorkload memory = new SyntheticWorkload(SyntheticWorkload.Settings.DEFAULT.withVms(3, 2).withRegionPages(16).withDirtyRate(0.2));

        Map<String, Bad> bad = new LinkedHashMap<>();
        for (Bad b : malformed()) {
            bad.put(b.key() + "|" + b.reason(), b);
        }
        // Good and bad records interleaved: each round of good events, then a few bad ones.
        try (WorkloadPublisher p = new WorkloadPublisher(c.kafkaClientProperties(), c.pageUpdatesTopic())) {
            List<Bad> all = List.copyOf(bad.values());
            int rounds = 6;
            for (int r = 0; r < rounds; r++) {
                p.send(memory.nextRound(1_700_000_000_000L + r * 1000L));
                for (int i = r; i < all.size(); i += rounds) {
                    p.send(all.get(i).key(), all.get(i).value(), 1_700_000_000_000L + r * 1000L);
                }
            }
            p.flush();
        }

        EncoderJob.fromKafka(c).execute(StreamExecutionEnvironment.getExecutionEnvironment());

        List<ConsumerRecord<byte[], byte[]>> dead = PipelineTestSupport.readAll(kafka, c.deadLettersTopic(), true);
        assertThat(dead).hasSize(bad.size());
        Map<String, String> reasons = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : dead) {
            String key = r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8);
            String reason = header(r, DeadLetterSerializer.REASON);
            Bad expected = bad.get(key + "|" + reason);
            assertThat(expected).as("dead letter %s with reason %s (%s)", key, reason, header(r, DeadLetterSerializer.DETAIL)).isNotNull();
            assertThat(r.value() == null ? new byte[0] : r.value()).as("original bytes of %s", key).isEqualTo(expected.value() == null ? new byte[0] : expected.value());
            assertThat(header(r, DeadLetterSerializer.DETAIL)).isNotBlank();
            assertThat(header(r, DeadLetterSerializer.SOURCE_TOPIC)).isEqualTo(c.pageUpdatesTopic());
            assertThat(Integer.parseInt(header(r, DeadLetterSerializer.SOURCE_PARTITION))).isBetween(0, PipelineTestSupport.PARTITIONS - 1);
            assertThat(Long.parseLong(header(r, DeadLetterSerializer.SOURCE_OFFSET))).isNotNegative();
            reasons.put(key, reason);
        }
        assertThat(reasons).hasSize(bad.size());

        Map<String, RegionVerdict> verdicts = DecoderJob.fromKafka(c, images.toString())
                .collectLatest(StreamExecutionEnvironment.getExecutionEnvironment(), v -> {});
        PipelineTestSupport.assertRebuiltExactly(verdicts, memory, images, Set.of());
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    /** One record per way an event can be malformed; each under its own key so that the good regions are not touched. */
    static List<Bad> malformed() {
        byte[] page = new byte[4096];
        Arrays.fill(page, (byte) 7);
        byte[] good = PageUpdateEventFormat.write(PageUpdateEvent.pages("bad/template", 12, 8, 1, 1_700_000_000_000L, new int[] {2},
                new byte[][] {page}));
        byte[] region = PageUpdateEventFormat.write(PageUpdateEvent.region("bad/truncated", 12, 1, 1_700_000_000_000L,
                new byte[][] {page, page}));
        return List.of(
                new Bad("bad/magic", with(good, 0, (byte) 'X', false), "BAD_MAGIC"),
                new Bad("bad/version", with(good, 4, (byte) 3, true), "UNSUPPORTED_VERSION"),
                new Bad("bad/kind", with(good, 5, (byte) 9, true), "UNKNOWN_TYPE"),
                new Bad("bad/truncated", refreshCrc(cut(region, 100)), "TRUNCATED"),
                new Bad("bad/short", Arrays.copyOf(good, 9), "TRUNCATED"),
                new Bad("bad/pages-cut", refreshCrc(cut(good, 100)), "LENGTH_MISMATCH"),
                new Bad("bad/crc", with(good, good.length - 10, (byte) 99, false), "CHECKSUM_MISMATCH"),
                new Bad("bad/trailing", refreshCrc(extend(good, 3)), "TRAILING_BYTES"),
                new Bad("bad/count", event("bad/count", 4, 5, new int[] {0, 0, 0, 0, 0}, 5), "LENGTH_MISMATCH"),
                new Bad("bad/index", event("bad/index", 8, 1, new int[] {9}, 1), "PAGE_INDEX_OUT_OF_RANGE"),
                new Bad("bad/page-size", with(good, 6, (byte) 17, true), "LIMIT_EXCEEDED"),
                new Bad("bad/key", good, "KEY_MISMATCH"),
                new Bad("bad/empty", new byte[0], "TRUNCATED"),
                new Bad("bad/tombstone", null, "TRUNCATED"));
    }

    /** A PAGES event written field by field: region pages, page count, the gap list as given, {@code pages} pages of 4 KiB. */
    private static byte[] event(String key, int regionPages, int pageCount, int[] gaps, int pages) {
        byte[] k = key.getBytes(StandardCharsets.UTF_8);
        WireWriter w = new WireWriter(64 + pages * 4096);
        w.u32(PageUpdateEventFormat.MAGIC).u8(1).u8(1).u8(12).u8(0)
                .varint(k.length).varint(regionPages).varint64(1).varint64(1_700_000_000_000L).varint(pageCount).bytes(k);
        for (int g : gaps) {
            w.varint(g);
        }
        for (int i = 0; i < pages; i++) {
            w.bytes(new byte[4096]);
        }
        return FrameFormat.finish(w);
    }

    private static byte[] with(byte[] event, int at, byte value, boolean fixCrc) {
        byte[] b = event.clone();
        b[at] = value;
        return fixCrc ? refreshCrc(b) : b;
    }

    /** Drops {@code n} bytes before the CRC (the CRC is then recomputed by the caller). */
    private static byte[] cut(byte[] event, int n) {
        byte[] b = Arrays.copyOf(event, event.length - n);
        System.arraycopy(event, event.length - 4, b, b.length - 4, 4);
        return b;
    }

    private static byte[] extend(byte[] event, int n) {
        byte[] b = new byte[event.length + n];
        System.arraycopy(event, 0, b, 0, event.length - 4);
        return b;
    }

    private static byte[] refreshCrc(byte[] b) {
        CRC32C crc = new CRC32C();
        crc.update(b, 0, b.length - 4);
        WireWriter.putU32(b, b.length - 4, crc.getValue());
        return b;
    }
}
