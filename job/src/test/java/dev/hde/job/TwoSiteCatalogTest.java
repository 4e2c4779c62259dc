package dev.hde.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hde.codec.Limits;
import dev.hde.codec.wire.FrameFormat;
import dev.hde.codec.wire.FrameHeader;
import dev.hde.codec.wire.FrameType;
import dev.hde.job.catalog.KeyframeStart;
import dev.hde.job.config.HdeJobConfig;
import dev.hde.job.embedded.EmbeddedKafka;
import dev.hde.job.embedded.KafkaOffsets;
import dev.hde.job.embedded.WorkloadPublisher;
import dev.hde.operators.RegionVerdict;
import dev.hde.codec.wire.PageUpdateEvent;
import dev.hde.state.RefreshPolicy;
import dev.hde.state.crdt.BaselineCatalog;
import dev.hde.state.crdt.CatalogDelta;
import dev.hde.state.crdt.CatalogFormat;
import dev.hde.state.crdt.CatalogLimits;
import dev.hde.state.crdt.DigestMessage;
import dev.hde.state.crdt.KeyframeInfo;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two sites on one broker: two encoder jobs with their own page-update and frames topics, sharing
 * the catalog topic, with overlapping state keys. Site b goes offline (stop with savepoint) while
 * site a makes new keyframes, and the catalog messages it missed are deleted from the topic (as
 * if retention had passed), so only digest anti-entropy can bring them back. Site b restarts from
 * its savepoint; both end with identical catalogs that name the newest keyframe of every region,
 * and a decoder that starts from the catalog rebuilds every region of site a byte for byte while
 * skipping the frames before the keyframes.
 */
class TwoSiteCatalogTest {

