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
import dev.hde.codec.wire.PageUpdateEvent;
import dev.hde.codec.wire.PageUpdateEventFormat;
import dev.hde.state.RefreshPolicy;
import dev.hde.state.RefreshReason;
import dev.hde.state.RegionState;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.TimeDomain;
import org.apache.flink.streaming.api.functions.co.KeyedBroadcastProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * The encoder: holds each region's reference image (what the receiver holds) in page-granular
 * keyed state and turns every page-update event into a FULL, DELTA or DELETE frame.
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
 */
public class RegionEncoderFunction extends KeyedBroadcastProcessFunction<String, ValidEvent, byte[], FrameRecord> {

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
    /** Broadcast-state keys of the dictionary records read back from the dictionary topic: this prefix and the id in decimal. */
    public static final String DICTIONARY_KEY_PREFIX = "dictionary/";

    static final MapStateDescriptor<Integer, byte[]> PAGES =
            new MapStateDescriptor<>("reference-pages", Types.INT, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);
    static final ValueStateDescriptor<RegionState> REGION = new ValueStateDescriptor<>("region", TypeInformation.of(RegionState.class));

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(RegionEncoderFunction.class);
    /** Gaps are logged at most this often per subtask; the metrics count every one. */
    private static final long GAP_LOG_INTERVAL_MILLIS = 10_000;

    private final EncoderSettings settings;
    private transient long lastGapLog;

    private transient MapState<Integer, byte[]> pages;
    private transient ValueState<RegionState> region;
    private transient PageStore reference;
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
    public void open(OpenContext openContext) {
        pages = getRuntimeContext().getMapState(PAGES);
        region = getRuntimeContext().getState(REGION);
        reference = new MapStatePageStore(pages);
        specs = settings.effectiveSpecs();
        metrics = new EncoderMetrics(getRuntimeContext().getMetricGroup(), () -> model);
        subtask = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
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
        MapDictionaryStore store = dictionaries(ctx.getBroadcastState(SELECTOR_MODEL).immutableEntries());
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
        PageUpdateEvent event = PageUpdateEventFormat.parse(in.bytes, settings.limits());
        RegionState s = region.value();
        if (s != null) {
            if (event.sequence() <= s.lastSequence) {
                metrics.duplicates.inc();
                return;
            }
            if (event.sequence() > s.lastSequence + 1) {
                reportGap(event, s.lastSequence);
            }
        }
        metrics.bytesIn.inc((long) event.indices().length * event.pageSize());
        switch (event.kind()) {
            case DELETE -> delete(event, s, ctx, out);
            case PAGES, REGION -> encode(event, s, ctx, out);
        }
    }

    /**
     * Counts and logs a jump in the producer's sequence. A REGION event after a jump is a producer
     * that restarted and sends whole regions again (it numbers its events from its start time): a
     * resync, not lost events. The frames are unaffected either way: they are made against what the
     * receiver holds.
     */
    private void reportGap(PageUpdateEvent event, long lastSequence) {
        metrics.sequenceGaps.inc();
        if (event.kind() == dev.hde.codec.wire.EventKind.REGION) {
            metrics.producerResyncs.inc();
            return;
        }
        long missing = event.sequence() - lastSequence - 1;
        metrics.missingEvents.inc(missing);
        long now = System.currentTimeMillis();
        if (now - lastGapLog >= GAP_LOG_INTERVAL_MILLIS) {
            lastGapLog = now;
            LOG.warn("{}: {} page-update events missing before sequence {} ({} gaps on this subtask so far)",
                    event.stateKey(), missing, event.sequence(), metrics.sequenceGaps.getCount());
        }
    }

