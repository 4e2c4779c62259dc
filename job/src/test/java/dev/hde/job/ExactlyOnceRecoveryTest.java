package dev.hde.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hde.job.config.HdeJobConfig;
import dev.hde.job.embedded.EmbeddedKafka;
import dev.hde.operators.FrameRecord;
import dev.hde.operators.RegionVerdict;
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
        assertThat(recovered).hasSameSizeAs(cleanFrames);
        Map<String, List<String>> expected = PipelineTestSupport.framesByKey(cleanFrames);
        Map<String, List<String>> actual = PipelineTestSupport.framesByKey(recovered);
        assertThat(actual.keySet()).containsExactlyInAnyOrderElementsOf(memory.stateKeys());
        for (String key : expected.keySet()) {
            assertThat(actual.get(key)).as("frames of %s after recovery", key).containsExactlyElementsOf(expected.get(key));
        }

        Map<String, RegionVerdict> verdicts = DecoderJob.fromKafka(failing, images.toString())
                .collectLatest(StreamExecutionEnvironment.getExecutionEnvironment(), v -> {});
        PipelineTestSupport.assertRebuiltExactly(verdicts, memory, images, Set.of());
    }
}
