package dev.hde.job.kafka;

import dev.hde.job.config.HdeJobConfig;
import dev.hde.operators.CatalogRecord;
import dev.hde.operators.ControlRecord;
import dev.hde.operators.DeadLetter;
import dev.hde.operators.FrameRecord;
import dev.hde.operators.SourceRecord;
import java.util.Properties;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.KafkaSourceBuilder;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;

/**
 * The Kafka sources and sinks of the pipelines, built from {@link HdeJobConfig}: every consumer
 * reads with {@code isolation.level=read_committed}; every sink writes exactly-once in
 * transactions whose timeout fits the broker's maximum.
 */
public final class KafkaConnectors {

    private KafkaConnectors() {}

    /** Page-update events as they came (key, value, topic, partition, offset). */
    public static KafkaSource<SourceRecord> pageUpdates(HdeJobConfig config) {
        KafkaSourceBuilder<SourceRecord> b = base(KafkaSource.<SourceRecord>builder(), config)
                .setTopics(config.pageUpdatesTopic())
                .setGroupId(config.encoderGroupId())
                .setClientIdPrefix(config.encoderGroupId() + "-events")
                .setDeserializer(new SourceRecordDeserializer())
                .setStartingOffsets(startingOffsets(config.startingOffsets()));
        return finish(b, config);
    }

    /**
     * Receivers' keyframe requests, as records beside the page updates (the validator checks both):
     * from the group's committed offsets, the latest where it has none (old requests were for
     * receivers that have long had their keyframes); a restored job resumes from its checkpoint.
     */
    @SuppressWarnings("deprecation") // the connector's committedOffsets takes the deprecated OffsetResetStrategy
    public static KafkaSource<SourceRecord> keyframeRequests(HdeJobConfig config) {
        String group = config.encoderGroupId() + "-keyframe-requests";
        KafkaSourceBuilder<SourceRecord> b = base(KafkaSource.<SourceRecord>builder(), config)
                .setTopics(config.keyframeRequestsTopic())
                .setGroupId(group)
                .setClientIdPrefix(group)
                .setDeserializer(new SourceRecordDeserializer())
                .setStartingOffsets(OffsetsInitializer.committedOffsets(OffsetResetStrategy.LATEST));
        return finish(b, config);
    }

    /**
     * The encoder's resync requests to the producers, at least once and not in transactions, so a
     * producer sees a request at once rather than at the next checkpoint. A request repeated (after a
     * restart, or by the retry timer) only makes a producer send a whole region once more, which the
     * encoder takes in any state.
     */
    public static KafkaSink<ControlRecord> resyncRequestsSink(HdeJobConfig config) {
        return controlSink(config, config.resyncRequestsTopic());
    }

    /** A receiver's keyframe requests to the encoder, at least once (a repeated one is skipped by the encoder). */
    public static KafkaSink<ControlRecord> keyframeRequestsSink(HdeJobConfig config) {
        return controlSink(config, config.keyframeRequestsTopic());
    }

    private static KafkaSink<ControlRecord> controlSink(HdeJobConfig config, String topic) {
        return atLeastOnceSink(config, new ControlRecordSerializer(topic));
    }

