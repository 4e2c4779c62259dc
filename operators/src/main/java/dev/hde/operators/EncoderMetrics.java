package dev.hde.operators;

import dev.hde.codec.select.SelectorModel;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.MetricGroup;

/**
 * The encoder's Flink metrics (the seed documents' list): bytes in and out, ratio, delta hit rate,
 * frames by type, codec usage, live baselines, duplicates and gaps. Counts are per subtask since
 * it started; a reporter (Prometheus included) sums them across subtasks.
 */
final class EncoderMetrics {

    final Counter bytesIn;
    final Counter bytesOut;
    /**
     * Point lookups of reference pages in state (a base or a patch each; a keyframe's scan counts none):
     * with the regions' page index, one per changed page that has no patch, two with one, none for a
     * page that was zero. Per changed page, what large state costs beyond the region's own state.
     */
    final Counter pageLookups;
    final Counter fullFrames;
    final Counter deltaFrames;
    final Counter deleteFrames;
    final Counter duplicates;
    final Counter missingEvents;
    final Counter sequenceGaps;
    final Counter producerResyncs;
    final Counter unchangedEvents;
    /** Producers' heartbeats (PAGES events without pages, hde-producer --heartbeat): a quiet region whose producer is alive. */
    final Counter heartbeats;
    /** Events without the producer's digest (version 1): frames made from them could not be checked against the producer. */
    final Counter unverifiedEvents;
    /** Waits for a whole region started (RESYNC frames sent), requests published (first ones and repeats), repeats, and waits answered. */
    final Counter resyncFrames;
    final Counter resyncRequests;
    final Counter resyncRetries;
    final Counter resyncsAnswered;
    /** Partial events dropped while waiting for a whole region. */
    final Counter droppedAwaitingResync;
    /** Keyframe requests of receivers, and those that made no keyframe (a newer one was out, or the region waits for a resync). */
    final Counter keyframeRequests;
    final Counter keyframeRequestsSkipped;
    /** Regions forgotten after the idle timeout. */
    final Counter pruned;
    final Counter baselinesCreated;
    final Counter baselinesRemoved;
    /** Selector-model values that did not parse (broadcast input or the topic at start). */
    final Counter modelsRefused;
    /** Models that replaced this subtask's model (newer than it). */
    final Counter modelsApplied;
    /** Models that arrived but were not newer than this subtask's model. */
    final Counter modelsIgnored;
    /** Regions reported quiet (no event of their producer for the quiet time), and quiet ones whose producer was heard again. */
    final Counter regionsQuiet;
    final Counter regionsAwake;
    /** Copies of a model in band that this subtask took for a partition (for all its key groups; for one with per-key-group copies). */
    final Counter modelsInBandTaken;
    /** Copies of a model in band made for another parallelism than the encoder's: they reached one key group each, not a subtask. */
    final Counter modelsInBandMisrouted;
    /** Frames whose choice was an exploration of the adaptive selector. */
    final Counter explorations;
    /** Frames rendered twice on the selector's second opinion ({@code Selector.secondOpinion}), and those of them sent as the second rendering. */
    final Counter secondOpinions;
    final Counter secondOpinionsSent;
    /** Dictionary records read back from the dictionary topic (broadcast input) and taken, refused, and frames made with one. */
    final Counter dictionariesTaken;
    final Counter dictionariesRefused;
    final Counter dictionaryFrames;
    final Counter dictionarySamples;
    /**
     * Frames per codec and per choice, resyncs per reason: key-value groups, so that reporters show one
     * metric with a label each ({@code codec_frames{codec="xbzrle+zstd-3"}} in Prometheus).
     */
    private final MetricGroup group;
    private final Map<String, Counter> resyncReasons = new HashMap<>();
    private final Map<String, Counter> codecUsage = new HashMap<>();
    private final Map<String, Counter> choiceUsage = new HashMap<>();

    EncoderMetrics(MetricGroup group) {
        this(group, () -> null);
    }

