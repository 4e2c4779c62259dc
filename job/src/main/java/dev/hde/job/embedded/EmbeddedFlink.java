package dev.hde.job.embedded;

import dev.hde.job.config.FlinkSettings;
import dev.hde.job.config.HdeJobConfig;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/** A local Flink runtime in this JVM (a mini cluster per job), configured from {@link HdeJobConfig}. */
public final class EmbeddedFlink {

    private EmbeddedFlink() {}

    public static StreamExecutionEnvironment environment(HdeJobConfig config, int parallelism) {
        Configuration c = FlinkSettings.of(config);
        // No web UI and no fixed port: several embedded jobs may run in one JVM and beside other processes.
        c.set(RestOptions.BIND_PORT, "0");
        if (!c.contains(TaskManagerOptions.MANAGED_MEMORY_SIZE)) {
            // Flink's local default; -D taskmanager.memory.managed.size=... (RocksDB's block cache and write buffers) wins.
            c.set(TaskManagerOptions.MANAGED_MEMORY_SIZE, MemorySize.ofMebiBytes(128));
        }
        return StreamExecutionEnvironment.createLocalEnvironment(parallelism, c);
    }
}
