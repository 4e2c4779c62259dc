package dev.hde.job;

import dev.hde.job.catalog.KeyframeStart;
import dev.hde.job.config.FlinkSettings;
import dev.hde.job.config.HdeJobConfig;
import dev.hde.job.kafka.KafkaConnectors;
import dev.hde.operators.FrameApplierFunction;
import dev.hde.operators.FrameRecord;
import dev.hde.operators.RegionVerdict;
import dev.hde.operators.TopicReplay;
import dev.hde.job.kafka.KafkaTopicReplay;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;

/**
 * The receiver pipeline: frames (committed transactions only) ─► keyBy(state key) ─► frame
 * applier (rebuilds each region in keyed state, checks every frame) ─► a verdict per frame.
 * With a bounded source ({@link HdeJobConfig#bounded(boolean)}: the end offsets present when the
 * job starts) it ends once it has read them, which is what {@code hde decode} does by default.
 *
 * <p>With {@link HdeJobConfig#decodeFromCatalog(boolean)} it starts mid-stream: {@link #fromKafka}
 * reads the baseline catalog from the catalog topic, starts each partition of the frames topic at
 * the earliest keyframe the catalog names there ({@link KeyframeStart}), and the applier skips a
 * region's DELTA frames until its first FULL frame.
 *
 * <p>Frames made with a trained dictionary are decoded with the dictionaries of the compacted
 * dictionary topic ({@link #withDictionaryTopic}; {@link #fromKafka} always reads it).
 */
public final class DecoderJob {

    public static final String NAME = "hde-decoder";

    private final HdeJobConfig config;
    private final Source<FrameRecord, ?, ?> frames;
    private final String imageDirectory;
    private final boolean startAtKeyframe;
    private KeyframeStart.Plan plan;
    private TopicReplay dictionaryTopic;

    /**
     * @param imageDirectory where to write every rebuilt region after each of its frames
     *     ({@code vm-01_r0002.bin} for {@code vm-01/r0002}), or null
     */
    public DecoderJob(HdeJobConfig config, Source<FrameRecord, ?, ?> frames, String imageDirectory) {
        this(config, frames, imageDirectory, false);
    }

    /**
     * @param startAtKeyframe the source does not start at the beginning of the frames: skip each
     *     region's DELTA frames until its first FULL frame instead of refusing them
     */
    public DecoderJob(HdeJobConfig config, Source<FrameRecord, ?, ?> frames, String imageDirectory, boolean startAtKeyframe) {
        this.config = Objects.requireNonNull(config);
        this.frames = Objects.requireNonNull(frames);
        this.imageDirectory = imageDirectory;
        this.startAtKeyframe = startAtKeyframe;
    }

    /**
     * The frames topic of {@code config}: from its beginning, or, with
     * {@link HdeJobConfig#decodeFromCatalog()}, from the keyframes the catalog names (reads the
     * catalog topic and asks the brokers for offsets now).
     */
    public static DecoderJob fromKafka(HdeJobConfig config, String imageDirectory) {
        DecoderJob job;
        if (!config.decodeFromCatalog()) {
            job = new DecoderJob(config, KafkaConnectors.frames(config), imageDirectory);
        } else {
            KeyframeStart.Plan plan = KeyframeStart.plan(config);
            job = new DecoderJob(config, KafkaConnectors.frames(config, plan.initializer()), imageDirectory, true);
            job.plan = plan;
        }
        return job.withDictionaryTopic(new KafkaTopicReplay(config.kafkaClientProperties(), config.dictionariesTopic(),
                Duration.ofSeconds(30)));
    }

    /**
     * The dictionary topic as it stands: each applier subtask reads it to its end at start, and once
     * more when a frame names a dictionary it lacks, before refusing the frame with
     * {@code UNKNOWN_DICTIONARY} (null: no dictionaries).
     */
    public DecoderJob withDictionaryTopic(TopicReplay topic) {
        this.dictionaryTopic = topic;
        return this;
    }

    /** Where a decoder made by {@link #fromKafka} with the catalog starts, and what the catalog said; null otherwise. */
    public KeyframeStart.Plan startPlan() {
        return plan;
    }

    /** Adds the decoder graph to {@code env}; returns the verdicts, one per frame, for the caller to sink. */
    public DataStream<RegionVerdict> build(StreamExecutionEnvironment env) {
        env.configure(FlinkSettings.forEnvironment(config, env));
        if (config.parallelism() > 0) {
            env.setParallelism(config.parallelism());
        }
        return env.fromSource(frames, EventTime.none(), "frames", TypeInformation.of(FrameRecord.class))
                .uid("frames-source")
                .keyBy(new FrameKey(), Types.STRING)
                .process(new FrameApplierFunction(config.limits(), imageDirectory, startAtKeyframe, dictionaryTopic), TypeInformation.of(RegionVerdict.class))
                .uid("frame-applier")
                .name("apply frames");
    }

    /**
     * Runs the decoder and returns the last verdict of every region, calling {@code onVerdict}
     * for each verdict as it arrives. Meant for a bounded source.
     */
    @SuppressWarnings("try") // CloseableIterator.close() may throw InterruptedException
    public Map<String, RegionVerdict> collectLatest(StreamExecutionEnvironment env, Consumer<RegionVerdict> onVerdict) throws Exception {
        Map<String, RegionVerdict> latest = new TreeMap<>();
        try (CloseableIterator<RegionVerdict> it = build(env).executeAndCollect(NAME)) {
            while (it.hasNext()) {
                RegionVerdict v = it.next();
                onVerdict.accept(v);
                // One region's verdicts arrive in order; a stopped region sends no more after its error.
                latest.put(v.stateKey, v);
            }
        }
        return latest;
    }

    static final class FrameKey implements KeySelector<FrameRecord, String> {
        private static final long serialVersionUID = 1L;

        @Override
        public String getKey(FrameRecord f) {
            return f.stateKey;
        }
    }
}
