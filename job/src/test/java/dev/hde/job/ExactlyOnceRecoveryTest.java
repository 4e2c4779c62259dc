package dev.hde.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hde.codec.select.SelectorModel;
import dev.hde.codec.wire.FrameFormat;
import dev.hde.job.config.HdeJobConfig;
import dev.hde.job.embedded.EmbeddedKafka;
import dev.hde.job.embedded.WorkloadPublisher;
import dev.hde.operators.FrameRecord;
import dev.hde.operators.RegionVerdict;
import dev.hde.operators.SelectorModelMarkers;
import dev.hde.operators.SelectorModels;
import dev.hde.producer.SyntheticWorkload;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A failure after a completed checkpoint: the job restarts from it, and readers with read_committed
 * see exactly the frames of a failure-free run of the same input, none missing, none twice.
 */
class ExactlyOnceRecoveryTest {

    @RegisterExtension
    static final MiniClusterExtension FLINK = PipelineTestSupport.miniCluster();

    static EmbeddedKafka kafka;

    @BeforeAll
    static void startKafka() throws Exception {
        kafka = EmbeddedKafka.start();
    }

    @AfterAll
    static void stopKafka() throws Exception {
        kafka.close();
    }

    /** Passes frames on; slows down until a checkpoint has completed, then throws once, a few frames later. */
    static final class FailOnceAfterCheckpoint implements MapFunction<FrameRecord, FrameRecord>, CheckpointListener {
        private static final long serialVersionUID = 1L;
        static final AtomicBoolean CHECKPOINTED = new AtomicBoolean();
        static final AtomicBoolean FAILED = new AtomicBoolean();
        static final AtomicInteger AFTER_CHECKPOINT = new AtomicInteger();
        static final int FRAMES_BEFORE_FAILURE = 25;

        @Override
        public FrameRecord map(FrameRecord frame) throws Exception {
            if (!FAILED.get()) {
                if (!CHECKPOINTED.get()) {
                    Thread.sleep(15); // make sure the input outlasts the first checkpoint
                } else if (AFTER_CHECKPOINT.incrementAndGet() == FRAMES_BEFORE_FAILURE && FAILED.compareAndSet(false, true)) {
                    throw new IllegalStateException("injected failure after a completed checkpoint");
                }
            }
            return frame;
        }

        @Override
        public void notifyCheckpointComplete(long checkpointId) {
            CHECKPOINTED.set(true);
        }

        static void reset() {
            CHECKPOINTED.set(false);
            FAILED.set(false);
            AFTER_CHECKPOINT.set(0);
        }
    }

    @BeforeEach
    void resetFailure() {
        FailOnceAfterCheckpoint.reset();
    }

    /**
     * The adaptive selector with models in band: two models come with the input, one after the tenth
     * round and one after the twentieth, and the frames change with them. A restored job makes the
     * frames of a failure-free run, byte for byte: which model a frame is chosen with depends on the
     * input, not on when a model reaches the job.
     */
    @Test
    void withTheAdaptiveSelectorAndModelsInBandARestoredJobMakesTheFramesOfAFailureFreeRun(@TempDir Path checkpoints, @TempDir Path images)
            throws Exception {
        HdeJobConfig clean = PipelineTestSupport.config(kafka, "eoband", checkpoints).epochsAboveClock(false)
                .selectorMode(HdeJobConfig.SelectorMode.ADAPTIVE).explorationRate(0).warmupExplorationRate(0)
                .selectorTrainerEnabled(false); // the models are the test's, in the input: the runs write none of their own
        assertThat(clean.selectorModelsInBand()).as("the default").isTrue();
        HdeJobConfig failing = clean.copy().framesTopic("eoband.frames-failure").encoderGroupId("eoband-encoder-failure")
                .transactionalIdPrefix("eoband-failure").deadLettersTopic("eoband.dead-letters-failure").catalogTopic("eoband.catalog-failure");
        PipelineTestSupport.createTopics(kafka, clean, failing.framesTopic(), failing.deadLettersTopic(), failing.catalogTopic());
        SyntheticWorkload memory = new SyntheticWorkload(SyntheticWorkload.Settings.DEFAULT.withVms(4, 4).withRegionPages(32).withDirtyRate(0.1));
        long time = 1_700_000_000_000L;
        SelectorModel first = SelectorModels.favouring(1, time, "xbzrle+zstd-19");
        SelectorModel second = SelectorModels.favouring(2, time, "xbzrle+zstd-9");
        try (WorkloadPublisher p = new WorkloadPublisher(clean.kafkaClientProperties(), clean.pageUpdatesTopic())) {
            for (int r = 0; r < 30; r++) {
                if (r == 10 || r == 20) {
                    byte[] model = SelectorModels.bytes(r == 10 ? first : second);
                    for (int partition = 0; partition < PipelineTestSupport.PARTITIONS; partition++) {
                        p.send(partition, SelectorModelMarkers.RECORD_KEY, model, time + r * 1000L);
                    }
                }
                p.send(memory.nextRound(time + r * 1000L));
            }
            p.flush();
        }

        EncoderJob.fromKafka(clean).execute(StreamExecutionEnvironment.getExecutionEnvironment());
        EncoderJob.fromKafka(failing)
                .afterEncoder(frames -> frames.map(new FailOnceAfterCheckpoint(), TypeInformation.of(FrameRecord.class)).name("fail once"))
                .execute(StreamExecutionEnvironment.getExecutionEnvironment());
        assertThat(FailOnceAfterCheckpoint.FAILED).as("the failure was injected").isTrue();

        List<ConsumerRecord<byte[], byte[]>> cleanFrames = PipelineTestSupport.readAll(kafka, clean.framesTopic(), true);
        assertSameFramesByKey(cleanFrames, PipelineTestSupport.readAll(kafka, failing.framesTopic(), true), memory);
        // The models took effect mid-stream: the priors' choice first, then each model's favourite.
        Set<String> levels = new java.util.TreeSet<>();
        for (ConsumerRecord<byte[], byte[]> r : cleanFrames) {
            FrameFormat.Choice c = FrameFormat.choiceOf(r.value());
            levels.add(c.codec() + "-" + c.level());
        }
        assertThat(levels).as("codecs and levels of the frames").contains("ZSTD-19", "ZSTD-9").hasSizeGreaterThan(2);

        Map<String, RegionVerdict> verdicts = DecoderJob.fromKafka(failing, images.toString())
                .collectLatest(StreamExecutionEnvironment.getExecutionEnvironment(), v -> {});
        PipelineTestSupport.assertRebuiltExactly(verdicts, memory, images, Set.of());
    }

