package dev.hde.operators;

import dev.hde.codec.HdeException;
import dev.hde.codec.select.Aggregate;
import dev.hde.codec.select.ModelWindow;
import dev.hde.codec.select.Observation;
import dev.hde.codec.select.SelectorModel;
import dev.hde.codec.select.SelectorModelFormat;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.TimeDomain;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The selector trainer, the side operator of the feedback loop: aggregates the performance records
 * of every encoder subtask into a versioned {@link SelectorModel} and emits its {@code HDES} bytes
 * ({@link SelectorModelFormat}) for the compacted topic {@code hde.selector-model}, which the job
 * reads back as the encoder's broadcast input.
 *
 * <ul>
 *   <li>Aggregation: a {@link ModelWindow} by capture time ({@code buckets x bucket}); each record
 *       brings its {@link Observation} of (kind, choice), which the encoder made from the frame's
 *       features, wire bytes and render time ({@link PerformanceRecord#observation}). Sums only, so the model of a set of records is the same whatever the order
 *       they arrive in or the subtasks that made them: equal records, equal bytes.
 *   <li>Publication: on a processing-time tick ({@code publishInterval}, aligned to multiples of it so
 *       a restored tick and a new one coincide), when records arrived since the last publication; and
 *       once more when a bounded input ends (an event-time timer at the end of time).
 *   <li>State: like {@link CatalogMergerFunction}, keyed by one constant key only for the timer
 *       service; the window goes into operator state once per checkpoint (one element per bucket: the
 *       bucket number, 8 bytes little-endian, then the bucket's model in {@code HDES}).
 *   <li>Start without state: the newest model of the trainer's generation on the topic
 *       ({@link TopicReplay}) is merged into the bucket of its {@code asOf}, so a job started
 *       from nothing keeps learning from the last published model instead of replacing it with a
 *       model of a few records.
 * </ul>
 *
 * <p>Records it cannot use (no observation, one that does not parse) are counted and dropped.
 */
public class SelectorTrainerFunction extends KeyedProcessFunction<String, PerformanceRecord, byte[]> implements CheckpointedFunction {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(SelectorTrainerFunction.class);

    /** Cells a record's observation may have (the encoder writes one). */
    static final int MAX_CELLS_PER_RECORD = 4;

    /** The one key the performance records are keyed by. */
    public static final String KEY = "selector";

    static final ListStateDescriptor<byte[]> WINDOW_STATE =
            new ListStateDescriptor<>("selector-window", PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);

    private final SelectorTrainerSettings settings;
    private final TopicReplay replay;

    private transient ModelWindow window;
    private transient ListState<byte[]> windowState;
    private transient boolean restored;
    private transient boolean dirty;
    private transient boolean armed;
    private transient long refusedLogged;
    private transient SelectorModel lastPublished;
    private transient Counter recordsTaken;
    private transient Counter recordsRefused;
    private transient Counter modelsPublished;

    /** @param replay the selector-model topic as it stands, read when starting without state; null = none */
    public SelectorTrainerFunction(SelectorTrainerSettings settings, TopicReplay replay) {
        this.settings = settings;
        this.replay = replay;
    }

    /** The key selector of the performance records: every record to the one trainer. */
    public static KeySelector<PerformanceRecord, String> recordKey() {
        return new ConstantKey();
    }

    private static final class ConstantKey implements KeySelector<PerformanceRecord, String> {
        private static final long serialVersionUID = 1L;

        @Override
        public String getKey(PerformanceRecord value) {
            return KEY;
        }
    }

    // ---------------------------------------------------------------- state

    @Override
    public void initializeState(FunctionInitializationContext context) throws Exception {
        windowState = context.getOperatorStateStore().getListState(WINDOW_STATE);
        window = newWindow();
        restored = context.isRestored();
        if (!restored) {
            return;
        }
        for (byte[] entry : windowState.get()) {
            long bucket = ByteBuffer.wrap(entry, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
            SelectorModel m = SelectorModelFormat.read(Arrays.copyOfRange(entry, 8, entry.length));
            if (m.generation() == settings.generation()) {
                window.merge(bucket, m);
            } else {
                LOG.info("selector trainer: dropping a restored bucket of generation {} (configured: {})", m.generation(), settings.generation());
            }
        }
    }

    @Override
    public void snapshotState(FunctionSnapshotContext context) throws Exception {
        List<byte[]> entries = new ArrayList<>();
        for (Map.Entry<Long, SelectorModel> e : window.buckets().entrySet()) {
            byte[] model = SelectorModelFormat.write(e.getValue());
            byte[] entry = new byte[8 + model.length];
            ByteBuffer.wrap(entry, 0, 8).order(ByteOrder.LITTLE_ENDIAN).putLong(e.getKey());
            System.arraycopy(model, 0, entry, 8, model.length);
            entries.add(entry);
        }
        windowState.update(entries);
    }

    private ModelWindow newWindow() {
        return new ModelWindow(settings.generation(), settings.bucket().toMillis(), settings.buckets());
    }

    @Override
    public void open(OpenContext openContext) throws Exception {
        var group = getRuntimeContext().getMetricGroup();
        recordsTaken = group.counter("selectorRecords");
        recordsRefused = group.counter("selectorRecordsRefused");
        modelsPublished = group.counter("selectorModelsPublished");
        group.gauge("selectorModelRecords", (Gauge<Long>) () -> lastPublished == null ? 0L : lastPublished.records());
        if (!restored && replay != null) {
            SelectorModel[] newest = {null};
            try {
                replay.replay(bytes -> {
                    try {
                        SelectorModel m = SelectorModelFormat.read(bytes);
                        if (m.generation() == settings.generation() && (newest[0] == null || m.isNewerThan(newest[0]))) {
                            newest[0] = m;
                        }
                    } catch (HdeException | IllegalArgumentException e) {
                        refused("a model on the topic", e);
                    }
                });
            } catch (Exception e) {
                LOG.warn("selector trainer: could not read the selector-model topic at start ({}); starting empty", e.toString());
            }
            if (newest[0] != null) {
                window.merge(Math.floorDiv(newest[0].asOfMillis(), settings.bucket().toMillis()), newest[0]);
                LOG.info("selector trainer: continuing from the published model {}", newest[0].version());
            }
        }
    }

    // ---------------------------------------------------------------- input

    @Override
    public void processElement(PerformanceRecord r, Context ctx, Collector<byte[]> out) throws Exception {
        if (!armed) {
            armed = true;
            ctx.timerService().registerProcessingTimeTimer(nextTick(ctx.timerService().currentProcessingTime()));
            ctx.timerService().registerEventTimeTimer(Long.MAX_VALUE);
        }
        List<Observation> observations;
        try {
            observations = observations(r);
        } catch (HdeException | IllegalArgumentException e) {
            recordsRefused.inc();
            refused("a performance record of " + r.stateKey, e);
            return;
        }
        for (Observation o : observations) {
            window.add(o);
        }
        recordsTaken.inc();
        dirty = true;
    }

    /**
     * The record as the model takes it: the cells of its {@code observation} (a one-cell model the
     * encoder made with {@link Observation#encoded}), at the model's {@code asOf} (the frame's capture time).
     */
    public static List<Observation> observations(PerformanceRecord r) {
        if (r.observation == null) {
            throw new IllegalArgumentException("performance record without an observation");
        }
        SelectorModel m = SelectorModelFormat.read(r.observation, MAX_CELLS_PER_RECORD);
        List<Observation> out = new ArrayList<>(m.cells().size());
        for (Map.Entry<SelectorModel.Key, Aggregate> e : m.cells().entrySet()) {
            out.add(new Observation(e.getKey().kind(), e.getKey().choice(), e.getValue(), m.asOfMillis()));
        }
        return out;
    }

    private long nextTick(long now) {
        long p = settings.publishInterval().toMillis();
        return (Math.floorDiv(now, p) + 1) * p;
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<byte[]> out) throws Exception {
        if (dirty) {
            publish(out);
        }
        if (ctx.timeDomain() == TimeDomain.PROCESSING_TIME) {
            ctx.timerService().registerProcessingTimeTimer(nextTick(Math.max(timestamp, ctx.timerService().currentProcessingTime())));
        }
    }

    private void publish(Collector<byte[]> out) {
        SelectorModel m = window.current();
        dirty = false;
        if (lastPublished != null && m.equals(lastPublished)) {
            return;
        }
        out.collect(SelectorModelFormat.write(m));
        lastPublished = m;
        modelsPublished.inc();
    }

    private void refused(String what, RuntimeException e) {
        refusedLogged++;
        if (refusedLogged <= 10 || Long.bitCount(refusedLogged) == 1) {
            LOG.warn("selector trainer: refused {} ({} so far): {}", what, refusedLogged, e.getMessage());
        }
    }

    /** The model as it stands (tests and diagnostics; the operator's thread only). */
    SelectorModel current() {
        return window.current();
    }
}
