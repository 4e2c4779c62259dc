package dev.hde.job.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.DeploymentOptions;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The Flink configuration a pipeline runs with, in three layers: HDE's own settings
 * ({@link HdeJobConfig#flinkConfiguration()}: checkpoints, exactly-once, restarts, state backend),
 * then the options given as they are ({@code -D key=value}, {@link HdeJobConfig#flinkOptions()}),
 * and, when the job is submitted to a cluster, the cluster's own configuration for what an
 * operator sets once for every job: state backend, checkpoint and savepoint storage, metric
 * reporters and memory. A key of those that the cluster's configuration ({@code config.yaml} and
 * the submitter's {@code -D}) already sets is left as the cluster set it; every other key is set
 * from the first two layers.
 *
 * <p>Locally ({@code hde encode} on its embedded runtime, {@link #environment}) the environment is
 * made from the first two layers, so nothing is left out.
 */
public final class FlinkSettings {

    /** Settings of the cluster that a job does not override when the cluster's configuration has them. */
    static final List<ConfigOption<?>> CLUSTER_OPTIONS = List.of(
            StateBackendOptions.STATE_BACKEND,
            CheckpointingOptions.CHECKPOINT_STORAGE,
            CheckpointingOptions.CHECKPOINTS_DIRECTORY,
            CheckpointingOptions.SAVEPOINT_DIRECTORY,
            CheckpointingOptions.INCREMENTAL_CHECKPOINTS);

    /** Key prefixes of the same kind: the RocksDB backend's tuning, reporters and metric scopes, process memory. */
    static final List<String> CLUSTER_PREFIXES = List.of("state.backend.", "metrics.", "taskmanager.memory.", "jobmanager.memory.");

    private FlinkSettings() {}

    /** HDE's settings with the {@code -D} options on top: what a local environment is made from. */
    public static Configuration of(HdeJobConfig config) {
        Configuration c = config.flinkConfiguration();
        config.flinkOptions().forEach(c::setString);
        if (isRocksDb(c)) {
            RocksDbDefaults.unreadSettings(c).ifPresent(why -> {
                throw new IllegalArgumentException(why);
            });
        }
        return c;
    }

    /** Whether this process was submitted to a cluster ({@code flink run}, REST, the operator) rather than running the job itself. */
    public static boolean onCluster() {
        return !isLocal(StreamExecutionEnvironment.getExecutionEnvironment().getConfiguration());
    }

    /** The environment of the context (a cluster when submitted with {@code flink run}, REST or the operator; else a local one). */
    public static StreamExecutionEnvironment environment(HdeJobConfig config) {
        // A context environment merges the configuration it is made with over the cluster's: look at
        // the cluster's first, and make the job's environment without the settings the cluster owns.
        ReadableConfig context = StreamExecutionEnvironment.getExecutionEnvironment().getConfiguration();
        if (isLocal(context)) {
            return StreamExecutionEnvironment.getExecutionEnvironment(of(config));
        }
        return StreamExecutionEnvironment.getExecutionEnvironment(resolve(of(config), context).configuration());
    }

    /**
     * What a pipeline applies to {@code env} with {@code env.configure(...)}: {@link #of} less every
     * cluster-owned key that the environment's configuration already sets.
     */
    public static Configuration forEnvironment(HdeJobConfig config, StreamExecutionEnvironment env) {
        return resolve(of(config), env.getConfiguration()).configuration();
    }

    /**
     * The settings of {@code wanted} that the environment's configuration sets otherwise, and the
     * configuration to apply without them.
     *
     * @param keptFromCluster one line per cluster setting kept in place of a different wanted value
     */
    public record Resolution(Configuration configuration, List<String> keptFromCluster) {}

    /** Splits {@code wanted} into what to apply and the cluster settings that win over it (see the class comment). */
    public static Resolution resolve(Configuration wanted, ReadableConfig environment) {
        Configuration apply = new Configuration();
        List<String> kept = new ArrayList<>();
        Map<String, String> env = environment.toMap();
        boolean cluster = !isLocal(environment);
        for (Map.Entry<String, String> e : wanted.toMap().entrySet()) {
            String key = e.getKey();
            if (cluster && isProcessSetting(key) && !env.containsKey(key)) {
                continue; // reporters and memory are the cluster's processes': a job's value would change nothing
            }
            Optional<String> clusterValue = clusterValue(key, env, environment);
            if (clusterValue.isPresent()) {
                if (!clusterValue.get().equals(e.getValue())) {
                    kept.add(key + ": the cluster's " + clusterValue.get() + " (not " + e.getValue() + ")");
                }
            } else {
                apply.setString(key, e.getValue());
            }
        }
        return new Resolution(apply, kept);
    }

    /** Metric reporters and scopes, process memory: set when a JobManager or TaskManager starts, never per job. */
    private static boolean isProcessSetting(String key) {
        return CLUSTER_PREFIXES.stream().filter(p -> !p.equals("state.backend.")).anyMatch(key::startsWith);
    }

    /** The cluster's value of a cluster-owned key (also under a deprecated or fallback key), or empty. */
    private static Optional<String> clusterValue(String key, Map<String, String> env, ReadableConfig environment) {
        for (ConfigOption<?> option : CLUSTER_OPTIONS) {
            if (option.key().equals(key)) {
                return environment.getOptional(option).map(String::valueOf);
            }
        }
        for (String prefix : CLUSTER_PREFIXES) {
            if (key.startsWith(prefix)) {
                return Optional.ofNullable(env.get(key));
            }
        }
        return Optional.empty();
    }

    /**
     * Lines to show before submitting: the cluster settings that win over HDE's, and a warning when
     * a cluster job would keep its checkpoints in a machine-local temporary directory.
     */
    public static List<String> explain(HdeJobConfig config, StreamExecutionEnvironment env) {
        ReadableConfig environment = env.getConfiguration();
        Resolution r = resolve(of(config), environment);
        List<String> lines = new ArrayList<>();
        r.keptFromCluster().forEach(k -> lines.add("cluster setting kept for " + k));
        Configuration effective = new Configuration();
        environment.toMap().forEach(effective::setString);
        r.configuration().toMap().forEach(effective::setString);
        if (isRocksDb(effective)) {
            RocksDbDefaults.unreadSettings(effective).ifPresent(why -> lines.add("warning: " + why));
        }
        if (!isLocal(environment)) {
            String dir = environment.getOptional(CheckpointingOptions.CHECKPOINTS_DIRECTORY)
                    .orElse(r.configuration().get(CheckpointingOptions.CHECKPOINTS_DIRECTORY));
            if (dir != null && (dir.startsWith(HdeJobConfig.defaultCheckpointDirectory()) || dir.startsWith("file:/tmp"))) {
                lines.add("warning: checkpoints go to " + dir + " on each machine; a cluster needs shared storage: set "
                        + CheckpointingOptions.CHECKPOINTS_DIRECTORY.key() + " in the cluster's config.yaml or pass --checkpoint-dir");
            }
        }
        return lines;
    }

    private static boolean isRocksDb(ReadableConfig c) {
        return c.getOptional(StateBackendOptions.STATE_BACKEND).map(b -> b.equalsIgnoreCase("rocksdb")).orElse(false);
    }

    /** True for an environment that runs in this JVM (the embedded runtime or a test mini cluster). */
    public static boolean isLocal(ReadableConfig environment) {
        String target = environment.get(DeploymentOptions.TARGET);
        return target == null || target.equals("local") || target.equals("minicluster");
    }
}
