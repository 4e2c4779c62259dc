package dev.hde.job.config;

import dev.hde.codec.Limits;
import dev.hde.codec.region.EncodeSpec;
import dev.hde.codec.select.Link;
import dev.hde.codec.select.NetworkMode;
import dev.hde.codec.select.SelectorConfig;
import dev.hde.operators.CatalogMergerSettings;
import dev.hde.operators.EncoderSettings;
import dev.hde.operators.SelectorTrainerSettings;
import dev.hde.producer.cli.KafkaConnectivity;
import dev.hde.state.RefreshPolicy;
import dev.hde.state.crdt.BaselineCatalog;
import dev.hde.state.crdt.SiteIds;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.RecoveryClaimMode;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.core.execution.CheckpointingMode;

/**
 * Every setting of the HDE pipelines in one place: Kafka (servers, topics, client properties,
 * transactions), Flink (checkpoints, state backend, restarts, parallelism, watermarks), the
 * encoder (frame choices, refresh policy) and the input limits. The CLI flags map onto it one
 * to one; docs/configuration.md lists every setting with its default.
 *
 * <p>A plain mutable object with fluent setters, used where the job graph is built (never
 * shipped to the task managers: the functions get the immutable {@link EncoderSettings} and
 * {@link Limits} it derives).
 */
public final class HdeJobConfig {

    /** Where Flink keeps keyed state between checkpoints. */
    public enum StateBackend {
        /** Objects on the JVM heap: fastest, state must fit in memory. */
        HASHMAP,
        /** RocksDB on local disk with incremental checkpoints: state larger than memory, page-granular uploads. */
        ROCKSDB
    }

    /** Where the encoder starts reading page updates when it does not restore from a checkpoint. */
    public enum StartingOffsets {
        /**
         * The default: the latest offsets where the encoder group has committed offsets (its state is
         * lost: encoding those events again without it could only repeat frames; resyncs bring the
         * regions back), the earliest where it has none (a new deployment).
         */
        RESUME,
        /** The encoder group's committed offsets, the earliest where it has none. */
        COMMITTED,
        EARLIEST,
        LATEST
    }

    /** How the encoder chooses the method and codec of each frame. */
    public enum SelectorMode {
        /** The encode specs (preset or pinned), the same for every frame. */
        FIXED,
        /** The adaptive selector with the newest model from the selector-model topic (docs/selector.md). */
        ADAPTIVE
    }

    /** Where the adaptive selector's models come from when it chooses a frame (docs/selector.md, "Models in band"). */
    public enum SelectorModels {
        /**
         * From the page-updates topic, where the trainer writes each model into every partition: a
         * frame is chosen with the model its key's partition has brought so far, so the frames are a
         * function of the input and a restored job makes those of a failure-free run.
         */
        IN_BAND,
        /** The newest model that reached the encoder subtask on the broadcast input: frames depend on when it arrived. */
        ON_ARRIVAL
    }

    /** The encoder's key groups when {@code pipeline.max-parallelism} is not set (Flink's own default up to parallelism 85). */
    public static final int DEFAULT_MAX_PARALLELISM = 128;

    /** Prefix of JVM system properties and {@code -D} options that are Kafka client properties. */
    public static final String KAFKA_PROPERTY_PREFIX = "kafka.";

    // Kafka.
    private String bootstrapServers = "localhost:9092";
    private final Properties kafkaProperties = new Properties();
    private String pageUpdatesTopic = "hde.page-updates";
    private String framesTopic = "hde.frames";
    private String deadLettersTopic = "hde.dead-letters";
    private String selectorModelTopic = "hde.selector-model";
    private String resyncRequestsTopic = "hde.resync-requests";
    private String keyframeRequestsTopic = "hde.keyframe-requests";
    private boolean keyframeRequestsEnabled = true;
    private String encoderGroupId = "hde-encoder";
    private String decoderGroupId = "hde-decoder";
    private String transactionalIdPrefix = "hde-encoder";
    private Duration transactionTimeout = Duration.ofMinutes(10);
    private int maxRecordBytes = 32 << 20;
    private StartingOffsets startingOffsets = StartingOffsets.RESUME;
    private boolean bounded = false;

    // Flink.
    private int parallelism = 0;
    private Duration checkpointInterval = Duration.ofSeconds(10);
    private boolean periodicCheckpoints = true;
    private StateBackend stateBackend = StateBackend.HASHMAP;
    private String checkpointDirectory = null;
    private boolean incrementalCheckpoints = true;
    private int restartAttempts = 3;
    private Duration restartDelay = Duration.ofSeconds(5);
    private Duration watermarkOutOfOrderness = Duration.ofSeconds(5);
    private Duration watermarkIdleness = Duration.ofSeconds(30);
    private boolean objectReuse = true;
    /** Flink options given as they are ({@code -D key=value}); applied by {@link FlinkSettings}. */
    private final Map<String, String> flinkOptions = new java.util.LinkedHashMap<>();
    /** A checkpoint or savepoint to start from (Flink's execution.state-recovery.path), or null. */
    private String restorePath = null;
    /** Whether the job takes ownership of {@link #restorePath} (its own checkpoint) or only reads it (a savepoint, a copy). */
    private boolean restoreClaim = false;

    // Encoder.
    private List<EncodeSpec> encodeSpecs = dev.hde.codec.region.EncodePresets.BALANCED;
    private boolean compressionDisabled = false;
    private RefreshPolicy refreshPolicy = RefreshPolicy.DEFAULT;
    private Limits limits = Limits.DEFAULT;
    private Duration resyncRetry = EncoderSettings.DEFAULT_RESYNC_RETRY;
    private Duration quietAfter = EncoderSettings.DEFAULT_QUIET_AFTER;
    private boolean epochsAboveClock = true;

