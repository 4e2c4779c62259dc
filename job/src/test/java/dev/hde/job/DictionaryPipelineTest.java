package dev.hde.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hde.codec.Limits;
import dev.hde.codec.dict.DictionaryFormat;
import dev.hde.codec.dict.MapDictionaryStore;
import dev.hde.codec.dict.TrainedDictionary;
import dev.hde.codec.select.EncodeChoice;
import dev.hde.codec.select.NetworkMode;
import dev.hde.codec.wire.FrameFormat;
import dev.hde.job.config.HdeJobConfig;
import dev.hde.job.embedded.EmbeddedKafka;
import dev.hde.operators.DictionarySettings;
import dev.hde.operators.PerformanceRecord;
import dev.hde.operators.RegionVerdict;
import dev.hde.producer.SyntheticWorkload;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
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

/**
 * Trained dictionaries on the in-process broker with parallelism 2: the first encoder job's
 * dictionary trainer publishes a dictionary to the dictionary topic; a second encoder job reads it
 * back (broadcast input), its adaptive selector chooses {@code +tdict} on small frames, and the
 * decoder job rebuilds every region byte-exact with the dictionaries of the topic.
 */
class DictionaryPipelineTest {

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

    /** The only candidate: +tdict when the encoder holds a dictionary of the key's class, xbzrle+zstd-3 otherwise. */
    static final EncodeChoice TDICT = EncodeChoice.parse("xbzrle+zstd-3+tdict");

    static HdeJobConfig withDictionaries(HdeJobConfig c) {
        return c.selectorMode(HdeJobConfig.SelectorMode.ADAPTIVE).networkMode(NetworkMode.INTERNET).explorationRate(0).warmupExplorationRate(0)
                .selectorSeed(3).selectorCandidates(List.of(TDICT)).dictionariesEnabled(true)
                .dictionarySettings(DictionarySettings.DEFAULT.withSampling(0, 8).withMinSamples(32).withTrainInterval(Duration.ofSeconds(1)));
    }

    static List<PerformanceRecord> run(HdeJobConfig c, String name) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        EncoderJob.Outputs outputs = EncoderJob.fromKafka(c).build(env);
        assertThat(outputs.dictionaries()).as("the dictionary trainer is attached").isNotNull();
        outputs.performance().sinkTo(new CollectingSink<>(name)).name("performance");
        env.execute(EncoderJob.NAME);
        return CollectingSink.results(name);
    }

    @Test
    void framesMadeWithATrainedDictionaryAreDecodedExactlyWithTheDictionaryTopic(@TempDir Path checkpoints, @TempDir Path images)
            throws Exception {
        HdeJobConfig first = withDictionaries(PipelineTestSupport.config(kafka, "dict", checkpoints));
        HdeJobConfig second = first.copy().framesTopic("dict.frames-2").deadLettersTopic("dict.dead-letters-2").catalogTopic("dict.catalog-2")
                .encoderGroupId("dict-encoder-2").transactionalIdPrefix("dict-2");
        PipelineTestSupport.createTopics(kafka, first, second.framesTopic(), second.deadLettersTopic(), second.catalogTopic());
        // Single-page deltas (about one dirty page per 32-page region per round): where dictionaries help.
        SyntheticWorkload memory = new SyntheticWorkload(SyntheticWorkload.Settings.DEFAULT.withVms(4, 4).withRegionPages(32).withDirtyRate(0.03));
        PipelineTestSupport.publish(first, memory, 8);

        // The first job starts without dictionaries; its trainer publishes one for the class "vm".
        List<PerformanceRecord> firstRun = run(first, "dict-first");
        assertThat(firstRun).isNotEmpty().allSatisfy(p -> assertThat(p.choice).doesNotContain("+tdict"));
        List<ConsumerRecord<byte[], byte[]>> records = PipelineTestSupport.readAll(kafka, first.dictionariesTopic(), true);
        assertThat(records).isNotEmpty();
        MapDictionaryStore published = new MapDictionaryStore();
        for (ConsumerRecord<byte[], byte[]> r : records) {
            TrainedDictionary d = published.addRecord(r.value());
            assertThat(new String(r.key(), StandardCharsets.UTF_8)).isEqualTo(Integer.toString(d.id()));
            assertThat(d.vmClass()).isEqualTo("vm");
        }

        // The second job reads the dictionary back and uses it.
        List<PerformanceRecord> secondRun = run(second, "dict-second");
        assertThat(secondRun).hasSameSizeAs(firstRun);
        assertThat(secondRun.stream().filter(p -> p.choice.endsWith("+tdict")).count()).as("frames chosen with the dictionary").isPositive();
        List<ConsumerRecord<byte[], byte[]>> frames = PipelineTestSupport.readAll(kafka, second.framesTopic(), true);
        long named = frames.stream().filter(r -> r.value() != null)
                .filter(r -> FrameFormat.parse(r.value(), Limits.DEFAULT, published).header().dictionaryId() != 0).count();
        assertThat(named).as("frames naming a published dictionary").isPositive();
        for (ConsumerRecord<byte[], byte[]> r : frames) {
            int id = FrameFormat.parse(r.value(), Limits.DEFAULT, published).header().dictionaryId();
            assertThat(id == 0 || published.byId(id) != null).as("every named dictionary is on the topic").isTrue();
        }
        assertThat(DictionaryFormat.read(records.get(0).value()).generation()).isPositive();

        Map<String, RegionVerdict> verdicts = DecoderJob.fromKafka(second, images.toString())
                .collectLatest(StreamExecutionEnvironment.getExecutionEnvironment(), v -> {});
        PipelineTestSupport.assertRebuiltExactly(verdicts, memory, images, Set.of());
    }
}
