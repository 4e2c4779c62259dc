package dev.hde.operators;

import dev.hde.codec.wire.PageUpdateEvent;
import dev.hde.codec.wire.PageUpdateEventFormat;
import dev.hde.state.RegionState;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.TreeMap;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.KeyedStateBackend;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.runtime.state.heap.HeapKeyedStateBackend;
import org.apache.flink.streaming.api.operators.co.CoBroadcastWithKeyedOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedBroadcastOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.apache.flink.util.OutputTag;

/** The encoder in Flink's keyed-broadcast test harness, with its outputs drained step by step. */
final class EncoderHarness implements AutoCloseable {

    /** Processing time the harness starts at (the test clock starts at Long.MIN_VALUE otherwise). */
    static final long START_PROCESSING_TIME = 1_000;

    final RegionEncoderFunction function;
    final KeyedBroadcastOperatorTestHarness<String, ValidEvent, byte[], FrameRecord> harness;

    EncoderHarness(EncoderSettings settings) throws Exception {
        this(new RegionEncoderFunction(settings));
    }

    EncoderHarness(RegionEncoderFunction f) throws Exception {
        function = f;
        harness = ProcessFunctionTestHarnesses.forKeyedBroadcastProcessFunction(function,
                (KeySelector<ValidEvent, String>) e -> e.stateKey, Types.STRING, RegionEncoderFunction.SELECTOR_MODEL);
        harness.setProcessingTime(START_PROCESSING_TIME);
    }

    /** An encoder restored from a snapshot, as after a failure. */
    EncoderHarness(EncoderSettings settings, OperatorSubtaskState snapshot) throws Exception {
        this(new RegionEncoderFunction(settings), 1, snapshot);
    }

    /** An encoder with {@code maxParallelism} key groups (all its own), started from {@code snapshot} or (null) from nothing. */
    EncoderHarness(RegionEncoderFunction f, int maxParallelism, OperatorSubtaskState snapshot) throws Exception {
        this(f, maxParallelism, 1, 0, snapshot);
    }

    /** Subtask {@code subtask} of {@code parallelism}, started from {@code snapshot} (repartitioned for it) or (null) from nothing. */
    EncoderHarness(RegionEncoderFunction f, int maxParallelism, int parallelism, int subtask, OperatorSubtaskState snapshot) throws Exception {
        function = f;
        harness = new KeyedBroadcastOperatorTestHarness<>(new CoBroadcastWithKeyedOperator<>(function, List.of(RegionEncoderFunction.SELECTOR_MODEL)),
                (KeySelector<ValidEvent, String>) e -> e.stateKey, Types.STRING, maxParallelism, parallelism, subtask);
        harness.setup();
        if (snapshot != null) {
            harness.initializeState(snapshot);
        }
        harness.open();
        harness.setProcessingTime(START_PROCESSING_TIME);
    }

    /** Sends an event from page-updates partition {@code partition} and returns the frames it made. */
    List<FrameRecord> send(PageUpdateEvent e, int partition) throws Exception {
        harness.processElement(new ValidEvent(e.stateKey(), PageUpdateEventFormat.write(e), partition), e.captureTimeMillis());
        return frames();
    }

    /** A model in band from {@code partition}, as the validator sends it on: one copy per key group. Returns the frames (none). */
    List<FrameRecord> modelInBand(byte[] model, int partition, int maxParallelism, long timestamp) throws Exception {
        for (String key : SelectorModelMarkers.keysPerKeyGroup(maxParallelism)) {
            harness.processElement(new ValidEvent(key, model, partition), timestamp);
        }
        return frames();
    }

    /** Sends an event (with its capture time as the record timestamp) and returns the frames it made. */
    List<FrameRecord> send(PageUpdateEvent e) throws Exception {
        return send(e.stateKey(), PageUpdateEventFormat.write(e), e.captureTimeMillis());
    }

    List<FrameRecord> send(String key, byte[] bytes, long timestamp) throws Exception {
        harness.processElement(new ValidEvent(key, bytes), timestamp);
        return frames();
    }

    /** Advances the watermark of both inputs and returns the frames the event-time timers made. */
    List<FrameRecord> watermark(long w) throws Exception {
        harness.watermark(w);
        return frames();
    }