    // Adaptive selector and its trainer (docs/selector.md).
    private SelectorMode selectorMode = SelectorMode.FIXED;
    /** Null: in band when the selector is adaptive (the encoder chooses with them and its trainer writes them). */
    private SelectorModels selectorModels = null;
    private NetworkMode networkMode = NetworkMode.DATACENTER;
    private long linkBandwidth = 0;
    private double explorationRate = SelectorConfig.DEFAULT_EPSILON;
    private double warmupExplorationRate = SelectorConfig.DEFAULT_WARMUP_RATE;
    private long selectorSeed = 42;
    private boolean selectorTrainerEnabled = true;
    private Duration selectorPublishInterval = SelectorTrainerSettings.DEFAULT_PUBLISH_INTERVAL;
    private Duration selectorWindowBucket = SelectorTrainerSettings.DEFAULT_BUCKET;
    private int selectorWindowBuckets = SelectorTrainerSettings.DEFAULT_BUCKETS;
    private long selectorModelGeneration = SelectorTrainerSettings.DEFAULT_GENERATION;
    /** Null: the default candidates. */
    private List<dev.hde.codec.select.EncodeChoice> selectorCandidates = null;

    // Trained dictionaries (docs/selector.md, "Dictionaries in the job").
    private boolean dictionariesEnabled = false;
    private String dictionariesTopic = "hde.dictionaries";
    private dev.hde.operators.DictionarySettings dictionarySettings = dev.hde.operators.DictionarySettings.DEFAULT;

    // Baseline catalog (docs/crdt.md).
    private String siteId = "site-a";
    private boolean catalogEnabled = true;
    private String catalogTopic = "hde.catalog";
    private int catalogBuckets = BaselineCatalog.DEFAULT_BUCKETS;
    private Duration catalogPublishInterval = CatalogMergerSettings.DEFAULT_PUBLISH_INTERVAL;
    private Duration antiEntropyInterval = CatalogMergerSettings.DEFAULT_ANTI_ENTROPY_INTERVAL;
    private Duration catalogStateInterval = CatalogMergerSettings.DEFAULT_STATE_INTERVAL;
    private boolean decodeFromCatalog = false;
    private Duration keyframeSeekSlack = Duration.ofSeconds(30);

    public HdeJobConfig() {}

    /** A copy: every field, and the Kafka properties as a new map. */
    public HdeJobConfig copy() {
        HdeJobConfig c = new HdeJobConfig();
        c.bootstrapServers = bootstrapServers;
        c.kafkaProperties.putAll(kafkaProperties);
        c.pageUpdatesTopic = pageUpdatesTopic;
        c.framesTopic = framesTopic;
        c.deadLettersTopic = deadLettersTopic;
        c.selectorModelTopic = selectorModelTopic;
        c.resyncRequestsTopic = resyncRequestsTopic;
        c.keyframeRequestsTopic = keyframeRequestsTopic;
        c.keyframeRequestsEnabled = keyframeRequestsEnabled;
        c.restorePath = restorePath;
        c.restoreClaim = restoreClaim;
        c.resyncRetry = resyncRetry;
        c.quietAfter = quietAfter;
        c.epochsAboveClock = epochsAboveClock;
        c.encoderGroupId = encoderGroupId;
        c.decoderGroupId = decoderGroupId;
        c.transactionalIdPrefix = transactionalIdPrefix;
        c.transactionTimeout = transactionTimeout;
        c.maxRecordBytes = maxRecordBytes;
        c.startingOffsets = startingOffsets;
        c.bounded = bounded;
        c.parallelism = parallelism;
        c.checkpointInterval = checkpointInterval;
        c.periodicCheckpoints = periodicCheckpoints;
        c.stateBackend = stateBackend;
        c.checkpointDirectory = checkpointDirectory;
        c.incrementalCheckpoints = incrementalCheckpoints;
        c.restartAttempts = restartAttempts;
        c.restartDelay = restartDelay;
        c.watermarkOutOfOrderness = watermarkOutOfOrderness;
        c.watermarkIdleness = watermarkIdleness;
        c.objectReuse = objectReuse;
        c.flinkOptions.putAll(flinkOptions);
        c.encodeSpecs = encodeSpecs;
        c.compressionDisabled = compressionDisabled;
        c.refreshPolicy = refreshPolicy;
        c.limits = limits;
        c.selectorMode = selectorMode;
        c.selectorModels = selectorModels;
        c.networkMode = networkMode;
        c.linkBandwidth = linkBandwidth;
        c.explorationRate = explorationRate;
        c.warmupExplorationRate = warmupExplorationRate;
        c.selectorSeed = selectorSeed;
        c.selectorTrainerEnabled = selectorTrainerEnabled;
        c.selectorPublishInterval = selectorPublishInterval;
        c.selectorWindowBucket = selectorWindowBucket;
        c.selectorWindowBuckets = selectorWindowBuckets;
        c.selectorModelGeneration = selectorModelGeneration;
        c.selectorCandidates = selectorCandidates;
        c.dictionariesEnabled = dictionariesEnabled;
        c.dictionariesTopic = dictionariesTopic;
        c.dictionarySettings = dictionarySettings;
        c.siteId = siteId;
        c.catalogEnabled = catalogEnabled;
        c.catalogTopic = catalogTopic;
        c.catalogBuckets = catalogBuckets;
        c.catalogPublishInterval = catalogPublishInterval;
        c.antiEntropyInterval = antiEntropyInterval;
        c.catalogStateInterval = catalogStateInterval;
        c.decodeFromCatalog = decodeFromCatalog;
        c.keyframeSeekSlack = keyframeSeekSlack;
        return c;
    }