    /** Records visible at once, outside transactions: for those that a repeat does no harm to. */
    private static <T> KafkaSink<T> atLeastOnceSink(HdeJobConfig config, KafkaRecordSerializationSchema<T> serializer) {
        Properties p = config.kafkaClientProperties();
        p.putIfAbsent("max.request.size", Integer.toString(config.maxRecordBytes()));
        return KafkaSink.<T>builder()
                .setBootstrapServers(config.bootstrapServers())
                .setKafkaProducerConfig(p)
                .setRecordSerializer(serializer)
                .setDeliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE)
                .build();
    }

    /**
     * The selector model (broadcast to every encoder subtask); read from the beginning of the
     * compacted topic on a fresh start (a restored job resumes from its checkpoint), so the last
     * published model arrives first and the newest model wins.
     */
    public static KafkaSource<byte[]> selectorModel(HdeJobConfig config) {
        KafkaSourceBuilder<byte[]> b = base(KafkaSource.<byte[]>builder(), config)
                .setTopics(config.selectorModelTopic())
                .setGroupId(config.encoderGroupId() + "-model")
                .setClientIdPrefix(config.encoderGroupId() + "-model")
                .setDeserializer(new BytesDeserializer())
                .setStartingOffsets(OffsetsInitializer.earliest());
        return finish(b, config);
    }

    /**
     * The trained dictionaries (part of the encoder's broadcast input), from the beginning of the
     * compacted topic on a fresh start: an encoder uses a dictionary only once it has read it here.
     */
    public static KafkaSource<byte[]> dictionaries(HdeJobConfig config) {
        KafkaSourceBuilder<byte[]> b = base(KafkaSource.<byte[]>builder(), config)
                .setTopics(config.dictionariesTopic())
                .setGroupId(config.encoderGroupId() + "-dictionaries")
                .setClientIdPrefix(config.encoderGroupId() + "-dictionaries")
                .setDeserializer(new BytesDeserializer())
                .setStartingOffsets(OffsetsInitializer.earliest());
        return finish(b, config);
    }

    /** The dictionary trainer's records, exactly-once (transactional ids {@code <prefix>-dictionaries-…}), key = id in decimal. */
    public static KafkaSink<byte[]> dictionariesSink(HdeJobConfig config) {
        return sink(config, new DictionarySerializer(config.dictionariesTopic()), config.transactionalIdPrefix() + "-dictionaries");
    }

    /** Frames as a receiver reads them (committed transactions only), from the beginning of the topic. */
    public static KafkaSource<FrameRecord> frames(HdeJobConfig config) {
        return frames(config, OffsetsInitializer.earliest());
    }

    /** Frames as a receiver reads them (committed transactions only), from {@code start} (e.g. the keyframes the catalog names). */
    public static KafkaSource<FrameRecord> frames(HdeJobConfig config, OffsetsInitializer start) {
        KafkaSourceBuilder<FrameRecord> b = base(KafkaSource.<FrameRecord>builder(), config)
                .setTopics(config.framesTopic())
                .setGroupId(config.decoderGroupId())
                .setClientIdPrefix(config.decoderGroupId())
                .setDeserializer(new FrameRecordDeserializer())
                .setStartingOffsets(start);
        return finish(b, config);
    }

    /**
     * The catalog topic as the catalog merger reads it: every site's messages (its own are skipped
     * by the merger), from the group's committed offsets (the earliest without any); a restored job
     * resumes from its checkpoint.
     */
    @SuppressWarnings("deprecation") // the connector's committedOffsets takes the deprecated OffsetResetStrategy
    public static KafkaSource<CatalogRecord> catalog(HdeJobConfig config) {
        String group = config.encoderGroupId() + "-catalog";
        KafkaSourceBuilder<CatalogRecord> b = base(KafkaSource.<CatalogRecord>builder(), config)
                .setTopics(config.catalogTopic())
                .setGroupId(group)
                .setClientIdPrefix(group)
                .setDeserializer(new CatalogRecordDeserializer())
                .setStartingOffsets(OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST));
        return finish(b, config);
    }

    /** This site's catalog messages, exactly-once (transactional ids {@code <prefix>-catalog-…}). */
    public static KafkaSink<CatalogRecord> catalogSink(HdeJobConfig config) {
        return sink(config, new CatalogRecordSerializer(config.catalogTopic()), config.transactionalIdPrefix() + "-catalog");
    }

    /** The selector trainer's models, exactly-once (transactional ids {@code <prefix>-selector-model-…}), key "model". */
    public static KafkaSink<byte[]> selectorModelSink(HdeJobConfig config) {
        return sink(config, new SelectorModelSerializer(config.selectorModelTopic()), config.transactionalIdPrefix() + "-selector-model");
    }

    /**
     * The selector's models in band, into every partition of the page-updates topic, at least once and
     * outside transactions: an open transaction on the page-updates topic would hold back every
     * read_committed reader of its partitions (the encoder) until the next checkpoint. A model written
     * twice (a restarted trainer) is not newer than itself and changes nothing; one of a trainer that
     * then failed is still a model, in the input like any event.
     */
    public static KafkaSink<SelectorModelMarker> selectorModelMarkersSink(HdeJobConfig config) {
        return atLeastOnceSink(config, new SelectorModelMarkerSerializer(config.pageUpdatesTopic()));
    }

    public static KafkaSink<FrameRecord> framesSink(HdeJobConfig config) {
        return sink(config, new FrameRecordSerializer(config.framesTopic()), config.transactionalIdPrefix() + "-frames");
    }

    /** Frames to another topic (the pass-through benchmark, tests). */
    public static KafkaSink<FrameRecord> framesSink(HdeJobConfig config, String topic, String transactionalIdPrefix) {
        return sink(config, new FrameRecordSerializer(topic), transactionalIdPrefix);
    }

    public static KafkaSink<DeadLetter> deadLetterSink(HdeJobConfig config) {
        return sink(config, new DeadLetterSerializer(config.deadLettersTopic()), config.transactionalIdPrefix() + "-dead-letters");
    }

    private static <T> KafkaSink<T> sink(HdeJobConfig config, KafkaRecordSerializationSchema<T> serializer, String transactionalIdPrefix) {
        Properties p = config.kafkaClientProperties();
        p.putIfAbsent("max.request.size", Integer.toString(config.maxRecordBytes()));
        // The connector's default (1 h) is above the broker's transaction.max.timeout.ms (15 min).
        p.setProperty("transaction.timeout.ms", Long.toString(config.transactionTimeout().toMillis()));
        return KafkaSink.<T>builder()
                .setBootstrapServers(config.bootstrapServers())
                .setKafkaProducerConfig(p)
                .setRecordSerializer(serializer)
                .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
                .setTransactionalIdPrefix(transactionalIdPrefix)
                .build();
    }

    /** The pass-through client properties first, so that the settings the job depends on come after them. */
    private static <T> KafkaSourceBuilder<T> base(KafkaSourceBuilder<T> b, HdeJobConfig config) {
        return b.setProperties(config.kafkaClientProperties());
    }

    private static <T> KafkaSource<T> finish(KafkaSourceBuilder<T> b, HdeJobConfig config) {
        b.setProperty("isolation.level", "read_committed");
        if (config.bounded()) {
            b.setBounded(OffsetsInitializer.latest());
        }
        return b.build();
    }

    @SuppressWarnings("deprecation") // the connector's committedOffsets takes the deprecated OffsetResetStrategy
    private static OffsetsInitializer startingOffsets(HdeJobConfig.StartingOffsets s) {
        return switch (s) {
            case RESUME -> new ResumeWithoutState();
            case COMMITTED -> OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST);
            case EARLIEST -> OffsetsInitializer.earliest();
            case LATEST -> OffsetsInitializer.latest();
        };
    }
}
