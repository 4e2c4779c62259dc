package dev.hde.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hde.codec.select.NetworkMode;
import dev.hde.codec.select.SelectorModel;
import dev.hde.codec.select.SelectorModelFormat;
import dev.hde.job.config.HdeJobConfig;
import dev.hde.job.embedded.EmbeddedKafka;
import dev.hde.job.kafka.SelectorModelSerializer;
import dev.hde.operators.PerformanceRecord;
import dev.hde.operators.RegionVerdict;
import dev.hde.operators.SelectorModels;
import dev.hde.producer.SyntheticWorkload;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The feedback loop on the in-process broker with parallelism 2: a model on the selector-model topic
 * reaches every encoder subtask and decides their choices; the trainer publishes the model of the
 * performance records of all subtasks; a second job started from nothing begins with it.
 */
class SelectorFeedbackTest {

    @RegisterExtension
    static final MiniClusterExtension FLINK = PipelineTestSupport.miniCluster();

    static final long T0 = 1_700_000_000_000L;
    /** Far too slow for the priors in datacenter mode; only a model that says otherwise makes the selector choose it. */
    static final String FAVOURED = "xbzrle+zstd-19";

    static EmbeddedKafka kafka;

    @BeforeAll
    static void startKafka() throws Exception {
        kafka = EmbeddedKafka.start();
    }

    @AfterAll
    static void stopKafka() throws Exception {
        kafka.close();
    }

    static HdeJobConfig adaptive(HdeJobConfig c) {
        return c.selectorMode(HdeJobConfig.SelectorMode.ADAPTIVE).networkMode(NetworkMode.DATACENTER).explorationRate(0).warmupExplorationRate(0)
                .selectorSeed(7);
    }