    // ---------------------------------------------------------------- derived

    /** What the encoder function gets. */
    public EncoderSettings encoderSettings() {
        return new EncoderSettings(encodeSpecs, compressionDisabled, refreshPolicy, limits,
                selectorMode == SelectorMode.ADAPTIVE ? selectorConfig() : null, resyncRetry, epochsAboveClock,
                selectorModels != SelectorModels.ON_ARRIVAL, quietAfter);
    }

    /** The link the cost model divides wire bytes by: the network mode at {@link #linkBandwidth()} or its default. */
    public Link link() {
        return linkBandwidth > 0 ? new Link(networkMode, linkBandwidth) : networkMode.link();
    }

    /** The adaptive selector's configuration: the default candidates, this link, exploration rates and seed. */
    public SelectorConfig selectorConfig() {
        SelectorConfig c = SelectorConfig.defaults(link(), selectorSeed)
                .withExploration(explorationRate, Math.max(explorationRate, warmupExplorationRate), SelectorConfig.DEFAULT_MIN_SAMPLES);
        return selectorCandidates == null ? c : c.withCandidates(selectorCandidates);
    }

    /** What the selector trainer gets. */
    public SelectorTrainerSettings selectorTrainerSettings() {
        return new SelectorTrainerSettings(selectorModelGeneration, selectorWindowBucket, selectorWindowBuckets, selectorPublishInterval);
    }

    /**
     * The largest catalog message the merger writes: within a broker's default {@code message.max.bytes}
     * (1 MiB), so that the catalog topic needs no special limit; larger states and repairs are split by buckets.
     */
    public static final int MAX_CATALOG_MESSAGE_BYTES = 1_000_000;

    /** What the catalog merger gets. */
    public CatalogMergerSettings catalogMergerSettings() {
        return new CatalogMergerSettings(siteId, catalogBuckets, catalogPublishInterval, antiEntropyInterval, catalogStateInterval,
                Math.min(maxRecordBytes, MAX_CATALOG_MESSAGE_BYTES));
    }

    /**
     * The Kafka client properties every source, sink and admin client of the job uses: the
     * bootstrap servers plus everything passed through (security, TLS, SASL, timeouts).
     */
    public Properties kafkaClientProperties() {
        Properties p = new Properties();
        p.putAll(kafkaProperties);
        p.setProperty("bootstrap.servers", bootstrapServers);
        return p;
    }