    /** Advances processing time (firing prune timers) and returns the frames made (there should be none). */
    List<FrameRecord> processingTime(long t) throws Exception {
        harness.setProcessingTime(t);
        return frames();
    }

    /** The frames emitted since the last call. */
    List<FrameRecord> frames() {
        List<FrameRecord> out = new ArrayList<>();
        for (Object o : harness.getOutput()) {
            if (o instanceof StreamRecord<?> r) {
                out.add((FrameRecord) r.getValue());
            }
        }
        harness.getOutput().clear();
        return out;
    }

    List<BaselineEvent> baselines() {
        return drain(RegionEncoderFunction.BASELINES);
    }

    List<DictionarySample> drainSamples() {
        return drain(RegionEncoderFunction.DICTIONARY_SAMPLES);
    }

    List<ControlRecord> resyncRequests() {
        return drain(RegionEncoderFunction.RESYNC_REQUESTS);
    }

    List<PerformanceRecord> performance() {
        return drain(RegionEncoderFunction.PERFORMANCE);
    }

    private <T> List<T> drain(OutputTag<T> tag) {
        Queue<StreamRecord<T>> q = harness.getSideOutput(tag);
        List<T> out = new ArrayList<>();
        if (q != null) {
            for (StreamRecord<T> r : q) {
                out.add(r.getValue());
            }
            q.clear();
        }
        return out;
    }

    /** The function's metric counters (the harness's metric group does not expose them). */
    EncoderMetrics metrics() throws ReflectiveOperationException {
        Field f = RegionEncoderFunction.class.getDeclaredField("metrics");
        f.setAccessible(true);
        return (EncoderMetrics) f.get(function);
    }

    private KeyedStateBackend<String> backend() {
        return harness.getOperator().getKeyedStateBackend();
    }

    /** Entries over all keyed states (a non-empty map state counts once). */
    int keyedStateEntries() {
        return ((HeapKeyedStateBackend<?>) harness.getOperator().getKeyedStateBackend()).numKeyValueStateEntries();
    }

    int processingTimeTimers() {
        return harness.numProcessingTimeTimers();
    }

    int eventTimeTimers() {
        return harness.numEventTimeTimers();
    }

    /** The reference image the encoder holds for a key: page index to page. */
    Map<Integer, byte[]> referencePages(String key) throws Exception {
        KeyedStateBackend<String> b = backend();
        b.setCurrentKey(key);
        MapState<Integer, byte[]> pages = b.getPartitionedState(VoidNamespace.INSTANCE, VoidNamespaceSerializer.INSTANCE, RegionEncoderFunction.PAGES);
        MapState<Integer, byte[]> patches = b.getPartitionedState(VoidNamespace.INSTANCE, VoidNamespaceSerializer.INSTANCE,
                RegionEncoderFunction.PATCHES_STATE);
        Map<Integer, byte[]> out = new TreeMap<>();
        new PatchedPageStore(pages, patches).forEach(out::put);
        return out;
    }

    /** The page indices the encoder's state holds a base of ({@code patches}: false) or a patch of (true), as stored. */
    java.util.SortedSet<Integer> storedPages(String key, boolean patches) throws Exception {
        KeyedStateBackend<String> b = backend();
        b.setCurrentKey(key);
        MapState<Integer, byte[]> m = b.getPartitionedState(VoidNamespace.INSTANCE, VoidNamespaceSerializer.INSTANCE,
                patches ? RegionEncoderFunction.PATCHES_STATE : RegionEncoderFunction.PAGES);
        java.util.SortedSet<Integer> out = new java.util.TreeSet<>();
        m.keys().forEach(out::add);
        return out;
    }

    RegionState regionState(String key) throws Exception {
        KeyedStateBackend<String> b = backend();
        b.setCurrentKey(key);
        ValueState<RegionState> s = b.getPartitionedState(VoidNamespace.INSTANCE, VoidNamespaceSerializer.INSTANCE, RegionEncoderFunction.REGION);
        return s.value();
    }

    @Override
    public void close() throws Exception {
        harness.close();
    }
}
