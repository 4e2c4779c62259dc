package dev.hde.job;

import static dev.hde.job.PipelineTestSupport.assertRebuiltExactly;
import static org.assertj.core.api.Assertions.assertThat;

import dev.hde.codec.wire.PageUpdateEvent;
import dev.hde.job.config.HdeJobConfig;
import dev.hde.job.embedded.EmbeddedKafka;
import dev.hde.job.embedded.WorkloadPublisher;
import dev.hde.operators.BaselineEvent;
import dev.hde.operators.PerformanceRecord;
import dev.hde.operators.RegionVerdict;
import dev.hde.producer.SyntheticWorkload;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Many VMs and regions through the encoder job and the decoder job: every region rebuilt byte for byte. */
class EncoderPipelineTest {

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

    @Test
    void everyRegionOfManyVmsIsRebuiltExactly(@TempDir Path checkpoints, @TempDir Path images) throws Exception {
        HdeJobConfig c = PipelineTestSupport.config(kafka, "many", checkpoints);
        PipelineTestSupport.createTopics(kafka, c);
        SyntheticWorkload memory = new SyntheticWorkload(SyntheticWorkload.Settings.DEFAULT.withVms(6, 4).withRegionPages(32).withDirtyRate(0.1));
        int rounds = 8;
        WorkloadPublisher.Stats sent = PipelineTestSupport.publish(c, memory, rounds);
        // One region goes away at the end: its receivers must learn that too.
        String gone = memory.stateKeys().get(5);
        try (WorkloadPublisher p = new WorkloadPublisher(c.kafkaClientProperties(), c.pageUpdatesTopic())) {
            p.send(List.of(PageUpdateEvent.delete(gone, 12, rounds + 1, 1_700_000_100_000L)));
            p.flush();
        }

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        EncoderJob job = EncoderJob.fromKafka(c);
        EncoderJob.Outputs outputs = job.build(env);
        outputs.performance().sinkTo(new CollectingSink<>("performance")).name("performance");
        outputs.baselines().sinkTo(new CollectingSink<>("baselines")).name("baselines");
        assertThat(env.getConfig().getSerializerConfig().hasGenericTypesDisabled()).as("pipeline.generic-types: false").isTrue();
        env.execute(EncoderJob.NAME);

        List<ConsumerRecord<byte[], byte[]>> frames = PipelineTestSupport.readAll(kafka, c.framesTopic(), true);
        List<PerformanceRecord> performance = CollectingSink.results("performance");
        List<BaselineEvent> baselines = CollectingSink.results("baselines");
        long deleteFrames = frames.stream().filter(r -> r.value()[5] == 3).count();
        assertThat(deleteFrames).isEqualTo(1);
        assertThat(performance).hasSize(frames.size() - 1); // one record per FULL or DELTA frame
        assertThat(baselines.stream().filter(b -> b.kind == BaselineEvent.Kind.CREATED)).hasSize(memory.stateKeys().size());
        assertThat(baselines.stream().filter(b -> b.kind == BaselineEvent.Kind.DELETED).map(b -> b.stateKey)).containsExactly(gone);
        assertThat(PipelineTestSupport.readAll(kafka, c.deadLettersTopic(), true)).isEmpty();
        assertThat(sent.events()).isEqualTo((long) rounds * memory.stateKeys().size());

        Map<String, RegionVerdict> verdicts = DecoderJob.fromKafka(c, images.toString())
                .collectLatest(StreamExecutionEnvironment.getExecutionEnvironment(), v -> {});
        assertRebuiltExactly(verdicts, memory, images, Set.of(gone));
        long applied = verdicts.values().stream().mapToLong(v -> v.framesApplied).sum();
        assertThat(applied).isEqualTo(frames.size());
    }

    @Test
    void rocksDbWithIncrementalCheckpointsGivesTheSameResult(@TempDir Path checkpoints, @TempDir Path images) throws Exception {
        HdeJobConfig c = PipelineTestSupport.config(kafka, "rocks", checkpoints).stateBackend(HdeJobConfig.StateBackend.ROCKSDB);
        PipelineTestSupport.createTopics(kafka, c);
        SyntheticWorkload memory = new SyntheticWorkload(SyntheticWorkload.Settings.DEFAULT.withVms(2, 3).withRegionPages(32).withDirtyRate(0.1));
        PipelineTestSupport.publish(c, memory, 6);

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        EncoderJob.fromKafka(c).build(env);
        assertThat(env.getConfiguration().get(org.apache.flink.configuration.StateBackendOptions.STATE_BACKEND)).isEqualTo("rocksdb");
        assertThat(env.getConfiguration().get(org.apache.flink.configuration.CheckpointingOptions.INCREMENTAL_CHECKPOINTS)).isTrue();
        env.execute(EncoderJob.NAME);

        Map<String, RegionVerdict> verdicts = DecoderJob.fromKafka(c, images.toString())
                .collectLatest(StreamExecutionEnvironment.getExecutionEnvironment(), v -> {});
        assertRebuiltExactly(verdicts, memory, images, Set.of());
    }
}