    /**
     * The Flink settings of the pipelines: checkpointing (exactly-once), state backend, restart
     * strategy, generic types off, parallelism. Applied with {@code env.configure(...)} by the jobs
     * and used to create the embedded environment.
     */
    public Configuration flinkConfiguration() {
        Configuration c = new Configuration();
        c.set(PipelineOptions.GENERIC_TYPES, false);
        // The functions neither keep nor change their input records, so chained operators may hand
        // records on without a defensive copy (a copy of every event's and frame's bytes otherwise).
        c.set(PipelineOptions.OBJECT_REUSE, objectReuse);
        if (periodicCheckpoints) {
            c.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, checkpointInterval);
        }
        c.set(CheckpointingOptions.CHECKPOINTING_CONSISTENCY_MODE, CheckpointingMode.EXACTLY_ONCE);
        c.set(CheckpointingOptions.ENABLE_CHECKPOINTS_AFTER_TASKS_FINISH, true);
        c.set(StateBackendOptions.STATE_BACKEND, stateBackend.name().toLowerCase(Locale.ROOT));
        if (stateBackend == StateBackend.ROCKSDB) {
            c.set(CheckpointingOptions.INCREMENTAL_CHECKPOINTS, incrementalCheckpoints);
            RocksDbDefaults.applyTo(c);
        }
        // Always file-based: the reference images outgrow the JobManager's in-memory checkpoint
        // storage (5 MiB per state handle) at a few regions. Without a configured place, a local
        // directory: fine for the embedded runtime, not for a cluster (set a shared, durable one).
        c.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
        c.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, effectiveCheckpointDirectory());
        // Kept when the job is cancelled or its process dies, so that a restart resumes from the newest one (--restore auto).
        c.set(CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION, ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
        if (restorePath != null) {
            c.set(StateRecoveryOptions.SAVEPOINT_PATH, restorePath);
            c.set(StateRecoveryOptions.RESTORE_MODE, restoreClaim ? RecoveryClaimMode.CLAIM : RecoveryClaimMode.NO_CLAIM);
        }
        if (restartAttempts > 0) {
            c.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
            c.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, restartAttempts);
            c.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, restartDelay);
        } else {
            c.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        }
        if (parallelism > 0) {
            c.set(org.apache.flink.configuration.CoreOptions.DEFAULT_PARALLELISM, parallelism);
        }
        return c;
    }

    /** {@code file://<java.io.tmpdir>/hde-checkpoints}. */
    public static String defaultCheckpointDirectory() {
        return Path.of(System.getProperty("java.io.tmpdir"), "hde-checkpoints").toUri().toString();
    }

    /**
     * Where this job's checkpoints go: {@link #checkpointDirectory()}, or a directory of its own
     * under {@link #defaultCheckpointDirectory()}, named after its transactional-id prefix and a hash
     * of the Kafka cluster, input topic and group it reads, so that {@code --restore auto} never
     * takes the checkpoint of another job, nor of the same job against another cluster.
     */
    public String effectiveCheckpointDirectory() {
        if (checkpointDirectory != null) {
            return checkpointDirectory;
        }
        String identity = bootstrapServers + "|" + pageUpdatesTopic + "|" + encoderGroupId;
        String name = transactionalIdPrefix + "-" + String.format("%08x", identity.hashCode());
        return Path.of(System.getProperty("java.io.tmpdir"), "hde-checkpoints", name).toUri().toString();
    }

    // ---------------------------------------------------------------- Kafka client properties

    /** Adds the properties of a Kafka client properties file (as for kafka-console-producer --producer.config). */
    public HdeJobConfig loadKafkaProperties(Path file) throws IOException {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file)) {
            p.load(r);
        }
        for (String name : p.stringPropertyNames()) {
            setKafkaProperty(name, p.getProperty(name));
        }
        return this;
    }

    /** Adds every {@code kafka.*} entry of {@code map} (system properties, {@code -D} options) without the prefix. */
    public HdeJobConfig applyKafkaOverrides(Map<?, ?> map) {
        for (Map.Entry<?, ?> e : map.entrySet()) {
            String key = String.valueOf(e.getKey());
            if (key.startsWith(KAFKA_PROPERTY_PREFIX) && key.length() > KAFKA_PROPERTY_PREFIX.length()) {
                setKafkaProperty(key.substring(KAFKA_PROPERTY_PREFIX.length()), String.valueOf(e.getValue()));
            }
        }
        return this;
    }

    /** One Kafka client property; {@code bootstrap.servers} sets {@link #bootstrapServers(String)}. */
    public HdeJobConfig setKafkaProperty(String name, String value) {
        if ("bootstrap.servers".equals(name)) {
            bootstrapServers = value;
        } else {
            kafkaProperties.setProperty(name, value);
        }
        return this;
    }

    public Properties kafkaProperties() {
        Properties p = new Properties();
        p.putAll(kafkaProperties);
        return p;
    }

    private static final Pattern SECRET = Pattern.compile("(?i).*(password|secret|jaas|token|credential|\\.key$|keystore\\.key).*");

    /** True for a client property whose value must never be printed or logged. */
    public static boolean isSecret(String propertyName) {
        return SECRET.matcher(propertyName).matches();
    }

    /** The Kafka properties with every secret value replaced: the only form that may be printed. */
    public static Map<String, String> redacted(Properties p) {
        Map<String, String> out = new TreeMap<>();
        for (String name : p.stringPropertyNames()) {
            out.put(name, isSecret(name) ? "[hidden]" : p.getProperty(name));
        }
        return out;
    }

    /** A one-line summary that is safe to print (no secrets). */
    public String describe() {
        return String.format(Locale.ROOT,
                "kafka=%s %s, topics %s -> %s (dead letters %s, model %s), site %s, catalog %s, encode=%s%s%s, checkpoints every %s (%s), "
                        + "restarts %d x %s, parallelism %s",
                bootstrapServers, redacted(kafkaProperties), pageUpdatesTopic, framesTopic, deadLettersTopic, selectorModelTopic, siteId,
                catalogEnabled ? catalogTopic + " (anti-entropy every " + antiEntropyInterval + ")" : "off",
                describeSpecs(), compressionDisabled ? " (compression disabled)" : "",
                selectorMode == SelectorMode.ADAPTIVE && !compressionDisabled ? " (adaptive selector, " + link() + ")" : "", checkpointInterval,
                stateBackend.name().toLowerCase(Locale.ROOT), restartAttempts, restartDelay,
                parallelism > 0 ? String.valueOf(parallelism) : "default");
    }

    public String describeSpecs() {
        return encodeSpecs.stream().map(EncodeSpec::toString).reduce((a, b) -> a + " | " + b).orElseThrow();
    }

    // ---------------------------------------------------------------- getters and fluent setters

    public String bootstrapServers() {
        return bootstrapServers;
    }

    public HdeJobConfig bootstrapServers(String servers) {
        this.bootstrapServers = Objects.requireNonNull(servers);
        return this;
    }

    public String pageUpdatesTopic() {
        return pageUpdatesTopic;
    }

    public HdeJobConfig pageUpdatesTopic(String topic) {
        this.pageUpdatesTopic = Objects.requireNonNull(topic);
        return this;
    }

    public String framesTopic() {
        return framesTopic;
    }

    public HdeJobConfig framesTopic(String topic) {
        this.framesTopic = Objects.requireNonNull(topic);
        return this;
    }

    public String deadLettersTopic() {
        return deadLettersTopic;
    }

    public HdeJobConfig deadLettersTopic(String topic) {
        this.deadLettersTopic = Objects.requireNonNull(topic);
        return this;
    }

    public String selectorModelTopic() {
        return selectorModelTopic;
    }

    public HdeJobConfig selectorModelTopic(String topic) {
        this.selectorModelTopic = Objects.requireNonNull(topic);
        return this;
    }

    /**
     * Every topic the encoder job reads or writes with these settings: what {@code hde encode
     * --create-topics} and the embedded runtime create. The catalog topic keeps time retention (a
     * delta log compacts badly); the selector-model and dictionary topics are compacted
     * ({@link #compactedTopics()}).
     */
    public List<String> encoderTopics() {
        return encoderTopicUses().stream().map(KafkaConnectivity.TopicUse::topic).distinct().toList();
    }

    /**
     * What the encoder job reads and writes, for the check before it starts ({@code hde encode}): a job that may not
     * write one of these fails on its first record and restarts forever, so it is refused up front instead.
     */
    public List<KafkaConnectivity.TopicUse> encoderTopicUses() {
        List<KafkaConnectivity.TopicUse> uses = new java.util.ArrayList<>();
        uses.add(KafkaConnectivity.TopicUse.reads(pageUpdatesTopic));
        if (writesSelectorModelsInBand()) {
            uses.add(KafkaConnectivity.TopicUse.writes(pageUpdatesTopic, "the selector trainer writes each model into every partition of it: "
                    + "models in band; --selector-models on-arrival does not"));
        }
        uses.add(KafkaConnectivity.TopicUse.writes(framesTopic, "the frames"));
        uses.add(KafkaConnectivity.TopicUse.writes(deadLettersTopic, "events that fail validation"));
        uses.add(KafkaConnectivity.TopicUse.reads(selectorModelTopic));
        if (selectorTrainerEnabled()) {
            uses.add(KafkaConnectivity.TopicUse.writes(selectorModelTopic, "the selector trainer's models"));
        }
        uses.add(KafkaConnectivity.TopicUse.writes(resyncRequestsTopic, "resync requests to the producers"));
        if (keyframeRequestsEnabled()) {
            uses.add(KafkaConnectivity.TopicUse.reads(keyframeRequestsTopic));
        } else {
            uses.add(KafkaConnectivity.TopicUse.exists(keyframeRequestsTopic));
        }
        if (catalogEnabled) {
            uses.add(KafkaConnectivity.TopicUse.reads(catalogTopic));
            uses.add(KafkaConnectivity.TopicUse.writes(catalogTopic, "the baseline catalog"));
        }
        if (dictionariesEnabled) {
            uses.add(KafkaConnectivity.TopicUse.reads(dictionariesTopic));
            uses.add(KafkaConnectivity.TopicUse.writes(dictionariesTopic, "trained dictionaries"));
        }
        return uses;
    }

    /** The compacted topics among {@link #encoderTopics()}: each holds its newest record per key. */
    public java.util.Set<String> compactedTopics() {
        return java.util.Set.of(selectorModelTopic, dictionariesTopic);
    }

    /** Where the encoder asks producers for whole regions (resync requests, {@code HDEQ}). */
    public String resyncRequestsTopic() {
        return resyncRequestsTopic;
    }

    public HdeJobConfig resyncRequestsTopic(String topic) {
        this.resyncRequestsTopic = Objects.requireNonNull(topic);
        return this;
    }

    /** Where receivers ask the encoder for keyframes (keyframe requests, {@code HDEQ}). */
    public String keyframeRequestsTopic() {
        return keyframeRequestsTopic;
    }

    public HdeJobConfig keyframeRequestsTopic(String topic) {
        this.keyframeRequestsTopic = Objects.requireNonNull(topic);
        return this;
    }

    /** Whether the encoder reads the keyframe-request topic (on by default). */
    public boolean keyframeRequestsEnabled() {
        return keyframeRequestsEnabled;
    }

    public HdeJobConfig keyframeRequestsEnabled(boolean on) {
        this.keyframeRequestsEnabled = on;
        return this;
    }

    public String restorePath() {
        return restorePath;
    }

    /**
     * Start from this checkpoint or savepoint (null: from the start offsets, no state).
     *
     * @param claim the job owns it (its own retained checkpoint: deleted once subsumed) rather than only reading it
     */
    public HdeJobConfig restore(String path, boolean claim) {
        this.restorePath = path;
        this.restoreClaim = claim;
        return this;
    }

    public Duration resyncRetry() {
        return resyncRetry;
    }

    public Duration quietAfter() {
        return quietAfter;
    }

    /** A region without an event of its producer (no change, no heartbeat) for this long is reported quiet; zero: never. */
    public HdeJobConfig quietAfter(Duration d) {
        this.quietAfter = notNegative(d, "quiet time");
        return this;
    }

    /** An unanswered resync request is repeated after this long (then twice as long each time, at most 10 minutes). */
    public HdeJobConfig resyncRetry(Duration d) {
        this.resyncRetry = positive(d, "resync retry interval");
        return this;
    }

    /** See {@link EncoderSettings#epochsAboveClock()}: on by default; off only to compare frames with {@code hde trace}'s. */
    public HdeJobConfig epochsAboveClock(boolean on) {
        this.epochsAboveClock = on;
        return this;
    }

    public String encoderGroupId() {
        return encoderGroupId;
    }

    public HdeJobConfig encoderGroupId(String id) {
        this.encoderGroupId = Objects.requireNonNull(id);
        return this;
    }

    public String decoderGroupId() {
        return decoderGroupId;
    }

    public HdeJobConfig decoderGroupId(String id) {
        this.decoderGroupId = Objects.requireNonNull(id);
        return this;
    }

    public String transactionalIdPrefix() {
        return transactionalIdPrefix;
    }

    public HdeJobConfig transactionalIdPrefix(String prefix) {
        this.transactionalIdPrefix = Objects.requireNonNull(prefix);
        return this;
    }

    public Duration transactionTimeout() {
        return transactionTimeout;
    }

    public HdeJobConfig transactionTimeout(Duration d) {
        this.transactionTimeout = positive(d, "transaction timeout");
        return this;
    }

    public int maxRecordBytes() {
        return maxRecordBytes;
    }

    /**
     * The largest record the job's producers send ({@code max.request.size}): a FULL frame of a
     * region of incompressible pages is as large as the region. The topic's and the broker's
     * {@code max.message.bytes} / {@code message.max.bytes} must allow it too.
     */
    public HdeJobConfig maxRecordBytes(int bytes) {
        if (bytes < 1024) {
            throw new IllegalArgumentException("max record bytes must be at least 1 KiB");
        }
        this.maxRecordBytes = bytes;
        return this;
    }

    public StartingOffsets startingOffsets() {
        return startingOffsets;
    }

    public HdeJobConfig startingOffsets(StartingOffsets s) {
        this.startingOffsets = Objects.requireNonNull(s);
        return this;
    }

    public boolean bounded() {
        return bounded;
    }

    /** Stop at the end offsets the topics have when the job starts (instead of running until cancelled). */
    public HdeJobConfig bounded(boolean b) {
        this.bounded = b;
        return this;
    }

    public int parallelism() {
        return parallelism;
    }

    /** 0 = the environment's default (on the embedded runtime: the number of cores). */
    public HdeJobConfig parallelism(int p) {
        if (p < 0) {
            throw new IllegalArgumentException("parallelism must not be negative");
        }
        this.parallelism = p;
        return this;
    }

    public Duration checkpointInterval() {
        return checkpointInterval;
    }

    public HdeJobConfig checkpointInterval(Duration d) {
        this.checkpointInterval = positive(d, "checkpoint interval");
        return this;
    }

    public boolean periodicCheckpoints() {
        return periodicCheckpoints;
    }

    /**
     * Periodic checkpoints on (the default) or off. A bounded decode that is run again from the start
     * after a failure needs none, and a checkpoint triggered while its tasks finish only fails.
     */
    public HdeJobConfig periodicCheckpoints(boolean on) {
        this.periodicCheckpoints = on;
        return this;
    }

    public StateBackend stateBackend() {
        return stateBackend;
    }

    public HdeJobConfig stateBackend(StateBackend b) {
        this.stateBackend = Objects.requireNonNull(b);
        return this;
    }

    public String checkpointDirectory() {
        return checkpointDirectory;
    }

    /** A URI such as {@code file:///var/lib/hde/checkpoints} or {@code s3://bucket/hde}; null = {@link #defaultCheckpointDirectory()}. */
    public HdeJobConfig checkpointDirectory(String uri) {
        this.checkpointDirectory = uri;
        return this;
    }

    public boolean incrementalCheckpoints() {
        return incrementalCheckpoints;
    }

    public HdeJobConfig incrementalCheckpoints(boolean b) {
        this.incrementalCheckpoints = b;
        return this;
    }

    public int restartAttempts() {
        return restartAttempts;
    }

    /** 0 = no restarts: the first failure fails the job. */
    public HdeJobConfig restartAttempts(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("restart attempts must not be negative");
        }
        this.restartAttempts = n;
        return this;
    }

    public Duration restartDelay() {
        return restartDelay;
    }

    public HdeJobConfig restartDelay(Duration d) {
        this.restartDelay = Objects.requireNonNull(d);
        return this;
    }

    public Duration watermarkOutOfOrderness() {
        return watermarkOutOfOrderness;
    }

    public HdeJobConfig watermarkOutOfOrderness(Duration d) {
        this.watermarkOutOfOrderness = Objects.requireNonNull(d);
        return this;
    }

    public Duration watermarkIdleness() {
        return watermarkIdleness;
    }

    public HdeJobConfig watermarkIdleness(Duration d) {
        this.watermarkIdleness = positive(d, "watermark idleness");
        return this;
    }

    public boolean objectReuse() {
        return objectReuse;
    }

    /** Flink's {@code pipeline.object-reuse}: on by default (see {@link #flinkConfiguration()}). */
    public HdeJobConfig objectReuse(boolean on) {
        this.objectReuse = on;
        return this;
    }

    /** The Flink options given as they are ({@code -D key=value}), in the order given. */
    public Map<String, String> flinkOptions() {
        return java.util.Collections.unmodifiableMap(flinkOptions);
    }

    /** Any Flink option by its key, e.g. {@code metrics.reporter.prom.port}; see {@link FlinkSettings} for what it wins over. */
    public HdeJobConfig flinkOption(String key, String value) {
        flinkOptions.put(Objects.requireNonNull(key), Objects.requireNonNull(value));
        return this;
    }

    public List<EncodeSpec> encodeSpecs() {
        return encodeSpecs;
    }

    public HdeJobConfig encodeSpecs(List<EncodeSpec> specs) {
        if (specs.isEmpty()) {
            throw new IllegalArgumentException("at least one encode spec");
        }
        this.encodeSpecs = List.copyOf(specs);
        return this;
    }

    public boolean compressionDisabled() {
        return compressionDisabled;
    }

    public HdeJobConfig compressionDisabled(boolean b) {
        this.compressionDisabled = b;
        return this;
    }

    public RefreshPolicy refreshPolicy() {
        return refreshPolicy;
    }

    public HdeJobConfig refreshPolicy(RefreshPolicy p) {
        this.refreshPolicy = Objects.requireNonNull(p);
        return this;
    }

    public Limits limits() {
        return limits;
    }

    public HdeJobConfig limits(Limits l) {
        this.limits = Objects.requireNonNull(l);
        return this;
    }

    public SelectorMode selectorMode() {
        return selectorMode;
    }

    /** As set; null when not set (in band with the adaptive selector). */
    public SelectorModels selectorModels() {
        return selectorModels;
    }

    /** {@code in-band} (the default: models in the page-updates topic, the same frames after a restore) or {@code on-arrival}. */
    public HdeJobConfig selectorModels(SelectorModels m) {
        this.selectorModels = Objects.requireNonNull(m);
        return this;
    }

    /** Whether the adaptive selector chooses with models in band (the validator then sends models in the page-updates topic to it). */
    public boolean selectorModelsInBand() {
        return encoderSettings().choosesInBand();
    }

    /**
     * Whether the trainer writes its models into every page-updates partition: when this job chooses
     * in band, and when {@code in-band} is set on a job that learns for another (a fixed job whose
     * trainer feeds an adaptive job without one on the same topic).
     */
    public boolean writesSelectorModelsInBand() {
        return selectorTrainerEnabled && (selectorModels == SelectorModels.IN_BAND || (selectorModels == null && selectorModelsInBand()));
    }

    /**
     * The encoder's key groups: {@code pipeline.max-parallelism} of the Flink options; else what Flink
     * would choose for the configured parallelism (at least 128: so a job restored from a checkpoint
     * of before models went in band keeps its key groups), {@link #DEFAULT_MAX_PARALLELISM} when the
     * parallelism is the cluster's (above 85 of it, set {@code pipeline.max-parallelism}).
     */
    public int maxParallelism() {
        String set = flinkOptions.get(org.apache.flink.configuration.PipelineOptions.MAX_PARALLELISM.key());
        if (set == null) {
            return parallelism > 0 ? org.apache.flink.runtime.state.KeyGroupRangeAssignment.computeDefaultMaxParallelism(parallelism)
                    : DEFAULT_MAX_PARALLELISM;
        }
        try {
            int m = Integer.parseInt(set.trim());
            if (m < 1 || m > org.apache.flink.runtime.state.KeyGroupRangeAssignment.UPPER_BOUND_MAX_PARALLELISM) {
                throw new IllegalArgumentException("pipeline.max-parallelism " + m + " is out of range");
            }
            return m;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("pipeline.max-parallelism is not a number: " + set);
        }
    }

    /** {@code fixed} (the encode specs, the default) or {@code adaptive} (the selector with the newest model). */
    public HdeJobConfig selectorMode(SelectorMode m) {
        this.selectorMode = Objects.requireNonNull(m);
        return this;
    }

    public NetworkMode networkMode() {
        return networkMode;
    }

    /** The network mode the adaptive selector assumes: datacenter (10 Gbit/s), internet (100 Mbit/s) or hybrid (1 Gbit/s). */
    public HdeJobConfig networkMode(NetworkMode m) {
        this.networkMode = Objects.requireNonNull(m);
        return this;
    }

    public long linkBandwidth() {
        return linkBandwidth;
    }

    /** The link's bandwidth in bit/s (for hybrid links, or to override any mode's default); 0 = the mode's default. */
    public HdeJobConfig linkBandwidth(long bitsPerSecond) {
        if (bitsPerSecond != 0) {
            new Link(networkMode, bitsPerSecond); // checks the range
        }
        this.linkBandwidth = bitsPerSecond;
        return this;
    }

    public double explorationRate() {
        return explorationRate;
    }

    /** The selector's exploration rate once a choice has records for a kind: 0..0.10. */
    public HdeJobConfig explorationRate(double rate) {
        if (!(rate >= 0 && rate <= SelectorConfig.MAX_EPSILON)) {
            throw new IllegalArgumentException("exploration rate must be in [0, " + SelectorConfig.MAX_EPSILON + "]");
        }
        this.explorationRate = rate;
        return this;
    }

    public double warmupExplorationRate() {
        return warmupExplorationRate;
    }

    /** The exploration rate while a choice has fewer than 3 records for a kind: 0..0.25 (never below the exploration rate). */
    public HdeJobConfig warmupExplorationRate(double rate) {
        if (!(rate >= 0 && rate <= SelectorConfig.MAX_WARMUP_RATE)) {
            throw new IllegalArgumentException("warm-up exploration rate must be in [0, " + SelectorConfig.MAX_WARMUP_RATE + "]");
        }
        this.warmupExplorationRate = rate;
        return this;
    }

    public long selectorSeed() {
        return selectorSeed;
    }

    /** The seed of the exploration draws (a hash of seed, state key and sequence): same seed, model and input, same frames. */
    public HdeJobConfig selectorSeed(long seed) {
        this.selectorSeed = seed;
        return this;
    }

    public boolean selectorTrainerEnabled() {
        return selectorTrainerEnabled;
    }

    /** Run the selector trainer beside the encoder (it learns from fixed choices too); it publishes to {@link #selectorModelTopic()}. */
    public HdeJobConfig selectorTrainerEnabled(boolean on) {
        this.selectorTrainerEnabled = on;
        return this;
    }

    public Duration selectorPublishInterval() {
        return selectorPublishInterval;
    }

    public HdeJobConfig selectorPublishInterval(Duration d) {
        this.selectorPublishInterval = positive(d, "selector publish interval");
        return this;
    }

    public Duration selectorWindowBucket() {
        return selectorWindowBucket;
    }

    public HdeJobConfig selectorWindowBucket(Duration d) {
        this.selectorWindowBucket = positive(d, "selector window bucket");
        return this;
    }

    public int selectorWindowBuckets() {
        return selectorWindowBuckets;
    }

    public HdeJobConfig selectorWindowBuckets(int n) {
        if (n < 1 || n > 10_000) {
            throw new IllegalArgumentException("selector window buckets must be in [1, 10000]");
        }
        this.selectorWindowBuckets = n;
        return this;
    }

    public long selectorModelGeneration() {
        return selectorModelGeneration;
    }

    /** The generation of the models the trainer publishes (at least 1); raise it to start learning again from the priors. */
    public HdeJobConfig selectorModelGeneration(long g) {
        if (g < 1) {
            throw new IllegalArgumentException("selector model generation must be at least 1");
        }
        this.selectorModelGeneration = g;
        return this;
    }

    /** The adaptive selector's candidates; null = {@link SelectorConfig#DEFAULT_CANDIDATES}. */
    public List<dev.hde.codec.select.EncodeChoice> selectorCandidates() {
        return selectorCandidates;
    }

    /** The choices the adaptive selector may make (e.g. {@code xbzrle+zstd-3+tdict}); null = the default candidates. */
    public HdeJobConfig selectorCandidates(List<dev.hde.codec.select.EncodeChoice> candidates) {
        this.selectorCandidates = candidates == null ? null : List.copyOf(candidates);
        return this;
    }

    public boolean dictionariesEnabled() {
        return dictionariesEnabled;
    }

    /**
     * Trained dictionaries: the encoder samples pages for the dictionary trainer, which publishes to
     * {@link #dictionariesTopic()}, and reads that topic back as part of its broadcast input (off by
     * default). Decoders always read the topic (a topic that does not exist holds no dictionaries).
     */
    public HdeJobConfig dictionariesEnabled(boolean on) {
        this.dictionariesEnabled = on;
        return this;
    }

    public String dictionariesTopic() {
        return dictionariesTopic;
    }

    /** The compacted topic of trained dictionaries (key = id in decimal, value = an {@code HDED} record). */
    public HdeJobConfig dictionariesTopic(String topic) {
        this.dictionariesTopic = Objects.requireNonNull(topic);
        return this;
    }

    public dev.hde.operators.DictionarySettings dictionarySettings() {
        return dictionarySettings;
    }

    /** Sampling and training of dictionaries (budget, interval, ...). */
    public HdeJobConfig dictionarySettings(dev.hde.operators.DictionarySettings s) {
        this.dictionarySettings = Objects.requireNonNull(s);
        return this;
    }

    /** At most this many bytes of sample pages per VM class (the trainer's bottom-k sample). */
    public HdeJobConfig dictionarySampleBudget(long bytes) {
        this.dictionarySettings = dictionarySettings.withSampleBudgetBytes(bytes);
        return this;
    }

    /** How often a class is trained again (a new generation) when its sample changed. */
    public HdeJobConfig dictionaryTrainInterval(Duration d) {
        this.dictionarySettings = dictionarySettings.withTrainInterval(positive(d, "dictionary training interval"));
        return this;
    }

    public String siteId() {
        return siteId;
    }

    /**
     * This site's id: names its catalog replica (unique among live replicas, docs/crdt.md) and, for
     * the decoder, the site whose frames topic it reads. 1..64 printable ASCII characters.
     */
    public HdeJobConfig siteId(String id) {
        this.siteId = SiteIds.check(id);
        return this;
    }

    public boolean catalogEnabled() {
        return catalogEnabled;
    }

    /** Run the catalog merger beside the encoder ({@link #catalogTopic()} must exist). */
    public HdeJobConfig catalogEnabled(boolean on) {
        this.catalogEnabled = on;
        return this;
    }

    public String catalogTopic() {
        return catalogTopic;
    }

    public HdeJobConfig catalogTopic(String topic) {
        this.catalogTopic = Objects.requireNonNull(topic);
        return this;
    }

    public int catalogBuckets() {
        return catalogBuckets;
    }

    /** Key buckets of the catalog: the same at every site and reader. */
    public HdeJobConfig catalogBuckets(int n) {
        this.catalogBuckets = CatalogMergerSettings.of(siteId).withBucketCount(n).bucketCount();
        return this;
    }

    public Duration catalogPublishInterval() {
        return catalogPublishInterval;
    }

    public HdeJobConfig catalogPublishInterval(Duration d) {
        this.catalogPublishInterval = positive(d, "catalog publish interval");
        return this;
    }

    public Duration antiEntropyInterval() {
        return antiEntropyInterval;
    }

    public HdeJobConfig antiEntropyInterval(Duration d) {
        this.antiEntropyInterval = positive(d, "anti-entropy interval");
        return this;
    }

    public Duration catalogStateInterval() {
        return catalogStateInterval;
    }

    /** How often the merger publishes its whole state; zero = never. */
    public HdeJobConfig catalogStateInterval(Duration d) {
        this.catalogStateInterval = notNegative(d, "catalog state interval");
        return this;
    }

    public boolean decodeFromCatalog() {
        return decodeFromCatalog;
    }

    /** The decoder starts at the keyframes the catalog names instead of at the beginning of the frames topic. */
    public HdeJobConfig decodeFromCatalog(boolean on) {
        this.decodeFromCatalog = on;
        return this;
    }

    public Duration keyframeSeekSlack() {
        return keyframeSeekSlack;
    }

    /** How far before a keyframe's capture time the decoder looks for it on the frames topic (record timestamps that are not capture times). */
    public HdeJobConfig keyframeSeekSlack(Duration d) {
        if (d == null || d.isNegative()) {
            throw new IllegalArgumentException("keyframe seek slack must not be negative");
        }
        this.keyframeSeekSlack = d;
        return this;
    }

    private static Duration notNegative(Duration d, String what) {
        if (d == null || d.isNegative()) {
            throw new IllegalArgumentException(what + " must not be negative");
        }
        return d;
    }

    private static Duration positive(Duration d, String what) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(what + " must be positive");
        }
        return d;
    }
}
