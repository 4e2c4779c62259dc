package dev.hde.job.cli;

import dev.hde.producer.cli.Ranges;
import dev.hde.job.EncoderJob;
import dev.hde.job.bench.PassThroughJob;
import dev.hde.job.config.HdeJobConfig;
import dev.hde.job.embedded.EmbeddedFlink;
import dev.hde.job.embedded.EmbeddedKafka;
import dev.hde.job.embedded.FrameCounter;
import dev.hde.job.embedded.KafkaOffsets;
import dev.hde.job.embedded.WorkloadPublisher;
import dev.hde.job.kafka.KafkaConnectors;
import dev.hde.producer.SyntheticWorkload;
import dev.hde.producer.cli.Usage;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code hde bench-pipeline}: how much encoding costs in the running pipeline. Publishes a synthetic
 * workload to an in-process broker once, then runs over the same records (bounded) the encoder
 * job and a pass-through job with the same source, key-by and exactly-once sink but no encoding,
 * and reports for both the MB/s of page updates and the frames per second, and their ratio.
 */
@Command(name = "bench-pipeline", mixinStandardHelpOptions = true, sortOptions = false,
        header = "Encoder job vs a pass-through job: MB/s and frames/s.",
        description = {
            "Benchmark the encoder job against a pass-through job (same Kafka source,",
            "key-by and exactly-once sink, no encoding) on the same page updates in an",
            "in-process broker; prints MB/s and frames/s of both, their ratio, and a",
            "JSON line last."
        })
