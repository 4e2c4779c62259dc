package dev.hde.job.cli;

import dev.hde.producer.cli.Ranges;
import dev.hde.job.EncoderJob;
import dev.hde.job.config.CheckpointRestore;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import dev.hde.job.config.HdeJobConfig;
import dev.hde.job.config.FlinkSettings;
import dev.hde.job.kafka.KafkaPreflight;
import dev.hde.job.kafka.KafkaTopics;
import dev.hde.producer.cli.Usage;
import dev.hde.producer.cli.UserError;
import java.io.PrintWriter;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.admin.Admin;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code hde encode}: runs the encoder job against a Kafka cluster, on an embedded local Flink
 * runtime (or on the cluster this is submitted to with {@code flink run}). Runs until stopped
 * (Ctrl-C), or with {@code --bounded} until it has read the page updates present at its start.
 */
@Command(name = "encode", mixinStandardHelpOptions = true, sortOptions = false,
        header = "Run the encoder job: page updates -> frames (Kafka, exactly-once).",
        description = {
            "Run the HDE encoder job: page updates (Kafka) -> validate -> encode per",
            "state key -> frames (Kafka, exactly-once); refused events go to the",
            "dead-letter topic; the catalog merger keeps this site's baseline catalog",
            "on the catalog topic (--site-id). Every setting and its default:",
            "docs/configuration.md."
        })
