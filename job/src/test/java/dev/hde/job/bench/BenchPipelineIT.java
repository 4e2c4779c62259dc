package dev.hde.job.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hde.job.cli.HdeCli;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code hde bench-pipeline} end to end on a tiny workload, both forms: the encoder job against the
 * pass-through job, and the state-scale phases (load, then a timed steady phase). Figures are the
 * machine's; what is checked is that every event is carried, that the figures are there, and that
 * the steady phase sends exactly what the codec alone would for the same changed pages.
 */
class BenchPipelineIT {

    @Test
    void theEncoderJobAndThePassThroughJobCarryEveryEvent() {
        String json = run("bench-pipeline", "--vms", "1", "--regions", "2", "--region-pages", "16", "--rounds", "4", "--checkpoint-interval", "1s");
        assertThat(field(json, "events")).as("a round's region without dirty pages sends nothing").isBetween(2L, 2L * 4);
        assertThat(decimal(json, "encoder_mb_s")).isPositive();
        assertThat(decimal(json, "pass_through_mb_s")).isPositive();
        assertThat(field(json, "encoder_wire_bytes")).as("the encoder sends fewer bytes than it is given")
                .isLessThan(field(json, "pass_through_wire_bytes"));
    }

    @Test
    void theStateScalePhasesReportTheSteadyPhaseAndNoWholeRegionResends() {
        // One region of 16 pages and about 200 events of 1-4 pages: its sequence numbers pass 127, where a frame's varint grows a byte.
        String json = run("bench-pipeline", "--reference", "64KiB", "--steady", "2MiB", "--region-pages", "16", "--checkpoint-interval", "1s",
                "--state-backend", "rocksdb", "--managed-memory", "64MiB");
        assertThat(json).contains("\"backend\":\"rocksdb\"");
        assertThat(field(json, "reference_bytes")).isEqualTo(64L << 10);
        assertThat(field(json, "changed_bytes")).isGreaterThanOrEqualTo(2L << 20);
        assertThat(field(json, "full_frames")).as("no keyframe but by cost or request").isZero();
        assertThat(field(json, "delta_frames")).isPositive();
        assertThat(field(json, "wire_bytes")).as("exactly what the codec alone sends for the same changes (the issue asks at most 1.1 ×)")
                .isEqualTo(field(json, "trace_bytes"));
        assertThat(field(json, "checkpoint_bytes")).isPositive();
        assertThat(field(json, "checkpoints")).as("the steady phase ends with a checkpoint").isPositive();
        assertThat(field(json, "checkpoint_bytes_total")).isGreaterThanOrEqualTo(field(json, "checkpoint_bytes"));
        assertThat(field(json, "pending_compaction_bytes")).as("RocksDB's compactions are read (0 or more), not missing").isNotNegative();
        assertThat(field(json, "state_file_bytes")).as("RocksDB's table files found in the run's state directory").isPositive();
        assertThat(json).contains("\"warm_state\":true");
        assertThat(decimal(json, "page_lookups_per_changed_page")).as("a base, and a patch only where the region's page index has one")
                .isGreaterThan(0).isLessThanOrEqualTo(2.0);
    }

    private static String run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = HdeCli.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute(args);
        String json = out.toString().strip().lines().reduce((a, b) -> b).orElse("");
        assertThat(exit).as("%s%n%s", json, err).isZero();
        return json;
    }

    private static double decimal(String json, String name) {
        Matcher m = Pattern.compile("\"" + name + "\":([0-9.]+)").matcher(json);
        assertThat(m.find()).as("%s in %s", name, json).isTrue();
        return Double.parseDouble(m.group(1));
    }

    private static long field(String json, String name) {
        Matcher m = Pattern.compile("\"" + name + "\":(\\d+)").matcher(json);
        assertThat(m.find()).as("%s in %s", name, json).isTrue();
        return Long.parseLong(m.group(1));
    }
}
