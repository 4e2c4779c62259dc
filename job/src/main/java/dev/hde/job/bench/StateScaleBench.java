package dev.hde.job.bench;

import dev.hde.codec.region.EncodeSpec;
import dev.hde.codec.region.FrameInfo;
import dev.hde.codec.region.PendingFrame;
import dev.hde.codec.region.RegionEncoder;
import dev.hde.codec.region.RegionMeta;
import dev.hde.codec.wire.PageUpdateEvent;
import dev.hde.codec.wire.PageUpdateEventFormat;
import dev.hde.job.EncoderJob;
import dev.hde.job.config.HdeJobConfig;
import dev.hde.job.embedded.EmbeddedFlink;
import dev.hde.job.embedded.EmbeddedKafka;
import dev.hde.job.embedded.WorkloadPublisher;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.state.rocksdb.RocksDBNativeMetricOptions;
import org.apache.flink.state.rocksdb.RocksDBOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.admin.Admin;

/**
 * The encoder job with reference images of a given size (issue: state that scales). One run: the
 * encoder job starts on the embedded runtime and keeps running; the <b>load</b> phase publishes
 * every region whole and waits until the encoder took them and a checkpoint holds them (untimed);
 * the <b>steady</b> phase publishes the same amount of partial updates at every size, spread over
 * all regions at random, and is timed from its first event to the moment the encoder has taken its
 * last. Frames, wire bytes and checkpoints are read from the job's own metrics.
 */
public final class StateScaleBench {

    /**
     * @param referenceBytes the reference images: regions × region pages × page size
     * @param steadyBytes the changed pages of the steady phase
     * @param flinkOptions {@code -D} options on top of the job's settings (RocksDB options, memory)
     * @param warmStateFiles with RocksDB, read the state's table files once between the load and the steady phase ({@link StateFiles})
     */
    public record Settings(long referenceBytes, long steadyBytes, int regionPages, int pagesPerEvent, int parallelism, int partitions,
            HdeJobConfig.StateBackend backend, Duration checkpointInterval, MemorySize managedMemory, java.util.Map<String, String> flinkOptions,
            boolean warmStateFiles, long seed) {}

    /** One run's figures. */
    public record Result(long referenceBytes, String backend, long loadMillis, long settleMillis, long steadyEvents, long changedBytes, double steadySeconds,
            long fullFrames, long deltaFrames, long wireBytes, long traceBytes, long checkpoints, long checkpointMillis, long checkpointBytes,
            long loadCheckpointBytes, long pendingCompactionBytesAfter, long checkpointBytesTotal, long stateFileBytes, boolean warmed,
            long pageLookups) {

        /** Point lookups of reference pages in state per changed page of the steady phase. */
        public double lookupsPerChangedPage() {
            return changedBytes == 0 ? 0 : (double) pageLookups / (changedBytes >> PAGE_SHIFT);
        }

        public double mbPerSecond() {
            return changedBytes / 1e6 / steadySeconds;
        }

        public double framesPerSecond() {
            return (fullFrames + deltaFrames) / steadySeconds;
        }
    }

    /** The bench's pages are 4 KiB. */
    private static final int PAGE_SHIFT = 12;

    /** Their names as the job's metric groups report them (one per column family and subtask). */
    private static final String RUNNING_COMPACTIONS = "rocksdb_num-running-compactions";
    private static final String PENDING_COMPACTION_BYTES = "rocksdb_estimate-pending-compaction-bytes";

    private final EmbeddedKafka kafka;
    private final Settings s;
    private final Consumer<String> say;

    public StateScaleBench(EmbeddedKafka kafka, Settings settings, Consumer<String> say) {
        this.kafka = kafka;
        this.s = settings;
        this.say = say;
    }

