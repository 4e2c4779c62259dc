package dev.hde.job.cli;

import dev.hde.producer.cli.Ranges;
import dev.hde.job.config.HdeJobConfig;
import java.time.Duration;
import picocli.CommandLine.Option;

/** How Flink runs a pipeline: parallelism, checkpoints, state backend, restarts, transactions, watermarks. */
public final class FlinkOptions {

    @Option(names = {"-p", "--parallelism"}, converter = Ranges.AtLeastOne.class, description = "Parallelism of the job (default: the environment's; locally the number of cores).")
    Integer parallelism;

    @Option(names = "--checkpoint-interval", converter = DurationConverter.Positive.class, paramLabel = "DURATION",
            description = "Checkpoint interval; frames become visible to read_committed readers at each checkpoint (default: 10s).")
    Duration checkpointInterval;

    @Option(names = "--state-backend", paramLabel = "hashmap|rocksdb",
            description = "Keyed state on the heap (hashmap, default) or in RocksDB with incremental checkpoints (rocksdb).")
    HdeJobConfig.StateBackend stateBackend;

    @Option(names = "--checkpoint-dir", paramLabel = "URI",
            description = "Durable checkpoint storage, e.g. file:///var/lib/hde/checkpoints or, with the Flink plugin, s3://bucket/hde "
                    + "(default: file://<java.io.tmpdir>/hde-checkpoints/<transactional-id prefix>-<hash of the Kafka servers, topic and "
                    + "group>; the newest checkpoint is kept when a "
                    + "job stops or its process dies, and hde encode resumes from it: --restore).")
    String checkpointDir;

    @Option(names = "--managed-memory", converter = SizeConverter.AtLeastOneMebibyte.class, paramLabel = "SIZE",
            description = "Managed memory of the local TaskManager: RocksDB's block cache and write buffers "
                    + "(taskmanager.memory.managed.size; default: 128MiB locally; on a cluster its own setting). With reference images of "
                    + "many GiB in RocksDB, 1GiB or more.")
    Long managedMemory;

    @Option(names = "--no-incremental-checkpoints", description = "With rocksdb: full instead of incremental checkpoints.")
    boolean noIncremental;

    @Option(names = "--restart-attempts", converter = Ranges.NonNegative.class, description = "Fixed-delay restart strategy: attempts before the job fails; 0 = none (default: 3).")
    Integer restartAttempts;

    @Option(names = "--restart-delay", converter = DurationConverter.class, paramLabel = "DURATION",
            description = "Delay between restart attempts (default: 5s).")
    Duration restartDelay;

    @Option(names = "--transactional-id-prefix", paramLabel = "PREFIX",
            description = "Prefix of the Kafka transactional ids of the exactly-once sinks; unique per job on a cluster (default: hde-encoder).")
    String transactionalIdPrefix;

    @Option(names = "--transaction-timeout", converter = DurationConverter.Positive.class, paramLabel = "DURATION",
            description = "Kafka transaction timeout of the sinks; at most the broker's transaction.max.timeout.ms (default: 10m).")
    Duration transactionTimeout;

    @Option(names = "--max-record-bytes", converter = SizeConverter.class, paramLabel = "SIZE",
            description = "Largest record the job writes (producer max.request.size; default: 32MiB).")
    Long maxRecordBytes;

    @Option(names = "--watermark-out-of-orderness", converter = DurationConverter.class, paramLabel = "DURATION",
            description = "How far capture times may go back on one partition (default: 5s).")
    Duration outOfOrderness;

    @Option(names = "--watermark-idleness", converter = DurationConverter.class, paramLabel = "DURATION",
            description = "A partition without records for this long stops holding event time back (default: 30s).")
    Duration idleness;

    @Option(names = "--no-object-reuse", description = "Copy records between chained operators (Flink's pipeline.object-reuse: false).")
    boolean noObjectReuse;

    void applyTo(HdeJobConfig c) {
        if (noObjectReuse) {
            c.objectReuse(false);
        }
        if (parallelism != null) {
            c.parallelism(parallelism);
        }
        if (checkpointInterval != null) {
            c.checkpointInterval(checkpointInterval);
        }
        if (stateBackend != null) {
            c.stateBackend(stateBackend);
        }
        if (checkpointDir != null) {
            c.checkpointDirectory(checkpointDir);
        }
        if (managedMemory != null) {
            c.flinkOption(org.apache.flink.configuration.TaskManagerOptions.MANAGED_MEMORY_SIZE.key(),
                    new org.apache.flink.configuration.MemorySize(managedMemory).toString());
        }
        if (noIncremental) {
            c.incrementalCheckpoints(false);
        }
        if (restartAttempts != null) {
            c.restartAttempts(restartAttempts);
        }
        if (restartDelay != null) {
            c.restartDelay(restartDelay);
        }
        if (transactionalIdPrefix != null) {
            c.transactionalIdPrefix(transactionalIdPrefix);
        }
        if (transactionTimeout != null) {
            c.transactionTimeout(transactionTimeout);
        }
        if (maxRecordBytes != null) {
            c.maxRecordBytes(Math.toIntExact(maxRecordBytes));
        }
        if (outOfOrderness != null) {
            c.watermarkOutOfOrderness(outOfOrderness);
        }
        if (idleness != null) {
            c.watermarkIdleness(idleness);
        }
    }
}
