package dev.hde.job.replay;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hde.codec.Limits;
import dev.hde.codec.select.EncodeChoice;
import dev.hde.codec.testing.SharedTrace;
import dev.hde.codec.trace.ImageEvents;
import dev.hde.codec.trace.TraceReplay;
import dev.hde.codec.wire.PageUpdateEvent;
import dev.hde.job.EncoderJob;
import dev.hde.job.PipelineTestSupport;
import dev.hde.job.config.HdeJobConfig;
import dev.hde.job.embedded.EmbeddedKafka;
import dev.hde.job.embedded.WorkloadPublisher;
import dev.hde.operators.EncoderSettings;
import dev.hde.producer.RegionTracker;
import dev.hde.producer.source.ImageSequenceSource;
import dev.hde.state.PolicySenders;
import dev.hde.state.RefreshPolicy;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * One policy, one code path: {@code hde trace}, the replay job's refresh lane and the encoder job
 * make exactly the same frames from the shared redis trace with the same settings (the default:
 * XBZRLE + zstd-3, keyframes on purpose), and so send the same bytes. The job's events come from the
 * producer's own images source (hash-based change detection), the others' from the images read
 * directly: the events agree too.
 */
class SameFramesEverywhereTest {

    @RegisterExtension
    static final MiniClusterExtension FLINK = PipelineTestSupport.miniCluster();

    static final int REGION_PAGES = 512;
    static final String PREFIX = "redis-22m";
    static final long INTERVAL = 1000;

    static EmbeddedKafka kafka;
    static List<byte[]> images;

    @BeforeAll
    static void start() throws Exception {
        kafka = EmbeddedKafka.start();
        images = SharedTrace.loadAll();
    }

    @AfterAll
    static void stop() throws Exception {
        kafka.close();
        images = null;
    }

    @Test
    void traceReplayAndTheEncoderJobSendTheSameFrames(@TempDir Path checkpoints) throws Exception {
        // hde trace, with the job's policy and spec
        Map<String, List<String>> trace = new LinkedHashMap<>();
        TraceReplay.Senders policy = PolicySenders.of(RefreshPolicy.DEFAULT, List.of(EncoderSettings.DEFAULT_SPEC));
        TraceReplay.Result r = TraceReplay.run(images, new TraceReplay.Settings(SharedTrace.PAGE_SHIFT, REGION_PAGES,
                List.of(EncoderSettings.DEFAULT_SPEC), PREFIX), key -> {
                    TraceReplay.RegionSender inner = policy.forKey(key);
                    return e -> {
                        List<byte[]> frames = inner.send(e);
                        frames.forEach(f -> trace.computeIfAbsent(key, k -> new ArrayList<>()).add(HexFormat.of().formatHex(f)));
                        return frames;
                    };
                }, null);
        assertThat(r.verified()).as(r.failure()).isTrue();

        // the replay job's lane with the default refresh policy, on the same images
        Map<String, List<String>> replay = new LinkedHashMap<>();
        Map<String, RegionReplay> regions = new LinkedHashMap<>();
        ImageEvents events = new ImageEvents(new ImageEvents.Settings(SharedTrace.PAGE_SHIFT, REGION_PAGES, PREFIX, 1, INTERVAL));
        List<PageUpdateEvent> all = new ArrayList<>();
        for (byte[] image : images) {
            events.next(image, all::add);
        }
        for (PageUpdateEvent e : all) {
            RegionReplay region = regions.computeIfAbsent(e.stateKey(), k -> {
                RegionReplay.Lane lane = RegionReplay.Lane.fixed("default", EncodeChoice.of(EncoderSettings.DEFAULT_SPEC),
                        ReplaySettings.policy("default"));
                lane.frames = f -> replay.computeIfAbsent(k, x -> new ArrayList<>()).add(HexFormat.of().formatHex(f));
                return new RegionReplay(k, Limits.DEFAULT, List.of(lane), List.of());
            });
            region.process(e, 0);
        }
        regions.values().forEach(RegionReplay::finish);
        regions.values().forEach(rr -> assertThat(rr.lanes().get(0).failure).isNull());

        // the encoder job, fed by the producer's images source
        // Epochs by capture time alone, as hde trace numbers them (by default the job's new regions start at its clock).
        HdeJobConfig c = PipelineTestSupport.config(kafka, "same", checkpoints).encodeSpecs(List.of(EncoderSettings.DEFAULT_SPEC))
                .epochsAboveClock(false);
        PipelineTestSupport.createTopics(kafka, c);
        AtomicLong clock = new AtomicLong();
        ImageSequenceSource source = new ImageSequenceSource(images, images.size(), PREFIX, REGION_PAGES,
                new RegionTracker(SharedTrace.PAGE_SHIFT, 1, RegionTracker.DEFAULT_CHUNK_PAGES, clock::get));
        List<PageUpdateEvent> produced = new ArrayList<>();
        for (int round = 0; source.hasMore(); round++) {
            clock.set(round * INTERVAL);
            source.scan(round, produced::add);
        }
        assertThat(produced).as("the producer sends the events hde trace reads").isEqualTo(all);
        try (WorkloadPublisher p = new WorkloadPublisher(c.kafkaClientProperties(), c.pageUpdatesTopic())) {
            p.send(produced);
            p.flush();
        }
        EncoderJob.fromKafka(c).execute(StreamExecutionEnvironment.getExecutionEnvironment());
        Map<String, List<String>> job = PipelineTestSupport.framesByKey(PipelineTestSupport.readAll(kafka, c.framesTopic(), true));

        assertThat(trace.keySet()).hasSize((SharedTrace.IMAGE_BYTES / 4096 + REGION_PAGES - 1) / REGION_PAGES);
        assertThat(replay).as("replay = trace").isEqualTo(trace);
        assertThat(job).as("job = trace").isEqualTo(trace);
        long traceBytes = r.initialBytes() + r.wireBytes();
        long jobBytes = job.values().stream().flatMap(List::stream).mapToLong(h -> h.length() / 2).sum();
        assertThat(jobBytes).isEqualTo(traceBytes);
    }
}