    static void publishModel(HdeJobConfig c, byte[] value) {
        Properties p = c.kafkaClientProperties();
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
            producer.send(new ProducerRecord<>(c.selectorModelTopic(), SelectorModelSerializer.KEY.getBytes(StandardCharsets.UTF_8), value));
            producer.flush();
        }
    }

    static List<PerformanceRecord> run(HdeJobConfig c, String name) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        EncoderJob.Outputs outputs = EncoderJob.fromKafka(c).build(env);
        assertThat(outputs.selectorModels()).as("the trainer is attached").isNotNull();
        outputs.performance().sinkTo(new CollectingSink<>(name)).name("performance");
        env.execute(EncoderJob.NAME);
        return CollectingSink.results(name);
    }

    /**
     * The last committed model once it is newer than {@code than}, or the last one at the deadline: the
     * trainer's final model is committed with the job's last transaction, which a reader can see a
     * moment after the job has finished.
     */
    static SelectorModel lastModelNewerThan(HdeJobConfig c, SelectorModel than, Duration wait) throws InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        SelectorModel last = lastModel(c);
        while (!last.isNewerThan(than) && System.nanoTime() < deadline) {
            Thread.sleep(200);
            last = lastModel(c);
        }
        return last;
    }

    /** The last model on the topic (committed), parsed. */
    static SelectorModel lastModel(HdeJobConfig c) {
        List<ConsumerRecord<byte[], byte[]>> records = PipelineTestSupport.readAll(kafka, c.selectorModelTopic(), true);
        assertThat(records).isNotEmpty();
        ConsumerRecord<byte[], byte[]> last = records.get(records.size() - 1);
        assertThat(new String(last.key(), StandardCharsets.UTF_8)).isEqualTo(SelectorModelSerializer.KEY);
        return SelectorModelFormat.read(last.value());
    }

    @Test
    void aPublishedModelReachesEveryEncoderSubtaskAndDecidesItsChoices(@TempDir Path checkpoints, @TempDir Path images) throws Exception {
        HdeJobConfig c = adaptive(PipelineTestSupport.config(kafka, "selreach", checkpoints));
        PipelineTestSupport.createTopics(kafka, c);
        SelectorModel model = SelectorModels.favouring(1, T0, FAVOURED);
        publishModel(c, new byte[] {1, 2, 3}); // garbage first: counted and skipped, never fatal
        publishModel(c, SelectorModelFormat.write(model));
        SyntheticWorkload memory = new SyntheticWorkload(SyntheticWorkload.Settings.DEFAULT.withVms(4, 4).withRegionPages(32).withDirtyRate(0.1));
        PipelineTestSupport.publish(c, memory, 5);

        List<PerformanceRecord> performance = run(c, "selreach-performance");

        assertThat(performance).isNotEmpty();
        assertThat(performance.stream().map(p -> p.subtask).collect(Collectors.toSet())).as("records of both encoder subtasks")
                .containsExactlyInAnyOrder(0, 1);
        assertThat(performance).allSatisfy(p -> {
            assertThat(p.modelVersion).isEqualTo(model.version());
            assertThat(p.choice).isIn(FAVOURED, "raw+zstd-19");
            assertThat(p.explored).isFalse();
        });
        assertThat(performance.stream().map(p -> p.choice)).contains(FAVOURED, "raw+zstd-19");

        // The trainer continued from the published model (same generation) and added every record of both subtasks.
        SelectorModel published = lastModel(c);
        assertThat(published.generation()).isEqualTo(1);
        assertThat(published.records()).isEqualTo(model.records() + performance.size());

        Map<String, RegionVerdict> verdicts = DecoderJob.fromKafka(c, images.toString())
                .collectLatest(StreamExecutionEnvironment.getExecutionEnvironment(), v -> {});
        PipelineTestSupport.assertRebuiltExactly(verdicts, memory, images, Set.of());
    }

    @Test
    void aJobStartedFromNothingBeginsWithTheLastPublishedModel(@TempDir Path checkpoints, @TempDir Path images) throws Exception {
        HdeJobConfig first = adaptive(PipelineTestSupport.config(kafka, "selstart", checkpoints)).explorationRate(0.05)
                .warmupExplorationRate(0.2);
        HdeJobConfig second = first.copy().framesTopic("selstart.frames-2").deadLettersTopic("selstart.dead-letters-2")
                .catalogTopic("selstart.catalog-2").encoderGroupId("selstart-encoder-2").transactionalIdPrefix("selstart-2");
        PipelineTestSupport.createTopics(kafka, first, second.framesTopic(), second.deadLettersTopic(), second.catalogTopic());
        SyntheticWorkload memory = new SyntheticWorkload(SyntheticWorkload.Settings.DEFAULT.withVms(4, 4).withRegionPages(32).withDirtyRate(0.1));
        PipelineTestSupport.publish(first, memory, 6);

        // The first job starts from the priors (nothing on the topic) and its trainer publishes what it learned.
        List<PerformanceRecord> learned = run(first, "selstart-first");
        assertThat(learned).allSatisfy(p -> assertThat(p.modelVersion).isEqualTo(SelectorModel.EMPTY.version()));
        assertThat(learned.stream().map(p -> p.subtask).collect(Collectors.toSet())).containsExactlyInAnyOrder(0, 1);
        SelectorModel model = lastModel(first);
        assertThat(model.records()).isEqualTo(learned.size());

        // A second job, started from nothing (no checkpoint, another group) on the same model topic.
        List<PerformanceRecord> performance = run(second, "selstart-second");
        assertThat(performance).hasSameSizeAs(learned);
        assertThat(performance.stream().map(p -> p.subtask).collect(Collectors.toSet())).containsExactlyInAnyOrder(0, 1);
        assertThat(performance).allSatisfy(p -> assertThat(p.modelVersion).as("model of %s", p.stateKey).isEqualTo(model.version()));
        SelectorModel next = lastModelNewerThan(second, model, Duration.ofSeconds(30));
        assertThat(next.isNewerThan(model)).as("the second job's trainer published a newer model").isTrue();
        assertThat(next.records()).isEqualTo(model.records() + performance.size());

        Map<String, RegionVerdict> verdicts = DecoderJob.fromKafka(second, images.toString())
                .collectLatest(StreamExecutionEnvironment.getExecutionEnvironment(), v -> {});
        PipelineTestSupport.assertRebuiltExactly(verdicts, memory, images, Set.of());
    }

    /**
     * Models in band, end to end: the first job's trainer writes its model into every page-updates
     * partition; a second job that starts with no model (another model topic) chooses the events
     * before the model with the priors and those after it, in every partition, with the model.
     */
    @Test
    void theTrainersModelComesBackInBandAndChoosesTheFramesAfterIt(@TempDir Path checkpoints, @TempDir Path images) throws Exception {
        HdeJobConfig first = adaptive(PipelineTestSupport.config(kafka, "selband", checkpoints));
        HdeJobConfig second = first.copy().framesTopic("selband.frames-2").deadLettersTopic("selband.dead-letters-2")
                .catalogTopic("selband.catalog-2").encoderGroupId("selband-encoder-2").transactionalIdPrefix("selband-2")
                .selectorModelTopic("selband.selector-model-2");
        PipelineTestSupport.createTopics(kafka, first, second.framesTopic(), second.deadLettersTopic(), second.catalogTopic(),
                second.selectorModelTopic());
        SyntheticWorkload memory = new SyntheticWorkload(SyntheticWorkload.Settings.DEFAULT.withVms(4, 4).withRegionPages(32).withDirtyRate(0.1));
        long time = 1_700_000_000_000L;
        long later = time + 6_000;
        publishRounds(first, memory, time, 6);

        List<PerformanceRecord> learned = run(first, "selband-first");
        SelectorModel model = lastModel(first);
        assertThat(model.records()).isEqualTo(learned.size());
        Map<Integer, byte[]> inBand = new java.util.TreeMap<>();
        for (ConsumerRecord<byte[], byte[]> r : PipelineTestSupport.readAll(kafka, first.pageUpdatesTopic(), true)) {
            if (dev.hde.operators.SelectorModelMarkers.isMarkerRecordKey(r.key())) {
                inBand.put(r.partition(), r.value());
            }
        }
        assertThat(inBand).as("the model in every partition").hasSize(PipelineTestSupport.PARTITIONS)
                .allSatisfy((partition, value) -> assertThat(SelectorModelFormat.read(value)).isEqualTo(model));

        publishRounds(first, memory, later, 6);
        List<PerformanceRecord> performance = run(second, "selband-second");
        assertThat(performance.stream().filter(p -> p.captureTimeMillis < later)).as("before the model").isNotEmpty()
                .allSatisfy(p -> assertThat(p.modelVersion).isEqualTo(SelectorModel.EMPTY.version()));
        assertThat(performance.stream().filter(p -> p.captureTimeMillis >= later)).as("after the model").isNotEmpty()
                .allSatisfy(p -> assertThat(p.modelVersion).as("model of %s", p.stateKey).isEqualTo(model.version()));

        Map<String, RegionVerdict> verdicts = DecoderJob.fromKafka(second, images.toString())
                .collectLatest(StreamExecutionEnvironment.getExecutionEnvironment(), v -> {});
        PipelineTestSupport.assertRebuiltExactly(verdicts, memory, images, Set.of());
    }

    private static void publishRounds(HdeJobConfig c, SyntheticWorkload memory, long from, int rounds) {
        try (dev.hde.job.embedded.WorkloadPublisher p = new dev.hde.job.embedded.WorkloadPublisher(c.kafkaClientProperties(), c.pageUpdatesTopic())) {
            for (int r = 0; r < rounds; r++) {
                p.send(memory.nextRound(from + r * 1000L));
            }
            p.flush();
        }
    }
}
