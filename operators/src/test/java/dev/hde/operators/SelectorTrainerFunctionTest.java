package dev.hde.operators;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hde.codec.select.DataFeatures;
import dev.hde.codec.select.EncodeChoice;
import dev.hde.codec.select.Observation;
import dev.hde.codec.select.SelectorConfig;
import dev.hde.codec.select.SelectorModel;
import dev.hde.codec.select.SelectorModelFormat;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/** The selector trainer: order-independent aggregation, publication on the tick and at the end of input, state, no leaks. */
class SelectorTrainerFunctionTest {

    static final long T0 = 1_700_000_000_000L;
    static final SelectorTrainerSettings SETTINGS =
            new SelectorTrainerSettings(1, Duration.ofMinutes(10), 6, Duration.ofSeconds(1));

    static KeyedOneInputStreamOperatorTestHarness<String, PerformanceRecord, byte[]> harness(SelectorTrainerFunction f,
            OperatorSubtaskState restore) throws Exception {
        var h = new KeyedOneInputStreamOperatorTestHarness<>(new KeyedProcessOperator<>(f), SelectorTrainerFunction.recordKey(), Types.STRING);
        h.setup();
        if (restore != null) {
            h.initializeState(restore);
        }
        h.open();
        h.setProcessingTime(500);
        return h;
    }

    /** Records as three encoder subtasks would make them. */
    static List<List<PerformanceRecord>> subtasks(int n) {
        Random r = new Random(17);
        List<List<PerformanceRecord>> out = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
        for (int i = 0; i < n; i++) {
            PerformanceRecord p = new PerformanceRecord();
            p.stateKey = "vm-" + r.nextInt(9) + "/r000" + r.nextInt(4);
            p.subtask = i % 3;
            EncodeChoice choice = SelectorConfig.DEFAULT_CANDIDATES.get(r.nextInt(SelectorConfig.DEFAULT_CANDIDATES.size()));
            p.choice = choice.toString();
            int pages = 1 + r.nextInt(64);
            DataFeatures f = new DataFeatures(8 * r.nextDouble(), r.nextDouble(), r.nextDouble(), pages, 4096L * pages, r.nextDouble());
            p.dataKind = f.kind();
            p.featureBytes = f.bytes();
            p.bytesOut = 100 + r.nextInt(100_000);
            p.encodeNanos = 1000 + r.nextInt(1_000_000);
            p.renderNanos = p.encodeNanos / 2;
            p.captureTimeMillis = T0 + r.nextInt(2_400_000); // within the 6 x 10 min window
            p.observation = SelectorModelFormat.write(new SelectorModel.Builder(0)
                    .add(Observation.encoded(f, choice, p.bytesOut, p.renderNanos, p.captureTimeMillis)).build());
            out.get(p.subtask).add(p);
        }
        return out;
    }

    static List<byte[]> outputs(KeyedOneInputStreamOperatorTestHarness<String, PerformanceRecord, byte[]> h) {
        List<byte[]> out = new ArrayList<>();
        for (Object o : h.getOutput()) {
            if (o instanceof StreamRecord<?> r) {
                out.add((byte[]) r.getValue());
            }
        }
        h.getOutput().clear();
        return out;
    }

    static byte[] runToEnd(List<PerformanceRecord> records) throws Exception {
        try (var h = harness(new SelectorTrainerFunction(SETTINGS, null), null)) {
            for (PerformanceRecord p : records) {
                h.processElement(p, p.captureTimeMillis);
            }
            h.processWatermark(Long.MAX_VALUE);
            List<byte[]> out = outputs(h);
            assertThat(out).as("one model at the end of the input").hasSize(1);
            return out.get(0);
        }
    }

    @Test
    void recordsOfSeveralSubtasksInAnyOrderGiveTheSameModelBytes() throws Exception {
        List<List<PerformanceRecord>> parts = subtasks(600);
        List<PerformanceRecord> bySubtask = new ArrayList<>();
        parts.forEach(bySubtask::addAll);
        List<PerformanceRecord> interleaved = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            for (int s = 2; s >= 0; s--) {
                if (i < parts.get(s).size()) {
                    interleaved.add(parts.get(s).get(i));
                }
            }
        }
        List<PerformanceRecord> shuffled = new ArrayList<>(bySubtask);
        Collections.shuffle(shuffled, new Random(3));