public final class EncodeCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    KafkaOptions kafka = new KafkaOptions();

    @Mixin
    FlinkOptions flink = new FlinkOptions();

    @Mixin
    EncoderOptions encoder = new EncoderOptions();

    @Mixin
    CatalogOptions catalog = new CatalogOptions();

    @Mixin
    CatalogOptions.Merger merger = new CatalogOptions.Merger();

    @Mixin
    ObservabilityOptions observability = new ObservabilityOptions();

    @Option(names = "--bounded", description = "Stop after the page updates present when the job starts (default: run until stopped).")
    boolean bounded;

    @Option(names = "--starting-offsets", paramLabel = "resume|committed|earliest|latest",
            description = "Where to start without a checkpoint (default: resume): resume = the latest offsets where the group "
                    + "committed some, so that events encoded against lost state are not encoded again, the earliest where it has none; "
                    + "committed = the group's committed offsets; earliest; latest.")
    HdeJobConfig.StartingOffsets startingOffsets;

    @Option(names = "--create-topics", description = "Create missing topics first (with --partitions and --replication-factor).")
    boolean createTopics;

    @Option(names = "--partitions", defaultValue = "4", converter = Ranges.AtLeastOne.class, description = "Partitions of created topics (default: ${DEFAULT-VALUE}).")
    int partitions;

    @Option(names = "--replication-factor", defaultValue = "3", converter = Ranges.ReplicationFactor.class, description = "Replication factor of created topics (default: ${DEFAULT-VALUE}).")
    short replication;

    @Option(names = "--restore", paramLabel = "auto|none|PATH", defaultValue = "auto",
            description = "auto (default): resume from the newest completed checkpoint or savepoint in the checkpoint directory, if any "
                    + "(locally; on a cluster recovery is the cluster's); none: start without state (the encoder then asks producers for "
                    + "whole regions); PATH: start from this checkpoint or savepoint.")
    String restore;

    @Option(names = "--no-savepoint-on-stop",
            description = "Locally, do not stop with a savepoint on Ctrl-C / SIGTERM (default: a savepoint in <checkpoint-dir>/savepoints, "
                    + "which --restore auto resumes from).")
    boolean noSavepointOnStop;

    HdeJobConfig config() {
        HdeJobConfig c = new HdeJobConfig();
        kafka.applyTo(c, false);
        flink.applyTo(c);
        encoder.applyTo(c);
        catalog.applyTo(c);
        merger.applyTo(c);
        observability.applyTo(c);
        c.bounded(bounded);
        if (startingOffsets != null) {
            c.startingOffsets(startingOffsets);
        }
        return c;
    }

    @Override
    public Integer call() throws Exception {
        HdeJobConfig c = Usage.check(spec, this::config);
        PrintWriter err = spec.commandLine().getErr();
        if (createTopics) {
            KafkaPreflight.check(c.kafkaClientProperties(), kafka.connectTimeout);
            KafkaTopics.create(Admin.create(c.kafkaClientProperties()), partitions, replication, c.encoderTopics(), c.compactedTopics());
        }
        KafkaPreflight.checkTopicUses(c.kafkaClientProperties(), kafka.connectTimeout, c.encoderTopicUses(),
                "create them with --create-topics (or kafka-topics.sh --create)");
        err.println("hde encode: " + c.describe());
        JobLogFile.announce(err, "hde encode");
        boolean local = !FlinkSettings.onCluster();
        restore(c, local, err);
        StreamExecutionEnvironment env = FlinkSettings.environment(c);
        FlinkSettings.explain(c, env).forEach(line -> err.println("hde encode: " + line));
        err.flush();
        if (local && !bounded && !noSavepointOnStop) {
            return runStoppingWithSavepoint(c, env, err);
        }
        JobExecutionResult r = EncoderJob.fromKafka(c).execute(env);
        if (r.isJobExecutionResult()) {
            err.printf("hde encode: job finished after %.1f s%n", r.getNetRuntime() / 1000.0);
        } else { // flink run -d, or a submission through the REST API: the job runs on
            err.println("hde encode: job " + r.getJobID() + " submitted (detached)");
        }
        err.flush();
        return 0;
    }

    /** Applies {@code --restore}: where the job starts from, said in one line. */
    private void restore(HdeJobConfig c, boolean local, PrintWriter err) throws java.io.IOException {
        switch (restore) {
            case "none" -> err.println("hde encode: --restore none: starting without state from the " + c.startingOffsets().name().toLowerCase(
                    java.util.Locale.ROOT) + " offsets; partial updates of regions wait for whole ones (resync requests)");
            case "auto" -> {
                if (!local) {
                    err.println("hde encode: on a cluster, recovery is the cluster's (HA, the operator's upgrade mode); --restore auto takes "
                            + "nothing: pass --restore PATH to start from a savepoint");
                    return;
                }
                String dir = c.effectiveCheckpointDirectory();
                var found = CheckpointRestore.newest(dir);
                if (found.isEmpty()) {
                    err.println("hde encode: no checkpoint in " + dir + ": starting from the " + c.startingOffsets().name().toLowerCase(
                            java.util.Locale.ROOT) + " offsets");
                    return;
                }
                // Claimed, Flink deletes the checkpoint once a newer one subsumes it, and each shared file once no
                // checkpoint refers to it. Older runs' directories are left to it: an incremental (RocksDB)
                // checkpoint refers to files that earlier runs uploaded, in their directories.
                requireIntact(found.get().path(), "--restore auto: the newest " + (found.get().savepoint() ? "savepoint " : "checkpoint ")
                        + found.get().path(), err);
                c.restore(found.get().path(), !found.get().savepoint());
                err.println("hde encode: resuming from " + (found.get().savepoint() ? "savepoint " : "checkpoint ") + found.get().path()
                        + " (written " + found.get().written() + ")");
            }
            default -> {
                requireIntact(restore, "--restore " + restore, err);
                c.restore(restore, false);
                err.println("hde encode: starting from " + restore);
            }
        }
    }

    /**
     * Refuses, in one line, a checkpoint or savepoint that is not there or whose files are not all
     * there: restored, it would fail every task's restore and restart until the restart strategy gives
     * up. Starting from an older one instead would be a guess (its frames were already committed), so
     * the person chooses.
     */
    private static void requireIntact(String path, String what, PrintWriter err) {
        java.util.Optional<String> problem;
        try {
            problem = CheckpointRestore.problem(path);
        } catch (java.io.IOException e) {
            // This process may not reach the checkpoint storage (a file system only the cluster has): Flink checks it on restore.
            err.println("hde encode: could not check " + path + " from here (" + e.getMessage() + "); Flink reads it when the job starts");
            return;
        }
        if (problem.isPresent()) {
            throw UserError.usage(what + ": " + problem.get() + "; give another with --restore PATH, or --restore none "
                    + "to start without state (every region then waits for a whole one)");
        }
    }

    /**
     * Runs the job locally until it ends, or until Ctrl-C / SIGTERM, which stops it with a savepoint
     * that {@code --restore auto} resumes from (an upgrade without losing the reference images).
     */
    private int runStoppingWithSavepoint(HdeJobConfig c, StreamExecutionEnvironment env, PrintWriter err) throws Exception {
        JobClient client = EncoderJob.fromKafka(c).executeAsync(env);
        String savepoints = CheckpointRestore.savepointDirectory(c.effectiveCheckpointDirectory());
        java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
        Thread hook = new Thread(() -> {
            if (done.getCount() == 0) {
                return;
            }
            err.println("hde encode: stopping with a savepoint in " + savepoints + " ...");
            err.flush();
            try {
                String path = client.stopWithSavepoint(false, savepoints, SavepointFormatType.CANONICAL).get(2, java.util.concurrent.TimeUnit.MINUTES);
                err.println("hde encode: savepoint " + path + "; start again with --restore auto (the default) to resume from it");
            } catch (Exception e) {
                err.println("hde encode: no savepoint (" + e.getMessage() + "); the newest retained checkpoint in "
                        + c.effectiveCheckpointDirectory() + " is what --restore auto resumes from");
            }
            err.flush();
        }, "hde-encode-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            JobExecutionResult r = client.getJobExecutionResult().get();
            err.printf("hde encode: job finished after %.1f s%n", r.getNetRuntime() / 1000.0);
        } finally {
            done.countDown();
        }
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook runs: it stopped the job with its savepoint
        }
        err.flush();
        return 0;
    }
}
