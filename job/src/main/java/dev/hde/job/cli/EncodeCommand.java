package dev.hde.job.cli;

import dev.hde.job.EncoderJob;
import dev.hde.job.config.HdeJobConfig;
import dev.hde.job.config.FlinkSettings;
import dev.hde.job.kafka.KafkaPreflight;
import dev.hde.job.kafka.KafkaTopics;
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

    @Option(names = "--starting-offsets", paramLabel = "committed|earliest|latest",
            description = "Where to start without a checkpoint: the group's committed offsets (default; earliest without any), earliest or latest.")
    HdeJobConfig.StartingOffsets startingOffsets;

    @Option(names = "--create-topics", description = "Create missing topics first (with --partitions and --replication-factor).")
    boolean createTopics;

    @Option(names = "--partitions", defaultValue = "4", description = "Partitions of created topics (default: ${DEFAULT-VALUE}).")
    int partitions;

    @Option(names = "--replication-factor", defaultValue = "3", description = "Replication factor of created topics (default: ${DEFAULT-VALUE}).")
    short replication;

    /** How long the check that Kafka answers (before the job is built) waits. */
    static final java.time.Duration KAFKA_TIMEOUT = java.time.Duration.ofSeconds(30);

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
        HdeJobConfig c = config();
        PrintWriter err = spec.commandLine().getErr();
        err.println("hde encode: " + c.describe());
        err.flush();
        KafkaPreflight.check(c.kafkaClientProperties(), KAFKA_TIMEOUT);
        if (createTopics) {
            KafkaTopics.create(Admin.create(c.kafkaClientProperties()), partitions, replication, c.encoderTopics(), c.compactedTopics());
        }
        StreamExecutionEnvironment env = FlinkSettings.environment(c);
        FlinkSettings.explain(c, env).forEach(line -> err.println("hde encode: " + line));
        err.flush();
        JobExecutionResult r = EncoderJob.fromKafka(c).execute(env);
        if (r.isJobExecutionResult()) {
            err.printf("hde encode: job finished after %.1f s%n", r.getNetRuntime() / 1000.0);
        } else { // flink run -d, or a submission through the REST API: the job runs on
            err.println("hde encode: job " + r.getJobID() + " submitted (detached)");
        }
        err.flush();
        return 0;
    }
}
