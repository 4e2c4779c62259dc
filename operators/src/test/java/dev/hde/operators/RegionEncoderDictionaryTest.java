package dev.hde.operators;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hde.codec.HdeException;
import dev.hde.codec.Limits;
import dev.hde.codec.dict.DictionaryFormat;
import dev.hde.codec.dict.DictionaryTrainer;
import dev.hde.codec.dict.MapDictionaryStore;
import dev.hde.codec.dict.TrainedDictionary;
import dev.hde.codec.region.FrameApplier;
import dev.hde.codec.region.HeapPageStore;
import dev.hde.codec.region.RegionMeta;
import dev.hde.codec.select.EncodeChoice;
import dev.hde.codec.select.NetworkMode;
import dev.hde.codec.select.SelectorConfig;
import dev.hde.codec.wire.FrameFormat;
import dev.hde.codec.wire.PageUpdateEvent;
import dev.hde.state.RefreshPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.Test;

/**
 * Trained dictionaries at the encoder and the receiver: samples are bounded, a dictionary is used
 * only after it came back on the broadcast input (the topic), and a receiver refuses a frame naming
 * a dictionary it lacks until the dictionary topic has it.
 */
class RegionEncoderDictionaryTest {

    static final long T0 = 1_700_000_000_000L;
    static final int SHIFT = 12;
    static final int PS = 1 << SHIFT;
    static final int N = 16;
    static final String KEY = "vm-00/r0000";
    static final RefreshPolicy LAX = new RefreshPolicy(Duration.ofHours(10), 1_000, Duration.ofHours(10), false, Duration.ofHours(1));
    /** The only candidate: the selector falls back to xbzrle+zstd-3 without a dictionary. */
    static final EncodeChoice TDICT = EncodeChoice.parse("xbzrle+zstd-3+tdict");
    static final DictionarySettings SAMPLING = DictionarySettings.DEFAULT.withSampling(0, 3).withSampleBudgetBytes(8L * PS);

    final Random random = new Random(11);

    static EncoderSettings tdictOnly() {
        SelectorConfig config = SelectorConfig.defaults(NetworkMode.INTERNET, 1).withCandidates(List.of(TDICT)).withExploration(0, 0, 3);
        return new EncoderSettings(List.of(EncoderSettings.DEFAULT_SPEC), false, LAX, Limits.DEFAULT).withSelector(config);
    }

    PageUpdateEvent region(String key, long seq) {
        byte[][] pages = new byte[N][];
        for (int i = 0; i < N; i++) {
            pages[i] = TestPages.text(random, PS);
        }
        return PageUpdateEvent.region(key, SHIFT, seq, T0 + seq, pages);
    }

    /** One new page (index 0 rewritten with unrelated content): a single-page delta. */
    PageUpdateEvent onePage(String key, long seq, int index) {
        return PageUpdateEvent.pages(key, SHIFT, N, seq, T0 + seq, new int[] {index}, new byte[][] {TestPages.text(random, PS)});
    }

    static TrainedDictionary dictionaryOf(List<DictionarySample> samples, Random random) {
        DictionaryTrainer t = new DictionaryTrainer("vm", new DictionaryTrainer.Settings(4096, 256, 8, 3));
        samples.forEach(s -> t.offer(s.page));
        for (int i = 0; i < 80; i++) {
            t.offer(TestPages.text(random, PS));
        }
        return t.train(1, 0);
    }

    /** A receiver with its own dictionary store. */
    static final class DictReceiver {
        final MapDictionaryStore store = new MapDictionaryStore();
        final FrameApplier applier = new FrameApplier(Limits.DEFAULT, store);
        final HeapPageStore pages = new HeapPageStore();
        RegionMeta meta;

        void apply(FrameRecord f) {
            meta = applier.apply(f.bytes, f.stateKey, meta, pages).meta();
        }
    }

