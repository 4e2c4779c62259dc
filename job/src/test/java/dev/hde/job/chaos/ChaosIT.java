package dev.hde.job.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hde.job.cli.HdeCli;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The short form of the process-kill fault suite, as CI runs it: {@code hde chaos} with three kill -9
 * of the encoder's JVM (one restart without state), one of the broker's JVM, dropped events and a
 * pruned VM, with RocksDB and incremental checkpoints (a restore of a restore reads files that
 * earlier runs uploaded). Every region must end byte-exact against the producer's memory, no frame may have led a
 * receiver elsewhere, and no frame may be committed twice. The long form (20 kills, several seeds)
 * is in docs/reliability.md.
 */
class ChaosIT {

    @Test
    void threeKillsOfTheEncoderAndOneOfTheBrokerLeaveEveryRegionExact(@TempDir Path dir) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = HdeCli.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute("chaos", "--kills", "3", "--broker-kills", "1", "--without-state", "1", "--broker-down", "12s", "--gap", "15s",
                "--seed", "11", "--state-backend", "rocksdb", "--work-dir", dir.toString());
        String json = out.toString().strip().lines().reduce((a, b) -> b).orElse("");
        assertThat(exit).as("%s%n%s", json, err).isZero();
        assertThat(json).contains("\"ok\":true").contains("\"kills\":3").contains("\"broker_kills\":1").contains("\"regions_wrong\":0")
                .contains("\"duplicate_frames\":0").contains("\"frames_wrong\":0");
        assertThat(field(json, "regions_exact")).isEqualTo(field(json, "regions")).isPositive();
        assertThat(field(json, "resyncs_requested")).as("the restart without state and the dropped events made resyncs").isPositive();
        assertThat(field(json, "resyncs_answered")).isPositive();
        assertThat(field(json, "restored_runs")).as("some restarts resumed from a checkpoint").isPositive();
        assertThat(field(json, "models_in_band")).as("the adaptive selector's trainer wrote models into the page-updates topic").isPositive();
    }

    private static long field(String json, String name) {
        Matcher m = Pattern.compile("\"" + name + "\":(\\d+)").matcher(json);
        assertThat(m.find()).as("%s in %s", name, json).isTrue();
        return Long.parseLong(m.group(1));
    }
}
