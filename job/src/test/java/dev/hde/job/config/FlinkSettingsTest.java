package dev.hde.job.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;

class FlinkSettingsTest {

    @Test
    void flinkOptionsGoOnTopOfHdesOwnSettings() {
        HdeJobConfig c = new HdeJobConfig().checkpointInterval(Duration.ofSeconds(3))
                .flinkOption("state.backend.type", "rocksdb")
                .flinkOption("execution.checkpointing.interval", "7 s")
                .flinkOption("pipeline.max-parallelism", "77");
        Configuration f = FlinkSettings.of(c);

        assertThat(f.get(StateBackendOptions.STATE_BACKEND)).isEqualTo("rocksdb");
        assertThat(f.get(CheckpointingOptions.CHECKPOINTING_INTERVAL)).isEqualTo(Duration.ofSeconds(7));
        assertThat(f.get(CoreOptions.DEFAULT_PARALLELISM)).isEqualTo(CoreOptions.DEFAULT_PARALLELISM.defaultValue());
        assertThat(f.toMap()).containsEntry("pipeline.max-parallelism", "77");
        assertThat(c.copy().flinkOptions()).containsEntry("pipeline.max-parallelism", "77");
    }

    @Test
    void theClustersBackendStorageReportersAndMemoryWinEverythingElseIsTheJobs() {
        Configuration wanted = FlinkSettings.of(new HdeJobConfig()
                .checkpointDirectory("file:///tmp/mine")
                .flinkOption("metrics.reporter.prom.port", "9249")
                .flinkOption("taskmanager.memory.process.size", "4g")
                .flinkOption("pipeline.max-parallelism", "64"));
        Configuration cluster = new Configuration();
        cluster.setString("state.backend.type", "rocksdb");
        cluster.setString("execution.checkpointing.dir", "s3://bucket/checkpoints");
        cluster.setString("metrics.reporter.prom.port", "9250");
        cluster.setString("pipeline.max-parallelism", "8");

        FlinkSettings.Resolution r = FlinkSettings.resolve(wanted, cluster);

        assertThat(r.configuration().toMap())
                .doesNotContainKeys("state.backend.type", "execution.checkpointing.dir", "metrics.reporter.prom.port")
                // not set by the cluster: the job's, also for the kinds the cluster owns
                .containsEntry("taskmanager.memory.process.size", "4g")
                .containsEntry("execution.checkpointing.storage", "filesystem")
                // not a cluster-owned kind: the job's wins
                .containsEntry("pipeline.max-parallelism", "64")
                .containsKey("execution.checkpointing.interval");
        assertThat(r.keptFromCluster()).containsExactlyInAnyOrder(
                "state.backend.type: the cluster's rocksdb (not hashmap)",
                "execution.checkpointing.dir: the cluster's s3://bucket/checkpoints (not file:///tmp/mine)",
                "metrics.reporter.prom.port: the cluster's 9250 (not 9249)");
    }

    @Test
    void onAClusterReportersAndMemoryAreNeverTheJobs() {
        Configuration wanted = FlinkSettings.of(new HdeJobConfig()
                .flinkOption("metrics.reporter.hde-progress.factory.class", "x.Factory")
                .flinkOption("taskmanager.memory.managed.size", "1g")
                .stateBackend(HdeJobConfig.StateBackend.ROCKSDB));
        Configuration cluster = new Configuration();
        cluster.setString("execution.target", "remote");

        FlinkSettings.Resolution r = FlinkSettings.resolve(wanted, cluster);

        assertThat(r.configuration().toMap()).doesNotContainKeys("metrics.reporter.hde-progress.factory.class", "taskmanager.memory.managed.size")
                .containsEntry("state.backend.type", "rocksdb"); // the cluster sets none: the job's
        assertThat(r.keptFromCluster()).isEmpty();
    }

