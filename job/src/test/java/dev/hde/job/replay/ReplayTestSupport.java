package dev.hde.job.replay;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hde.codec.select.NetworkMode;
import dev.hde.job.cli.HdeCli;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import picocli.CommandLine;

/** What the replay tests share: the mini cluster, running {@code hde replay}, reading its JSON summary. */
final class ReplayTestSupport {

    static final int PARALLELISM = 2;

    private ReplayTestSupport() {}

    static MiniClusterExtension miniCluster() {
        return new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
                .setNumberTaskManagers(1)
                .setNumberSlotsPerTaskManager(PARALLELISM)
                .setConfiguration(new Configuration())
                .build());
    }

    /** A finished {@code hde replay}: exit code, stdout, stderr, and the JSON summary (its last stdout line). */
    record Run(int exit, String out, String err) {

        String lastLine() {
            String[] lines = out.strip().split("\n");
            return lines[lines.length - 1];
        }

        JsonNode json() {
            try {
                return new ObjectMapper().readTree(lastLine());
            } catch (Exception e) {
                throw new AssertionError("the last line of stdout is not JSON: " + lastLine(), e);
            }
        }

        /** Entries of the summary by name. */
        Map<String, JsonNode> entries() {
            Map<String, JsonNode> out = new HashMap<>();
            json().get("configurations").forEach(e -> out.put(e.get("name").asText(), e));
            return out;
        }

        /** The adaptive selector's table cost in a mode is at most every fixed configuration's. */
        void assertAdaptiveAtMostEveryFixed() {
            Map<String, JsonNode> e = entries();
            for (NetworkMode m : NetworkMode.values()) {
                double adaptive = e.get("adaptive").get("cost_s").get(m.lowerName()).asDouble();
                assertThat(adaptive).isEqualTo(e.get(ReplaySettings.adaptiveName(m)).get("cost_s").get(m.lowerName()).asDouble());
                e.values().stream().filter(n -> n.get("fixed").asBoolean()).forEach(n -> assertThat(adaptive)
                        .as("%s: adaptive vs %s\n%s", m, n.get("name").asText(), out)
                        .isLessThanOrEqualTo(n.get("cost_s").get(m.lowerName()).asDouble()));
            }
        }
    }

    static Run replay(Path out, String... args) {
        StringWriter stdout = new StringWriter();
        StringWriter stderr = new StringWriter();
        CommandLine cli = HdeCli.commandLine();
        cli.setOut(new PrintWriter(stdout));
        cli.setErr(new PrintWriter(stderr));
        java.util.List<String> all = new java.util.ArrayList<>(java.util.List.of("replay"));
        all.addAll(java.util.List.of(args));
        all.add("--out");
        all.add(out.toString());
        if (!all.contains("-p")) {
            all.add("-p");
            all.add(Integer.toString(PARALLELISM));
        }
        int exit = cli.execute(all.toArray(String[]::new));
        return new Run(exit, stdout.toString(), stderr.toString());
    }

    static Path redisTrace() {
        Path dir = Path.of(System.getProperty("hde.trace.dir", "../../shared/traces/redis-22m"));
        assertThat(dir.resolve("000.bin.zst")).as("the shared redis trace (set -Dhde.trace.dir)").exists();
        return dir;
    }
}
