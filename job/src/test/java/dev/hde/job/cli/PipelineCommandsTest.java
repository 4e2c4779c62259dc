package dev.hde.job.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hde.job.config.HdeJobConfig;
import dev.hde.job.embedded.EmbeddedKafka;
import dev.hde.job.embedded.WorkloadPublisher;
import dev.hde.producer.SyntheticWorkload;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code hde encode}, {@code hde decode} and {@code hde demo} as a user runs them (on an in-process broker). */
class PipelineCommandsTest {

    static EmbeddedKafka kafka;

    @BeforeAll
    static void startKafka() throws Exception {
        kafka = EmbeddedKafka.start();
    }

    @AfterAll
    static void stopKafka() throws Exception {
        kafka.close();
    }

    record Run(int exit, String out, String err) {
        String lastLine() {
            String[] lines = out.strip().split("\n");
            return lines[lines.length - 1];
        }
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = HdeCli.commandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int exit = cli.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void encodeThenDecodeVerifiesEveryRegionAndACorruptFrameFailsTheDecode(@TempDir Path images, @TempDir Path checkpoints)
            throws Exception {
        HdeJobConfig c = new HdeJobConfig().bootstrapServers(kafka.bootstrapServers());
        kafka.createTopics(2, c.encoderTopics(), c.compactedTopics());
        SyntheticWorkload memory = new SyntheticWorkload(SyntheticWorkload.Settings.DEFAULT.withVms(2, 2).withRegionPages(16));
        try (WorkloadPublisher p = new WorkloadPublisher(c.kafkaClientProperties(), c.pageUpdatesTopic())) {
            for (int r = 0; r < 4; r++) {
                p.send(memory.nextRound(1_700_000_000_000L + r));
            }
            p.flush();
        }
        String[] common = {"-b", kafka.bootstrapServers(), "-p", "2", "--checkpoint-interval", "500ms", "--checkpoint-dir",
            checkpoints.toUri().toString()};

        Run encode = run(concat(new String[] {"encode", "--bounded", "--preset", "fast"}, common));
        assertThat(encode.exit()).as(encode.err()).isZero();
        assertThat(encode.err()).contains("xbzrle+lz4");

        Run decode = run(concat(new String[] {"decode", "--images", images.toString()}, common));
        assertThat(decode.exit()).as(decode.err()).isZero();
        assertThat(decode.lastLine()).contains("\"regions\":4").contains("\"regions_failed\":0").contains("\"verified\":true");
        for (String key : memory.stateKeys()) {
            assertThat(decode.out()).contains(key);
            assertThat(Files.readAllBytes(images.resolve(key.replace('/', '_') + ".bin"))).isEqualTo(memory.image(key));
        }

        // A receiver that starts at the keyframes the catalog names rebuilds the same regions.
        Run fromCatalog = run(concat(new String[] {"decode", "--from-catalog", "--keyframe-seek-slack", "0s", "--group-id", "catalog-reader"},
                common));
        assertThat(fromCatalog.exit()).as(fromCatalog.err()).isZero();
        assertThat(fromCatalog.lastLine()).contains("\"regions\":4").contains("\"catalog_regions\":4").contains("\"regions_missing\":0")
                .contains("\"verified\":true");
        assertThat(fromCatalog.err()).contains("4 regions with keyframes in hde.frames (site site-a)");

        // A frame that is not a frame, for one region: the decoder stops that region and says so.
        try (WorkloadPublisher p = new WorkloadPublisher(c.kafkaClientProperties(), c.framesTopic())) {
            p.send(memory.stateKeys().get(0), "not a frame at all".getBytes(java.nio.charset.StandardCharsets.UTF_8), 1L);
            p.flush();
        }
        Run broken = run(concat(new String[] {"decode", "--group-id", "second-reader"}, common));
        assertThat(broken.exit()).isEqualTo(1);
        assertThat(broken.out()).contains(memory.stateKeys().get(0) + " ").contains("FAILED").contains("BAD_MAGIC");
        assertThat(broken.lastLine()).contains("\"regions_failed\":1").contains("\"verified\":false");
    }

    @Test
    void demoVerifiesEveryRegionAndEndsWithAJsonLine() {
        Run demo = run("demo", "--vms", "2", "--regions", "3", "--region-pages", "16", "--rounds", "6");

        assertThat(demo.exit()).as(demo.err()).isZero();
        assertThat(demo.lastLine()).startsWith("{\"events\":36,").contains("\"regions_seen\":6").contains("\"regions_verified\":6")
                .contains("\"verified\":true");
        assertThat(demo.err()).contains("every frame committed");
    }

    private static String[] concat(String[] a, String[] b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
