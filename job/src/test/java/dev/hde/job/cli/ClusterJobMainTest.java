package dev.hde.job.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hde.job.config.FlinkSettings;
import dev.hde.job.config.HdeJobConfig;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class ClusterJobMainTest {

    @Test
    void aBadCommandLineIsAnExceptionNotAnExit() {
        // In application mode main() runs in the JobManager: System.exit there would end the JobManager.
        assertThatThrownBy(() -> ClusterJobMain.run("encode", "--no-such-option"))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("hde-job encode: exit code 2");
        assertThatThrownBy(() -> ClusterJobMain.run("demo")).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void helpEndsNormally() throws Exception {
        ClusterJobMain.run("--help");
        ClusterJobMain.run("encode", "--help");
    }

    @Test
    void dashDGivesFlinkOptionsAndKafkaPropertiesApart() {
        CommandLine.ParseResult parsed = new CommandLine(new ClusterJobMain()).parseArgs("encode", "-D", "state.backend.type=rocksdb",
                "-Dkafka.linger.ms=7", "-D", "execution.checkpointing.dir=s3://b/c", "--metrics-port", "9249");
        HdeJobConfig c = ((EncodeCommand) parsed.subcommand().commandSpec().userObject()).config();

        assertThat(c.kafkaClientProperties()).containsEntry("linger.ms", "7").doesNotContainKey("state.backend.type");
        assertThat(c.flinkOptions()).containsEntry("state.backend.type", "rocksdb").containsEntry("execution.checkpointing.dir", "s3://b/c")
                .containsEntry("metrics.reporter.prom.port", "9249").doesNotContainKey("kafka.linger.ms");
        assertThat(FlinkSettings.of(c).toMap()).containsEntry("state.backend.type", "rocksdb")
                .containsEntry("metrics.reporter.prom.factory.class", "org.apache.flink.metrics.prometheus.PrometheusReporterFactory");
    }
}