    /** Two encoder jobs at once (parallelism 2 and 1), then the decoder. */
    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(4)
            .setConfiguration(new Configuration())
            .build());

    /**
     * Capture times: the wall clock, at least one second after the site's previous round. Real times
     * matter on the frames topic: Kafka writes each transaction's commit marker with the broker's
     * clock, and {@code offsetsForTimes} counts markers too, so a keyframe is found exactly only if
     * its capture time is later than the markers before it, as it is for real producers.
     */
    static final class CaptureClock {
        long last;

        long next() {
            last = Math.max(System.currentTimeMillis(), last + 1000);
            return last;
        }
    }
    static final String CATALOG = "two.catalog";
    static final String A = "site-a";
    static final String B = "site-b";

    static EmbeddedKafka kafka;

    @BeforeAll
    static void startKafka() throws Exception {
        kafka = EmbeddedKafka.start();
    }

    @AfterAll
    static void stopKafka() {
        kafka.close();
    }

    static HdeJobConfig site(String prefix, String site, int parallelism, Path checkpoints) {
        return PipelineTestSupport.config(kafka, prefix, checkpoints)
                .siteId(site)
                .catalogTopic(CATALOG)
                .parallelism(parallelism)
                .bounded(false)
                // A keyframe when 3.5 s of capture time have passed (rounds of one burst are 1 s apart, bursts further:
                // keyframes at the first round of each burst), also for an event that changes nothing; no other refresh.
                .refreshPolicy(new RefreshPolicy(Duration.ofMillis(3500), 1000, Duration.ofHours(1), false, Duration.ofHours(1)))
                .catalogPublishInterval(Duration.ofMillis(200))
                .antiEntropyInterval(Duration.ofSeconds(1))
                // No periodic full states while running: what the offline site missed can only come back by anti-entropy.
                .catalogStateInterval(Duration.ofMinutes(10))
                .keyframeSeekSlack(Duration.ZERO);
    }

    @Test
    void twoSitesConvergeAfterAnOutageAndADecoderStartsAtTheirKeyframes(@TempDir Path checkpoints, @TempDir Path savepoints,
            @TempDir Path images) throws Exception {
        long t0 = System.nanoTime();
        long round8;
        HdeJobConfig a = site("two-a", A, 2, checkpoints);
        HdeJobConfig b = site("two-b", B, 1, checkpoints);
        PipelineTestSupport.createTopics(kafka, a);
        PipelineTestSupport.createTopics(kafka, b);
        // Overlapping keys: vm-00 and vm-01 at both sites (different memory), vm-02 only at b.
        Memory memA = new Memory(List.of("vm-00/r0000", "vm-00/r0001", "vm-01/r0000", "vm-01/r0001"), 11);
        Memory memB = new Memory(List.of("vm-00/r0000", "vm-00/r0001", "vm-01/r0000", "vm-01/r0001", "vm-02/r0000", "vm-02/r0001"), 22);

        try (WorkloadPublisher pa = new WorkloadPublisher(a.kafkaClientProperties(), a.pageUpdatesTopic());
                WorkloadPublisher pb = new WorkloadPublisher(b.kafkaClientProperties(), b.pageUpdatesTopic());
                Admin admin = kafka.admin()) {
            JobClient jobA = EncoderJob.fromKafka(a).executeAsync(StreamExecutionEnvironment.getExecutionEnvironment());
            JobClient jobB = EncoderJob.fromKafka(b).executeAsync(StreamExecutionEnvironment.getExecutionEnvironment());

            // Both sites encode rounds 0..3 (one keyframe per region at round 0).
            CaptureClock clockA = new CaptureClock();
            CaptureClock clockB = new CaptureClock();
            publish(pa, memA, clockA, 0, 4);
            publish(pb, memB, clockB, 0, 4);
            awaitFrames(b, memB, 4);
            awaitFrames(a, memA, 4);
            log(t0, "both encoded rounds 0..3");

            // Site b goes offline.
            String savepoint = jobB.stopWithSavepoint(false, savepoints.toUri().toString(), SavepointFormatType.CANONICAL).get();
            log(t0, "site b stopped, savepoint " + savepoint);

            // Site a makes new keyframes (round 4) while b is away; then its catalog messages are lost.
            long round4 = publish(pa, memA, clockA, 4, 8);
            awaitFrames(a, memA, 8);
            await("a's round-4 keyframes on the catalog topic", () -> {
                Map<String, KeyframeInfo> seen = readerOfTopic().toMap();
                return memA.keys.stream().allMatch(k -> seen.containsKey(k) && seen.get(k).epoch() == round4);
            });
            Map<TopicPartition, Long> end = KafkaOffsets.endOffsets(admin, CATALOG, IsolationLevel.READ_COMMITTED);
            Map<TopicPartition, RecordsToDelete> delete = new HashMap<>();
            end.forEach((tp, o) -> delete.put(tp, RecordsToDelete.beforeOffset(o)));
            admin.deleteRecords(delete).all().get();
            log(t0, "catalog records deleted up to " + end);

            // Site b comes back from its savepoint and encodes rounds 4..5 (its own keyframes at round 4).
            Configuration restore = new Configuration();
            restore.set(StateRecoveryOptions.SAVEPOINT_PATH, savepoint);
            jobB = EncoderJob.fromKafka(b).executeAsync(StreamExecutionEnvironment.getExecutionEnvironment(restore));
            log(t0, "site b restarted");
            publish(pb, memB, clockB, 4, 6);
            awaitFrames(b, memB, 6);
            log(t0, "site b encoded rounds 4..5");
            // a answers b's digests with the buckets b is missing.
            await("a repair from site a", () -> catalogMessages().stream().anyMatch(r -> origin(r).equals(A)
                    && r.value()[3] == 'C' && parse(r).kind() == CatalogDelta.Kind.REPAIR && !parse(r).isEmpty()));
            log(t0, "site a repaired site b");
            // Site a's last keyframes (round 8) are the newest of the overlapping regions.
            round8 = publish(pa, memA, clockA, 8, 10);
            awaitFrames(a, memA, 10);
            long framesDone = System.currentTimeMillis();
            log(t0, "site a encoded rounds 8..9");

            // Anti-entropy: both sites publish equal digests.
            await("equal digests of both sites", () -> {
                Map<String, DigestMessage> latest = new HashMap<>();
                for (ConsumerRecord<byte[], byte[]> r : catalogMessages()) {
                    if (r.value()[3] == 'G' && r.timestamp() > framesDone) {
                        latest.put(origin(r), CatalogFormat.parseDigests(r.value(), CatalogLimits.DEFAULT));
                    }
                }
                return latest.size() == 2 && java.util.Arrays.equals(latest.get(A).digests(), latest.get(B).digests());
            });
            log(t0, "digests equal");

            // Both stop (draining: the merger publishes its whole state at the end of its input).
            jobA.stopWithSavepoint(true, savepoints.toUri().toString(), SavepointFormatType.CANONICAL).get();
            jobB.stopWithSavepoint(true, savepoints.toUri().toString(), SavepointFormatType.CANONICAL).get();
            log(t0, "both stopped");
        }

        // Identical catalogs at both sites: their last states.
        Map<String, BaselineCatalog> states = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : catalogMessages()) {
            if (r.value()[3] == 'C' && parse(r).kind() == CatalogDelta.Kind.STATE) {
                states.put(origin(r), BaselineCatalog.restore(parse(r), System::currentTimeMillis));
            }
        }
        assertThat(states.keySet()).containsExactlyInAnyOrder(A, B);
        assertThat(states.get(A).sameContent(states.get(B))).as("the catalogs of both sites").isTrue();
        assertThat(states.get(A).digests()).isEqualTo(states.get(B).digests());

        // ... naming the newest keyframe of every region, wherever it is.
        Map<String, FrameHeader> fullA = lastKeyframes(a);
        Map<String, FrameHeader> fullB = lastKeyframes(b);
        TreeMap<String, KeyframeInfo> catalog = states.get(A).toMap();
        assertThat(catalog.keySet()).containsExactlyInAnyOrderElementsOf(memB.keys);
        for (String key : catalog.keySet()) {
            KeyframeInfo info = catalog.get(key);
            FrameHeader ha = fullA.get(key);
            FrameHeader hb = fullB.get(key);
            FrameHeader newest = ha == null || (hb != null && hb.epoch() > ha.epoch()) ? hb : ha;
            assertThat(info.site()).as("site of %s", key).isEqualTo(newest == ha ? A : B);
            assertThat(info.epoch()).as("epoch of %s", key).isEqualTo(newest.epoch());
            assertThat(info.timeMillis()).isEqualTo(newest.captureTimeMillis());
            assertThat(info.regionDigest()).isEqualTo(newest.digest());
        }
        for (String key : memA.keys) {
            assertThat(catalog.get(key).site()).isEqualTo(A);
            assertThat(catalog.get(key).epoch()).isEqualTo(round8);
        }
        // The restored site did not encode its first rounds again: it resumed from its savepoint.
        assertThat(PipelineTestSupport.readAll(kafka, b.framesTopic(), true)).hasSize(memB.keys.size() * 6);

        // A receiver of site a's frames that starts from the catalog.
        HdeJobConfig decode = a.copy().decodeFromCatalog(true).bounded(true).decoderGroupId("two-a-catalog-decoder");
        DecoderJob decoder = DecoderJob.fromKafka(decode, images.toString());
        KeyframeStart.Plan plan = decoder.startPlan();
        assertThat(plan.keyframes().keySet()).containsExactlyInAnyOrderElementsOf(memA.keys);
        assertThat(plan.otherSites()).containsExactly("vm-02/r0000", "vm-02/r0001");
        // Each partition starts exactly at its first keyframe of round 8 (partitions without a region of a: at their beginning).
        List<ConsumerRecord<byte[], byte[]>> framesA = PipelineTestSupport.readAll(kafka, a.framesTopic(), true);
        Map<TopicPartition, Long> expectedStart = new HashMap<>();
        long afterStart = 0;
        for (int p = 0; p < PipelineTestSupport.PARTITIONS; p++) {
            expectedStart.put(new TopicPartition(a.framesTopic(), p), 0L);
        }
        for (ConsumerRecord<byte[], byte[]> r : framesA) {
            FrameHeader h = FrameFormat.parse(r.value(), Limits.DEFAULT).header();
            if (h.type() == FrameType.FULL && h.epoch() == round8) {
                expectedStart.merge(new TopicPartition(r.topic(), r.partition()), r.offset(), (x, y) -> x == 0 ? y : Math.min(x, y));
            }
            if (h.captureTimeMillis() >= round8) {
                afterStart++;
            }
        }
        assertThat(plan.offsets()).isEqualTo(expectedStart);
        assertThat(plan.skippable()).as("frames before the keyframes").isPositive();
        Map<String, RegionVerdict> verdicts = decoder.collectLatest(StreamExecutionEnvironment.getExecutionEnvironment(), v -> {});
        assertThat(verdicts.keySet()).containsExactlyInAnyOrderElementsOf(memA.keys);
        for (String key : memA.keys) {
            RegionVerdict v = verdicts.get(key);
            assertThat(v.verified).as("verdict of %s: %s", key, v.error).isTrue();
            assertThat(Files.readAllBytes(images.resolve(key.replace('/', '_') + ".bin"))).as("rebuilt image of %s", key)
                    .isEqualTo(memA.image(key));
        }
        long applied = verdicts.values().stream().mapToLong(v -> v.framesApplied).sum();
        int total = framesA.size();
        assertThat(applied).as("frames applied of %d", total).isEqualTo(afterStart).isLessThan(total);
        for (RegionVerdict v : verdicts.values()) {
            assertThat(v.epoch).isEqualTo(round8);
        }
        log(t0, "decoded from the catalog: " + applied + " of " + total + " frames");
    }

    // ---------------------------------------------------------------- helpers

    /** Publishes rounds {@code from..to-1}; returns the capture time of the first. */
    private static long publish(WorkloadPublisher p, Memory memory, CaptureClock clock, int from, int to) {
        long first = 0;
        for (int r = from; r < to; r++) {
            long t = clock.next();
            first = r == from ? t : first;
            p.send(memory.nextRound(t));
        }
        p.flush();
        return first;
    }

    /**
     * Waits until the frame of every region's event {@code sequence} is committed (every event of
     * {@link Memory} changes its region, so every event makes a frame). Not the encoder group's
     * committed offsets: an idle Kafka source commits them only when its 10 s poll returns.
     */
    private static void awaitFrames(HdeJobConfig c, Memory memory, long sequence) throws InterruptedException {
        long t = System.nanoTime();
        await(c.framesTopic() + " up to event " + sequence, () -> {
            Map<String, Long> last = new HashMap<>();
            for (ConsumerRecord<byte[], byte[]> r : PipelineTestSupport.readAll(kafka, c.framesTopic(), true)) {
                FrameHeader h = FrameFormat.parse(r.value(), Limits.DEFAULT).header();
                last.merge(h.stateKey(), h.sourceSequence(), Math::max);
            }
            return memory.keys.stream().allMatch(k -> last.getOrDefault(k, 0L) >= sequence);
        });
        System.out.printf("        (%s up to event %d in %.1f s)%n", c.framesTopic(), sequence, (System.nanoTime() - t) / 1e9);
    }

    /** Small regions whose every event changes them: round 0 sends each region whole, later rounds edit two pages. */
    static final class Memory {
        static final int SHIFT = 12;
        static final int PAGES = 8;
        final List<String> keys;
        final Map<String, byte[][]> images = new TreeMap<>();
        final java.util.Random random;
        int round;

        Memory(List<String> keys, long seed) {
            this.keys = keys;
            this.random = new java.util.Random(seed);
            for (String k : keys) {
                byte[][] pages = new byte[PAGES][1 << SHIFT];
                for (byte[] p : pages) {
                    for (int i = 0; i < p.length; i += 8) {
                        p[i] = (byte) random.nextInt(4); // compressible, not zero
                    }
                }
                images.put(k, pages);
            }
        }

        List<PageUpdateEvent> nextRound(long captureTime) {
            List<PageUpdateEvent> out = new ArrayList<>();
            long seq = ++round;
            for (String k : keys) {
                byte[][] pages = images.get(k);
                if (seq == 1) {
                    out.add(PageUpdateEvent.region(k, SHIFT, seq, captureTime, copy(pages, new int[] {0, 1, 2, 3, 4, 5, 6, 7})));
                    continue;
                }
                int first = random.nextInt(PAGES);
                int[] idx = {Math.min(first, (first + 3) % PAGES), Math.max(first, (first + 3) % PAGES)};
                for (int i : idx) {
                    int at = random.nextInt(1 << SHIFT);
                    pages[i][at] ^= (byte) (1 + random.nextInt(255)); // always a change
                }
                out.add(PageUpdateEvent.pages(k, SHIFT, PAGES, seq, captureTime, idx, copy(pages, idx)));
            }
            return out;
        }

        private static byte[][] copy(byte[][] pages, int[] idx) {
            byte[][] out = new byte[idx.length][];
            for (int j = 0; j < idx.length; j++) {
                out[j] = pages[idx[j]].clone();
            }
            return out;
        }

        byte[] image(String key) {
            byte[][] pages = images.get(key);
            byte[] out = new byte[PAGES << SHIFT];
            for (int i = 0; i < PAGES; i++) {
                System.arraycopy(pages[i], 0, out, i << SHIFT, 1 << SHIFT);
            }
            return out;
        }
    }

    /** The header of the last FULL frame of each region on the frames topic of {@code c}. */
    private static Map<String, FrameHeader> lastKeyframes(HdeJobConfig c) {
        Map<String, FrameHeader> out = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : PipelineTestSupport.readAll(kafka, c.framesTopic(), true)) {
            FrameHeader h = FrameFormat.parse(r.value(), Limits.DEFAULT).header();
            if (h.type() == FrameType.FULL) {
                out.merge(h.stateKey(), h, (x, y) -> y.epoch() > x.epoch() ? y : x);
            }
        }
        return out;
    }

    private static List<ConsumerRecord<byte[], byte[]>> catalogMessages() {
        return new ArrayList<>(PipelineTestSupport.readAll(kafka, CATALOG, true));
    }

    /** A reader's catalog from every catalog message now on the topic. */
    private static BaselineCatalog readerOfTopic() {
        BaselineCatalog c = new BaselineCatalog("test-reader");
        for (ConsumerRecord<byte[], byte[]> r : catalogMessages()) {
            if (r.value()[3] == 'C') {
                c.merge(parse(r));
            }
        }
        return c;
    }

    private static CatalogDelta parse(ConsumerRecord<byte[], byte[]> r) {
        return CatalogFormat.parse(r.value(), CatalogLimits.DEFAULT);
    }

    private static String origin(ConsumerRecord<byte[], byte[]> r) {
        return new String(r.key(), StandardCharsets.UTF_8);
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("waiting for %s", what).isLessThan(deadline);
            Thread.sleep(250);
        }
    }

    private static void log(long t0, String what) {
        System.out.printf("[%5.1fs] %s%n", (System.nanoTime() - t0) / 1e9, what);
    }
}