    @Test
    void aLocalEnvironmentIsMadeFromTheJobsSettingsAndKeepsThem() {
        HdeJobConfig c = new HdeJobConfig().stateBackend(HdeJobConfig.StateBackend.ROCKSDB).flinkOption("pipeline.max-parallelism", "77");
        StreamExecutionEnvironment env = FlinkSettings.environment(c);

        assertThat(FlinkSettings.isLocal(env.getConfiguration())).isTrue();
        assertThat(env.getConfiguration().get(StateBackendOptions.STATE_BACKEND)).isEqualTo("rocksdb");
        assertThat(env.getConfiguration().toMap()).containsEntry("pipeline.max-parallelism", "77");
        env.configure(FlinkSettings.forEnvironment(c, env)); // what the pipelines do
        assertThat(env.getConfiguration().get(StateBackendOptions.STATE_BACKEND)).isEqualTo("rocksdb");
        assertThat(FlinkSettings.explain(c, env)).isEmpty();
    }

    @Test
    void aUniversalCompactionKeyThatNoFactoryReadsIsRefused() {
        HdeJobConfig own = new HdeJobConfig().stateBackend(HdeJobConfig.StateBackend.ROCKSDB)
                .flinkOption("state.backend.rocksdb.options-factory", "com.example.MyOptionsFactory")
                .flinkOption("hde.rocksdb.universal.run-trigger", "20");
        assertThatThrownBy(() -> FlinkSettings.of(own)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("hde.rocksdb.universal.run-trigger")
                .hasMessageContaining("com.example.MyOptionsFactory");

        HdeJobConfig leveled = new HdeJobConfig().stateBackend(HdeJobConfig.StateBackend.ROCKSDB)
                .flinkOption("state.backend.rocksdb.compaction.style", "LEVEL")
                .flinkOption("hde.rocksdb.universal.size-ratio", "5");
        assertThatThrownBy(() -> FlinkSettings.of(leveled)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("hde.rocksdb.universal.size-ratio").hasMessageContaining("LEVEL");
        HdeJobConfig leveledStopStyle = new HdeJobConfig().stateBackend(HdeJobConfig.StateBackend.ROCKSDB)
                .flinkOption("state.backend.rocksdb.compaction.style", "LEVEL")
                .flinkOption("hde.rocksdb.universal.stop-style", "SIMILAR_SIZE");
        assertThatThrownBy(() -> FlinkSettings.of(leveledStopStyle)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("hde.rocksdb.universal.stop-style");

        // Either alone is fine: the job's factory reads the key; another factory with none of the job's keys set.
        assertThat(FlinkSettings.of(new HdeJobConfig().stateBackend(HdeJobConfig.StateBackend.ROCKSDB)
                .flinkOption("hde.rocksdb.universal.run-trigger", "20")).toMap())
                .containsEntry("hde.rocksdb.universal.run-trigger", "20");
        assertThat(FlinkSettings.of(new HdeJobConfig().stateBackend(HdeJobConfig.StateBackend.ROCKSDB)
                .flinkOption("state.backend.rocksdb.options-factory", "com.example.MyOptionsFactory")).toMap())
                .containsEntry("state.backend.rocksdb.options-factory", "com.example.MyOptionsFactory");
    }

    @Test
    void onAClusterWhoseOptionsFactoryWinsTheJobsUniversalKeysAreAWarning() {
        HdeJobConfig c = new HdeJobConfig().stateBackend(HdeJobConfig.StateBackend.ROCKSDB)
                .flinkOption("hde.rocksdb.universal.run-trigger", "20");
        Configuration cluster = new Configuration();
        cluster.setString("execution.target", "remote");
        cluster.setString("state.backend.rocksdb.options-factory", "com.example.ClusterOptionsFactory");
        StreamExecutionEnvironment env = new StreamExecutionEnvironment(cluster);

        assertThat(FlinkSettings.explain(c, env)).anySatisfy(line -> assertThat(line).startsWith("warning: ")
                .contains("hde.rocksdb.universal.run-trigger").contains("com.example.ClusterOptionsFactory"));
        assertThat(FlinkSettings.explain(new HdeJobConfig().stateBackend(HdeJobConfig.StateBackend.ROCKSDB), env))
                .noneMatch(line -> line.contains("hde.rocksdb.universal"));
    }
}
