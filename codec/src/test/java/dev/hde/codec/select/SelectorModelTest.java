package dev.hde.codec.select;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.Test;

/** The model's merge laws: the side operator may receive the records of many subtasks in any order. */
class SelectorModelTest {

    static final List<EncodeChoice> CHOICES = SelectorConfig.DEFAULT_CANDIDATES;

    static Observation randomObservation(SplittableRandom rnd) {
        EncodeChoice c = CHOICES.get(rnd.nextInt(CHOICES.size()));
        int kind = rnd.nextInt(DataFeatures.KINDS);
        long in = 4096L * (1 + rnd.nextInt(512));
        Aggregate a = rnd.nextInt(5) == 0
                ? Aggregate.decoded(in, rnd.nextLong(1, 10_000_000), rnd.nextLong(1, 10_000_000))
                : Aggregate.encoded(in, rnd.nextLong(64, in + 100), rnd.nextLong(64, in + 100), rnd.nextLong(0, 100_000_000),
                        rnd.nextLong(1, 100_000_000));
        return new Observation(kind, c, a, rnd.nextLong(0, 2_000_000_000_000L));
    }

    static List<Observation> observations(long seed, int n) {
        SplittableRandom rnd = new SplittableRandom(seed);
        List<Observation> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(randomObservation(rnd));
        }
        return out;
    }

    static SelectorModel build(long generation, List<Observation> obs) {
        SelectorModel.Builder b = new SelectorModel.Builder(generation);
        obs.forEach(b::add);
        return b.build();
    }

    /** Splits the records at random among subtasks, builds a partial model per subtask, merges them in a random tree. */
    @RepeatedTest(25)
    void anySplitAndMergeOrderGivesTheSameModel(RepetitionInfo info) {
        long seed = info.getCurrentRepetition();
        List<Observation> obs = observations(seed, 300);
        SelectorModel whole = build(3, obs);

        Random rnd = new Random(seed * 7919);
        int parts = 1 + rnd.nextInt(8);
        List<List<Observation>> split = new ArrayList<>();
        for (int i = 0; i < parts; i++) {
            split.add(new ArrayList<>());
        }
        List<Observation> shuffled = new ArrayList<>(obs);
        Collections.shuffle(shuffled, rnd);
        for (Observation o : shuffled) {
            split.get(rnd.nextInt(parts)).add(o);
        }
        List<SelectorModel> partial = new ArrayList<>();
        for (List<Observation> p : split) {
            partial.add(build(3, p));
        }
        // merge in a random binary tree
        while (partial.size() > 1) {
            int i = rnd.nextInt(partial.size());
            SelectorModel a = partial.remove(i);
            int j = rnd.nextInt(partial.size());
            SelectorModel b = partial.remove(j);
            partial.add(rnd.nextBoolean() ? a.merge(b) : b.merge(a));
        }
        SelectorModel merged = partial.get(0);

        assertThat(merged).isEqualTo(whole);
        assertThat(SelectorModelFormat.write(merged)).isEqualTo(SelectorModelFormat.write(whole));
        assertThat(merged.records()).isEqualTo(obs.size());
        assertThat(merged.version()).isEqualTo(whole.version());
    }

    @RepeatedTest(10)
    void mergeIsCommutativeAndAssociative(RepetitionInfo info) {
        long seed = 1000 + info.getCurrentRepetition();
        SelectorModel a = build(1, observations(seed, 40));
        SelectorModel b = build(1, observations(seed + 1, 40));
        SelectorModel c = build(1, observations(seed + 2, 40));

        assertThat(a.merge(b)).isEqualTo(b.merge(a));
        assertThat(a.merge(b).merge(c)).isEqualTo(a.merge(b.merge(c)));
        assertThat(a.merge(SelectorModel.empty(1))).isEqualTo(a);
        assertThat(SelectorModel.empty(1).merge(a)).isEqualTo(a);
        // the builder and merge agree
        assertThat(a.toBuilder().merge(b).build()).isEqualTo(a.merge(b));
    }

    @Test
    void aHigherGenerationReplacesTheSumsOfLowerOnes() {
        SelectorModel old = build(1, observations(5, 50));
        SelectorModel fresh = build(2, observations(6, 3));
        SelectorModel older = build(0, observations(7, 80));

        assertThat(old.merge(fresh)).isEqualTo(fresh);
        assertThat(fresh.merge(old)).isEqualTo(fresh);
        // still associative and commutative across generations
        assertThat(older.merge(old).merge(fresh)).isEqualTo(fresh.merge(older.merge(old)));
        assertThat(older.merge(old)).isEqualTo(old);
        assertThat(fresh.isNewerThan(old)).isTrue();
        assertThat(SelectorModel.empty(2).isNewerThan(old)).as("an empty model of a new generation restarts learning").isTrue();
        assertThatThrownBy(() -> new SelectorModel.Builder(1).merge(fresh)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void versionIsDerivedFromTheContent() {
        List<Observation> obs = observations(9, 20);
        SelectorModel m = build(4, obs);
        long newest = obs.stream().mapToLong(Observation::captureTimeMillis).max().orElseThrow();

        assertThat(m.generation()).isEqualTo(4);
        assertThat(m.asOfMillis()).isEqualTo(newest);
        assertThat(m.records()).isEqualTo(20);
        assertThat(m.version()).isEqualTo("g4.t" + newest + ".r20");
        SelectorModel more = m.merge(build(4, observations(10, 1)));
        assertThat(more.isNewerThan(m)).isTrue();
        assertThat(m.isNewerThan(more)).isFalse();
        assertThat(m.isNewerThan(m)).isFalse();
    }

    @Test
    void sumsSaturateInsteadOfOverflowing() {
        EncodeChoice c = CHOICES.get(0);
        Aggregate big = new Aggregate(Long.MAX_VALUE - 1, Long.MAX_VALUE, 5, Long.MAX_VALUE, Long.MAX_VALUE, 7, 0, 0, 0, 0);
        SelectorModel a = new SelectorModel.Builder(1).add(new Observation(0, c, big, 0)).build();
        SelectorModel b = new SelectorModel.Builder(1).add(new Observation(0, c, big, 0)).build();
        Aggregate sum = a.merge(b).aggregate(0, c);

        assertThat(sum.count()).isEqualTo(Long.MAX_VALUE);
        assertThat(sum.bytesIn()).isEqualTo(Long.MAX_VALUE);
        assertThat(sum.bytesOut()).isEqualTo(10);
        assertThat(a.merge(b).merge(b)).isEqualTo(a.merge(b.merge(b)));
    }

    @Test
    void observationsOfAFrameCarryThePriorsPrediction() {
        DataFeatures f = new DataFeatures(4.0, 0.4, 0.02, 10, 40960, 0.1);
        Observation raw = Observation.encoded(f, EncodeChoice.parse("raw+none"), 41000, 1000, 5);
        Observation xbz = Observation.encoded(f, EncodeChoice.parse("xbzrle+lz4"), 3000, 2000, 5);

        CostModel.Estimate rawPrior = CostModel.prior(EncodeChoice.parse("raw+none"), f);
        CostModel.Estimate xbzPrior = CostModel.prior(EncodeChoice.parse("xbzrle+lz4"), f);
        assertThat(raw.sums().expectedBytesOut()).isEqualTo(Math.round(rawPrior.ratio() * 40960));
        assertThat(raw.sums().expectedEncodeNanos()).isEqualTo(Math.round(rawPrior.encodeNanosPerByte() * 40960));
        assertThat(xbz.sums().expectedBytesOut()).isEqualTo(Math.round(xbzPrior.ratio() * 40960));
        assertThat(xbz.sums().bytesOut()).isEqualTo(3000);
        assertThat(xbz.sums().encodeNanos()).isEqualTo(2000);
        assertThat(xbz.kind()).isEqualTo(f.kind());
        assertThat(Observation.decoded(f, EncodeChoice.parse("raw+none"), 77, 5).sums())
                .isEqualTo(Aggregate.decoded(40960, 77, Math.round(rawPrior.decodeNanosPerByte() * 40960)));
    }

    @RepeatedTest(10)
    void theWindowForgetsOldBucketsWhateverTheArrivalOrder(RepetitionInfo info) {
        long seed = 500 + info.getCurrentRepetition();
        List<Observation> obs = observations(seed, 400); // capture times spread over 2e12 ms
        long bucket = 100_000_000_000L;
        ModelWindow inOrder = new ModelWindow(1, bucket, 4);
        obs.stream().sorted(java.util.Comparator.comparingLong(Observation::captureTimeMillis)).forEach(inOrder::add);

        List<Observation> shuffled = new ArrayList<>(obs);
        Collections.shuffle(shuffled, new Random(seed));
        ModelWindow a = new ModelWindow(1, bucket, 4);
        ModelWindow b = new ModelWindow(1, bucket, 4);
        for (int i = 0; i < shuffled.size(); i++) {
            (i % 2 == 0 ? a : b).add(shuffled.get(i));
        }
        a.merge(b);

        long newest = obs.stream().mapToLong(Observation::captureTimeMillis).max().orElseThrow() / bucket;
        List<Observation> kept = obs.stream().filter(o -> o.captureTimeMillis() / bucket > newest - 4).toList();
        assertThat(inOrder.current()).isEqualTo(build(1, kept));
        assertThat(a.current()).isEqualTo(inOrder.current());
        assertThat(a.buckets().keySet()).allMatch(k -> k > newest - 4 && k <= newest);
        assertThat(kept.size()).isLessThan(obs.size());
    }
}
