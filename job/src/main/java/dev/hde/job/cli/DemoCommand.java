package dev.hde.job.cli;

import dev.hde.producer.cli.Ranges;
import dev.hde.codec.wire.PageUpdateEvent;
import dev.hde.job.DecoderJob;
import dev.hde.job.EncoderJob;
import dev.hde.job.config.HdeJobConfig;
import dev.hde.job.embedded.EmbeddedFlink;
import dev.hde.job.embedded.EmbeddedKafka;
import dev.hde.job.embedded.FrameCounter;
import dev.hde.job.embedded.KafkaOffsets;
import dev.hde.job.embedded.WorkloadPublisher;
import dev.hde.operators.RegionVerdict;
import dev.hde.producer.SyntheticWorkload;
import dev.hde.producer.cli.Usage;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.core.execution.JobClient;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code hde demo}: the whole pipeline on this machine. Starts a Kafka broker in this JVM, runs the
 * encoder job on a local Flink runtime while a producer publishes a synthetic VM memory workload,
 * stops the encoder once every event is behind a completed checkpoint and every frame is
 * committed, runs the decoder job over the frames, and checks every rebuilt region byte for byte
 * against the true memory. Progress goes to stderr; a summary and, as the last line, a JSON
 * object with the same figures go to stdout. Exits 1 if any region fails to verify.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
        header = "The whole pipeline on this machine, every region verified.",
        description = {
            "Run the whole pipeline on this machine: an in-process Kafka broker, the",
            "encoder job on a local Flink runtime fed by a synthetic VM memory workload,",
            "then the decoder job; every region is checked byte for byte. Prints a",
            "summary and a JSON line (last line of stdout); exits 1 if any region fails."
        })
