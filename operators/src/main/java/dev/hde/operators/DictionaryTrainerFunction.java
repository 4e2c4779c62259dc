package dev.hde.operators;

import dev.hde.codec.HdeException;
import dev.hde.codec.dict.DictionaryFormat;
import dev.hde.codec.dict.DictionaryTrainer;
import dev.hde.codec.dict.TrainedDictionary;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dictionary trainer, a side operator like {@link SelectorTrainerFunction}: collects the sample
 * pages of every encoder subtask per VM class in a {@link DictionaryTrainer} (a bottom-k sample of
 * at most {@link DictionarySettings#maxSamples} pages, i.e. the sample budget) and emits trained
 * dictionaries as {@link DictionaryFormat} records for the compacted topic {@code hde.dictionaries}
 * (key = id), which encoders and decoders read back (docs/selector.md, "Dictionaries in the job").
 *
 * <ul>
 *   <li>Training: a class's first dictionary as soon as its sample holds {@code minSamples} distinct
 *       pages; then again, as the next generation, on a processing-time tick ({@code trainInterval},
 *       aligned to multiples of it) when at least {@code minSamples} pages entered its sample since.
 *   <li>State: keyed by one constant key only for the timer service (parallelism 1); the samples,
 *       generations and counts go into operator state once per checkpoint, one element per class.
 *   <li>Start without state: the topic as it stands is read ({@link TopicReplay}) for the
 *       highest generation of each class, so new dictionaries continue the numbering.
 * </ul>
 *
 * <p>Samples it cannot use (no class, an empty or oversized page, a page size other than the
 * class's first) are counted and dropped.
 */
public class DictionaryTrainerFunction extends KeyedProcessFunction<String, DictionarySample, byte[]> implements CheckpointedFunction {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(DictionaryTrainerFunction.class);

    /** The one key the samples are keyed by. */
    public static final String KEY = "dictionaries";

    static final ListStateDescriptor<byte[]> CLASSES_STATE =
            new ListStateDescriptor<>("dictionary-classes", PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);

    private final DictionarySettings settings;
    private final TopicReplay replay;

    /** One VM class: its page size, sample, last generation published and pages that entered the sample since. */
    static final class ClassSample {
        int pageBytes;
        DictionaryTrainer trainer;
        long generation;
        long changed;
    }

    private transient TreeMap<String, ClassSample> classes;
    private transient ListState<byte[]> classesState;
    private transient boolean restored;
    private transient boolean armed;
    private transient Counter samplesTaken;
    private transient Counter samplesRefused;
    private transient Counter published;

    /** @param replay the dictionary topic as it stands, read when starting without state; null = none */
    public DictionaryTrainerFunction(DictionarySettings settings, TopicReplay replay) {
        this.settings = settings;
        this.replay = replay;
    }

    public static KeySelector<DictionarySample, String> sampleKey() {
        return new ConstantKey();
    }

    private static final class ConstantKey implements KeySelector<DictionarySample, String> {
        private static final long serialVersionUID = 1L;

        @Override
        public String getKey(DictionarySample value) {
            return KEY;
        }
    }

    // ---------------------------------------------------------------- state

    @Override
    public void initializeState(FunctionInitializationContext context) throws Exception {
        classesState = context.getOperatorStateStore().getListState(CLASSES_STATE);
        classes = new TreeMap<>();
        restored = context.isRestored();
        if (restored) {
            for (byte[] entry : classesState.get()) {
                readClass(entry);
            }
        }
    }

    @Override
    public void snapshotState(FunctionSnapshotContext context) throws Exception {
        List<byte[]> entries = new ArrayList<>(classes.size());
        for (Map.Entry<String, ClassSample> e : classes.entrySet()) {
            entries.add(writeClass(e.getKey(), e.getValue()));
        }
        classesState.update(entries);
    }

    /** class (UTF), page bytes, generation, changed, page count, then each page (length, bytes). */
    static byte[] writeClass(String vmClass, ClassSample c) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeUTF(vmClass);
            out.writeInt(c.pageBytes);
            out.writeLong(c.generation);
            out.writeLong(c.changed);
            byte[][] pages = c.trainer == null ? new byte[0][] : c.trainer.samples();
            out.writeInt(pages.length);
            for (byte[] p : pages) {
                out.writeInt(p.length);
                out.write(p);
            }
        }
        return bytes.toByteArray();
    }

    private void readClass(byte[] entry) throws IOException {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(entry))) {
            String vmClass = in.readUTF();
            ClassSample c = new ClassSample();
            c.pageBytes = in.readInt();
            c.generation = in.readLong();
            c.changed = in.readLong();
            int n = in.readInt();
            if (n > 0) {
                c.trainer = new DictionaryTrainer(vmClass, settings.trainerSettings(c.pageBytes));
            }
            for (int i = 0; i < n; i++) {
                byte[] p = new byte[in.readInt()];
                in.readFully(p);
                c.trainer.offer(p);
            }
            classes.put(vmClass, c);
        }
    }

    @Override
    public void open(OpenContext openContext) throws Exception {
        var group = getRuntimeContext().getMetricGroup();
        samplesTaken = group.counter("dictionarySamples");
        samplesRefused = group.counter("dictionarySamplesRefused");
        published = group.counter("dictionariesPublished");
        if (!restored && replay != null) {
            try {
                replay.replay(bytes -> {
                    try {
                        TrainedDictionary d = DictionaryFormat.read(bytes);
                        ClassSample c = classes.computeIfAbsent(d.vmClass(), k -> new ClassSample());
                        c.generation = Math.max(c.generation, d.generation());
                    } catch (HdeException | IllegalArgumentException e) {
                        LOG.warn("dictionary trainer: ignoring a record on the topic: {}", e.getMessage());
                    }
                });
            } catch (Exception e) {
                LOG.warn("dictionary trainer: could not read the dictionary topic at start ({}); numbering from 1", e.toString());
            }
        }
    }

    // ---------------------------------------------------------------- input

    @Override
    public void processElement(DictionarySample s, Context ctx, Collector<byte[]> out) throws Exception {
        if (!armed) {
            armed = true;
            ctx.timerService().registerProcessingTimeTimer(nextTick(ctx.timerService().currentProcessingTime()));
        }
        if (!usable(s)) {
            samplesRefused.inc();
            return;
        }
        ClassSample c = classes.computeIfAbsent(s.vmClass, k -> new ClassSample());
        if (c.trainer == null) {
            if (c.pageBytes == 0) {
                c.pageBytes = s.page.length;
            }
            c.trainer = new DictionaryTrainer(s.vmClass, settings.trainerSettings(c.pageBytes));
        }
        if (s.page.length != c.pageBytes) {
            samplesRefused.inc();
            return;
        }
        int before = c.trainer.sampleCount();
        if (c.trainer.offer(s.page)) {
            c.changed++;
        }
        samplesTaken.inc();
        // The first dictionary of a class as soon as there are enough pages; later ones on the tick.
        if (c.generation == 0 && before < c.trainer.sampleCount() && c.trainer.sampleCount() >= minSamples(c)) {
            train(s.vmClass, c, out);
        }
    }

    private static boolean usable(DictionarySample s) {
        if (s == null || s.vmClass == null || s.page == null || s.page.length == 0 || s.page.length > DictionarySettings.MAX_PAGE_BYTES) {
            return false;
        }
        int cls = s.vmClass.getBytes(StandardCharsets.UTF_8).length;
        return cls >= 1 && cls <= TrainedDictionary.MAX_CLASS_BYTES;
    }

    private int minSamples(ClassSample c) {
        return settings.trainerSettings(c.pageBytes).minSamples();
    }

    private long nextTick(long now) {
        long p = settings.trainInterval().toMillis();
        return (Math.floorDiv(now, p) + 1) * p;
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<byte[]> out) throws Exception {
        for (Map.Entry<String, ClassSample> e : classes.entrySet()) {
            ClassSample c = e.getValue();
            if (c.trainer != null && c.changed >= minSamples(c) && c.trainer.sampleCount() >= minSamples(c)) {
                train(e.getKey(), c, out);
            }
        }
        ctx.timerService().registerProcessingTimeTimer(nextTick(Math.max(timestamp, ctx.timerService().currentProcessingTime())));
    }

    private void train(String vmClass, ClassSample c, Collector<byte[]> out) {
        long t0 = System.nanoTime();
        TrainedDictionary d = c.trainer.train(c.generation + 1, System.currentTimeMillis());
        if (d == null) {
            return;
        }
        c.generation = d.generation();
        c.changed = 0;
        out.collect(DictionaryFormat.write(d));
        published.inc();
        LOG.info("dictionary trainer: trained {} from {} pages in {} ms", d, c.trainer.sampleCount(), (System.nanoTime() - t0) / 1_000_000);
    }

    /** Pages in the sample of a class (tests and diagnostics; the operator's thread only). */
    int sampleCount(String vmClass) {
        ClassSample c = classes.get(vmClass);
        return c == null || c.trainer == null ? 0 : c.trainer.sampleCount();
    }

    long generation(String vmClass) {
        ClassSample c = classes.get(vmClass);
        return c == null ? 0 : c.generation;
    }
}
