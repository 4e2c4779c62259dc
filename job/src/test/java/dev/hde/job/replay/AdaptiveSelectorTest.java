package dev.hde.job.replay;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hde.codec.Limits;
import dev.hde.codec.select.EncodeChoice;
import dev.hde.codec.wire.FrameType;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The replay's selectors without Flink: one order of frames, whatever order the samples arrive in. */
class AdaptiveSelectorTest {

    /** Samples of a small synthetic mixed stream, as the per-region pass makes them. */
    static List<FrameSample> samples(ReplaySettings settings) {
        List<EncodeChoice> choices = settings.parsedChoices();
        Map<String, RegionReplay> regions = new HashMap<>();
        List<FrameSample> out = new ArrayList<>();
        new SyntheticMixed(2, 2, 32, 4, 4, 0.2, 0.2, 5).generate(e -> {
            RegionReplay r = regions.computeIfAbsent(e.stateKey(), k -> {
                List<RegionReplay.Lane> lanes = new ArrayList<>();
                choices.forEach(c -> lanes.add(RegionReplay.Lane.fixed(c.toString(), c, null)));
                return new RegionReplay(k, Limits.DEFAULT, lanes, choices);
            });
            RegionReplay.Shared s = r.process(e, e.captureTimeMillis() / 1000);
            if (s == null) {
                return;
            }
            FrameSample f = new FrameSample();
            f.stateKey = e.stateKey();
            f.sequence = e.sequence();
            f.captureTimeMillis = e.captureTimeMillis();
            f.bucket = e.captureTimeMillis() / 1000;
            f.full = s.type() == FrameType.FULL;
            f.entropyBits = s.features().entropyBits();
            f.zeroFraction = s.features().zeroFraction();
            f.changedShare = s.features().changedShare();
            f.pages = s.features().pages();
            f.bytes = s.features().bytes();
            f.newShare = s.features().newShare();
            f.runStartShare = s.features().runStartShare();
            f.repeatShare = s.features().repeatShare();
            f.movedShare = s.features().movedShare();
            int n = choices.size();
            f.wireBytes = new long[n];
            f.tableEncodeNanos = new double[n];
            f.tableDecodeNanos = new double[n];
            f.encodeNanos = new long[n];
            f.decodeNanos = new long[n];
            for (int i = 0; i < n; i++) {
                RegionReplay.Rendered rr = s.renders().get(choices.get(i).forFrame(s.type()));
                f.wireBytes[i] = rr.frame().length;
                f.tableEncodeNanos[i] = rr.tableEncodeNanos();
                f.tableDecodeNanos[i] = rr.tableDecodeNanos();
            }
            out.add(f);
        });
        return out;
    }

    static List<String> choices(List<FrameSample> samples, ReplaySettings settings) {
        List<String> out = new ArrayList<>();
        AdaptiveSelectorFunction.run(samples, settings, c -> out.add(c.stateKey + "#" + c.sequence + " " + c.mode + " " + c.choice
                + (c.explored ? " explored" : "") + " " + c.expectedWireBytes));
        return out;
    }

    @Test
    void theChoicesDependOnTheInputAndTheSeedNotOnTheArrivalOrder() {
        ReplaySettings settings = ReplaySettings.defaults(false);
        List<FrameSample> samples = samples(settings);
        List<String> first = choices(new ArrayList<>(samples), settings);
        List<FrameSample> shuffled = new ArrayList<>(samples);
        Collections.shuffle(shuffled, new Random(3));
        assertThat(choices(shuffled, settings)).isEqualTo(first);
        assertThat(first).hasSize(samples.size() * 3);
        // another seed explores other frames
        assertThat(choices(new ArrayList<>(samples), settings.withSeed(7))).isNotEqualTo(first);
    }
}
