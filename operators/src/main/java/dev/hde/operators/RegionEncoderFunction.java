package dev.hde.operators;

import dev.hde.codec.HdeException;
import dev.hde.codec.delta.DeltaMethod;
import dev.hde.codec.dict.DictionaryFormat;
import dev.hde.codec.dict.DictionaryTrainer;
import dev.hde.codec.dict.MapDictionaryStore;
import dev.hde.codec.dict.TrainedDictionary;
import dev.hde.codec.region.EncodeSpec;
import dev.hde.codec.region.FrameInfo;
import dev.hde.codec.region.PageStore;
import dev.hde.codec.region.PageUpdate;
import dev.hde.codec.region.PendingFrame;
import dev.hde.codec.region.RegionEncoder;
import dev.hde.codec.region.RegionMeta;
import dev.hde.codec.select.DataFeatures;
import dev.hde.codec.select.EncodeChoice;
import dev.hde.codec.select.Observation;
import dev.hde.codec.select.Selector;
import dev.hde.codec.select.SelectorModel;
import dev.hde.codec.select.SelectorModelFormat;
import dev.hde.codec.wire.FrameFormat;
import dev.hde.codec.wire.FrameType;
import dev.hde.codec.wire.EventKind;
import dev.hde.codec.wire.PageUpdateEvent;
import dev.hde.codec.wire.PageUpdateEventFormat;
import dev.hde.codec.wire.ControlRequest;
import dev.hde.codec.wire.ControlRequestFormat;
import dev.hde.state.EventEncoder;
import dev.hde.state.RefreshPolicy;
import dev.hde.state.RefreshReason;
import dev.hde.state.RegionState;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.runtime.state.KeyGroupRange;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.streaming.api.TimeDomain;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.co.KeyedBroadcastProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * The encoder: holds each region's reference image (what the receiver holds) in page-granular
 * keyed state, base pages and small patches on them ({@link PatchedPageStore}), and turns every
 * page-update event into a FULL, DELTA or DELETE frame.
 *
 * <p>Frames depend only on the input: epochs and refresh decisions use producer capture times and
 * sequence numbers, never processing time, so a job restored from a checkpoint re-emits exactly the
 * frames a failure-free run makes. The processing-time prune timer only forgets idle regions; the
 * event-time age timer refreshes keyframes that have deltas on top and no new updates.
 *
 * <p>The broadcast input carries the selector model (topic {@code hde.selector-model}, the
 * {@code HDES} format). A value that does not parse is counted ({@code selectorModelsRefused}) and
 * ignored; a model replaces the current one only when it is newer ({@link SelectorModel#isNewerThan}),
 * so the order in which old and new models arrive does not matter. Broadcast state holds the bytes
 * of the newest model, so a restored subtask rebuilds the same selector on first use. A subtask that
 * starts without any (a job started from nothing) begins with the newest model on the topic
 * ({@link TopicReplay}, read in {@code open}), and with the codec's priors if there is none.
 *
 * <p>With {@link EncoderSettings#adaptive()} every FULL and DELTA frame is encoded with the choice of
 * a {@link Selector} built from that model: features of the pending frame, then
 * {@link Selector#decide} with the producer's sequence number (so exploration is a hash of seed, key
 * and sequence, and the same model, input and seed give the same frames), then render. Otherwise the
 * fixed specs of the settings are used and the model is only tracked. Either way the performance
 * record names the choice and the model version, for the selector trainer.
 *
 * <p>Trained dictionaries (docs/selector.md, "Dictionaries in the job"): the same broadcast input
 * also carries the records of the dictionary topic ({@code hde.dictionaries}, the {@code HDED}
 * format; told apart from models by their magic). Each valid one is kept in broadcast state (key
 * {@value #DICTIONARY_KEY_PREFIX}{@code <id>}) and in the subtask's {@link MapDictionaryStore}; the
 * selector may choose a {@code +tdict} choice only when that store holds a dictionary of the key's
 * VM class, so a frame only ever names a dictionary this subtask has read back from the topic that
 * decoders read too. With {@link DictionarySettings} the encoder also sends sample pages to the
 * dictionary trainer ({@link #DICTIONARY_SAMPLES}).
 *
 * <p>With {@link EncoderSettings#choosesInBand()} the selector's model comes with the input instead
 * ({@link SelectorModelMarkers}): a marker copy (a model the trainer wrote into the page-updates
 * topic) sets the model of its key group and partition ({@link InBandModels}, in operator union
 * state), and a frame is chosen with the model of its key's group and partition. The broadcast
 * model is then only tracked, so which frames a job makes depends on its input alone.
 */
public class RegionEncoderFunction extends KeyedBroadcastProcessFunction<String, ValidEvent, byte[], FrameRecord>
        implements CheckpointedFunction {

    private static final long serialVersionUID = 1L;

    public static final OutputTag<PerformanceRecord> PERFORMANCE =
            new OutputTag<>("performance", TypeInformation.of(PerformanceRecord.class));
    public static final OutputTag<BaselineEvent> BASELINES = new OutputTag<>("baselines", TypeInformation.of(BaselineEvent.class));
    public static final MapStateDescriptor<String, byte[]> SELECTOR_MODEL =
            new MapStateDescriptor<>("selector-model", Types.STRING, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);
    /** The broadcast-state key of the newest model. */
    public static final String CURRENT_MODEL = "current";
    /** Sample pages for the dictionary trainer (only with {@link DictionarySettings}). */
    public static final OutputTag<DictionarySample> DICTIONARY_SAMPLES =
            new OutputTag<>("dictionary-samples", TypeInformation.of(DictionarySample.class));
    /** Operator union state of the selector models in band ({@link InBandModels#snapshot}). */
    static final ListStateDescriptor<byte[]> MODELS_IN_BAND =
            new ListStateDescriptor<>("selector-models-in-band", PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);
    /** Broadcast-state keys of the dictionary records read back from the dictionary topic: this prefix and the id in decimal. */
    public static final String DICTIONARY_KEY_PREFIX = "dictionary/";

    /** The base pages of {@link PatchedPageStore} (before 7 December 2026, every page whole). */
    static final MapStateDescriptor<Integer, byte[]> PAGES =
            new MapStateDescriptor<>("reference-pages", Types.INT, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);
    static final ValueStateDescriptor<RegionState> REGION = new ValueStateDescriptor<>("region", TypeInformation.of(RegionState.class));

    /**
     * Resync requests to the producers (topic {@code hde.resync-requests}, the {@code HDEQ} format):
     * one when a wait for a whole region starts, and repeats while it is unanswered.
     */
    public static final OutputTag<ControlRecord> RESYNC_REQUESTS =
            new OutputTag<>("resync-requests", TypeInformation.of(ControlRecord.class));

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(RegionEncoderFunction.class);
    /** Resyncs and dropped events are logged at most this often per subtask; the metrics count every one. */
    private static final long LOG_INTERVAL_MILLIS = 10_000;

    private final EncoderSettings settings;
    /** The processing time of the element or timer at hand: the floor of a new region's epoch ({@link EncoderSettings#epochsAboveClock()}). */
    private transient long clockMillis;
    private transient EventEncoder core;
    private transient RateLimitedLog resyncLog;
    private transient RateLimitedLog droppedLog;
    private transient RateLimitedLog quietLog;
    /** Who asks, in resync requests: this job's subtask. */
    private transient String requester;

    /**
     * The patches of {@link PatchedPageStore}: page index → the XBZRLE patch from its base in {@link #PAGES} to its content.
     * Since 7 December 2026; an older encoder restored from a checkpoint that holds patches would not read them.
     */
    static final MapStateDescriptor<Integer, byte[]> PATCHES_STATE =
            new MapStateDescriptor<>("reference-patches", Types.INT, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);
    private transient MapState<Integer, byte[]> pages;
    private transient ValueState<RegionState> region;
    private transient MapState<Integer, byte[]> patches;
    private transient List<EncodeSpec> specs;
    private transient EncoderMetrics metrics;
    private final TopicReplay modelReplay;
    /** The newest model this subtask knows (from broadcast state, the broadcast input or the topic at start); null until first use. */
    private transient SelectorModel model;
    /** The model read from the topic at start, used when broadcast state holds none. */
    private transient SelectorModel startModel;
    private transient Selector selector;
    private transient long refusedLogged;
    private transient int subtask;
    /** Sampling for the dictionary trainer, or null (no samples). */
    private final DictionarySettings dictionarySettings;
    /** The dictionaries read back from the topic (broadcast state); null until first use. */
    private transient MapDictionaryStore dictionaries;
    /** Per VM class, the sample hashes this subtask sent (a bottom-k of hashes, so a class's samples stay within its budget). */
    private transient Map<String, TreeSet<Long>> sampled;
    /** With models in band: the state, the entries restored into it (until open), and the models per key group and partition. */
    private transient ListState<byte[]> inBandState;
    private transient List<byte[]> restoredInBand;
    private transient InBandModels inBand;
    /** Selectors of the models in band, by model version (few: a model lives until the next one reaches every key group). */
    private transient Map<String, Selector> inBandSelectors;
    private transient int maxParallelism;
    /** This subtask's key groups and the encoder's parallelism: a model in band copied per subtask stands for all of them. */
    private transient KeyGroupRange ownKeyGroups;
    private transient int parallelism;
    /** The last model in band parsed, and its bytes: a model comes once per partition (or per key group), so it is parsed once, not once per copy. */
    private transient byte[] lastInBandBytes;
    private transient SelectorModel lastInBandModel;
    /** The page-updates partition of the event at hand, or of the region for a keyframe of its own (-1: not known). */
    private transient int framePartition;

    public RegionEncoderFunction(EncoderSettings settings) {
        this(settings, null);
    }

    /** @param modelReplay the selector-model topic as it stands, read once at start; null = none (start from the priors) */
    public RegionEncoderFunction(EncoderSettings settings, TopicReplay modelReplay) {
        this(settings, modelReplay, null);
    }

    /** @param dictionarySettings sample pages for the dictionary trainer with these settings; null = none */
    public RegionEncoderFunction(EncoderSettings settings, TopicReplay modelReplay, DictionarySettings dictionarySettings) {
        this.settings = settings;
        this.modelReplay = modelReplay;
        this.dictionarySettings = dictionarySettings;
    }

    @Override
    public void initializeState(FunctionInitializationContext context) throws Exception {
        restoredInBand = new ArrayList<>();
        if (!settings.choosesInBand()) {
            return;
        }
        inBandState = context.getOperatorStateStore().getUnionListState(MODELS_IN_BAND);
        if (context.isRestored()) {
            for (byte[] entry : inBandState.get()) {
                restoredInBand.add(entry);
            }
        }
    }

    @Override
    public void snapshotState(FunctionSnapshotContext context) throws Exception {
        if (inBandState != null && inBand != null) {
            inBandState.update(inBand.snapshot());
        }
    }

    @Override
    public void open(OpenContext openContext) {
        pages = getRuntimeContext().getMapState(PAGES);
        region = getRuntimeContext().getState(REGION);
        patches = getRuntimeContext().getMapState(PATCHES_STATE);
        specs = settings.effectiveSpecs();
        metrics = new EncoderMetrics(getRuntimeContext().getMetricGroup(), () -> model);
        subtask = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
        core = settings.epochsAboveClock() ? new EventEncoder(settings.policy(), () -> clockMillis) : new EventEncoder(settings.policy());
        resyncLog = new RateLimitedLog(LOG, LOG_INTERVAL_MILLIS);
        droppedLog = new RateLimitedLog(LOG, LOG_INTERVAL_MILLIS);
        quietLog = new RateLimitedLog(LOG, LOG_INTERVAL_MILLIS);
        requester = "encoder-" + subtask;
        model = null;
        selector = null;
        dictionaries = null;
        sampled = new HashMap<>();
        startModel = SelectorModel.EMPTY;
        if (modelReplay != null) {
            try {
                modelReplay.replay(bytes -> {
                    SelectorModel m = parseModel(bytes, "on the topic at start");
                    if (m != null && m.isNewerThan(startModel)) {
                        startModel = m;
                    }
                });
                if (startModel.isNewerThan(SelectorModel.EMPTY)) {
                    LOG.info("encoder subtask {}: starting with selector model {} from the topic", subtask, startModel.version());
                }
            } catch (Exception e) {
                // Not fatal: the broadcast input delivers the same model a little later.
                LOG.warn("encoder subtask {}: could not read the selector-model topic at start ({}); starting from {}", subtask, e.toString(),
                        startModel.version());
            }
        }
        maxParallelism = getRuntimeContext().getTaskInfo().getMaxNumberOfParallelSubtasks();
        inBandSelectors = new HashMap<>();
        if (settings.choosesInBand()) {
            parallelism = getRuntimeContext().getTaskInfo().getNumberOfParallelSubtasks();
            ownKeyGroups = KeyGroupRangeAssignment.computeKeyGroupRangeForOperatorIndex(maxParallelism, parallelism, subtask);
            // A key group restored without models starts with the topic's: that is what a failure-free run of this job started with.
            inBand = InBandModels.restore(restoredInBand == null ? List.of() : restoredInBand, ownKeyGroups, startModel);
            restoredInBand = null;
        }
    }

    /** Parses a model value; counts and logs (rate-limited) one that does not parse and returns null. */
    private SelectorModel parseModel(byte[] bytes, String where) {
        try {
            return SelectorModelFormat.read(bytes);
        } catch (HdeException | IllegalArgumentException e) {
            metrics.modelsRefused.inc();
            refusedLogged++;
            if (refusedLogged <= 10 || Long.bitCount(refusedLogged) == 1) {
                LOG.warn("encoder subtask {}: refused a selector model {} ({} so far): {}", subtask, where, refusedLogged, e.getMessage());
            }
            return null;
        }
    }

    @Override
    public void processBroadcastElement(byte[] bytes, Context ctx, Collector<FrameRecord> out) throws Exception {
        if (isDictionaryRecord(bytes)) {
            takeDictionary(bytes, ctx);
            return;
        }
        // The same on every subtask (Flink's rule for broadcast state): a function of the stored bytes and the input only.
        SelectorModel m = bytes == null ? null : parseModel(bytes, "from the broadcast input");
        if (m == null) {
            return;
        }
        // The subtask's selector (loaded first, from the state as it was): the newest of what it had and this one.
        SelectorModel mine = currentModel(ctx);
        byte[] stored = ctx.getBroadcastState(SELECTOR_MODEL).get(CURRENT_MODEL);
        SelectorModel current = stored == null ? SelectorModel.EMPTY : SelectorModelFormat.read(stored);
        if (stored == null || m.isNewerThan(current)) {
            ctx.getBroadcastState(SELECTOR_MODEL).put(CURRENT_MODEL, bytes);
        }
        if (m.isNewerThan(mine)) {
            use(m);
            metrics.modelsApplied.inc();
        } else {
            metrics.modelsIgnored.inc();
        }
    }

    /** A value of the dictionary topic (magic {@code HDED}) rather than a selector model. */
    static boolean isDictionaryRecord(byte[] b) {
        return b != null && b.length >= 4
                && ((b[0] & 0xFF) | (b[1] & 0xFF) << 8 | (b[2] & 0xFF) << 16 | (b[3] & 0xFF) << 24) == DictionaryFormat.MAGIC;
    }

    /**
     * A dictionary read back from the topic: into broadcast state (the same on every subtask: a
     * function of the stored records and the input) and the subtask's store. Records that do not
     * parse, or that conflict with a held id, are counted and ignored.
     */
    private void takeDictionary(byte[] bytes, Context ctx) throws Exception {
        MapDictionaryStore store = dictionaries(broadcastEntries(ctx));
        TrainedDictionary d;
        try {
            d = DictionaryFormat.read(bytes);
        } catch (HdeException | IllegalArgumentException e) {
            metrics.dictionariesRefused.inc();
            LOG.warn("encoder subtask {}: refused a dictionary record: {}", subtask, e.getMessage());
            return;
        }
        String key = DICTIONARY_KEY_PREFIX + d.id();
        byte[] held = ctx.getBroadcastState(SELECTOR_MODEL).get(key);
        if (held == null) {
            ctx.getBroadcastState(SELECTOR_MODEL).put(key, bytes);
        }
        try {
            if (store.add(d)) {
                metrics.dictionariesTaken.inc();
                LOG.info("encoder subtask {}: took {}", subtask, d);
            }
        } catch (HdeException e) {
            metrics.dictionariesRefused.inc();
            LOG.warn("encoder subtask {}: refused a dictionary record: {}", subtask, e.getMessage());
        }
    }

    private static Iterable<Map.Entry<String, byte[]>> broadcastEntries(ReadOnlyContext ctx) {
        try {
            return ctx.getBroadcastState(SELECTOR_MODEL).immutableEntries();
        } catch (Exception e) {
            throw new org.apache.flink.util.FlinkRuntimeException("reading broadcast state", e);
        }
    }

    private static Iterable<Map.Entry<String, byte[]>> broadcastEntries(Context ctx) {
        try {
            return ctx.getBroadcastState(SELECTOR_MODEL).immutableEntries();
        } catch (Exception e) {
            throw new org.apache.flink.util.FlinkRuntimeException("reading broadcast state", e);
        }
    }

    /** The subtask's dictionaries: on first use, those in broadcast state (a restored subtask). */
    private MapDictionaryStore dictionaries(Iterable<Map.Entry<String, byte[]>> broadcast) {
        if (dictionaries == null) {
            dictionaries = new MapDictionaryStore();
            for (Map.Entry<String, byte[]> e : broadcast) {
                if (e.getKey().startsWith(DICTIONARY_KEY_PREFIX)) {
                    try {
                        dictionaries.addRecord(e.getValue());
                    } catch (HdeException | IllegalArgumentException ex) {
                        metrics.dictionariesRefused.inc();
                    }
                }
            }
        }
        return dictionaries;
    }

    /** The subtask's model: on first use, the one in broadcast state (a restored subtask) or the topic's at start, whichever is newer. */
    private SelectorModel currentModel(ReadOnlyContext ctx) throws Exception {
        return model != null ? model : firstModel(ctx.getBroadcastState(SELECTOR_MODEL).get(CURRENT_MODEL));
    }

    private SelectorModel currentModel(Context ctx) throws Exception {
        return model != null ? model : firstModel(ctx.getBroadcastState(SELECTOR_MODEL).get(CURRENT_MODEL));
    }

    private SelectorModel firstModel(byte[] stored) {
        SelectorModel restored = stored == null ? SelectorModel.EMPTY : SelectorModelFormat.read(stored);
        use(restored.isNewerThan(startModel) ? restored : startModel);
        return model;
    }

    private void use(SelectorModel m) {
        model = m;
        selector = settings.adaptive() ? new Selector(settings.selector(), m) : null;
    }

    @Override
    public void processElement(ValidEvent in, ReadOnlyContext ctx, Collector<FrameRecord> out) throws Exception {
        clockMillis = ctx.timerService().currentProcessingTime();
        if (SelectorModelMarkers.isMarker(in)) {
            takeMarker(in, ctx);
            return;
        }
        if (ControlRequests.isControlRequest(in.bytes)) {
            keyframeRequested(ControlRequestFormat.read(in.bytes, settings.limits()), ctx, out);
            return;
        }
        framePartition = in.partition;
        PageUpdateEvent event = PageUpdateEventFormat.parse(in.bytes, settings.limits());
        RegionState s = region.value();
        // Read before the encoder updates the state: a whole region after a jump in the sequence is a producer that restarted.
        boolean jumped = s != null && s.hasReference() && !s.awaitingResync() && event.sequence() > s.lastSequence + 1;
        metrics.bytesIn.inc((long) event.indices().length * event.pageSize());
        if (event.kind() == EventKind.PAGES && event.indices().length == 0) {
            metrics.heartbeats.inc(); // counted whatever comes of it: after a lost event it is what asks for the whole region
        }
        long t0 = System.nanoTime();
        PatchedPageStore reference = reference(s);
        EventEncoder.Outcome<Rendered> outcome = core.apply(s, reference, event, (info, pending) -> render(info, pending, ctx));
        keepPresence(outcome, reference);
        long nanos = System.nanoTime() - t0;
        if (outcome instanceof EventEncoder.Emit<Rendered> e) {
            if (jumped) {
                metrics.sequenceGaps.inc(); // nothing was lost: the whole region says what every page is
                metrics.producerResyncs.inc();
            }
            sent(e, nanos, true, ctx, out);
        } else if (outcome instanceof EventEncoder.Unchanged<Rendered> u) {
            if (jumped) {
                metrics.sequenceGaps.inc();
                metrics.producerResyncs.inc();
            }
            metrics.unchangedEvents.inc();
            if (!u.verified()) {
                metrics.unverifiedEvents.inc();
            }
            touch(u.state(), ctx);
            region.update(u.state());
        } else if (outcome instanceof EventEncoder.Duplicate<Rendered>) {
            metrics.duplicates.inc();
        } else if (outcome instanceof EventEncoder.Resync<Rendered> r) {
            resync(event, r, ctx, out);
        } else if (outcome instanceof EventEncoder.Dropped<Rendered> d) {
            metrics.droppedAwaitingResync.inc();
            droppedLog.warn(() -> String.format("%s: dropped the partial event at sequence %d: waiting for a whole region (%s; %d dropped on "
                    + "this subtask so far)", event.stateKey(), event.sequence(), d.awaiting(), metrics.droppedAwaitingResync.getCount()));
            touch(d.state(), ctx);
            region.update(d.state());
        } else if (outcome instanceof EventEncoder.Deleted<Rendered> d) {
            out.collect(new FrameRecord(event.stateKey(), d.frame()));
            metrics.deleteFrames.inc();
            if (d.before() != null) {
                forget(d.before(), ctx);
                if (d.before().hasReference()) {
                    metrics.baselinesRemoved.inc();
                    ctx.output(BASELINES, new BaselineEvent(event.stateKey(), BaselineEvent.Kind.DELETED, null, d.before().epoch, 0, 0, 0,
                            event.captureTimeMillis()));
                }
            }
        } else {
            throw new IllegalStateException("unexpected outcome " + outcome);
        }
    }

    /**
     * A model in band reached this key group: from here on, frames of its keys from the marker's
     * partition are chosen with it (if it is newer). Touches no keyed state: a marker's key is no region.
     */
    private void takeMarker(ValidEvent in, ReadOnlyContext ctx) {
        if (inBand == null) {
            metrics.modelsIgnored.inc(); // the validator sends markers only to a job that chooses in band; another job's
            return;
        }
        if (in.partition < 0) {
            return;
        }
        SelectorModel m;
        if (Arrays.equals(in.bytes, lastInBandBytes)) {
            m = lastInBandModel;
        } else {
            m = parseModel(in.bytes, "in band");
            if (m == null) {
                return;
            }
            lastInBandBytes = in.bytes;
            lastInBandModel = m;
        }
        int keyGroup = KeyGroupRangeAssignment.assignToKeyGroup(ctx.getCurrentKey(), maxParallelism);
        int madeFor = SelectorModelMarkers.copyParallelism(in.stateKey);
        boolean taken = false;
        if (madeFor == parallelism) {
            // One copy per subtask: it stands for every key group of this subtask, at this place in the partition's order.
            for (int g = ownKeyGroups.getStartKeyGroup(); g <= ownKeyGroups.getEndKeyGroup(); g++) {
                taken |= inBand.take(g, in.partition, m);
            }
        } else {
            if (madeFor != 0) {
                // Made for a subtask of another parallelism (a scheduler that gave the validator and the encoder different
                // ones): it stands for its own key group only, and this subtask's other key groups may miss the model.
                metrics.modelsInBandMisrouted.inc();
                int g = keyGroup;
                droppedLog.warn(() -> String.format("encoder subtask %d of %d: a selector model in band was copied for %d subtasks; it applies "
                        + "to key group %d only (%d such copies so far). Run the validator and the encoder at the same parallelism so that "
                        + "models in band reach every key group.", subtask, parallelism, madeFor, g, metrics.modelsInBandMisrouted.getCount()));
            }
            taken = inBand.take(keyGroup, in.partition, m);
        }
        if (taken) {
            metrics.modelsInBandTaken.inc();
        } else {
            metrics.modelsIgnored.inc();
        }
    }

    /** The encoder cannot make the producer's state: the RESYNC notice to receivers, a request to the producer, a log line. */
    private void resync(PageUpdateEvent event, EventEncoder.Resync<Rendered> r, ReadOnlyContext ctx, Collector<FrameRecord> out) throws Exception {
        if (r.reason() == ControlRequest.Reason.SEQUENCE_GAP) {
            metrics.sequenceGaps.inc();
            metrics.missingEvents.inc(event.sequence() - r.lastGoodSequence() - 1);
        }
        out.collect(new FrameRecord(event.stateKey(), r.notice()));
        metrics.resyncFrames.inc();
        metrics.resyncStarted(r.reason());
        requestResync(event.stateKey(), r.state(), r.reason(), r.lastGoodSequence(), event.sequence(), ctx);
        resyncLog.warn(() -> String.format("%s: %s at sequence %d (last good %d)%s; asked the producer for the whole region", event.stateKey(),
                r.reason(), event.sequence(), r.lastGoodSequence(), r.reason() == ControlRequest.Reason.DIGEST_MISMATCH
                        ? String.format(": the reference comes to %016x, the producer's digest is %016x", r.expectedDigest(),
                                event.digest().orElse(0))
                        : ""));
        touch(r.state(), ctx);
        region.update(r.state());
    }

    /** A receiver asked for a keyframe: one from the verified reference, unless a newer one than the receiver saw is out already. */
    private void keyframeRequested(ControlRequest q, ReadOnlyContext ctx, Collector<FrameRecord> out) throws Exception {
        metrics.keyframeRequests.inc();
        RegionState s = region.value();
        framePartition = s == null ? -1 : s.sourcePartition;
        if (s != null && s.keyframeSequence > q.sequence()) {
            metrics.keyframeRequestsSkipped.inc();
            return;
        }
        long t0 = System.nanoTime();
        PatchedPageStore reference = reference(s);
        EventEncoder.Outcome<Rendered> outcome = core.keyframe(q.stateKey(), s, reference, Math.max(0, q.timeMillis()), RefreshReason.REQUESTED,
                (info, pending) -> render(info, pending, ctx));
        keepPresence(outcome, reference);
        if (outcome instanceof EventEncoder.Emit<Rendered> e) {
            sent(e, System.nanoTime() - t0, false, ctx, out);
        } else {
            metrics.keyframeRequestsSkipped.inc(); // it waits for a whole region: the FULL frame after it serves the receiver
        }
    }

    /**
     * A FULL or DELTA frame made: out, with its metrics, records, timers and state. Only an event of
     * the producer is activity that keeps the region from being pruned; a keyframe the encoder makes
     * on its own (age, a receiver's request) is not.
     */
    private void sent(EventEncoder.Emit<Rendered> e, long nanos, boolean producerActivity, ReadOnlyContext ctx, Collector<FrameRecord> out)
            throws Exception {
        RegionState s = e.state();
        PendingFrame pending = e.pending();
        if (framePartition >= 0) {
            s.sourcePartition = framePartition;
        }
        if (!e.verified()) {
            metrics.unverifiedEvents.inc();
        }
        if (dictionarySettings != null) {
            sample(e.info().stateKey(), pending, ctx);
        }
        RefreshReason reason = e.keyframeReason();
        if (reason != null) {
            s.keyframeSequence = e.info().sourceSequence();
            cancelAgeTimer(s, ctx);
            if (reason == RefreshReason.RESYNC) {
                metrics.resyncsAnswered.inc();
            }
            cancelResyncTimer(s, ctx);
        } else {
            armAgeTimer(s, ctx);
        }
        if (producerActivity) {
            touch(s, ctx);
        }
        region.update(s);
        emit(e.info(), pending, e.rendered(), nanos, ctx, out);
        if (reason != null) {
            BaselineEvent.Kind kind = e.created() ? BaselineEvent.Kind.CREATED : BaselineEvent.Kind.REFRESHED;
            if (kind == BaselineEvent.Kind.CREATED) {
                metrics.baselinesCreated.inc();
            }
            ctx.output(BASELINES, new BaselineEvent(e.info().stateKey(), kind, reason.name(), s.epoch, s.regionPages, e.frame().length,
                    s.digest, e.info().captureTimeMillis()));
        }
    }

    /** Publishes a resync request and sets the timer that repeats it while it is unanswered. */
    private void requestResync(String key, RegionState s, ControlRequest.Reason reason, long lastGood, long sequence, ReadOnlyContext ctx) {
        long now = ctx.timerService().currentProcessingTime();
        ctx.output(RESYNC_REQUESTS, new ControlRecord(key, ControlRequestFormat.write(ControlRequest.resync(key, reason, lastGood,
                sequence, Math.max(0, now), s.resyncAttempts, requester))));
        metrics.resyncRequests.inc();
        cancelResyncTimer(s, ctx);
        long delay = settings.resyncRetry().toMillis() << Math.min(20, Math.max(0, s.resyncAttempts - 1));
        s.resyncTimer = saturatedAdd(now, Math.min(delay, EncoderSettings.MAX_RESYNC_RETRY.toMillis()));
        ctx.timerService().registerProcessingTimeTimer(s.resyncTimer);
    }

    private static void cancelResyncTimer(RegionState s, ReadOnlyContext ctx) {
        if (s.resyncTimer != 0) {
            ctx.timerService().deleteProcessingTimeTimer(s.resyncTimer);
            s.resyncTimer = 0;
        }
    }

    /**
     * A rendered frame with what it was rendered with, and the other rendering when the selector's second
     * opinion had the frame rendered twice ({@code other}: its choice, length and render time; null otherwise).
     */
    private record Rendered(byte[] frame, EncodeChoice choice, boolean explored, DataFeatures features, long renderNanos, String modelVersion,
            Observation other) implements EventEncoder.Rendered {

        Rendered(byte[] frame, EncodeChoice choice, boolean explored, DataFeatures features, long renderNanos, String modelVersion) {
            this(frame, choice, explored, features, renderNanos, modelVersion, null);
        }
    }

    private Rendered render(FrameInfo info, PendingFrame pending, ReadOnlyContext ctx) {
        try {
            currentModel(ctx); // loads the selector on first use
        } catch (Exception e) {
            throw new org.apache.flink.util.FlinkRuntimeException("reading the selector model from broadcast state", e);
        }
        DataFeatures features = DataFeatures.of(pending);
        long t0 = System.nanoTime();
        SelectorModel frameModel = model;
        Selector frameSelector = selector;
        if (inBand != null) {
            frameModel = inBand.modelFor(KeyGroupRangeAssignment.assignToKeyGroup(info.stateKey(), maxParallelism), framePartition);
            frameSelector = selectorFor(frameModel);
        }
        String version = frameModel == null ? SelectorModel.EMPTY.version() : frameModel.version();
        if (frameSelector != null) {
            // Only a dictionary read back from the topic (which decoders read too): published before this frame.
            TrainedDictionary dict = dictionaries(broadcastEntries(ctx)).latest(DictionaryTrainer.defaultVmClass(info.stateKey()));
            Selector.Decision d = frameSelector.decide(features, pending.type(), info.stateKey(), info.sourceSequence(), dict != null);
            byte[] frame = renderWith(info, pending, d.choice(), dict);
            long t1 = System.nanoTime();
            Selector.SecondOpinion second = frameSelector.secondOpinion(d, features, frame.length);
            if (second == null) {
                countDictionary(d.choice(), dict);
                return new Rendered(frame, d.choice(), d.explored(), features, t1 - t0, version);
            }
            EncodeChoice rival = second.rival().choice();
            byte[] rivalFrame = renderWith(info, pending, rival, dict);
            long t2 = System.nanoTime();
            metrics.secondOpinions.inc();
            long capture = Math.max(0, info.captureTimeMillis());
            if (second.sendRival(frame.length, rivalFrame.length, features.bytes(), settings.selector().link())) {
                metrics.secondOpinionsSent.inc();
                countDictionary(rival, dict);
                return new Rendered(rivalFrame, rival, false, features, t2 - t1, version,
                        Observation.encoded(features, d.choice(), frame.length, t1 - t0, capture));
            }
            countDictionary(d.choice(), dict);
            return new Rendered(frame, d.choice(), d.explored(), features, t1 - t0, version,
                    Observation.encoded(features, rival, rivalFrame.length, t2 - t1, capture));
        }
        if (specs.size() == 1) {
            byte[] frame = RegionEncoder.render(info, pending, specs.get(0));
            return new Rendered(frame, EncodeChoice.of(specs.get(0)).forFrame(pending.type()), false, features, System.nanoTime() - t0, version);
        }
        byte[] frame = RegionEncoder.renderSmallest(info, pending, specs);
        long nanos = System.nanoTime() - t0;
        // Which spec was kept: the one the header names, if one of them does (a stored block names codec none).
        FrameFormat.Choice c = FrameFormat.choiceOf(frame);
        EncodeChoice kept = null;
        for (EncodeSpec spec : specs) {
            EncodeChoice e = EncodeChoice.of(spec).forFrame(pending.type());
            if (e.method() == c.method() && e.codec().codec() == c.codec() && e.codec().level() == c.level()) {
                kept = e;
                break;
            }
        }
        if (kept == null) {
            kept = EncodeChoice.of(specs.get(0)).forFrame(pending.type());
        }
        return new Rendered(frame, kept, false, features, nanos, version);
    }

    /** Renders with a selector's choice; a choice with a trained dictionary uses the VM class's latest one (when there is one). */
    private static byte[] renderWith(FrameInfo info, PendingFrame pending, EncodeChoice choice, TrainedDictionary dict) {
        return RegionEncoder.render(info, pending, choice.spec(), choice.trainedDictionary() && dict != null ? dict : null);
    }

    private void countDictionary(EncodeChoice sent, TrainedDictionary dict) {
        if (sent.trainedDictionary() && dict != null) {
            metrics.dictionaryFrames.inc();
        }
    }

    /** The selector of a model in band: made once per model version. */
    private Selector selectorFor(SelectorModel m) {
        Selector cached = inBandSelectors.get(m.version());
        if (cached == null) {
            if (inBandSelectors.size() >= 16) {
                inBandSelectors.clear(); // models come every publish interval: older ones are rarely asked for again
            }
            cached = new Selector(settings.selector(), m);
            inBandSelectors.put(m.version(), cached);
        }
        return cached;
    }

    /**
     * Up to {@code samplesPerFrame} pages of the frame for the dictionary trainer: pages of a keyframe
     * and new pages of a delta, non-zero, passing the hash pre-filter, and not above the largest of
     * the {@code budget / page size} smallest hashes this subtask already sent for the class (so a
     * subtask sends each distinct page once, and ever fewer pages as the class's sample fills).
     */
    private void sample(String stateKey, PendingFrame f, ReadOnlyContext ctx) {
        String vmClass = DictionaryTrainer.defaultVmClass(stateKey);
        int sent = 0;
        long threshold = dictionarySettings.sampleShift() == 0 ? -1L : -1L >>> dictionarySettings.sampleShift();
        for (int i = 0; i < f.count() && sent < dictionarySettings.samplesPerFrame(); i++) {
            byte[] page = f.newPages()[i];
            if (page == null || page.length > DictionarySettings.MAX_PAGE_BYTES || (f.type() != FrameType.FULL && f.oldPages()[i] != null)) {
                continue;
            }
            long h = DictionaryTrainer.sampleHash(page);
            if (Long.compareUnsigned(h, threshold) > 0 || dev.hde.codec.Pages.isZero(page)) {
                continue;
            }
            TreeSet<Long> hashes = sampled.computeIfAbsent(vmClass, c -> new TreeSet<>(Long::compareUnsigned));
            int k = dictionarySettings.maxSamples(page.length);
            if (hashes.contains(h) || (hashes.size() >= k && Long.compareUnsigned(h, hashes.last()) > 0)) {
                continue;
            }
            hashes.add(h);
            while (hashes.size() > k) {
                hashes.pollLast();
            }
            ctx.output(DICTIONARY_SAMPLES, new DictionarySample(vmClass, page.clone()));
            metrics.dictionarySamples.inc();
            sent++;
        }
    }

    private void emit(FrameInfo info, PendingFrame pending, Rendered rendered, long nanos, ReadOnlyContext ctx, Collector<FrameRecord> out) {
        byte[] frame = rendered.frame;
        out.collect(new FrameRecord(info.stateKey(), frame));
        FrameFormat.Choice choice = FrameFormat.choiceOf(frame);
        metrics.bytesOut.inc(frame.length);
        if (pending.type() == FrameType.FULL) {
            metrics.fullFrames.inc();
        } else {
            metrics.deltaFrames.inc();
        }
        metrics.codecUsed(choice.toString());
        metrics.choiceMade(rendered.choice.toString());

        if (rendered.explored) {
            metrics.explorations.inc();
        }
        PerformanceRecord p = new PerformanceRecord();
        p.stateKey = info.stateKey();
        p.frameType = pending.type().name();
        p.method = choice.method().name();
        p.codec = choice.codec().name();
        p.level = choice.level();
        p.pagesOffered = pending.pagesOffered();
        p.pagesChanged = pending.count();
        p.zeroPages = pending.zeroPages();
        DataFeatures features = rendered.features;
        p.entropyBits = features.entropyBits();
        p.zeroFraction = features.zeroFraction();
        p.changedShare = features.changedShare();
        p.dataKind = features.kind();
        p.bytesIn = pending.changedBytes();
        p.bytesOut = frame.length;
        p.encodeNanos = nanos;
        p.captureTimeMillis = info.captureTimeMillis();
        p.choice = rendered.choice.toString();
        p.explored = rendered.explored;
        p.newShare = features.newShare();
        p.featureBytes = features.bytes();
        p.payloadBytes = rendered.choice.method() == DeltaMethod.RAW ? features.bytes()
                : Math.min(features.bytes(), Math.round(features.bytes() * features.payloadShare()));
        p.renderNanos = rendered.renderNanos;
        p.modelVersion = rendered.modelVersion;
        p.subtask = subtask;
        Observation o = Observation.encoded(features, rendered.choice, frame.length, rendered.renderNanos, Math.max(0, info.captureTimeMillis()));
        SelectorModel.Builder observed = new SelectorModel.Builder(0).add(o);
        if (rendered.other != null) {
            observed.add(rendered.other); // the rendering not sent teaches as much as the one sent
        }
        p.observation = SelectorModelFormat.write(observed.build());
        ctx.output(PERFORMANCE, p);
    }


    /**
     * The current key's reference image, for one event (or request, or timer) of it: the store keeps the
     * bases it read for the writes that follow, so one is never used for two keys.
     */
    private PatchedPageStore reference(RegionState s) {
        return s == null ? PatchedPageStore.indexed(pages, patches, null, null)
                : PatchedPageStore.indexed(pages, patches, s.basePages, s.patchedPages);
    }

    /** What the event's store knows of the region's pages goes into the region's state, which is stored after it; its lookups are counted. */
    private void keepPresence(EventEncoder.Outcome<Rendered> outcome, PatchedPageStore reference) {
        metrics.pageLookups.inc(reference.lookups());
        RegionState after = outcome.state();
        if (after != null) {
            after.basePages = reference.basePages();
            after.patchedPages = reference.patchedPages();
        }
    }

    /** Clears the region's state and timers. */
    private void forget(RegionState s, ReadOnlyContext ctx) {
        if (s.pruneTimer != 0) {
            ctx.timerService().deleteProcessingTimeTimer(s.pruneTimer);
        }
        cancelAgeTimer(s, ctx);
        cancelResyncTimer(s, ctx);
        reference(null).clear();
        region.clear();
    }

    /**
     * Notes activity of the producer. One processing-time timer per region serves the quiet report
     * and the prune: it is set once, for the quiet time (or the idle timeout, if that comes first), and
     * moved only when it fires early, so activity costs no timer work; a region that was quiet has its
     * timer brought back from the prune deadline to the next quiet one.
     */
    private void touch(RegionState s, ReadOnlyContext ctx) {
        s.lastActivity = ctx.timerService().currentProcessingTime();
        if (s.quiet) {
            s.quiet = false;
            metrics.regionsAwake.inc();
            String key = String.valueOf(ctx.getCurrentKey());
            quietLog.warn(() -> String.format("%s: its producer is heard again (%d quiet regions heard again on this subtask so far)", key,
                    metrics.regionsAwake.getCount()));
            if (s.pruneTimer != 0) {
                ctx.timerService().deleteProcessingTimeTimer(s.pruneTimer);
                s.pruneTimer = 0;
            }
        }
        if (s.pruneTimer == 0) {
            s.pruneTimer = saturatedAdd(s.lastActivity, firstCheckMillis());
            ctx.timerService().registerProcessingTimeTimer(s.pruneTimer);
        }
    }

    /** After activity, the timer's first deadline: the quiet time, or the idle timeout if that comes first (or quiet reports are off). */
    private long firstCheckMillis() {
        long idle = settings.policy().idleTimeout().toMillis();
        long quiet = settings.quietAfter().toMillis();
        return quiet > 0 && quiet < idle ? quiet : idle;
    }

    private void armAgeTimer(RegionState s, ReadOnlyContext ctx) {
        long due = saturatedAdd(s.epochStartMillis, settings.policy().maxAge().toMillis());
        if (s.ageTimer != due) {
            cancelAgeTimer(s, ctx);
            s.ageTimer = due;
            ctx.timerService().registerEventTimeTimer(due);
        }
    }

    private static long saturatedAdd(long a, long b) {
        long sum = a + b;
        return ((a ^ sum) & (b ^ sum)) < 0 ? Long.MAX_VALUE : sum;
    }

    private static void cancelAgeTimer(RegionState s, ReadOnlyContext ctx) {
        if (s.ageTimer != 0) {
            ctx.timerService().deleteEventTimeTimer(s.ageTimer);
            s.ageTimer = 0;
        }
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<FrameRecord> out) throws Exception {
        clockMillis = ctx.timerService().currentProcessingTime();
        RegionState s = region.value();
        if (s == null) {
            return;
        }
        framePartition = s.sourcePartition;
        if (ctx.timeDomain() == TimeDomain.PROCESSING_TIME) {
            if (timestamp == s.resyncTimer) {
                s.resyncTimer = 0;
                if (s.awaitingResync()) {
                    // Unanswered (the producer was down, restarting, or lost the request): ask again, later each time.
                    s.resyncAttempts++;
                    requestResync(ctx.getCurrentKey(), s, s.resyncReasonOrNull(), s.lastSequence, s.resyncSequence, ctx);
                    metrics.resyncRetries.inc();
                }
                region.update(s);
            }
            if (timestamp == s.pruneTimer) {
                long due = saturatedAdd(s.lastActivity, settings.policy().idleTimeout().toMillis());
                long quietDue = settings.quietAfter().isZero() ? Long.MAX_VALUE : saturatedAdd(s.lastActivity, settings.quietAfter().toMillis());
                if (timestamp < due && !s.quiet && timestamp >= quietDue) {
                    s.quiet = true;
                    metrics.regionsQuiet.inc();
                    String key = ctx.getCurrentKey();
                    long last = s.lastActivity;
                    quietLog.warn(() -> String.format("%s: nothing from its producer (no change, no heartbeat) for %s of processing time, "
                            + "since %s: it has probably stopped; receivers hold the region as of its last frame (%d regions gone quiet on "
                            + "this subtask so far)", key, settings.quietAfter(), java.time.Instant.ofEpochMilli(last),
                            metrics.regionsQuiet.getCount()));
                }
                if (timestamp >= due) {
                    forget(s, ctx);
                    metrics.pruned.inc();
                    if (s.hasReference()) {
                        metrics.baselinesRemoved.inc();
                        ctx.output(BASELINES, new BaselineEvent(ctx.getCurrentKey(), BaselineEvent.Kind.PRUNED, null, s.epoch, s.regionPages, 0,
                                s.digest, timestamp));
                    }
                } else {
                    s.pruneTimer = s.quiet || timestamp >= quietDue ? due : Math.min(due, quietDue);
                    ctx.timerService().registerProcessingTimeTimer(s.pruneTimer);
                    region.update(s);
                }
            }
        } else if (timestamp == s.ageTimer) {
            s.ageTimer = 0;
            // The final watermark of a bounded input fires every timer at once: that is the end of the input, not age.
            if (s.chainIndex > 0 && ctx.timerService().currentWatermark() != Long.MAX_VALUE) {
                long t0 = System.nanoTime();
                PatchedPageStore reference = reference(s);
                EventEncoder.Outcome<Rendered> outcome = core.keyframe(ctx.getCurrentKey(), s, reference, timestamp, RefreshReason.AGE,
                        (info, pending) -> render(info, pending, ctx));
                keepPresence(outcome, reference);
                if (outcome instanceof EventEncoder.Emit<Rendered> e) {
                    sent(e, System.nanoTime() - t0, false, ctx, out);
                    return;
                }
            }
            region.update(s);
        }
    }
}
