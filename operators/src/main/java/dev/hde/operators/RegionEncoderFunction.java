package dev.hde.operators;

import dev.hde.codec.region.EncodeSpec;
import dev.hde.codec.region.FrameInfo;
import dev.hde.codec.region.PageStore;
import dev.hde.codec.region.PageUpdate;
import dev.hde.codec.region.PendingFrame;
import dev.hde.codec.region.RegionEncoder;
import dev.hde.codec.region.RegionMeta;
import dev.hde.codec.select.DataFeatures;
import dev.hde.codec.wire.FrameFormat;
import dev.hde.codec.wire.FrameType;
import dev.hde.codec.wire.PageUpdateEvent;
import dev.hde.codec.wire.PageUpdateEventFormat;
import dev.hde.state.RefreshPolicy;
import dev.hde.state.RefreshReason;
import dev.hde.state.RegionState;
import java.util.List;
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
 * <p>The broadcast input carries the selector model (topic {@code hde.selector-model}); it is kept
 * in broadcast state for the adaptive selector, which does not exist yet.
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

    public RegionEncoderFunction(EncoderSettings settings) {
        this.settings = settings;
    }

    @Override
    public void open(OpenContext openContext) {
        pages = getRuntimeContext().getMapState(PAGES);
        region = getRuntimeContext().getState(REGION);
        reference = new MapStatePageStore(pages);
        specs = settings.effectiveSpecs();
        metrics = new EncoderMetrics(getRuntimeContext().getMetricGroup());
    }

    @Override
    public void processBroadcastElement(byte[] model, Context ctx, Collector<FrameRecord> out) throws Exception {
        ctx.getBroadcastState(SELECTOR_MODEL).put(CURRENT_MODEL, model);
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
            frame = render(info, pending);
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
            frame = render(info, pending);
        }
        RegionEncoder.commit(pending, reference);
        long nanos = System.nanoTime() - t0;

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
        emit(info, pending, frame, nanos, ctx, out);
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

    private byte[] render(FrameInfo info, PendingFrame pending) {
        return specs.size() == 1 ? RegionEncoder.render(info, pending, specs.get(0)) : RegionEncoder.renderSmallest(info, pending, specs);
    }

    private void emit(FrameInfo info, PendingFrame pending, byte[] frame, long nanos, ReadOnlyContext ctx, Collector<FrameRecord> out) {
        out.collect(new FrameRecord(info.stateKey(), frame));
        FrameFormat.Choice choice = FrameFormat.choiceOf(frame);
        metrics.bytesOut.inc(frame.length);
        if (pending.type() == FrameType.FULL) {
            metrics.fullFrames.inc();
        } else {
            metrics.deltaFrames.inc();
        }
        metrics.codecUsed(choice.toString());
        PerformanceRecord p = new PerformanceRecord();
        p.stateKey = info.stateKey();
        p.frameType = pending.type().name();
        p.method = choice.method().name();
        p.codec = choice.codec().name();
        p.level = choice.level();
        p.pagesOffered = pending.pagesOffered();
        p.pagesChanged = pending.count();
        p.zeroPages = pending.zeroPages();
        DataFeatures features = DataFeatures.of(pending);
        p.entropyBits = features.entropyBits();
        p.zeroFraction = features.zeroFraction();
        p.changedShare = features.changedShare();
        p.dataKind = features.kind();
        p.bytesIn = pending.changedBytes();
        p.bytesOut = frame.length;
        p.encodeNanos = nanos;
        p.captureTimeMillis = info.captureTimeMillis();
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
    private void refreshFromState(RegionState s, long timestamp, OnTimerContext ctx, Collector<FrameRecord> out) {
        FrameInfo info = new FrameInfo(ctx.getCurrentKey(), s.lastSequence, timestamp);
        long t0 = System.nanoTime();
        PendingFrame pending = RegionEncoder.full(s.meta(), nextEpoch(s, timestamp), s.pageShift, reference,
                new PageUpdate(s.regionPages, new int[0], new byte[0][]));
        byte[] frame = render(info, pending);
        long nanos = System.nanoTime() - t0;
        s.advance(pending.after());
        s.epochStartMillis = timestamp;
        s.deltaBytesSinceFull = 0;
        s.lastFullBytes = frame.length;
        emit(info, pending, frame, nanos, ctx, out);
        ctx.output(BASELINES, new BaselineEvent(ctx.getCurrentKey(), BaselineEvent.Kind.REFRESHED, RefreshReason.AGE.name(), s.epoch,
                s.regionPages, frame.length, s.digest, timestamp));
    }
}
