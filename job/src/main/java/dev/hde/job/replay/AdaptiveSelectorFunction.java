package dev.hde.job.replay;

import dev.hde.codec.select.DataFeatures;
import dev.hde.codec.select.EncodeChoice;
import dev.hde.codec.select.LearningLoop;
import dev.hde.codec.select.NetworkMode;
import dev.hde.codec.select.Observation;
import dev.hde.codec.select.Selector;
import dev.hde.codec.select.SelectorModel;
import dev.hde.codec.wire.FrameType;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * The adaptive selector of the replay, one {@link LearningLoop} per network mode, each starting from
 * an empty model and learning online from its own records, published every
 * {@link ReplaySettings#publishEvery()} records (the live job's feedback delay). It sees every frame
 * of every region in one order (capture time, then state key, then sequence), so it runs once, on
 * one key ({@link #ALL}) with parallelism 1, after the per-region work has measured what each
 * candidate makes of each frame.
 *
 * <p>The records it learns from carry the real wire bytes and the <em>modelled</em> encode times of
 * the codec's fixed speed table ({@link dev.hde.codec.select.ModelledSpeeds#CALIBRATED}), not real timings: the choices then depend only on
 * the input and the seed, and a replay reproduces them. It emits each choice for the adaptive
 * replay, which renders and decodes the chosen frames again to verify them, and as a side output
 * the adaptive configurations' figures per time bucket: wire bytes, the modelled times, and the real
 * times the per-region pass measured for the chosen candidate's rendering of each frame (plus the
 * feature sampling), so that the adaptive and the fixed configurations are timed in the same pass,
 * under the same conditions.
 */
public class AdaptiveSelectorFunction extends KeyedProcessFunction<String, FrameSample, AdaptiveChoice> {

    private static final long serialVersionUID = 1L;

    public static final OutputTag<ReplayResult> RESULTS = new OutputTag<>("adaptive-model-results", TypeInformation.of(ReplayResult.class));

    /** The one key every sample goes to. */
    public static final String ALL = "all";

    private final ReplaySettings settings;
    private transient ListState<FrameSample> samples;

    public AdaptiveSelectorFunction(ReplaySettings settings) {
        this.settings = settings;
    }

    @Override
    public void open(OpenContext openContext) {
        samples = getRuntimeContext().getListState(new ListStateDescriptor<>("samples", TypeInformation.of(FrameSample.class)));
    }

    @Override
    public void processElement(FrameSample s, Context ctx, Collector<AdaptiveChoice> out) throws Exception {
        samples.add(s);
        ctx.timerService().registerEventTimeTimer(Long.MAX_VALUE);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<AdaptiveChoice> out) throws Exception {
        List<FrameSample> all = new ArrayList<>();
        samples.get().forEach(all::add);
        samples.clear();
        Outcome o = run(all, settings, out::collect);
        o.results().forEach(r -> ctx.output(RESULTS, r));
        for (NetworkMode m : NetworkMode.values()) {
            ReplayProgress.report("adaptive selector, %s (%s): %d frames chosen, %d explorations, %d rendered twice, %d models published",
                    m.lowerName(), settings.link(m), all.size(), o.explorations().get(m), o.secondOpinions().get(m), o.publications().get(m));
        }
    }

    /** What the selectors did: totals and choice counts per bucket, explorations and publications per mode. */
    record Outcome(List<ReplayResult> results, Map<NetworkMode, Long> explorations, Map<NetworkMode, Long> secondOpinions,
            Map<NetworkMode, Long> publications) {}

    /** Runs one learning loop per network mode over the samples, in stream order. Flink-free. */
    static Outcome run(List<FrameSample> all, ReplaySettings settings, java.util.function.Consumer<AdaptiveChoice> out) {
        all.sort(Comparator.comparingLong((FrameSample s) -> s.captureTimeMillis).thenComparing(s -> s.stateKey)
                .thenComparingLong(s -> s.sequence));
        List<EncodeChoice> candidates = settings.parsedChoices();
        List<ReplayResult> results = new ArrayList<>();
        Map<NetworkMode, Long> explorations = new java.util.EnumMap<>(NetworkMode.class);
        Map<NetworkMode, Long> secondOpinions = new java.util.EnumMap<>(NetworkMode.class);
        Map<NetworkMode, Long> publications = new java.util.EnumMap<>(NetworkMode.class);
        for (NetworkMode mode : NetworkMode.values()) {
            String name = ReplaySettings.adaptiveName(mode);
            LearningLoop loop = new LearningLoop(settings.selectorConfig(mode), SelectorModel.EMPTY, settings.publishEvery());
            TreeMap<Long, ReplayResult> totals = new TreeMap<>();
            TreeMap<Long, TreeMap<String, Long>> counts = new TreeMap<>();
            long explored = 0;
            long renderedTwice = 0;
            for (FrameSample s : all) {
                DataFeatures f = new DataFeatures(s.entropyBits, s.zeroFraction, s.changedShare, s.pages, s.bytes, s.newShare,
                        s.runStartShare, s.repeatShare, s.movedShare);
                FrameType type = s.full ? FrameType.FULL : FrameType.DELTA;
                Selector.Decision d = loop.decide(f, type, s.stateKey, s.sequence, false);
                EncodeChoice choice = d.choice();
                int i = indexOf(candidates, choice, type);
                Selector.SecondOpinion second = loop.selector().secondOpinion(d, f, s.wireBytes[i]);
                loop.observe(Observation.encoded(f, choice, s.wireBytes[i], Math.round(s.tableEncodeNanos[i]), Math.max(0, s.captureTimeMillis)));
                int unsent = -1; // the other rendering of a frame rendered twice: its encode time is charged too
                if (second != null) {
                    int k = indexOf(candidates, second.rival().choice(), type);
                    loop.observe(Observation.encoded(f, second.rival().choice(), s.wireBytes[k], Math.round(s.tableEncodeNanos[k]),
                            Math.max(0, s.captureTimeMillis)));
                    renderedTwice++;
                    unsent = k;
                    if (second.sendRival(s.wireBytes[i], s.wireBytes[k], s.bytes, settings.selectorConfig(mode).link())) {
                        unsent = i;
                        i = k;
                        choice = second.rival().choice();
                    }
                }
                boolean sentExploration = d.explored() && choice.equals(d.choice()); // as the encoder counts it
                out.accept(new AdaptiveChoice(s.stateKey, s.sequence, mode.name(), choice.toString(), sentExploration, s.wireBytes[i]));
                ReplayResult r = totals.computeIfAbsent(s.bucket, b -> ReplayResult.totals(name, ALL, b));
                r.expectedWireBytes += s.wireBytes[i];
                r.encodeNanos += s.encodeNanos[i] + s.featureNanos + (unsent < 0 ? 0 : s.encodeNanos[unsent]);
                r.decodeNanos += s.decodeNanos[i];
                r.tableEncodeNanos += s.tableEncodeNanos[i] + (unsent < 0 ? 0 : s.tableEncodeNanos[unsent]);
                r.tableDecodeNanos += s.tableDecodeNanos[i];
                if (sentExploration) {
                    explored++; // counted per bucket by the adaptive replay, which renders the frames
                }
                counts.computeIfAbsent(s.bucket, b -> new TreeMap<>()).merge(choice.toString(), 1L, Long::sum);
            }
            results.addAll(totals.values());
            counts.forEach((bucket, byChoice) -> byChoice.forEach((c, n) -> results.add(ReplayResult.choices(name, bucket, c, n))));
            explorations.put(mode, explored);
            secondOpinions.put(mode, renderedTwice);
            publications.put(mode, loop.publications());
        }
        return new Outcome(results, explorations, secondOpinions, publications);
    }

    /** The candidate a (mapped) choice came from: keyframes map every method to RAW. */
    private static int indexOf(List<EncodeChoice> candidates, EncodeChoice choice, FrameType type) {
        for (int i = 0; i < candidates.size(); i++) {
            if (candidates.get(i).forFrame(type).equals(choice)) {
                return i;
            }
        }
        throw new IllegalStateException("the selector chose " + choice + ", which is no candidate");
    }

    /** Every sample on one key. */
    static final class AllSamples implements KeySelector<FrameSample, String> {
        private static final long serialVersionUID = 1L;

        @Override
        public String getKey(FrameSample s) {
            return ALL;
        }
    }
}