    /** Runs the load and steady phases with {@code referenceBytes} of reference images. */
    public Result run(String name, long referenceBytes, java.nio.file.Path checkpoints, List<EncodeSpec> specs) throws Exception {
        int pageShift = PAGE_SHIFT;
        int regions = (int) Math.max(1, referenceBytes / ((long) s.regionPages() << pageShift));
        ScaleWorkload w = new ScaleWorkload(s.seed(), regions, s.regionPages(), pageShift);
        HdeJobConfig c = new HdeJobConfig()
                .bootstrapServers(kafka.bootstrapServers())
                .parallelism(s.parallelism())
                .checkpointInterval(s.checkpointInterval())
                .checkpointDirectory(checkpoints.resolve(name).toUri().toString())
                .stateBackend(s.backend())
                .pageUpdatesTopic(name + ".page-updates")
                .framesTopic(name + ".frames")
                .deadLettersTopic(name + ".dead-letters")
                .selectorModelTopic(name + ".selector-model")
                .resyncRequestsTopic(name + ".resync-requests")
                .keyframeRequestsTopic(name + ".keyframe-requests")
                .encoderGroupId(name + "-encoder")
                .transactionalIdPrefix(name)
                .startingOffsets(HdeJobConfig.StartingOffsets.EARLIEST)
                .encodeSpecs(specs)
                .catalogEnabled(false);
        c.flinkOption(TaskManagerOptions.MANAGED_MEMORY_SIZE.key(), s.managedMemory().toString()); // a -D of it wins
        if (rocksDb()) {
            // What tells the end of the load's compactions (RocksDB's own properties, as Flink gauges).
            c.flinkOption(RocksDBNativeMetricOptions.ESTIMATE_PENDING_COMPACTION_BYTES.key(), "true");
            c.flinkOption(RocksDBNativeMetricOptions.MONITOR_NUM_RUNNING_COMPACTIONS.key(), "true");
            // A directory of the run's own, where the state's files can be found (a -D of it wins).
            c.flinkOption(RocksDBOptions.LOCAL_DIRECTORIES.key(), checkpoints.resolve(name + "-rocksdb").toString());
        }
        s.flinkOptions().forEach(c::flinkOption);
        // Where RocksDB keeps this run's files (the first directory when several are given); none on the heap.
        java.nio.file.Path stateDir = rocksDb()
                ? java.nio.file.Path.of(c.flinkOptions().get(RocksDBOptions.LOCAL_DIRECTORIES.key()).split(",")[0].strip()) : null;
        kafka.createTopics(s.partitions(), c.encoderTopics(), c.compactedTopics());
        shortSegments(c.pageUpdatesTopic());
        shortSegments(c.framesTopic());

        InProcessMetrics.configure(c);
        StreamExecutionEnvironment env = EmbeddedFlink.environment(c, s.parallelism());
        JobClient job = EncoderJob.fromKafka(c).executeAsync(env);
        try (WorkloadPublisher publisher = new WorkloadPublisher(c.kafkaClientProperties(), c.pageUpdatesTopic())) {
            // Load: every region whole (untimed).
            long t0 = System.nanoTime();
            long time = 1_700_000_000_000L;
            long loadBytes = 0;
            for (int r = 0; r < regions; r++) {
                PageUpdateEvent e = w.whole(r, time);
                publisher.send(List.of(e));
                loadBytes += (long) e.indices().length << pageShift;
                if (r % 512 == 511) {
                    say.accept(String.format(Locale.ROOT, "%s: %,d of %,d regions published whole (%s)", name, r + 1, regions, mib(loadBytes)));
                }
            }
            publisher.flush();
            awaitBytesIn(loadBytes, Duration.ofHours(4), name + " load");
            long loaded = InProcessMetrics.gauge("numberOfCompletedCheckpoints");
            awaitCheckpointAfter(loaded, Duration.ofMinutes(30));
            long loadCheckpointBytes = InProcessMetrics.gauge("lastCheckpointSize");
            long settleStart = System.nanoTime();
            if (rocksDb()) {
                awaitCompactionsDone(Duration.ofHours(1), name);
            }
            long settleMillis = (System.nanoTime() - settleStart) / 1_000_000;
            long loadMillis = (System.nanoTime() - t0) / 1_000_000;
            String compactions = rocksDb()
                    ? String.format(Locale.ROOT, " (of which %.1f s waiting for RocksDB's compactions of the load)", settleMillis / 1000.0) : "";
            say.accept(String.format(Locale.ROOT, "%s: loaded %s of reference images in %.1f s%s; checkpoint of %s", name, mib(loadBytes),
                    loadMillis / 1000.0, compactions, mib(loadCheckpointBytes)));
            long logBytes = freeRecords(List.of(c.pageUpdatesTopic(), c.framesTopic()));
            say.accept(String.format(Locale.ROOT, "%s: the broker's log of the load deleted (%s left in the phase's two topics)", name, mib(logBytes)));
            long stateFileBytes = rocksDb() ? StateFiles.tableBytes(stateDir) : 0;
            boolean warmed = rocksDb() && s.warmStateFiles();
            if (warmed) {
                long w0 = System.nanoTime();
                long read = StateFiles.readOnce(stateDir);
                say.accept(String.format(Locale.ROOT, "%s: read the state's %s of RocksDB files once in %.1f s (the OS cache then holds what it can"
                        + " of them, as after hours of running; --cold-state to skip)", name, mib(read), (System.nanoTime() - w0) / 1e9));
            } else if (rocksDb()) {
                say.accept(String.format(Locale.ROOT, "%s: %s of RocksDB files, not read before the steady phase (--cold-state)", name, mib(stateFileBytes)));
            }

            // Steady: the same changed bytes at every size, at random over all regions; made before the clock starts.
            SplittableRandom random = new SplittableRandom(s.seed() + 1);
            // Only the serialized events are kept (the records themselves would double the heap a long phase needs).
            List<Serialized> wire = new ArrayList<>();
            long changed = 0;
            while (changed < s.steadyBytes()) {
                PageUpdateEvent e = w.edit(random.nextInt(regions), 1 + random.nextInt(s.pagesPerEvent()), random, ++time);
                wire.add(new Serialized(e.stateKey(), PageUpdateEventFormat.write(e), e.captureTimeMillis()));
                changed += (long) e.indices().length << pageShift;
            }
            long full0 = InProcessMetrics.counterSum("framesFull");
            long delta0 = InProcessMetrics.counterSum("framesDelta");
            long out0 = InProcessMetrics.counterSum("bytesOut");
            long in0 = InProcessMetrics.counterSum("bytesIn");
            long lookups0 = InProcessMetrics.counterSum("pageLookups");
            long cp0 = InProcessMetrics.gauge("numberOfCompletedCheckpoints");
            List<long[]> cps = new ArrayList<>();
            long start = System.nanoTime();
            for (Serialized e : wire) {
                publisher.send(e.stateKey(), e.bytes(), e.captureTimeMillis());
            }
            publisher.flush();
            long lastCp = cp0;
            long until = System.nanoTime() + Duration.ofHours(2).toNanos();
            while (InProcessMetrics.counterSum("bytesIn") - in0 < changed) {
                if (System.nanoTime() > until) {
                    throw new IllegalStateException(name + ": the steady phase did not end within 2 hours");
                }
                lastCp = noteCheckpoint(lastCp, cps);
                Thread.sleep(20);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            // Compaction work the steady phase left behind: a phase that only deferred it would not be steady.
            long pendingAfter = rocksDb() ? InProcessMetrics.gaugeSum(PENDING_COMPACTION_BYTES) : 0;
            awaitCheckpointAfter(InProcessMetrics.gauge("numberOfCompletedCheckpoints"), Duration.ofMinutes(10));
            noteCheckpoint(lastCp, cps);
            long cpMillis = cps.isEmpty() ? InProcessMetrics.gauge("lastCheckpointDuration")
                    : cps.stream().mapToLong(x -> x[0]).max().orElse(0);
            long cpBytes = cps.isEmpty() ? InProcessMetrics.gauge("lastCheckpointSize") : cps.stream().mapToLong(x -> x[1]).max().orElse(0);
            long cpBytesTotal = cps.isEmpty() ? InProcessMetrics.gauge("lastCheckpointSize") : cps.stream().mapToLong(x -> x[1]).sum();
            long traceBytes = traceBytes(regions, wire.size(), specs);
            Result r = new Result(loadBytes, s.backend().name().toLowerCase(Locale.ROOT), loadMillis, settleMillis, wire.size(), changed, seconds,
                    InProcessMetrics.counterSum("framesFull") - full0, InProcessMetrics.counterSum("framesDelta") - delta0,
                    InProcessMetrics.counterSum("bytesOut") - out0, traceBytes, cps.size(), cpMillis, cpBytes, loadCheckpointBytes, pendingAfter,
                    cpBytesTotal, stateFileBytes, warmed, InProcessMetrics.counterSum("pageLookups") - lookups0);
            say.accept(String.format(Locale.ROOT, "%s: steady %s of changed pages in %.1f s: %.1f MB/s, %.0f frames/s, %d FULL + %d DELTA, "
                    + "%s on the wire (codec alone: %s), %.2f page lookups per changed page, %d checkpoints of %s in all (largest: %s, %d ms)%s", name,
                    mib(changed), seconds, r.mbPerSecond(), r.framesPerSecond(), r.fullFrames(), r.deltaFrames(), mib(r.wireBytes()), mib(traceBytes),
                    r.lookupsPerChangedPage(),
                    cps.size(), mib(cpBytesTotal), mib(cpBytes), cpMillis,
                    rocksDb() ? "; RocksDB compactions left pending: " + mib(pendingAfter) : ""));
            return r;
        } finally {
            job.cancel().get();
        }
    }

    /** A steady event as the producer publishes it. */
    private record Serialized(String stateKey, byte[] bytes, long captureTimeMillis) {}

    private boolean rocksDb() {
        return s.backend() == HdeJobConfig.StateBackend.ROCKSDB;
    }

    /** Notes a checkpoint that completed since {@code last}: {duration, checkpointed size}. */
    private static long noteCheckpoint(long last, List<long[]> cps) {
        long n = InProcessMetrics.gauge("numberOfCompletedCheckpoints");
        if (n > last) {
            cps.add(new long[] {InProcessMetrics.gauge("lastCheckpointDuration"), InProcessMetrics.gauge("lastCheckpointSize")});
        }
        return Math.max(n, last);
    }

    private void awaitBytesIn(long bytes, Duration timeout, String what) throws InterruptedException {
        long until = System.nanoTime() + timeout.toNanos();
        long reported = System.nanoTime();
        while (InProcessMetrics.counterSum("bytesIn") < bytes) {
            if (System.nanoTime() > until) {
                throw new IllegalStateException(what + ": the encoder took " + InProcessMetrics.counterSum("bytesIn") + " of " + bytes + " bytes");
            }
            if (System.nanoTime() - reported > 30e9) {
                reported = System.nanoTime();
                say.accept(String.format(Locale.ROOT, "%s: the encoder took %s of %s", what, mib(InProcessMetrics.counterSum("bytesIn")), mib(bytes)));
            }
            Thread.sleep(100);
        }
    }

    /**
     * Waits until RocksDB has no compaction running or pending in any subtask (three polls in a row):
     * a bulk load leaves a backlog of compactions that a steady phase started at once would pay for,
     * and steady state has none of it.
     */
    private void awaitCompactionsDone(Duration timeout, String name) throws InterruptedException {
        long until = System.nanoTime() + timeout.toNanos();
        long reported = System.nanoTime();
        if (!InProcessMetrics.hasGauge(RUNNING_COMPACTIONS) || !InProcessMetrics.hasGauge(PENDING_COMPACTION_BYTES)) {
            throw new IllegalStateException(name + ": RocksDB's compaction metrics are not reported ("
                    + RocksDBNativeMetricOptions.MONITOR_NUM_RUNNING_COMPACTIONS.key() + ")");
        }
        int quiet = 0;
        while (quiet < 3) {
            long pending = InProcessMetrics.gaugeSum(PENDING_COMPACTION_BYTES);
            long running = InProcessMetrics.gaugeSum(RUNNING_COMPACTIONS);
            quiet = pending == 0 && running == 0 ? quiet + 1 : 0;
            if (System.nanoTime() > until) {
                throw new IllegalStateException(name + ": RocksDB still compacting the load after " + timeout + " (" + running + " running, "
                        + mib(pending) + " pending)");
            }
            if (System.nanoTime() - reported > 30e9) {
                reported = System.nanoTime();
                say.accept(String.format(Locale.ROOT, "%s: RocksDB compacting the load: %d running, %s pending", name, running, mib(pending)));
            }
            Thread.sleep(1000);
        }
    }

    private static void awaitCheckpointAfter(long completed, Duration timeout) throws InterruptedException {
        long until = System.nanoTime() + timeout.toNanos();
        while (InProcessMetrics.gauge("numberOfCompletedCheckpoints") <= completed && System.nanoTime() < until) {
            Thread.sleep(100);
        }
    }

    /** Segments of the bench's two bulk topics: the most of a partition's deleted records the broker keeps on disk. */
    static final int SEGMENT_BYTES = 64 << 20;

    private void shortSegments(String topic) throws Exception {
        try (Admin admin = kafka.admin()) {
            PhaseRecords.shortSegments(admin, topic, SEGMENT_BYTES);
        }
    }

    /** Deletes the records of a phase that is over (the load's whole regions and keyframes) and waits until the broker's log of them is gone. */
    private long freeRecords(List<String> topics) throws Exception {
        try (Admin admin = kafka.admin()) {
            for (String topic : topics) {
                PhaseRecords.deleteAll(admin, topic);
            }
            return PhaseRecords.awaitLogFreed(admin, topics, SEGMENT_BYTES, Duration.ofMinutes(2));
        }
    }

    /**
     * What the codec alone sends for the steady events ({@code hde trace}'s bytes: a delta of each
     * event against the producer's memory before it), from a copy of the producer that makes the same
     * events again: no keyframes but the load's.
     */
    private long traceBytes(int regions, int steadyEvents, List<EncodeSpec> specs) {
        ScaleWorkload copy = new ScaleWorkload(s.seed(), regions, s.regionPages(), 12);
        copy.assumeLoaded();
        SplittableRandom random = new SplittableRandom(s.seed() + 1);
        int[] chain = new int[regions];
        long bytes = 0;
        long time = 1_700_000_000_000L;
        for (int i = 0; i < steadyEvents; i++) {
            int r = random.nextInt(regions);
            PageUpdateEvent e = copy.edit(r, 1 + random.nextInt(s.pagesPerEvent()), random, ++time);
            RegionMeta meta = new RegionMeta(12, s.regionPages(), time, chain[r]++, 0);
            PendingFrame pending = RegionEncoder.delta(meta, copy.memoryBefore(e), e.toPageUpdate());
            FrameInfo info = new FrameInfo(e.stateKey(), e.sequence(), time);
            bytes += (specs.size() == 1 ? RegionEncoder.render(info, pending, specs.get(0)) : RegionEncoder.renderSmallest(info, pending, specs)).length;
        }
        return bytes;
    }

    static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
    }
}
