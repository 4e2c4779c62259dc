package dev.hde.operators;

import java.util.HashMap;
import java.util.Map;
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
    final Counter fullFrames;
    final Counter deltaFrames;
    final Counter deleteFrames;
    final Counter duplicates;
    final Counter missingEvents;
    final Counter sequenceGaps;
    final Counter producerResyncs;
    final Counter unchangedEvents;
    final Counter baselinesCreated;
    final Counter baselinesRemoved;
    private final MetricGroup codecGroup;
    private final Map<String, Counter> codecUsage = new HashMap<>();

    EncoderMetrics(MetricGroup group) {
        bytesIn = group.counter("bytesIn");
        bytesOut = group.counter("bytesOut");
        fullFrames = group.counter("framesFull");
        deltaFrames = group.counter("framesDelta");
        deleteFrames = group.counter("framesDelete");
        duplicates = group.counter("duplicateEvents");
        missingEvents = group.counter("sequenceGapEvents");
        sequenceGaps = group.counter("sequenceGaps");
        producerResyncs = group.counter("producerResyncs");
        unchangedEvents = group.counter("unchangedEvents");
        baselinesCreated = group.counter("baselinesCreated");
        baselinesRemoved = group.counter("baselinesRemoved");
        group.gauge("compressionRatio", (Gauge<Double>) () -> bytesOut.getCount() == 0 ? 0.0 : (double) bytesIn.getCount() / bytesOut.getCount());
        group.gauge("deltaHitRate", (Gauge<Double>) () -> {
            long frames = fullFrames.getCount() + deltaFrames.getCount();
            return frames == 0 ? 0.0 : (double) deltaFrames.getCount() / frames;
        });
        group.gauge("liveBaselines", (Gauge<Long>) () -> baselinesCreated.getCount() - baselinesRemoved.getCount());
        codecGroup = group.addGroup("codec");
    }

    void codecUsed(String spec) {
        codecUsage.computeIfAbsent(spec, s -> codecGroup.addGroup(s).counter("frames")).inc();
    }
}