public final class BenchPipelineCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    WorkloadOptions workload = new WorkloadOptions();

    @Mixin
    EncoderOptions encoder = new EncoderOptions();

    @Option(names = {"-p", "--parallelism"}, defaultValue = "2", converter = Ranges.AtLeastOne.class, description = "Parallelism of the jobs (default: ${DEFAULT-VALUE}).")
    int parallelism;

    @Option(names = "--partitions", defaultValue = "4", converter = Ranges.AtLeastOne.class, description = "Partitions of the topics (default: ${DEFAULT-VALUE}).")
    int partitions;

    @Option(names = "--checkpoint-interval", converter = DurationConverter.Positive.class, defaultValue = "10s", paramLabel = "DURATION",
            description = "Checkpoint interval of both jobs (default: ${DEFAULT-VALUE}, the job's default).")
    Duration checkpointInterval;

    @Option(names = "--state-backend", defaultValue = "hashmap", paramLabel = "hashmap|rocksdb", description = "State backend (default: ${DEFAULT-VALUE}).")
    HdeJobConfig.StateBackend stateBackend;

    @Option(names = "--no-object-reuse", description = "Both jobs copy records between chained operators (pipeline.object-reuse: false).")
    boolean noObjectReuse;

    @Option(names = "--repeat", defaultValue = "1", converter = Ranges.AtLeastOne.class, description = "Runs of each job, alternating; the best of each is reported (default: ${DEFAULT-VALUE}).")
    int repeat;

    @Option(names = "--reference", converter = SizeConverter.class, paramLabel = "SIZE",
            description = "State at scale: the encoder job with this much of reference images (e.g. 16GiB), a load phase (untimed) then a "
                    + "timed steady phase of --steady partial updates, and the same with 64MiB in the same run (default: off: encoder vs "
                    + "pass-through).")
    Long reference;

    @Option(names = "--steady", converter = SizeConverter.class, defaultValue = "256MiB", paramLabel = "SIZE",
            description = "With --reference: changed pages of the steady phase, the same at every size (default: ${DEFAULT-VALUE}).")
    long steady;

    @Option(names = "--pages-per-event", defaultValue = "4", converter = Ranges.AtLeastOne.class,
            description = "With --reference: at most this many pages per steady event, 1 or more at random (default: ${DEFAULT-VALUE}).")
    int pagesPerEvent;

    @Option(names = "--managed-memory", converter = SizeConverter.AtLeastOneMebibyte.class, defaultValue = "1GiB", paramLabel = "SIZE",
            description = "With --reference: the local TaskManager's managed memory (RocksDB's block cache and write buffers; default: "
                    + "${DEFAULT-VALUE}).")
    long managedMemory;

    @Option(names = "--cold-state",
            description = "With --reference and RocksDB: start each steady phase right after the load, without reading the state's files once"
                    + " first (by default they are read, so the phase starts with them in the OS cache as far as memory allows, as a job's"
                    + " would be after hours of running; the load's writes leave most of them out of it).")
    boolean coldState;

    @Option(names = "-D", paramLabel = "KEY=VALUE", mapFallbackValue = "",
            description = "With --reference: any Flink option for the encoder job, e.g. -D state.backend.rocksdb.block.blocksize=16kb (repeatable).")
    java.util.Map<String, String> flinkOptions = new java.util.LinkedHashMap<>();

    /** One job's run. */
    record Run(String job, double seconds, long frames, long wireBytes) {}

    private PrintWriter err;
    private long t0;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        err = spec.commandLine().getErr();
        t0 = System.nanoTime();
        SyntheticWorkload memory = new SyntheticWorkload(Usage.check(spec, workload::settings));
        java.nio.file.Path logFile = JobLogFile.path();
        if (logFile != null) {
            say("Flink's and Kafka's log lines go to %s", logFile);
        }
        // The jobs' checkpoints matter only while they run: a temporary directory, removed at the end.
        java.nio.file.Path checkpoints = java.nio.file.Files.createTempDirectory("hde-bench-checkpoints");
        try {
            return reference != null ? runAtScale(out, checkpoints) : run(out, memory, checkpoints);
        } finally {
            try (java.util.stream.Stream<java.nio.file.Path> s = java.nio.file.Files.walk(checkpoints)) {
                for (java.nio.file.Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    java.nio.file.Files.deleteIfExists(p);
                }
            } catch (java.io.IOException | java.io.UncheckedIOException e) {
                say("could not remove %s: %s", checkpoints, e.getMessage());
            }
        }
    }

    private Integer run(PrintWriter out, SyntheticWorkload memory, java.nio.file.Path checkpoints) throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            HdeJobConfig base = new HdeJobConfig()
                    .bootstrapServers(kafka.bootstrapServers())
                    .parallelism(parallelism)
                    .checkpointInterval(checkpointInterval)
                    .checkpointDirectory(checkpoints.toUri().toString())
                    .flinkOption("web.upload.dir", checkpoints.resolve("web-upload").toString())
                    .stateBackend(stateBackend)
                    .pageUpdatesTopic("bench.page-updates")
                    .deadLettersTopic("bench.dead-letters")
                    .selectorModelTopic("bench.selector-model")
                    .resyncRequestsTopic("bench.resync-requests")
                    .keyframeRequestsTopic("bench.keyframe-requests")
                    .startingOffsets(HdeJobConfig.StartingOffsets.EARLIEST)
                    .bounded(true)
                    .objectReuse(!noObjectReuse)
                    .catalogEnabled(false); // the encoder's own cost against the pass-through job (the merger sees one event per keyframe)
            Usage.check(spec, () -> {
                encoder.applyTo(base);
                return base;
            });
            List<String> topics = new ArrayList<>(List.of(base.pageUpdatesTopic(), base.deadLettersTopic(), base.selectorModelTopic(),
                    base.resyncRequestsTopic(), base.keyframeRequestsTopic()));
            for (int i = 0; i < repeat; i++) {
                topics.add("bench.frames-encoded-" + i);
                topics.add("bench.frames-pass-through-" + i);
            }
            kafka.createTopics(partitions, topics, Set.of(base.selectorModelTopic()));

            WorkloadPublisher.Stats input;
            try (WorkloadPublisher publisher = new WorkloadPublisher(base.kafkaClientProperties(), base.pageUpdatesTopic())) {
                for (int round = 0; round < workload.rounds; round++) {
                    publisher.send(memory.nextRound(System.currentTimeMillis()));
                }
                publisher.flush();
                input = publisher.stats();
            }
            say("published %,d events, %,d pages (%s of page updates, %s of events) to %d partitions", input.events(), input.pages(),
                    DemoCommand.mib(input.pageBytes()), DemoCommand.mib(input.eventBytes()), partitions);

            List<Run> encoderRuns = new ArrayList<>();
            List<Run> passRuns = new ArrayList<>();
            for (int i = 0; i < repeat; i++) {
                Run pass = runPassThrough(kafka, base, i);
                report(pass, input);
                passRuns.add(pass);
                Run enc = runEncoder(kafka, base, i);
                report(enc, input);
                encoderRuns.add(enc);
            }
            Run bestEncoder = best(encoderRuns);
            Run bestPass = best(passRuns);
            double encMbs = input.pageBytes() / 1e6 / bestEncoder.seconds;
            double passMbs = input.pageBytes() / 1e6 / bestPass.seconds;
            double share = encMbs / passMbs;
            double medianShare = median(passRuns) / median(encoderRuns);
            out.printf(Locale.ROOT, "encoder:      %7.1f MB/s of page updates, %8.0f frames/s, %s on the wire (%.1fx smaller)%n", encMbs,
                    bestEncoder.frames / bestEncoder.seconds, DemoCommand.mib(bestEncoder.wireBytes), (double) input.pageBytes() / bestEncoder.wireBytes);
            out.printf(Locale.ROOT, "pass-through: %7.1f MB/s of page updates, %8.0f frames/s, %s on the wire%n", passMbs,
                    bestPass.frames / bestPass.seconds, DemoCommand.mib(bestPass.wireBytes));
            out.printf(Locale.ROOT, "the encoder job carries %.0f%% of the pass-through job's MB/s (best of %d runs each; medians: %.0f%%); target at least 70%%: %s%n",
                    share * 100, repeat, medianShare * 100, share >= 0.7 ? "met" : "NOT met");
            out.println(String.format(Locale.ROOT,
                    "{\"events\":%d,\"pages\":%d,\"page_bytes\":%d,\"parallelism\":%d,\"runs\":%d,\"encoder_mb_s\":%.1f,\"encoder_frames_s\":%.0f,"
                            + "\"encoder_wire_bytes\":%d,\"pass_through_mb_s\":%.1f,\"pass_through_frames_s\":%.0f,\"pass_through_wire_bytes\":%d,"
                            + "\"ratio\":%.3f,\"median_ratio\":%.3f}",
                    input.events(), input.pages(), input.pageBytes(), parallelism, repeat, encMbs, bestEncoder.frames / bestEncoder.seconds,
                    bestEncoder.wireBytes, passMbs, bestPass.frames / bestPass.seconds, bestPass.wireBytes, share, medianShare));
            out.flush();
            return 0;
        }
    }

    /** State at scale: the encoder job with 64 MiB and with --reference of reference images, load then steady phase each. */
    private Integer runAtScale(PrintWriter out, java.nio.file.Path checkpoints) throws Exception {
        HdeJobConfig settings = Usage.check(spec, () -> {
            HdeJobConfig c = new HdeJobConfig();
            encoder.applyTo(c);
            return c;
        });
        int regionPages = workload.regionPages;
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            dev.hde.job.bench.StateScaleBench bench = new dev.hde.job.bench.StateScaleBench(kafka, new dev.hde.job.bench.StateScaleBench.Settings(
                    reference, steady, regionPages, pagesPerEvent, parallelism, partitions, stateBackend, checkpointInterval,
                    new org.apache.flink.configuration.MemorySize(managedMemory), flinkOptions, !coldState, workload.seed), line -> say("%s", line));
            say("reference images of 64 MiB, then %s; steady phases of %s each; %s state, %s managed memory", DemoCommand.mib(reference),
                    DemoCommand.mib(steady), stateBackend.name().toLowerCase(Locale.ROOT), DemoCommand.mib(managedMemory));
            var small = bench.run("small", 64L << 20, checkpoints, settings.encodeSpecs());
            var large = bench.run("large", reference, checkpoints, settings.encodeSpecs());
            out.printf(Locale.ROOT, "%-10s %12s %10s %10s %8s %8s %12s %12s %10s %12s%n", "reference", "steady MB/s", "frames/s", "ratio", "FULL",
                    "DELTA", "wire", "codec alone", "cp ms", "cp size");
            for (var r : List.of(small, large)) {
                out.printf(Locale.ROOT, "%-10s %12.1f %10.0f %10.2f %8d %8d %12s %12s %10d %12s%n", DemoCommand.mib(r.referenceBytes()),
                        r.mbPerSecond(), r.framesPerSecond(), r.mbPerSecond() / small.mbPerSecond(), r.fullFrames(), r.deltaFrames(),
                        DemoCommand.mib(r.wireBytes()), DemoCommand.mib(r.traceBytes()), r.checkpointMillis(), DemoCommand.mib(r.checkpointBytes()));
            }
            out.println(String.format(Locale.ROOT,
                    "{\"reference_bytes\":%d,\"backend\":\"%s\",\"steady_mb_s\":%.1f,\"small_state_mb_s\":%.1f,\"steady_ratio\":%.3f,"
                            + "\"frames_s\":%.0f,\"full_frames\":%d,\"delta_frames\":%d,\"wire_bytes\":%d,\"trace_bytes\":%d,"
                            + "\"changed_bytes\":%d,\"checkpoint_ms\":%d,\"checkpoint_bytes\":%d,\"checkpoint_bytes_total\":%d,\"checkpoints\":%d,\"load_checkpoint_bytes\":%d,"
                            + "\"load_seconds\":%.1f,\"load_compaction_seconds\":%.1f,\"pending_compaction_bytes\":%d,\"small_checkpoint_ms\":%d,\"small_checkpoint_bytes\":%d,\"managed_memory\":%d,"
                            + "\"state_file_bytes\":%d,\"warm_state\":%b,\"page_lookups_per_changed_page\":%.3f,\"small_page_lookups_per_changed_page\":%.3f}",
                    large.referenceBytes(), large.backend(), large.mbPerSecond(), small.mbPerSecond(), large.mbPerSecond() / small.mbPerSecond(),
                    large.framesPerSecond(), large.fullFrames(), large.deltaFrames(), large.wireBytes(), large.traceBytes(), large.changedBytes(),
                    large.checkpointMillis(), large.checkpointBytes(), large.checkpointBytesTotal(), large.checkpoints(), large.loadCheckpointBytes(), large.loadMillis() / 1000.0,
                    large.settleMillis() / 1000.0, large.pendingCompactionBytesAfter(), small.checkpointMillis(), small.checkpointBytes(), managedMemory,
                    large.stateFileBytes(), large.warmed(), large.lookupsPerChangedPage(), small.lookupsPerChangedPage()));
            out.flush();
            return 0;
        }
    }

    private static Run best(List<Run> runs) {
        return runs.stream().min(java.util.Comparator.comparingDouble(Run::seconds)).orElseThrow();
    }

    private static double median(List<Run> runs) {
        double[] s = runs.stream().mapToDouble(Run::seconds).sorted().toArray();
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private Run runPassThrough(EmbeddedKafka kafka, HdeJobConfig base, int i) throws Exception {
        String topic = "bench.frames-pass-through-" + i;
        HdeJobConfig c = base.copy().framesTopic(topic).encoderGroupId("bench-pass-through-" + i).transactionalIdPrefix("bench-pass-" + i);
        StreamExecutionEnvironment env = EmbeddedFlink.environment(c, parallelism);
        new PassThroughJob(c, KafkaConnectors.pageUpdates(c), KafkaConnectors.framesSink(c)).build(env);
        say("pass-through job, run %d", i + 1);
        JobExecutionResult r = env.execute(PassThroughJob.NAME);
        return count(kafka, c, "pass-through", r);
    }

    private Run runEncoder(EmbeddedKafka kafka, HdeJobConfig base, int i) throws Exception {
        String topic = "bench.frames-encoded-" + i;
        HdeJobConfig c = base.copy().framesTopic(topic).encoderGroupId("bench-encoder-" + i).transactionalIdPrefix("bench-enc-" + i);
        StreamExecutionEnvironment env = EmbeddedFlink.environment(c, parallelism);
        say("encoder job (%s), run %d", c.describeSpecs(), i + 1);
        JobExecutionResult r = EncoderJob.fromKafka(c).execute(env);
        return count(kafka, c, "encoder", r);
    }

    private Run count(EmbeddedKafka kafka, HdeJobConfig c, String job, JobExecutionResult r) throws Exception {
        List<TopicPartition> parts = new ArrayList<>();
        for (int p = 0; p < partitions; p++) {
            parts.add(new TopicPartition(c.framesTopic(), p));
        }
        try (Admin admin = kafka.admin(); FrameCounter counter = new FrameCounter(c.kafkaClientProperties(), c.framesTopic(), parts)) {
            counter.awaitPositions(KafkaOffsets.endOffsets(admin, c.framesTopic(), IsolationLevel.READ_COMMITTED), Duration.ofMinutes(2));
            return new Run(job, r.getNetRuntime() / 1000.0, counter.frames(), counter.bytes());
        }
    }

    private void report(Run r, WorkloadPublisher.Stats input) {
        say("%-12s %6.1f s: %7.1f MB/s of page updates, %8.0f frames/s, %,d frames, %s", r.job, r.seconds,
                input.pageBytes() / 1e6 / r.seconds, r.frames / r.seconds, r.frames, DemoCommand.mib(r.wireBytes));
    }

    private void say(String format, Object... args) {
        err.printf(Locale.ROOT, "[%5.1fs] %s%n", (System.nanoTime() - t0) / 1e9, String.format(Locale.ROOT, format, args));
        err.flush();
    }
}