    @Test
    void failureAfterACheckpointGivesTheFramesOfAFailureFreeRun(@TempDir Path checkpoints, @TempDir Path images) throws Exception {
        // Epochs by capture time alone: the two runs start their regions at different processing times.
        HdeJobConfig clean = PipelineTestSupport.config(kafka, "eo", checkpoints).epochsAboveClock(false);
        HdeJobConfig failing = clean.copy().framesTopic("eo.frames-failure").encoderGroupId("eo-encoder-failure")
                .transactionalIdPrefix("eo-failure").deadLettersTopic("eo.dead-letters-failure").catalogTopic("eo.catalog-failure");
        PipelineTestSupport.createTopics(kafka, clean, failing.framesTopic(), failing.deadLettersTopic(), failing.catalogTopic());
        SyntheticWorkload memory = new SyntheticWorkload(SyntheticWorkload.Settings.DEFAULT.withVms(4, 4).withRegionPages(32).withDirtyRate(0.1));
        PipelineTestSupport.publish(clean, memory, 20);

        EncoderJob.fromKafka(clean).execute(StreamExecutionEnvironment.getExecutionEnvironment());

        JobExecutionResult failed = EncoderJob.fromKafka(failing)
                .afterEncoder(frames -> frames.map(new FailOnceAfterCheckpoint(), TypeInformation.of(FrameRecord.class)).name("fail once"))
                .execute(StreamExecutionEnvironment.getExecutionEnvironment());
        assertThat(FailOnceAfterCheckpoint.FAILED).as("the failure was injected").isTrue();
        assertThat(failed.getNetRuntime()).isPositive();

        List<ConsumerRecord<byte[], byte[]>> cleanFrames = PipelineTestSupport.readAll(kafka, clean.framesTopic(), true);
        List<ConsumerRecord<byte[], byte[]>> recovered = PipelineTestSupport.readAll(kafka, failing.framesTopic(), true);
        List<ConsumerRecord<byte[], byte[]>> uncommitted = PipelineTestSupport.readAll(kafka, failing.framesTopic(), false);
        // The failed attempt had written frames in a transaction that was aborted: read_uncommitted sees them, read_committed does not.
        assertThat(uncommitted.size()).as("frames of the aborted transaction").isGreaterThan(recovered.size());
        assertSameFramesByKey(cleanFrames, recovered, memory);

        Map<String, RegionVerdict> verdicts = DecoderJob.fromKafka(failing, images.toString())
                .collectLatest(StreamExecutionEnvironment.getExecutionEnvironment(), v -> {});
        PipelineTestSupport.assertRebuiltExactly(verdicts, memory, images, Set.of());
    }

    /** The recovered run committed exactly the failure-free run's frames: the same count, and per region the same frames in order. */
    private static void assertSameFramesByKey(List<ConsumerRecord<byte[], byte[]>> clean, List<ConsumerRecord<byte[], byte[]>> recovered,
            SyntheticWorkload memory) {
        assertThat(recovered).hasSameSizeAs(clean);
        Map<String, List<String>> expected = PipelineTestSupport.framesByKey(clean);
        Map<String, List<String>> actual = PipelineTestSupport.framesByKey(recovered);
        assertThat(actual.keySet()).containsExactlyInAnyOrderElementsOf(memory.stateKeys());
        for (String key : expected.keySet()) {
            assertThat(actual.get(key)).as("frames of %s after recovery", key).containsExactlyElementsOf(expected.get(key));
        }
    }
}
