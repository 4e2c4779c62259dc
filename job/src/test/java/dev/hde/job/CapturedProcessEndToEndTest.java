package dev.hde.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hde.job.config.HdeJobConfig;
import dev.hde.job.embedded.EmbeddedKafka;
import dev.hde.operators.RegionVerdict;
import dev.hde.producer.EventSink;
import dev.hde.producer.KafkaEventSink;
import dev.hde.producer.ProducerLoop;
import dev.hde.producer.RegionImages;
import dev.hde.producer.RegionTracker;
import dev.hde.producer.capture.MappingFilter;
import dev.hde.producer.capture.ProcessCaptureSource;
import dev.hde.producer.testing.ChildProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Pattern;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole path on real memory: the producer captures a live child process through /proc, publishes
 * its changed pages to the in-process broker, the encoder job turns them into frames, and the decoder
 * job rebuilds the captured memory byte for byte.
 */
class CapturedProcessEndToEndTest {

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

    @Test
    void capturedMemoryIsRebuiltExactly(@TempDir Path checkpoints, @TempDir Path images) throws Exception {
        HdeJobConfig c = PipelineTestSupport.config(kafka, "capture", checkpoints);
        PipelineTestSupport.createTopics(kafka, c);
        int regionPages = 512;
        long bytes = 4L * regionPages * 4096; // four regions of 2 MiB

        List<String> keys;
        byte[] memory;
        RegionImages sent = new RegionImages();
        try (ChildProcess child = ChildProcess.start(bytes)) {
            MappingFilter filter = new MappingFilter(Pattern.compile(child.nameRegex()), null,
                    Pattern.compile(MappingFilter.DEFAULT_PERMS), 1, Long.MAX_VALUE);
            var settings = new ProcessCaptureSource.Settings(child.pid(), "vm-e2e", filter, regionPages);
            Properties producer = KafkaEventSink.producerProperties(c.kafkaClientProperties(), 2L << 20, 64L << 20, Duration.ofSeconds(30));
            try (var source = ProcessCaptureSource.open(settings, new RegionTracker(12, 1));
                    var sink = KafkaEventSink.create(producer, c.pageUpdatesTopic())) {
                ProducerLoop loop = new ProducerLoop(source, EventSink.observed(sink, (event, wire) -> sent.apply(event)));
                loop.round(); // every region whole
                int pages = (int) (bytes / 4096);
                for (int r = 1; r <= 5; r++) {
                    child.writeByte(r * 97 % pages, r, r);
                    child.fillPage(r * 211 % pages, r);
                    child.zeroPage(r * 307 % pages);
                    loop.round(); // exactly the pages written
                }
                keys = source.stateKeys();
            }
            memory = child.memory();
        }
        assertThat(keys).hasSize(4);

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        EncoderJob.fromKafka(c).execute(env);
        Map<String, RegionVerdict> verdicts = DecoderJob.fromKafka(c, images.toString())
                .collectLatest(StreamExecutionEnvironment.getExecutionEnvironment(), v -> {});

        assertThat(verdicts.keySet()).containsExactlyInAnyOrderElementsOf(keys);
        int regionBytes = regionPages * 4096;
        for (int i = 0; i < keys.size(); i++) {
            String key = keys.get(i);
            RegionVerdict v = verdicts.get(key);
            assertThat(v.verified).as("verdict of %s: %s", key, v.error).isTrue();
            byte[] rebuilt = Files.readAllBytes(images.resolve(key.replace('/', '_') + ".bin"));
            byte[] captured = Arrays.copyOfRange(memory, i * regionBytes, (i + 1) * regionBytes);
            assertThat(rebuilt).as("rebuilt %s against the child's memory", key).isEqualTo(captured);
            assertThat(rebuilt).as("rebuilt %s against what the producer sent", key).isEqualTo(sent.image(key));
        }
    }
}