    @Test
    void theEncoderUsesADictionaryOnlyAfterReadingItBackAndSamplesAreBounded() throws Exception {
        try (EncoderHarness h = new EncoderHarness(new RegionEncoderFunction(tdictOnly(), null, SAMPLING))) {
            RegionModel model = new RegionModel(SHIFT);
            DictReceiver receiver = new DictReceiver();
            List<DictionarySample> samples = new ArrayList<>();
            long seq = 1;
            PageUpdateEvent first = region(KEY, seq++);
            model.apply(first);
            for (FrameRecord f : h.send(first)) {
                receiver.apply(f);
            }
            List<DictionarySample> s = h.drainSamples();
            assertThat(s).as("at most 3 pages per frame").hasSize(3).allSatisfy(d -> assertThat(d.vmClass).isEqualTo("vm"));
            samples.addAll(s);
            for (int i = 0; i < 10; i++) {
                PageUpdateEvent e = onePage(KEY, seq++, i);
                model.apply(e);
                for (FrameRecord f : h.send(e)) {
                    assertThat(FrameFormat.parse(f.bytes, Limits.DEFAULT).header().dictionaryId()).as("no dictionary yet").isZero();
                    receiver.apply(f);
                }
                samples.addAll(h.drainSamples());
            }
            assertThat(h.performance()).allSatisfy(p -> assertThat(p.choice).doesNotContain("+tdict"));
            assertThat(samples).as("each subtask sends at most the budget's 8 pages per class while the sample fills, then ever fewer")
                    .hasSizeLessThanOrEqualTo(3 + 10);
            assertThat(samples.stream().map(d -> DictionaryTrainer.sampleHash(d.page)).distinct().count()).isEqualTo(samples.size());

            // The dictionary exists (the trainer made it) but has not come back from the topic: still not used.
            TrainedDictionary dict = dictionaryOf(samples, random);
            PageUpdateEvent e = onePage(KEY, seq++, 3);
            model.apply(e);
            for (FrameRecord f : h.send(e)) {
                assertThat(FrameFormat.parse(f.bytes, Limits.DEFAULT).header().dictionaryId()).isZero();
                receiver.apply(f);
            }

            // Read back from the topic (the broadcast input): from now on the frames name it.
            h.harness.processBroadcastElement(DictionaryFormat.write(dict), 5);
            h.harness.processBroadcastElement(new byte[] {'H', 'D', 'E', 'D', 0, 0}, 6); // a broken record: counted, ignored
            assertThat(h.metrics().dictionariesTaken.getCount()).isEqualTo(1);
            assertThat(h.metrics().dictionariesRefused.getCount()).isEqualTo(1);
            assertThat(h.metrics().modelsRefused.getCount()).as("dictionary records are not models").isZero();
            List<FrameRecord> withDict = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                PageUpdateEvent u = onePage(KEY, seq++, i);
                model.apply(u);
                withDict.addAll(h.send(u));
            }
            assertThat(withDict).allSatisfy(f -> assertThat(idOf(f)).isIn(0, dict.id()));
            assertThat(h.performance().subList(1, 6)).allSatisfy(p -> assertThat(p.choice).isEqualTo(TDICT.toString()));
            assertThat(h.metrics().dictionaryFrames.getCount()).isEqualTo(5);
            long named = withDict.stream().filter(f -> idOf(f) == dict.id()).count();
            assertThat(named).as("zstd blocks that did not end up stored name the dictionary").isPositive();

            // A receiver without the dictionary refuses them, leaving the region as it was; with it, every page is exact.
            FrameRecord needing = withDict.stream().filter(f -> idOf(f) == dict.id()).findFirst().orElseThrow();
            RegionMeta before = receiver.meta;
            assertThatThrownBy(() -> receiver.apply(needing)).isInstanceOf(HdeException.class)
                    .satisfies(x -> assertThat(((HdeException) x).kind()).isEqualTo(HdeException.Kind.UNKNOWN_DICTIONARY));
            assertThat(receiver.meta).isSameAs(before);
            receiver.store.add(dict);
            for (FrameRecord f : withDict) {
                receiver.apply(f);
            }
            byte[] image = new byte[N * PS];
            receiver.pages.copyTo(image, 0, N, PS);
            assertThat(image).isEqualTo(model.image);

            // A restored encoder has the dictionary from broadcast state.
            OperatorSubtaskState snapshot = h.harness.snapshot(1, 1);
            try (EncoderHarness r = new EncoderHarness(tdictOnly(), snapshot)) {
                PageUpdateEvent u = onePage(KEY, seq++, 7);
                model.apply(u);
                List<FrameRecord> frames = r.send(u);
                assertThat(r.performance()).singleElement().satisfies(p -> assertThat(p.choice).isEqualTo(TDICT.toString()));
                for (FrameRecord f : frames) {
                    receiver.apply(f);
                }
                receiver.pages.copyTo(image, 0, N, PS);
                assertThat(image).isEqualTo(model.image);
            }
        }
    }

    static int idOf(FrameRecord f) {
        return FrameFormat.parse(f.bytes, Limits.DEFAULT, id -> TrainedDictionary.of("any", 1, TrainedDictionary.Type.RAW_CONTENT, 0, new byte[1]))
                .header().dictionaryId();
    }

    @Test
    void aReceiverRefusesAFrameNamingAnUnknownDictionaryUntilTheTopicHasIt() throws Exception {
        // Frames made with a dictionary, by an encoder that has read it back.
        List<DictionarySample> none = List.of();
        TrainedDictionary dict = dictionaryOf(none, random);
        List<FrameRecord> frames = new ArrayList<>();
        try (EncoderHarness h = new EncoderHarness(new RegionEncoderFunction(tdictOnly(), null, null))) {
            h.harness.processBroadcastElement(DictionaryFormat.write(dict), 1);
            for (String key : List.of("vm-01/r0000", "vm-02/r0000")) {
                frames.addAll(h.send(region(key, 1)));
                frames.addAll(h.send(onePage(key, 2, 0)));
                frames.addAll(h.send(onePage(key, 3, 1)));
            }
            assertThat(h.drainSamples()).as("no sampling configured").isEmpty();
        }
        assertThat(frames.stream().filter(f -> idOf(f) == dict.id())).as("frames of both keys name the dictionary").hasSizeGreaterThanOrEqualTo(2);

        List<byte[]> topic = new ArrayList<>(); // the dictionary topic, empty for now
        var applier = new FrameApplierFunction(Limits.DEFAULT, null, false, v -> topic.forEach(v));
        KeyedOneInputStreamOperatorTestHarness<String, FrameRecord, RegionVerdict> h =
                ProcessFunctionTestHarnesses.forKeyedProcessFunction(applier, (KeySelector<FrameRecord, String>) f -> f.stateKey, Types.STRING);
        try (h) {
            for (FrameRecord f : frames.subList(0, 3)) {
                h.processElement(f, 0);
            }
            List<RegionVerdict> first = verdicts(h);
            assertThat(first.get(first.size() - 1).verified).isFalse();
            assertThat(first.get(first.size() - 1).error).contains("UNKNOWN_DICTIONARY").contains(Integer.toString(dict.id()));

            topic.add(DictionaryFormat.write(dict)); // the dictionary arrives on the topic
            for (FrameRecord f : frames.subList(3, 6)) {
                h.processElement(f, 0);
            }
            assertThat(verdicts(h)).hasSize(3).allSatisfy(v -> assertThat(v.verified).as(v.error).isTrue());
        }
    }

    static List<RegionVerdict> verdicts(KeyedOneInputStreamOperatorTestHarness<String, FrameRecord, RegionVerdict> h) {
        List<RegionVerdict> out = new ArrayList<>();
        for (Object o : h.getOutput()) {
            if (o instanceof StreamRecord<?> r) {
                out.add((RegionVerdict) r.getValue());
            }
        }
        h.getOutput().clear();
        return out;
    }
}