        byte[] a = runToEnd(bySubtask);
        byte[] b = runToEnd(interleaved);
        byte[] c = runToEnd(shuffled);
        assertThat(b).isEqualTo(a);
        assertThat(c).isEqualTo(a);
        SelectorModel m = SelectorModelFormat.read(a);
        assertThat(m.generation()).isEqualTo(1);
        assertThat(m.records()).isEqualTo(600);
        // The same as the codec's own aggregation of the same observations.
        SelectorModel.Builder expected = new SelectorModel.Builder(1);
        bySubtask.forEach(p -> SelectorTrainerFunction.observations(p).forEach(expected::add));
        assertThat(SelectorModelFormat.write(expected.build())).isEqualTo(a);
    }

    @Test
    void publishesOnTheTickOnlyWhenRecordsArrivedAndKeepsOneTimerOfEach() throws Exception {
        try (var h = harness(new SelectorTrainerFunction(SETTINGS, null), null)) {
            h.setProcessingTime(1_500);
            assertThat(outputs(h)).isEmpty();
            List<PerformanceRecord> records = subtasks(30).get(0);
            for (PerformanceRecord p : records) {
                h.processElement(p, p.captureTimeMillis);
            }
            assertThat(h.numProcessingTimeTimers()).isEqualTo(1);
            assertThat(h.numEventTimeTimers()).isEqualTo(1);
            h.setProcessingTime(2_000);
            List<byte[]> first = outputs(h);
            assertThat(first).hasSize(1);
            assertThat(SelectorModelFormat.read(first.get(0)).records()).isEqualTo(records.size());
            h.setProcessingTime(5_000);
            assertThat(outputs(h)).as("nothing new, nothing published").isEmpty();
            assertThat(h.numProcessingTimeTimers()).isEqualTo(1);

            PerformanceRecord bad = new PerformanceRecord();
            bad.observation = new byte[] {1, 2, 3};
            h.processElement(bad, T0);
            PerformanceRecord none = new PerformanceRecord();
            h.processElement(none, T0);
            PerformanceRecord corrupt = new PerformanceRecord();
            corrupt.observation = records.get(0).observation.clone();
            corrupt.observation[6] ^= 0x40;
            h.processElement(corrupt, T0);
            h.setProcessingTime(6_000);
            assertThat(outputs(h)).as("refused records change nothing").isEmpty();
            assertThat(h.numProcessingTimeTimers()).isEqualTo(1);
            assertThat(h.numEventTimeTimers()).isEqualTo(1);
            assertThat(h.numKeyedStateEntries()).as("no keyed state: the window is operator state").isZero();
        }
    }

    @Test
    void aRestoredTrainerHasTheSameModelAndAFreshOneContinuesFromThePublishedModel() throws Exception {
        List<PerformanceRecord> records = subtasks(90).get(1);
        List<PerformanceRecord> first = records.subList(0, 15);
        List<PerformanceRecord> rest = records.subList(15, records.size());
        OperatorSubtaskState snapshot;
        byte[] published;
        try (var h = harness(new SelectorTrainerFunction(SETTINGS, null), null)) {
            for (PerformanceRecord p : first) {
                h.processElement(p, p.captureTimeMillis);
            }
            snapshot = h.snapshot(1, 1);
            h.setProcessingTime(1_000);
            published = outputs(h).get(0);
        }
        byte[] all = runToEnd(records);
        try (var h = harness(new SelectorTrainerFunction(SETTINGS, out -> out.accept(new byte[] {1})), snapshot)) {
            for (PerformanceRecord p : rest) {
                h.processElement(p, p.captureTimeMillis);
            }
            h.processWatermark(Long.MAX_VALUE);
            assertThat(outputs(h)).containsExactly(all);
        }
        // Started from nothing: the published model (and garbage beside it) on the topic.
        try (var h = harness(new SelectorTrainerFunction(SETTINGS, out -> {
            out.accept(new byte[] {1, 2});
            out.accept(published);
        }), null)) {
            for (PerformanceRecord p : rest) {
                h.processElement(p, p.captureTimeMillis);
            }
            h.processWatermark(Long.MAX_VALUE);
            SelectorModel m = SelectorModelFormat.read(outputs(h).get(0));
            assertThat(m.records()).isEqualTo(records.size());
        }
    }
}