    private void encode(PageUpdateEvent event, RegionState s, ReadOnlyContext ctx, Collector<FrameRecord> out) throws Exception {
        RefreshPolicy policy = settings.policy();
        FrameInfo info = new FrameInfo(event.stateKey(), event.sequence(), event.captureTimeMillis());
        PageUpdate update = event.toPageUpdate();
        long t0 = System.nanoTime();
        RefreshReason reason = policy.beforeEncoding(s, event.pageShift(), event.captureTimeMillis());
        PendingFrame pending = null;
        byte[] frame = null;
        Rendered rendered = null;
        if (reason == null) {
            pending = RegionEncoder.delta(s.meta(), reference, update);
            if (pending.count() == 0 && pending.removedFrom() == pending.removedTo() && pending.after().regionPages() == s.regionPages) {
                // Only false dirties: the receiver already holds this; nothing to send.
                metrics.unchangedEvents.inc();
                s.lastSequence = event.sequence();
                touch(s, ctx);
                region.update(s);
                return;
            }
            rendered = render(info, pending, ctx);
            frame = rendered.frame;
            if (policy.deltaOutweighsKeyframe(s, frame.length)) {
                reason = RefreshReason.SIZE;
            }
        }
        if (reason != null) {
            RegionMeta previous = s == null ? null : s.meta();
            if (reason == RefreshReason.PAGE_SIZE_CHANGED) {
                reference.clear();
                previous = null;
            }
            long epoch = nextEpoch(s, event.captureTimeMillis());
            pending = RegionEncoder.full(previous, epoch, event.pageShift(), reference, update);
            rendered = render(info, pending, ctx);
            frame = rendered.frame;
        }
        RegionEncoder.commit(pending, reference);
        long nanos = System.nanoTime() - t0;
        if (dictionarySettings != null) {
            sample(event.stateKey(), pending, ctx);
        }

        boolean created = s == null;
        if (created) {
            s = new RegionState();
        }
        s.advance(pending.after());
        s.lastSequence = event.sequence();
        if (reason != null) {
            s.epochStartMillis = event.captureTimeMillis();
            s.deltaBytesSinceFull = 0;
            s.lastFullBytes = frame.length;
            cancelAgeTimer(s, ctx);
        } else {
            s.deltaBytesSinceFull += frame.length;
            armAgeTimer(s, ctx);
        }
        touch(s, ctx);
        region.update(s);
        emit(info, pending, rendered, nanos, ctx, out);
        if (reason != null) {
            BaselineEvent.Kind kind = created ? BaselineEvent.Kind.CREATED : BaselineEvent.Kind.REFRESHED;
            if (created) {
                metrics.baselinesCreated.inc();
            }
            ctx.output(BASELINES, new BaselineEvent(event.stateKey(), kind, reason.name(), s.epoch, s.regionPages, frame.length,
                    s.digest, event.captureTimeMillis()));
        }
    }

    /** Epochs move forward and follow capture time, so a key that was pruned and comes back still moves its receivers forward. */
    private static long nextEpoch(RegionState s, long captureMillis) {
        long previous = s == null ? 0 : s.epoch;
        return Math.max(previous + 1, captureMillis);
    }

    /** A rendered frame with what it was rendered with. */
    private record Rendered(byte[] frame, EncodeChoice choice, boolean explored, DataFeatures features, long renderNanos) {}