public final class DemoCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    WorkloadOptions workload = new WorkloadOptions();

    @Mixin
    EncoderOptions encoder = new EncoderOptions();

    @Option(names = {"-p", "--parallelism"}, defaultValue = "2", converter = Ranges.AtLeastOne.class, description = "Parallelism of the jobs (default: ${DEFAULT-VALUE}).")
    int parallelism;

    @Option(names = "--partitions", defaultValue = "4", converter = Ranges.AtLeastOne.class, description = "Partitions of the page-update and frame topics (default: ${DEFAULT-VALUE}).")
    int partitions;

    @Option(names = "--checkpoint-interval", converter = DurationConverter.Positive.class, defaultValue = "1s", paramLabel = "DURATION",
            description = "Checkpoint interval of the encoder (default: ${DEFAULT-VALUE}).")
    Duration checkpointInterval;

    @Option(names = "--state-backend", defaultValue = "hashmap", paramLabel = "hashmap|rocksdb",
            description = "Keyed state backend (default: ${DEFAULT-VALUE}).")
    HdeJobConfig.StateBackend stateBackend;

    @Option(names = "--images", paramLabel = "DIR", description = "Keep the rebuilt regions in DIR (default: a temporary directory, removed).")
    Path images;

    @Option(names = "--timeout", converter = DurationConverter.Positive.class, defaultValue = "5m", paramLabel = "DURATION",
            description = "Give up if the encoder has not committed everything this long after the producer finished (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    private PrintWriter err;
    private long t0;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        err = spec.commandLine().getErr();
        t0 = System.nanoTime();
        SyntheticWorkload.Settings ws = Usage.check(spec, workload::settings);
        SyntheticWorkload memory = new SyntheticWorkload(ws);
        int regions = memory.stateKeys().size();
        say("%d VMs x %d regions of %d pages (%s each), %d rounds, dirty rate %.3f, seed %d", ws.vms(), ws.regionsPerVm(),
                ws.regionPages(), mib((long) ws.regionPages() * memory.pageSize()), workload.rounds, ws.dirtyRate(), ws.seed());

        Path logFile = JobLogFile.path();
        if (logFile != null) {
            say("Flink's and Kafka's log lines go to %s", logFile);
        }
        // Made here and removed at the end: the demo's checkpoints matter only while it runs.
        Path checkpoints = Files.createTempDirectory("hde-demo-checkpoints");
        try {
            return run(out, memory, ws, regions, checkpoints);
        } finally {
            removeQuietly(checkpoints);
        }
    }

    private Integer run(PrintWriter out, SyntheticWorkload memory, SyntheticWorkload.Settings ws, int regions, Path checkpoints) throws Exception {
        say("starting the in-process Kafka broker");
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            HdeJobConfig config = new HdeJobConfig()
                    .bootstrapServers(kafka.bootstrapServers())
                    .parallelism(parallelism)
                    .checkpointInterval(checkpointInterval)
                    .checkpointDirectory(checkpoints.toUri().toString())
                    .stateBackend(stateBackend)
                    .restartDelay(Duration.ofSeconds(1))
                    // the local runtime's REST server makes an upload directory; in ours, not in the shared temporary one
                    .flinkOption("web.upload.dir", checkpoints.resolve("web-upload").toString());
            Usage.check(spec, () -> {
                encoder.applyTo(config);
                return config;
            });
            kafka.createTopics(partitions, config.encoderTopics(), config.compactedTopics());
            say("broker at %s; encoding with %s%s, checkpoints every %s in %s (removed at the end), %s state, parallelism %d",
                    kafka.bootstrapServers(), config.describeSpecs(), config.compressionDisabled() ? " (compression disabled)" : "",
                    DurationConverter.format(checkpointInterval), checkpoints, stateBackend.name().toLowerCase(Locale.ROOT), parallelism);

            List<TopicPartition> framePartitions = new ArrayList<>();
            for (int p = 0; p < partitions; p++) {
                framePartitions.add(new TopicPartition(config.framesTopic(), p));
            }

            JobClient encoderJob = EncoderJob.fromKafka(config).executeAsync(EmbeddedFlink.environment(config, parallelism));
            CompletableFuture<JobExecutionResult> encoderResult = encoderJob.getJobExecutionResult();
            say("encoder job %s submitted", encoderJob.getJobID());

            WorkloadPublisher.Stats published;
            double encodeSeconds;
            try (FrameCounter frames = new FrameCounter(config.kafkaClientProperties(), config.framesTopic(), framePartitions);
                    WorkloadPublisher publisher = new WorkloadPublisher(config.kafkaClientProperties(), config.pageUpdatesTopic());
                    Admin admin = kafka.admin()) {
                long produceStart = System.nanoTime();
                CompletableFuture<Void> producer = CompletableFuture.runAsync(() -> publish(memory, publisher));
                long lastReport = 0;
                while (!producer.isDone()) {
                    Thread.sleep(100);
                    if (System.nanoTime() - lastReport > 2_000_000_000L) {
                        lastReport = System.nanoTime();
                        progress(memory, publisher, frames);
                        checkRunning(encoderResult);
                    }
                }
                producer.join();
                published = publisher.stats();
                say("producer done: %,d events, %,d pages (%s); waiting for the encoder to commit every frame", published.events(),
                        published.pages(), mib(published.pageBytes()));

                // Done when every event is encoded and the frames topic has no open transaction (every frame is committed).
                Map<TopicPartition, Long> end = KafkaOffsets.endOffsets(admin, config.pageUpdatesTopic(), IsolationLevel.READ_UNCOMMITTED);
                long deadline = System.nanoTime() + timeout.toNanos();
                while (true) {
                    // Every event is encoded once the last event of every region has its frame (one region's events are
                    // encoded in order); events that change nothing make no frame, so also done once the encoder's group has
                    // committed every offset (its Kafka source commits them when a checkpoint completes, which can lag).
                    int lastRound = workload.rounds;
                    boolean lastFrames = memory.stateKeys().stream().allMatch(k -> frames.lastSequence(k) >= lastRound);
                    Map<TopicPartition, Long> committed = KafkaOffsets.committed(admin, config.encoderGroupId(), config.pageUpdatesTopic());
                    boolean allRead = lastFrames || KafkaOffsets.reached(committed, end);
                    boolean allCommitted = KafkaOffsets.noOpenTransactions(admin, config.framesTopic());
                    if (allRead && allCommitted) {
                        break;
                    }
                    checkRunning(encoderResult);
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("the encoder did not commit every event within " + timeout);
                    }
                    if (System.nanoTime() - lastReport > 2_000_000_000L) {
                        lastReport = System.nanoTime();
                        long behind = 0;
                        for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
                            behind += Math.max(0, e.getValue() - committed.getOrDefault(e.getKey(), 0L));
                        }
                        say("committed %,d frames (%s); %,d events not yet behind a completed checkpoint%s", frames.frames(),
                                mib(frames.bytes()), behind, allCommitted ? "" : ", frames of the last checkpoint not yet committed");
                    }
                    Thread.sleep(100);
                }
                frames.awaitPositions(KafkaOffsets.endOffsets(admin, config.framesTopic(), IsolationLevel.READ_COMMITTED), Duration.ofSeconds(30));
                // From the first event published to the last frame a read_committed reader received.
                encodeSeconds = (frames.lastFrameNanos() - produceStart) / 1e9;
                say("every frame committed: %,d frames (%,d FULL, %,d DELTA), %s on the wire; stopping the encoder", frames.frames(),
                        frames.fullFrames(), frames.deltaFrames(), mib(frames.bytes()));
                encoderJob.cancel().get(60, TimeUnit.SECONDS);
                waitTerminal(encoderResult);

                long wireBytes = frames.bytes();
                long frameCount = frames.frames();
                long fullFrames = frames.fullFrames();
                long deltaFrames = frames.deltaFrames();

                // The receiver: a bounded job, run again from the start if it fails, so without periodic checkpoints (a
                // checkpoint triggered while its tasks finish fails, with a stack trace).
                Path dir = images != null ? images : Files.createTempDirectory("hde-demo-images");
                say("decoding every committed frame (decoder job, images in %s)", dir);
                HdeJobConfig decodeConfig = config.copy().bounded(true).periodicCheckpoints(false);
                Map<String, RegionVerdict> verdicts;
                int verified = 0;
                List<String> failures = new ArrayList<>();
                try {
                    verdicts = DecoderJob.fromKafka(decodeConfig, dir.toString())
                            .collectLatest(EmbeddedFlink.environment(decodeConfig, parallelism), v -> {});
                    for (String key : memory.stateKeys()) {
                        String problem = check(key, verdicts.get(key), memory, dir);
                        if (problem == null) {
                            verified++;
                        } else {
                            failures.add(key + ": " + problem);
                        }
                    }
                } finally {
                    if (images == null) {
                        removeQuietly(dir);
                    }
                }
                for (String key : verdicts.keySet()) {
                    if (!memory.stateKeys().contains(key)) {
                        failures.add(key + ": a region the producer never published");
                    }
                }
                failures.forEach(f -> say("FAILED %s", f));

                double seconds = (System.nanoTime() - t0) / 1e9;
                double ratio = wireBytes == 0 ? 0 : (double) published.pageBytes() / wireBytes;
                double mbs = published.pageBytes() / 1e6 / encodeSeconds;
                boolean ok = failures.isEmpty() && verdicts.size() == regions;
                out.printf(Locale.ROOT, "hde demo: %,d events, %,d pages, %s of page updates in, %s of frames on the wire (%.1fx smaller)%n",
                        published.events(), published.pages(), mib(published.pageBytes()), mib(wireBytes), ratio);
                out.printf(Locale.ROOT, "hde demo: %,d frames (%,d FULL, %,d DELTA); %.1f MB/s of page updates end to end (first event published to last frame committed: %.1f s)%n",
                        frameCount, fullFrames, deltaFrames, mbs, encodeSeconds);
                out.printf(Locale.ROOT, "hde demo: %d of %d regions seen verified byte for byte against the true memory: %s (%.1f s in all)%n",
                        verified, verdicts.size(), ok ? "OK" : "FAILED", seconds);
                out.println(String.format(Locale.ROOT,
                        "{\"events\":%d,\"pages\":%d,\"bytes_in\":%d,\"wire_bytes\":%d,\"ratio\":%.2f,\"mb_s\":%.1f,\"frames\":%d,"
                                + "\"full_frames\":%d,\"delta_frames\":%d,\"regions_seen\":%d,\"regions_verified\":%d,\"regions\":%d,"
                                + "\"verified\":%b,\"encode_seconds\":%.1f,\"seconds\":%.1f}",
                        published.events(), published.pages(), published.pageBytes(), wireBytes, ratio, mbs, frameCount, fullFrames,
                        deltaFrames, verdicts.size(), verified, regions, ok, encodeSeconds, seconds));
                out.flush();
                return ok ? 0 : 1;
            }
        }
    }

    private void publish(SyntheticWorkload memory, WorkloadPublisher publisher) {
        long pauseNanos = workload.duration == null ? 0 : workload.duration.toNanos() / Math.max(1, workload.rounds);
        long next = System.nanoTime();
        for (int round = 0; round < workload.rounds; round++) {
            List<PageUpdateEvent> events = memory.nextRound(System.currentTimeMillis());
            publisher.send(events);
            publisher.flush();
            if (pauseNanos > 0) {
                next += pauseNanos;
                long wait = next - System.nanoTime();
                if (wait > 0) {
                    try {
                        TimeUnit.NANOSECONDS.sleep(wait);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            }
        }
    }

    /** Null when the region was rebuilt exactly, else what is wrong. */
    private static String check(String key, RegionVerdict v, SyntheticWorkload memory, Path dir) throws IOException {
        if (v == null) {
            return "no frame decoded";
        }
        if (!v.verified) {
            return "decoder stopped: " + v.error;
        }
        Path file = dir.resolve(key.replace('/', '_') + ".bin");
        if (!Files.exists(file)) {
            return "no rebuilt image";
        }
        byte[] rebuilt = Files.readAllBytes(file);
        byte[] truth = memory.image(key);
        if (!Arrays.equals(rebuilt, truth)) {
            return "rebuilt image differs from the true memory (" + rebuilt.length + " vs " + truth.length + " bytes, first difference at byte "
                    + Arrays.mismatch(rebuilt, truth) + ")";
        }
        return null;
    }

    private void progress(SyntheticWorkload memory, WorkloadPublisher publisher, FrameCounter frames) {
        WorkloadPublisher.Stats s = publisher.stats();
        say("round %d/%d: published %,d events (%s of pages); committed %,d frames (%s)", s.events() / memory.stateKeys().size(),
                workload.rounds, s.events(), mib(s.pageBytes()), frames.frames(), mib(frames.bytes()));
    }

    /** Throws the encoder job's failure (restarts used up), or says it ended when it should not have. */
    private static void checkRunning(CompletableFuture<JobExecutionResult> result) throws Exception {
        if (result.isDone()) {
            result.get(); // throws the job's failure
            throw new IllegalStateException("the encoder job ended before every event was encoded");
        }
    }

    /** Waits until the cancelled job has ended (its local mini cluster is then shut down). */
    private static void waitTerminal(CompletableFuture<JobExecutionResult> result) throws Exception {
        try {
            result.get(60, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException expected) {
            // a cancelled job ends with a cancellation failure
        }
    }

    private void say(String format, Object... args) {
        err.printf(Locale.ROOT, "[%5.1fs] %s%n", (System.nanoTime() - t0) / 1e9, String.format(Locale.ROOT, format, args));
        err.flush();
    }

    static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
    }

    /** Removes a temporary directory of this run; says so if it cannot (a job still writing to it after a failure). */
    private void removeQuietly(Path dir) {
        try {
            deleteTree(dir);
        } catch (IOException | java.io.UncheckedIOException e) {
            say("could not remove %s: %s", dir, e.getMessage());
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
