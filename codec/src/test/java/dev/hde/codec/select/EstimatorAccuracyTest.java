package dev.hde.codec.select;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hde.codec.Limits;
import dev.hde.codec.delta.DeltaMethod;
import dev.hde.codec.region.FrameInfo;
import dev.hde.codec.region.HeapPageStore;
import dev.hde.codec.region.PendingFrame;
import dev.hde.codec.region.RegionEncoder;
import dev.hde.codec.region.RegionMeta;
import dev.hde.codec.select.SelectorSimulation.Update;
import dev.hde.codec.wire.FrameFormat;
import dev.hde.codec.wire.FrameType;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The estimates against the truth on real memory: every frame of the redis trace (2 MiB regions, as
 * {@code hde replay --images} cuts it: 12 keyframes, 63 deltas) rendered with every candidate of the
 * replay. The error is the mean absolute relative error of the estimated frame bytes (and of the
 * estimated cost in internet mode, where the bytes dominate), from the priors alone and after
 * learning: the deltas of the last four transitions estimated by a model learned from the first
 * three (out of sample), each keyframe by a model learned from the eleven others.
 */
class EstimatorAccuracyTest {

    static final List<EncodeChoice> CHOICES = SelectorConfig.DEFAULT_CANDIDATES.stream()
            .filter(c -> !c.trainedDictionary() && c.codec().level() < 19).toList();

    /** One frame rendered one way. */
    record Sample(String key, int image, FrameType type, DataFeatures features, EncodeChoice choice, long bytes, double encodeNanos,
            double decodeNanos) {}

    static List<Sample> samples;

    @BeforeAll
    static void render() {
        samples = new ArrayList<>();
        Map<String, RegionMeta> metas = new HashMap<>();
        Map<String, HeapPageStore> refs = new HashMap<>();
        Map<String, Integer> images = new HashMap<>();
        for (Update u : AdaptiveSimulationTest.redisThenEncrypted(0, 0)) {
            HeapPageStore ref = refs.computeIfAbsent(u.key(), k -> new HeapPageStore());
            int image = images.merge(u.key(), 1, Integer::sum) - 1;
            RegionMeta meta = metas.get(u.key());
            PendingFrame pending = meta == null ? RegionEncoder.full(null, 12, ref, u.update()) : RegionEncoder.delta(meta, ref, u.update());
            if (pending.count() == 0) {
                continue;
            }
            DataFeatures f = DataFeatures.of(pending);
            long changed = PriorCalibration.exact(pending)[0];
            FrameInfo info = new FrameInfo(u.key(), image + 1, image);
            List<EncodeChoice> done = new ArrayList<>();
            for (EncodeChoice c0 : CHOICES) {
                EncodeChoice c = c0.forFrame(pending.type());
                if (done.contains(c)) {
                    continue;
                }
                done.add(c);
                byte[] frame = RegionEncoder.render(info, pending, c.spec());
                double[] t = ModelledSpeeds.CALIBRATED.time(c, FrameFormat.parse(frame, Limits.DEFAULT).header(), pending.changedBytes(), changed);
                samples.add(new Sample(u.key(), image, pending.type(), f, c, frame.length, t[0], t[1]));
            }
            RegionEncoder.commit(pending, ref);
            metas.put(u.key(), pending.after());
        }
    }

    static SelectorModel learned(List<Sample> from) {
        SelectorModel.Builder b = new SelectorModel.Builder(0);
        for (Sample s : from) {
            b.add(Observation.encoded(s.features(), s.choice(), s.bytes(), Math.round(s.encodeNanos()), s.image()));
        }
        return b.build();
    }

    /** {bytes error, internet cost error}, mean absolute relative, of the estimates of {@code of} by {@code model} (null: priors). */
    static double[] error(List<Sample> of, java.util.function.Function<Sample, SelectorModel> model) {
        double bytes = 0;
        double cost = 0;
        Link link = NetworkMode.INTERNET.link();
        for (Sample s : of) {
            SelectorModel m = model.apply(s);
            CostModel.Estimate e = m == null ? CostModel.prior(s.choice(), s.features())
                    : CostModel.estimate(s.choice(), s.features(), m.aggregate(s.features().kind(), s.choice()),
                            CostModel.pools(m, s.features().kind())[CostModel.poolOf(s.choice())], SelectorConfig.DEFAULT_PSEUDO_COUNT);
            double b = Math.max(4096, s.features().bytes());
            bytes += Math.abs(e.ratio() * b / s.bytes() - 1);
            double actual = s.encodeNanos() + s.decodeNanos() + s.bytes() * link.nanosPerByte();
            cost += Math.abs(e.costNanosPerByte(link) * b / actual - 1);
        }
        return new double[] {bytes / of.size(), cost / of.size()};
    }

