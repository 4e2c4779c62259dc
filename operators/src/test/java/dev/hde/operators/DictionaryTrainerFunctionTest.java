package dev.hde.operators;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hde.codec.dict.DictionaryFormat;
import dev.hde.codec.dict.DictionaryTrainer;
import dev.hde.codec.dict.TrainedDictionary;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/** The dictionary trainer: publishes once enough samples arrived, again per generation on the tick, bounded samples, state. */
class DictionaryTrainerFunctionTest {

    static final int PS = 4096;
    /** 16 pages before the first dictionary, at most 64 pages (256 KiB) per class, a tick every second. */
    static final DictionarySettings SETTINGS = DictionarySettings.DEFAULT.withMinSamples(16).withSampleBudgetBytes(64L * PS)
            .withTrainInterval(Duration.ofSeconds(1));

    final Random random = new Random(5);

    static KeyedOneInputStreamOperatorTestHarness<String, DictionarySample, byte[]> harness(DictionaryTrainerFunction f, OperatorSubtaskState restore)
            throws Exception {
        var h = new KeyedOneInputStreamOperatorTestHarness<>(new KeyedProcessOperator<>(f), DictionaryTrainerFunction.sampleKey(), Types.STRING);
        h.setup();
        if (restore != null) {
            h.initializeState(restore);
        }
        h.open();
        h.setProcessingTime(500);
        return h;
    }

    static List<TrainedDictionary> outputs(KeyedOneInputStreamOperatorTestHarness<String, DictionarySample, byte[]> h) {
        List<TrainedDictionary> out = new ArrayList<>();
        for (Object o : h.getOutput()) {
            if (o instanceof StreamRecord<?> r) {
                out.add(DictionaryFormat.read((byte[]) r.getValue()));
            }
        }
        h.getOutput().clear();
        return out;
    }

    void send(KeyedOneInputStreamOperatorTestHarness<String, DictionarySample, byte[]> h, String vmClass, int pages) throws Exception {
        for (int i = 0; i < pages; i++) {
            h.processElement(new DictionarySample(vmClass, TestPages.text(random, PS)), 0);
        }
    }

    @Test
    void aDictionaryIsPublishedOnceEnoughSamplesArriveAndAgainPerGeneration() throws Exception {
        DictionaryTrainerFunction f = new DictionaryTrainerFunction(SETTINGS, null);
        try (var h = harness(f, null)) {
            send(h, "web", 15);
            assertThat(outputs(h)).as("15 of 16 pages: no dictionary yet").isEmpty();
            send(h, "web", 1);
            List<TrainedDictionary> first = outputs(h);
            assertThat(first).hasSize(1);
            assertThat(first.get(0).vmClass()).isEqualTo("web");
            assertThat(first.get(0).generation()).isEqualTo(1);

            send(h, "web", 5);
            h.setProcessingTime(2_000);
            assertThat(outputs(h)).as("fewer than 16 new pages since: no new generation").isEmpty();
            send(h, "web", 20);
            assertThat(outputs(h)).as("later generations only on the tick").isEmpty();
            h.setProcessingTime(3_000);
            List<TrainedDictionary> second = outputs(h);
            assertThat(second).hasSize(1);
            assertThat(second.get(0).generation()).isEqualTo(2);
            assertThat(second.get(0).id()).isNotEqualTo(first.get(0).id());
            h.setProcessingTime(4_000);
            assertThat(outputs(h)).as("nothing new: nothing published").isEmpty();

            send(h, "db", 16);
            assertThat(outputs(h)).singleElement().satisfies(d -> {
                assertThat(d.vmClass()).isEqualTo("db");
                assertThat(d.generation()).isEqualTo(1);
            });
        }
    }

    @Test
    void samplesStayWithinTheBudgetAndSurviveARestore() throws Exception {
        DictionaryTrainerFunction f = new DictionaryTrainerFunction(SETTINGS, null);
        OperatorSubtaskState snapshot;
        try (var h = harness(f, null)) {
            send(h, "web", 500);
            assertThat(f.sampleCount("web")).isEqualTo(64);
            assertThat(outputs(h)).hasSize(1);
            snapshot = h.snapshot(1, 1);
        }
        DictionaryTrainerFunction restored = new DictionaryTrainerFunction(SETTINGS, null);
        try (var h = harness(restored, snapshot)) {
            assertThat(restored.sampleCount("web")).isEqualTo(64);
            assertThat(restored.generation("web")).isEqualTo(1);
            h.setProcessingTime(2_000);
            // Pages that entered the sample after the first dictionary (of 500) are in the state too: the next generation.
            assertThat(outputs(h)).singleElement().satisfies(d -> assertThat(d.generation()).isEqualTo(2));
        }
    }

    @Test
    void pagesOfTheWrongSizeOrWithoutAClassAreDropped() throws Exception {
        DictionaryTrainerFunction f = new DictionaryTrainerFunction(SETTINGS, null);
        try (var h = harness(f, null)) {
            send(h, "web", 3);
            h.processElement(new DictionarySample("web", new byte[8192]), 0);
            h.processElement(new DictionarySample(null, new byte[PS]), 0);
            h.processElement(new DictionarySample("web", null), 0);
            assertThat(f.sampleCount("web")).isEqualTo(3);
        }
    }

    @Test
    void aTrainerStartedWithoutStateContinuesTheGenerationsOnTheTopic() throws Exception {
        DictionaryTrainer t = new DictionaryTrainer("web", SETTINGS.trainerSettings(PS));
        for (int i = 0; i < 20; i++) {
            t.offer(TestPages.text(random, PS));
        }
        byte[] published = DictionaryFormat.write(t.train(3, 0));
        DictionaryTrainerFunction f = new DictionaryTrainerFunction(SETTINGS, v -> {
            v.accept(new byte[] {1, 2, 3}); // garbage: ignored
            v.accept(published);
        });
        try (var h = harness(f, null)) {
            assertThat(f.generation("web")).isEqualTo(3);
            send(h, "web", 16);
            assertThat(outputs(h)).as("a class with a dictionary on the topic is retrained on the tick").isEmpty();
            h.setProcessingTime(2_000);
            assertThat(outputs(h)).singleElement().satisfies(d -> assertThat(d.generation()).isEqualTo(4));
        }
    }
}