    /** @param model the subtask's current selector model (null before first use), for the model gauges */
    EncoderMetrics(MetricGroup group, Supplier<SelectorModel> model) {
        bytesIn = group.counter("bytesIn");
        bytesOut = group.counter("bytesOut");
        pageLookups = group.counter("pageLookups");
        fullFrames = group.counter("framesFull");
        deltaFrames = group.counter("framesDelta");
        deleteFrames = group.counter("framesDelete");
        duplicates = group.counter("duplicateEvents");
        missingEvents = group.counter("sequenceGapEvents");
        sequenceGaps = group.counter("sequenceGaps");
        producerResyncs = group.counter("producerResyncs");
        unchangedEvents = group.counter("unchangedEvents");
        heartbeats = group.counter("heartbeats");
        unverifiedEvents = group.counter("unverifiedEvents");
        resyncFrames = group.counter("resyncs");
        resyncRequests = group.counter("resyncRequests");
        resyncRetries = group.counter("resyncRetries");
        resyncsAnswered = group.counter("resyncsAnswered");
        droppedAwaitingResync = group.counter("eventsDroppedAwaitingResync");
        keyframeRequests = group.counter("keyframeRequests");
        keyframeRequestsSkipped = group.counter("keyframeRequestsSkipped");
        pruned = group.counter("regionsPruned");
        baselinesCreated = group.counter("baselinesCreated");
        baselinesRemoved = group.counter("baselinesRemoved");
        group.gauge("compressionRatio", (Gauge<Double>) () -> bytesOut.getCount() == 0 ? 0.0 : (double) bytesIn.getCount() / bytesOut.getCount());
        group.gauge("deltaHitRate", (Gauge<Double>) () -> {
            long frames = fullFrames.getCount() + deltaFrames.getCount();
            return frames == 0 ? 0.0 : (double) deltaFrames.getCount() / frames;
        });
        group.gauge("liveBaselines", (Gauge<Long>) () -> baselinesCreated.getCount() - baselinesRemoved.getCount());
        modelsRefused = group.counter("selectorModelsRefused");
        modelsApplied = group.counter("selectorModelsApplied");
        modelsIgnored = group.counter("selectorModelsIgnored");
        modelsInBandTaken = group.counter("selectorModelsInBandTaken");
        modelsInBandMisrouted = group.counter("selectorModelsInBandMisrouted");
        regionsQuiet = group.counter("regionsQuiet");
        regionsAwake = group.counter("regionsAwake");
        explorations = group.counter("selectorExplorations");
        secondOpinions = group.counter("selectorSecondOpinions");
        secondOpinionsSent = group.counter("selectorSecondOpinionsSent");
        dictionariesTaken = group.counter("dictionariesTaken");
        dictionariesRefused = group.counter("dictionariesRefused");
        dictionaryFrames = group.counter("framesWithDictionary");
        dictionarySamples = group.counter("dictionarySamples");
        group.gauge("selectorModelGeneration", (Gauge<Long>) () -> model.get() == null ? 0L : model.get().generation());
        group.gauge("selectorModelAsOf", (Gauge<Long>) () -> model.get() == null ? 0L : model.get().asOfMillis());
        group.gauge("selectorModelRecords", (Gauge<Long>) () -> model.get() == null ? 0L : model.get().records());
        this.group = group;
    }

    /** Frames per selector choice (the arm, e.g. {@code xbzrle+zstd-3}; the codec group counts what frame headers say). */
    void choiceMade(String choice) {
        choiceUsage.computeIfAbsent(choice, s -> group.addGroup("choice", s).counter("frames")).inc();
    }

    /** Waits started, by reason ({@code resyncReason_resyncs{resyncReason="<REASON>"}}). */
    void resyncStarted(dev.hde.codec.wire.ControlRequest.Reason reason) {
        resyncReasons.computeIfAbsent(reason.name(), r -> group.addGroup("resyncReason", r).counter("resyncs")).inc();
    }

    void codecUsed(String spec) {
        codecUsage.computeIfAbsent(spec, s -> group.addGroup("codec", s).counter("frames")).inc();
    }
}
