package dev.hde.job;

import dev.hde.job.kafka.KafkaTopicReplay;
import dev.hde.job.catalog.KafkaFramePartitioner;
import dev.hde.job.config.FlinkSettings;
import dev.hde.job.config.HdeJobConfig;
import dev.hde.job.kafka.KafkaConnectors;
import dev.hde.job.kafka.SelectorModelMarker;
import dev.hde.job.kafka.SelectorModelMarkersPerPartition;
import dev.hde.operators.BaselineEvent;
import dev.hde.operators.CatalogMergerFunction;
import dev.hde.operators.CatalogRecord;
import dev.hde.operators.ControlRecord;
import dev.hde.operators.TopicReplay;
import dev.hde.operators.DeadLetter;
import dev.hde.operators.DictionarySample;
import dev.hde.operators.DictionaryTrainerFunction;
import dev.hde.operators.FramePartitioner;
import dev.hde.operators.FrameRecord;
import dev.hde.operators.PageUpdateValidator;
import dev.hde.operators.PerformanceRecord;
import dev.hde.operators.RegionEncoderFunction;
import dev.hde.operators.SelectorTrainerFunction;
import dev.hde.operators.SourceRecord;
import dev.hde.operators.ValidEvent;
import java.time.Duration;
import java.util.Objects;
import java.util.function.UnaryOperator;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.functions.FlatMapFunction;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.datastream.BroadcastStream;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The encoder pipeline:
 *
 * <pre>
 * page updates ─┬─► validate ─┬─► keyBy(state key) ─► encoder ─► frames (exactly-once)
 * keyframe requests ┘           └─► dead letters          ▲  ├─► resync requests (side output, at least once)
 *                                                         │  ├─► performance records (side output)
 *               selector model (broadcast) ───────────────┘  └─► baseline events (side output)
 *                                                              │
 *                  catalog topic (other sites) ─► catalog merger (parallelism 1) ─► catalog topic (exactly-once)
 *                                                 performance records ─► selector trainer (parallelism 1)
 *                                                                         ─► selector-model topic (compacted, exactly-once)
 * </pre>
 *
 * <p>The feedback loop (docs/selector.md, "The feedback loop in the job"): the selector trainer
 * ({@link SelectorTrainerFunction}) publishes the model the job reads back as its broadcast input.
 * It is attached with {@link #withSelectorTrainer}; {@link #fromKafka} does so when
 * {@link HdeJobConfig#selectorTrainerEnabled()}, and gives the encoder and the trainer the topic as it
 * stands at their start ({@link #withSelectorModelReplay}).
 *
 * <p>Trained dictionaries (docs/selector.md, "Dictionaries in the job"), attached with
 * {@link #withDictionaries}; {@link #fromKafka} does so when {@link HdeJobConfig#dictionariesEnabled()}:
 * the encoder sends sample pages to the dictionary trainer ({@link DictionaryTrainerFunction},
 * parallelism 1), which publishes to the compacted topic {@code hde.dictionaries}; that topic is
 * unioned into the encoder's broadcast input (the encoder tells dictionary records from models by
 * their magic), so an encoder uses a dictionary only once it has read it back.
 *
 * <p>The catalog merger ({@link CatalogMergerFunction}, docs/crdt.md) is attached with
 * {@link #withCatalog}; {@link #fromKafka} does so when {@link HdeJobConfig#catalogEnabled()}.
 *
 * <p>Sources and sinks are passed in (in the style of the Flink training exercises), so tests and
 * benchmarks run the same graph on other topics or in-memory connectors; {@link #fromKafka} wires
 * the production ones. {@link #build} adds the graph to an environment and returns the streams a
 * caller may sink further; {@link #execute} runs it. The job's Flink settings (checkpointing,
 * exactly-once, state backend, restart strategy, generic types off) come from {@link HdeJobConfig}.
 */
public final class EncoderJob {

    public static final String NAME = "hde-encoder";

    private final HdeJobConfig config;
    private final Source<SourceRecord, ?, ?> events;
    private final Source<byte[], ?, ?> selectorModel;
    private final Sink<FrameRecord> frames;
    private final Sink<DeadLetter> deadLetters;
    private UnaryOperator<DataStream<FrameRecord>> afterEncoder = UnaryOperator.identity();
    private Catalog catalog;
    private Sink<byte[]> selectorModelSink;
    private FlatMapFunction<byte[], SelectorModelMarker> selectorModelsPerPartition;
    private Sink<SelectorModelMarker> selectorModelMarkersSink;
    private TopicReplay modelReplay;
    private Dictionaries dictionaries;
    private Source<SourceRecord, ?, ?> keyframeRequests;
    private Sink<ControlRecord> resyncRequests;

    /**
     * The streams of a built encoder graph, for callers that sink more of them.
     *
     * @param catalog the messages this site's catalog merger publishes, or null without a catalog
     */
    public record Outputs(
            DataStream<FrameRecord> frames,
            DataStream<DeadLetter> deadLetters,
            DataStream<PerformanceRecord> performance,
            DataStream<BaselineEvent> baselines,
            DataStream<CatalogRecord> catalog,
            DataStream<byte[]> selectorModels,
            DataStream<byte[]> dictionaries,
            DataStream<ControlRecord> resyncRequests) {

        public Outputs(DataStream<FrameRecord> frames, DataStream<DeadLetter> deadLetters, DataStream<PerformanceRecord> performance,
                DataStream<BaselineEvent> baselines, DataStream<CatalogRecord> catalog, DataStream<byte[]> selectorModels,
                DataStream<byte[]> dictionaries) {
            this(frames, deadLetters, performance, baselines, catalog, selectorModels, dictionaries, null);
        }

        public Outputs(DataStream<FrameRecord> frames, DataStream<DeadLetter> deadLetters, DataStream<PerformanceRecord> performance,
                DataStream<BaselineEvent> baselines, DataStream<CatalogRecord> catalog, DataStream<byte[]> selectorModels) {
            this(frames, deadLetters, performance, baselines, catalog, selectorModels, null);
        }

        public Outputs(DataStream<FrameRecord> frames, DataStream<DeadLetter> deadLetters, DataStream<PerformanceRecord> performance,
                DataStream<BaselineEvent> baselines, DataStream<CatalogRecord> catalog) {
            this(frames, deadLetters, performance, baselines, catalog, null);
        }

        public Outputs(DataStream<FrameRecord> frames, DataStream<DeadLetter> deadLetters, DataStream<PerformanceRecord> performance,
                DataStream<BaselineEvent> baselines) {
            this(frames, deadLetters, performance, baselines, null);
        }
    }

    /**
     * The catalog merger's connections: the catalog topic in (every site's messages) and out (this
     * site's), the topic as it stands for the merger's start, and the frames topic's partitioner.
     */
    public record Catalog(Source<CatalogRecord, ?, ?> source, Sink<CatalogRecord> sink, TopicReplay replay, FramePartitioner partitioner) {
        public Catalog {
            Objects.requireNonNull(source);
            Objects.requireNonNull(sink);
        }
    }

    /**
     * The dictionary trainer's connections: the dictionary topic in (unioned into the broadcast
     * input), out (the trainer's records, exactly-once), and as it stands for the trainer's start.
     */
    public record Dictionaries(Source<byte[], ?, ?> source, Sink<byte[]> sink, TopicReplay replay) {
        public Dictionaries {
            Objects.requireNonNull(source);
            Objects.requireNonNull(sink);
        }
    }

    public EncoderJob(HdeJobConfig config, Source<SourceRecord, ?, ?> events, Source<byte[], ?, ?> selectorModel,
            Sink<FrameRecord> frames, Sink<DeadLetter> deadLetters) {
        this.config = Objects.requireNonNull(config);
        this.events = Objects.requireNonNull(events);
        this.selectorModel = Objects.requireNonNull(selectorModel);
        this.frames = Objects.requireNonNull(frames);
        this.deadLetters = Objects.requireNonNull(deadLetters);
    }

    /** The production wiring: page updates, selector model, frames and dead letters on the Kafka topics of {@code config}. */
    public static EncoderJob fromKafka(HdeJobConfig config) {
        EncoderJob job = new EncoderJob(config, KafkaConnectors.pageUpdates(config), KafkaConnectors.selectorModel(config),
                KafkaConnectors.framesSink(config), KafkaConnectors.deadLetterSink(config));
        if (config.catalogEnabled()) {
            job.withCatalog(kafkaCatalog(config));
        }
        job.withSelectorModelReplay(new KafkaTopicReplay(config.kafkaClientProperties(), config.selectorModelTopic(),
                Duration.ofSeconds(30)));
        if (config.selectorTrainerEnabled()) {
            job.withSelectorTrainer(KafkaConnectors.selectorModelSink(config));
            if (config.writesSelectorModelsInBand()) {
                job.withSelectorModelsInBand(new SelectorModelMarkersPerPartition(config.kafkaClientProperties(), config.pageUpdatesTopic()),
                        KafkaConnectors.selectorModelMarkersSink(config));
            }
        }
        job.withResyncRequests(KafkaConnectors.resyncRequestsSink(config));
        if (config.keyframeRequestsEnabled()) {
            job.withKeyframeRequests(KafkaConnectors.keyframeRequests(config));
        }
        if (config.dictionariesEnabled()) {
            job.withDictionaries(new Dictionaries(KafkaConnectors.dictionaries(config), KafkaConnectors.dictionariesSink(config),
                    new KafkaTopicReplay(config.kafkaClientProperties(), config.dictionariesTopic(), Duration.ofSeconds(30))));
        }
        return job;
    }

    /** Where the encoder's resync requests go (the producers read them); null: nowhere (the RESYNC frames still go out). */
    public EncoderJob withResyncRequests(Sink<ControlRecord> sink) {
        this.resyncRequests = sink;
        return this;
    }

    /** Receivers' keyframe requests, read beside the page updates (null: none). */
    public EncoderJob withKeyframeRequests(Source<SourceRecord, ?, ?> source) {
        this.keyframeRequests = source;
        return this;
    }

    /** Trained dictionaries: samples, the dictionary trainer and the dictionary topic in the broadcast input (null: none). */
    public EncoderJob withDictionaries(Dictionaries d) {
        this.dictionaries = d;
        return this;
    }

    /** The catalog merger on the catalog topic of {@code config}; the merger replays the topic on every start. */
    public static Catalog kafkaCatalog(HdeJobConfig config) {
        return new Catalog(KafkaConnectors.catalog(config), KafkaConnectors.catalogSink(config),
                new KafkaTopicReplay(config.kafkaClientProperties(), config.catalogTopic(), Duration.ofMinutes(5)),
                new KafkaFramePartitioner(config.kafkaClientProperties(), config.framesTopic()));
    }

    /** Attaches the catalog merger to the baseline events (null: none). Its settings come from the job's config. */
    public EncoderJob withCatalog(Catalog catalog) {
        this.catalog = catalog;
        return this;
    }

    /** Attaches the selector trainer to the performance records, publishing its models to {@code sink} (null: none). */
    public EncoderJob withSelectorTrainer(Sink<byte[]> sink) {
        this.selectorModelSink = sink;
        return this;
    }

    /**
     * The trainer's models also into the page-updates topic, each once per partition ({@code perPartition}
     * makes the copies): the models in band the encoder chooses with when {@link HdeJobConfig#selectorModelsInBand()}.
     */
    public EncoderJob withSelectorModelsInBand(FlatMapFunction<byte[], SelectorModelMarker> perPartition, Sink<SelectorModelMarker> sink) {
        this.selectorModelsPerPartition = perPartition;
        this.selectorModelMarkersSink = sink;
        return this;
    }

    /** The selector-model topic as it stands, read by each encoder subtask and the trainer when they start without state (null: none). */
    public EncoderJob withSelectorModelReplay(TopicReplay replay) {
        this.modelReplay = replay;
        return this;
    }

    /**
     * A stage between the encoder and the frames sink (identity by default). For tests, e.g. to
     * inject a failure after a checkpoint; it must pass frames on unchanged and in order.
     */
    public EncoderJob afterEncoder(UnaryOperator<DataStream<FrameRecord>> stage) {
        this.afterEncoder = Objects.requireNonNull(stage);
        return this;
    }

    public HdeJobConfig config() {
        return config;
    }

    /** Adds the encoder graph to {@code env} (and applies the job's Flink settings to it). */
    public Outputs build(StreamExecutionEnvironment env) {
        if (config.transactionTimeout().compareTo(config.checkpointInterval()) <= 0) {
            // A transaction stays open from one checkpoint to the next: the broker would abort it first.
            throw new IllegalArgumentException("transaction timeout " + config.transactionTimeout()
                    + " must be longer than the checkpoint interval " + config.checkpointInterval());
        }
        env.configure(FlinkSettings.forEnvironment(config, env));
        if (config.parallelism() > 0) {
            env.setParallelism(config.parallelism());
        }

        DataStream<SourceRecord> input = env
                .fromSource(events, EventTime.pageUpdates(config), "page-updates", TypeInformation.of(SourceRecord.class))
                .uid("page-updates-source");
        if (keyframeRequests != null) {
            // Requests carry no event time: their source holds no watermark back.
            input = input.union(env
                    .fromSource(keyframeRequests, EventTime.none(), "keyframe-requests", TypeInformation.of(SourceRecord.class))
                    .uid("keyframe-requests-source"));
        }
        SingleOutputStreamOperator<ValidEvent> valid = input
                .process(new PageUpdateValidator(config.limits(), config.selectorModelsInBand() ? config.maxParallelism() : 0,
                        config.pageUpdatesTopic()),
                        TypeInformation.of(ValidEvent.class))
                .uid("validator")
                .name("validate");

        DataStream<byte[]> broadcastInput = env
                .fromSource(selectorModel, EventTime.none(), "selector-model", PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO)
                .uid("selector-model-source");
        if (dictionaries != null) {
            broadcastInput = broadcastInput.union(env
                    .fromSource(dictionaries.source(), EventTime.none(), "dictionaries", PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO)
                    .uid("dictionaries-source"));
        }
        BroadcastStream<byte[]> model = broadcastInput.broadcast(RegionEncoderFunction.SELECTOR_MODEL);

        SingleOutputStreamOperator<FrameRecord> encoded = valid
                .keyBy(new StateKey(), Types.STRING)
                .connect(model)
                .process(new RegionEncoderFunction(config.encoderSettings(), modelReplay,
                        dictionaries == null ? null : config.dictionarySettings()), TypeInformation.of(FrameRecord.class))
                .uid("region-encoder")
                .name("encode");
        if (config.selectorModelsInBand()) {
            encoded.setMaxParallelism(config.maxParallelism()); // the key groups the validator sends each model in band to
        }

        DataStream<FrameRecord> out = afterEncoder.apply(encoded);
        out.sinkTo(frames).uid("frames-sink").name("frames");

        DataStream<DeadLetter> dead = valid.getSideOutput(PageUpdateValidator.DEAD_LETTERS);
        dead.sinkTo(deadLetters).uid("dead-letters-sink").name("dead-letters");

        DataStream<ControlRecord> resyncs = encoded.getSideOutput(RegionEncoderFunction.RESYNC_REQUESTS);
        if (resyncRequests != null) {
            resyncs.sinkTo(resyncRequests).uid("resync-requests-sink").name("resync-requests");
        }

        DataStream<BaselineEvent> baselines = encoded.getSideOutput(RegionEncoderFunction.BASELINES);
        DataStream<CatalogRecord> published = catalog == null ? null : mergeCatalog(env, baselines);
        DataStream<PerformanceRecord> performance = encoded.getSideOutput(RegionEncoderFunction.PERFORMANCE);
        DataStream<byte[]> models = selectorModelSink == null ? null : trainSelector(performance);
        DataStream<byte[]> trained = dictionaries == null ? null : trainDictionaries(encoded.getSideOutput(RegionEncoderFunction.DICTIONARY_SAMPLES));
        return new Outputs(out, dead, performance, baselines, published, models, trained, resyncs);
    }

    /** The dictionary trainer: one per job (parallelism 1, keyed by one constant key), publishing to the dictionary topic. */
    private DataStream<byte[]> trainDictionaries(DataStream<DictionarySample> samples) {
        SingleOutputStreamOperator<byte[]> trained = samples
                .keyBy(DictionaryTrainerFunction.sampleKey(), Types.STRING)
                .process(new DictionaryTrainerFunction(config.dictionarySettings(), dictionaries.replay()),
                        PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO)
                .uid("dictionary-trainer")
                .name("train dictionaries")
                .setParallelism(1)
                .setMaxParallelism(1);
        trained.sinkTo(dictionaries.sink()).uid("dictionaries-sink").name("dictionaries").setParallelism(1);
        return trained;
    }

    /**
     * The selector trainer: one per job (parallelism 1, keyed by one constant key), publishing to the
     * selector-model topic that the encoder reads back as its broadcast input.
     */
    private DataStream<byte[]> trainSelector(DataStream<PerformanceRecord> performance) {
        SingleOutputStreamOperator<byte[]> models = performance
                .keyBy(SelectorTrainerFunction.recordKey(), Types.STRING)
                .process(new SelectorTrainerFunction(config.selectorTrainerSettings(), modelReplay),
                        PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO)
                .uid("selector-trainer")
                .name("train selector")
                .setParallelism(1)
                .setMaxParallelism(1);
        models.sinkTo(selectorModelSink).uid("selector-model-sink").name("selector-model").setParallelism(1);
        if (selectorModelMarkersSink != null) {
            models.flatMap(selectorModelsPerPartition, TypeInformation.of(SelectorModelMarker.class))
                    .uid("selector-models-per-partition")
                    .name("selector models per partition")
                    .setParallelism(1)
                    .sinkTo(selectorModelMarkersSink).uid("selector-model-markers-sink").name("selector models in band").setParallelism(1);
        }
        return models;
    }

    /**
     * The catalog merger: one per site (parallelism 1, both inputs keyed by one constant key). The
     * catalog source carries no watermarks, so the merger's end-of-input timer fires only when both
     * inputs have ended (a bounded run), never because one of them is idle.
     */
    private DataStream<CatalogRecord> mergeCatalog(StreamExecutionEnvironment env, DataStream<BaselineEvent> baselines) {
        DataStream<CatalogRecord> remote = env
                .fromSource(catalog.source(), WatermarkStrategy.noWatermarks(), "catalog", TypeInformation.of(CatalogRecord.class))
                .uid("catalog-source")
                .setParallelism(1);
        SingleOutputStreamOperator<CatalogRecord> merged = baselines
                .keyBy(CatalogMergerFunction.baselineKey(), Types.STRING)
                .connect(remote.keyBy(CatalogMergerFunction.recordKey(), Types.STRING))
                .process(new CatalogMergerFunction(config.catalogMergerSettings(), catalog.replay(), catalog.partitioner()),
                        TypeInformation.of(CatalogRecord.class))
                .uid("catalog-merger")
                .name("merge catalog")
                .setParallelism(1)
                .setMaxParallelism(1);
        merged.sinkTo(catalog.sink()).uid("catalog-sink").name("catalog").setParallelism(1);
        return merged;
    }

    /** Builds the graph on {@code env} and runs it until it ends (bounded sources) or fails. */
    public JobExecutionResult execute(StreamExecutionEnvironment env) throws Exception {
        build(env);
        return env.execute(NAME);
    }

    /** Builds the graph on {@code env} and submits it; the caller waits on or cancels the returned client. */
    public JobClient executeAsync(StreamExecutionEnvironment env) throws Exception {
        build(env);
        return env.executeAsync(NAME);
    }

    /** Runs on the environment of the context (a cluster when submitted with {@code flink run}, else a local one). */
    public JobExecutionResult execute() throws Exception {
        return execute(FlinkSettings.environment(config));
    }

    /** The state key of a valid event; its type is given explicitly (generic types are off). */
    static final class StateKey implements KeySelector<ValidEvent, String> {
        private static final long serialVersionUID = 1L;

        @Override
        public String getKey(ValidEvent e) {
            return e.stateKey;
        }
    }
}