    @Test
    void onTheRedisTraceTheEstimatesAreWithinAboutTenPercentAndLearningImprovesThem() {
        List<Sample> deltas = samples.stream().filter(s -> s.type() == FrameType.DELTA).toList();
        List<Sample> firstThree = deltas.stream().filter(s -> s.image() <= 3).toList();
        List<Sample> lastFour = deltas.stream().filter(s -> s.image() > 3).toList();
        List<Sample> keyframes = samples.stream().filter(s -> s.type() == FrameType.FULL).toList();
        SelectorModel fromFirstThree = learned(firstThree);

        double[] deltaPrior = error(lastFour, s -> null);
        double[] deltaLearned = error(lastFour, s -> fromFirstThree);
        double[] keyPrior = error(keyframes, s -> null);
        double[] keyLearned = error(keyframes, s -> learned(keyframes.stream().filter(o -> !o.key().equals(s.key())).toList()));
        System.out.printf("redis estimate error (mean absolute relative): deltas bytes %.1f%% -> %.1f%% (internet cost %.1f%% -> %.1f%%), "
                + "keyframes bytes %.1f%% -> %.1f%% (internet cost %.1f%% -> %.1f%%); %d delta and %d keyframe renderings%n",
                100 * deltaPrior[0], 100 * deltaLearned[0], 100 * deltaPrior[1], 100 * deltaLearned[1], 100 * keyPrior[0], 100 * keyLearned[0],
                100 * keyPrior[1], 100 * keyLearned[1], lastFour.size(), keyframes.size());
        for (EncodeChoice c : CHOICES) {
            List<Sample> mine = lastFour.stream().filter(s -> s.choice().equals(c)).toList();
            System.out.printf("  %-14s deltas: priors %.1f%%, learned %.1f%%%n", c, 100 * error(mine, s -> null)[0],
                    100 * error(mine, s -> fromFirstThree)[0]);
        }
        // SPLIT's prior is not fitted on redis: its saving against XBZRLE is 3 % there and 23 % on database pages, and no
        // feature tells them apart (docs/selector.md, "SPLIT's saving"). It is held to learning, not to the fitted bounds.
        List<Sample> splitDeltas = lastFour.stream().filter(s -> s.choice().method() == DeltaMethod.SPLIT).toList();
        assertThat(splitDeltas).isNotEmpty();
        assertThat(error(splitDeltas, s -> fromFirstThree)[0]).as("SPLIT learned").isLessThan(error(splitDeltas, s -> null)[0]);
        lastFour = lastFour.stream().filter(s -> s.choice().method() != DeltaMethod.SPLIT).toList();
        deltaPrior = error(lastFour, s -> null);
        deltaLearned = error(lastFour, s -> fromFirstThree);
        // What is left after learning is mostly the sampling noise of the changed share, which every delta choice shares.
        assertThat(deltaPrior[0]).isLessThan(0.15);
        assertThat(keyPrior[0]).isLessThan(0.12);
        // Learning corrects a prior's bias. Where none is left on this trace (LZ4 on delta streams since its factor was fitted
        // on the corpus: docs/selector.md, "LZ4 on delta streams"), it can only add the sampling noise of the first images'
        // frames: the bytes' estimates stay within a point of the priors', and the keyframes and SPLIT above must improve.
        assertThat(deltaLearned[0]).isLessThan(0.12).isLessThan(deltaPrior[0] + 0.01);
        assertThat(keyLearned[0]).isLessThan(0.10).isLessThan(keyPrior[0]);
        assertThat(deltaLearned[1]).isLessThan(0.08).isLessThan(deltaPrior[1] + 0.01);
    }

    @Test
    void learnedEstimatesAreUnbiasedForTheFramesSeen() {
        // Ratio of sums: over the frames a cell learned from, the estimates add up to what was sent.
        List<Sample> deltas = samples.stream().filter(s -> s.type() == FrameType.DELTA).toList();
        SelectorModel all = learned(deltas);
        for (EncodeChoice c : CHOICES) {
            List<Sample> mine = deltas.stream().filter(s -> s.choice().equals(c)).toList();
            double estimated = 0;
            double sent = 0;
            for (Sample s : mine) {
                int kind = s.features().kind();
                Aggregate cell = all.aggregate(kind, c);
                // with many records the pseudo-count hardly matters: compare with a tiny one
                estimated += CostModel.estimate(c, s.features(), cell, CostModel.Pool.EMPTY, 1e-9).ratio() * s.features().bytes();
                sent += s.bytes();
            }
            assertThat(estimated / sent).as("%s", c).isCloseTo(1.0, org.assertj.core.data.Offset.offset(0.002));
        }
    }
}