    private Rendered render(FrameInfo info, PendingFrame pending, ReadOnlyContext ctx) throws Exception {
        currentModel(ctx); // loads the selector on first use
        DataFeatures features = DataFeatures.of(pending);
        long t0 = System.nanoTime();
        if (selector != null) {
            // Only a dictionary read back from the topic (which decoders read too): published before this frame.
            TrainedDictionary dict = dictionaries(ctx.getBroadcastState(SELECTOR_MODEL).immutableEntries())
                    .latest(DictionaryTrainer.defaultVmClass(info.stateKey()));
            Selector.Decision d = selector.decide(features, pending.type(), info.stateKey(), info.sourceSequence(), dict != null);
            boolean withDictionary = d.choice().trainedDictionary() && dict != null;
            byte[] frame = RegionEncoder.render(info, pending, d.choice().spec(), withDictionary ? dict : null);
            if (withDictionary) {
                metrics.dictionaryFrames.inc();
            }
            return new Rendered(frame, d.choice(), d.explored(), features, System.nanoTime() - t0);
        }
        if (specs.size() == 1) {
            byte[] frame = RegionEncoder.render(info, pending, specs.get(0));
            return new Rendered(frame, EncodeChoice.of(specs.get(0)).forFrame(pending.type()), false, features, System.nanoTime() - t0);
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
        return new Rendered(frame, kept, false, features, nanos);
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
        p.modelVersion = model == null ? SelectorModel.EMPTY.version() : model.version();
        p.subtask = subtask;
        Observation o = Observation.encoded(features, rendered.choice, frame.length, rendered.renderNanos, Math.max(0, info.captureTimeMillis()));
        p.observation = SelectorModelFormat.write(new SelectorModel.Builder(0).add(o).build());
        ctx.output(PERFORMANCE, p);
    }

    private void delete(PageUpdateEvent event, RegionState s, ReadOnlyContext ctx, Collector<FrameRecord> out) throws Exception {
        FrameInfo info = new FrameInfo(event.stateKey(), event.sequence(), event.captureTimeMillis());
        out.collect(new FrameRecord(event.stateKey(), RegionEncoder.delete(info, s == null ? null : s.meta())));
        metrics.deleteFrames.inc();
        if (s != null) {
            forget(s, ctx);
            metrics.baselinesRemoved.inc();
            ctx.output(BASELINES, new BaselineEvent(event.stateKey(), BaselineEvent.Kind.DELETED, null, s.epoch, 0, 0, 0,
                    event.captureTimeMillis()));
        }
    }

    /** Clears the region's state and timers. */
    private void forget(RegionState s, ReadOnlyContext ctx) {
        if (s.pruneTimer != 0) {
            ctx.timerService().deleteProcessingTimeTimer(s.pruneTimer);
        }
        cancelAgeTimer(s, ctx);
        reference.clear();
        region.clear();
    }

    /** Notes activity; the prune timer is set once and moved only when it fires early. */
    private void touch(RegionState s, ReadOnlyContext ctx) {
        s.lastActivity = ctx.timerService().currentProcessingTime();
        if (s.pruneTimer == 0) {
            s.pruneTimer = saturatedAdd(s.lastActivity, settings.policy().idleTimeout().toMillis());
            ctx.timerService().registerProcessingTimeTimer(s.pruneTimer);
        }
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
        RegionState s = region.value();
        if (s == null) {
            return;
        }
        if (ctx.timeDomain() == TimeDomain.PROCESSING_TIME && timestamp == s.pruneTimer) {
            long due = saturatedAdd(s.lastActivity, settings.policy().idleTimeout().toMillis());
            if (timestamp >= due) {
                forget(s, ctx);
                metrics.baselinesRemoved.inc();
                ctx.output(BASELINES, new BaselineEvent(ctx.getCurrentKey(), BaselineEvent.Kind.PRUNED, null, s.epoch, s.regionPages, 0,
                        s.digest, timestamp));
            } else {
                s.pruneTimer = due;
                ctx.timerService().registerProcessingTimeTimer(due);
                region.update(s);
            }
        } else if (ctx.timeDomain() == TimeDomain.EVENT_TIME && timestamp == s.ageTimer) {
            s.ageTimer = 0;
            // The final watermark of a bounded input fires every timer at once: that is the end of the input, not age.
            if (s.chainIndex > 0 && ctx.timerService().currentWatermark() != Long.MAX_VALUE) {
                refreshFromState(s, timestamp, ctx, out);
            }
            region.update(s);
        }
    }

    /** The age rule: a new keyframe of the region as it stands, with no update. */
    private void refreshFromState(RegionState s, long timestamp, OnTimerContext ctx, Collector<FrameRecord> out) throws Exception {
        FrameInfo info = new FrameInfo(ctx.getCurrentKey(), s.lastSequence, timestamp);
        long t0 = System.nanoTime();
        PendingFrame pending = RegionEncoder.full(s.meta(), nextEpoch(s, timestamp), s.pageShift, reference,
                new PageUpdate(s.regionPages, new int[0], new byte[0][]));
        Rendered rendered = render(info, pending, ctx);
        byte[] frame = rendered.frame;
        long nanos = System.nanoTime() - t0;
        s.advance(pending.after());
        s.epochStartMillis = timestamp;
        s.deltaBytesSinceFull = 0;
        s.lastFullBytes = frame.length;
        emit(info, pending, rendered, nanos, ctx, out);
        ctx.output(BASELINES, new BaselineEvent(ctx.getCurrentKey(), BaselineEvent.Kind.REFRESHED, RefreshReason.AGE.name(), s.epoch,
                s.regionPages, frame.length, s.digest, timestamp));
    }
}
