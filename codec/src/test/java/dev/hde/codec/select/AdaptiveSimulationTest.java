package dev.hde.codec.select;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hde.codec.dict.DictionaryTrainer;
import dev.hde.codec.dict.TrainedDictionary;
import dev.hde.codec.region.PageUpdate;
import dev.hde.codec.select.SelectorSimulation.Result;
import dev.hde.codec.select.SelectorSimulation.Update;
import dev.hde.codec.testing.PagePatterns;
import dev.hde.codec.testing.SharedTrace;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The acceptance test without Flink: on a mixed stream whose best choice changes half way
 * (compressible pages, then pages rewritten with random bytes, as encrypted memory looks), the
 * adaptive selector, learning online from its own records, has a lower total modelled cost than
 * every single fixed choice, in each network mode. Once on generated pages, once on the redis
 * trace followed by encrypted rewrites, and once in a world whose speeds are not what the priors
 * assume (learning has to correct them).
 */
class AdaptiveSimulationTest {

    static final int PAGE = 4096;
    static final long SEED = 42;
    static final int PUBLISH_EVERY = 8;

    @Test
    void generatedPagesThenEncryptedPages() {
        List<Update> stream = generated(7, 6, 256, 12, 12);
        Result r = new SelectorSimulation(SelectorConfig.DEFAULT_CANDIDATES, ModelledSpeeds.CALIBRATED, SEED, PUBLISH_EVERY,
                dictionary("gen", stream)).run(stream);
        System.out.print(r.report("generated: compressible, then encrypted"));
        assertAdaptiveBeatsEveryFixedChoice(r);
    }

    @Test
    void generatedPagesInAWorldThePriorsGetWrong() {
        List<Update> stream = generated(11, 6, 256, 12, 12);
        Result r = new SelectorSimulation(SelectorConfig.DEFAULT_CANDIDATES, ModelledSpeeds.SKEWED, SEED, PUBLISH_EVERY,
                dictionary("gen", stream)).run(stream);
        System.out.print(r.report("generated, skewed speeds (zstd 2.5x slower, lz4 2x faster, xbzrle 1.5x slower than the priors)"));
        assertAdaptiveBeatsEveryFixedChoice(r);
    }

    @Test
    void redisTraceThenEncryptedPages() {
        List<Update> stream = redisThenEncrypted(6, 0.08);
        Result r = new SelectorSimulation(SelectorConfig.DEFAULT_CANDIDATES, ModelledSpeeds.CALIBRATED, SEED, PUBLISH_EVERY,
                dictionary("redis", stream)).run(stream);
        System.out.print(r.report("redis-22m (7 transitions), then 6 steps of encrypted rewrites"));
        assertAdaptiveBeatsEveryFixedChoice(r);
        // Each phase has its own best choice: the selector changes its mind half way.
        for (NetworkMode m : NetworkMode.values()) {
            assertThat(r.choices.get(m).get("redis").keySet()).as("%s redis", m).isNotEqualTo(r.choices.get(m).get("encrypted").keySet());
        }
    }

    /**
     * The redis trace alone, keyframes decided and counted, with the replay's candidates: the issue's
     * criterion as {@code hde replay --images} judges it. The trace is stationary (a per-frame oracle
     * is only 0.3-0.4% below the best fixed choice), so this holds only if the selector starts on the
     * right choice in every mode and explores at a bounded, small cost.
     */
    @Test
    void onTheRedisTraceAloneTheAdaptiveSelectorCostsAtMostTheBestFixedChoice() {
        List<EncodeChoice> replayChoices = SelectorConfig.DEFAULT_CANDIDATES.stream()
                .filter(c -> !c.trainedDictionary() && c.codec().level() < 19).toList();
        Result r = new SelectorSimulation(replayChoices, ModelledSpeeds.CALIBRATED, SEED, PUBLISH_EVERY, null).countingKeyframes()
                .run(redisThenEncrypted(0, 0));
        System.out.print(r.report("redis-22m alone, keyframes counted"));
        assertThat(r.keyframes).isEqualTo(12);
        for (NetworkMode m : NetworkMode.values()) {
            for (EncodeChoice c : r.fixed.keySet()) {
                assertThat(r.adaptiveCost(m)).as("%s: adaptive vs fixed %s", m, c).isLessThanOrEqualTo(r.fixedCost(c, m));
            }
        }
    }

    static void assertAdaptiveBeatsEveryFixedChoice(Result r) {
        for (NetworkMode m : NetworkMode.values()) {
            for (EncodeChoice c : r.fixed.keySet()) {
                assertThat(r.adaptiveCost(m)).as("%s: adaptive vs fixed %s", m, c).isLessThan(r.fixedCost(c, m));
            }
            // and exploration stays small
            assertThat(r.explorations.get(m)).as("%s explorations", m).isLessThanOrEqualTo(r.deltaFrames / 5 + 2);
        }
    }

    // ---------------------------------------------------------------- streams

    /** A dictionary trained on the stream's first (keyframe) updates, as the trainer would from FULL frames. */
    static TrainedDictionary dictionary(String vmClass, List<Update> stream) {
        DictionaryTrainer t = new DictionaryTrainer(vmClass, DictionaryTrainer.Settings.DEFAULT);
        List<String> seen = new ArrayList<>();
        for (Update u : stream) {
            if (seen.contains(u.key())) {
                break;
            }
            seen.add(u.key());
            for (byte[] p : u.update().pages()) {
                t.offer(p);
            }
        }
        return t.train(1, 0);
    }

    /**
     * {@code regions} regions of generated memory; {@code compressible} steps in which about 12% of
     * the pages of each region change the way running programs change memory (small edits, shifts,
     * rewrites with text, heap or code), then {@code encrypted} steps in which 12% are rewritten
     * with random bytes.
     */
    static List<Update> generated(long seed, int regions, int pages, int compressible, int encrypted) {
        PagePatterns pp = new PagePatterns(seed, PAGE);
        SplittableRandom rnd = new SplittableRandom(seed * 31 + 1);
        byte[][] images = new byte[regions][];
        List<Update> out = new ArrayList<>();
        for (int r = 0; r < regions; r++) {
            images[r] = pp.image(pages);
            out.add(new Update(key("gen", r), PagePatterns.wholeRegion(images[r], pages, PAGE), "keyframe"));
        }
        for (int step = 1; step <= compressible + encrypted; step++) {
            boolean enc = step > compressible;
            for (int r = 0; r < regions; r++) {
                byte[] before = images[r].clone();
                for (int i = 0; i < pages; i++) {
                    if (rnd.nextInt(100) >= 12) {
                        continue;
                    }
                    if (enc) {
                        pp.rewritePage(images[r], i, pp.randomPage());
                        continue;
                    }
                    int k = rnd.nextInt(100);
                    if (k < 75) {
                        pp.sparseEdits(images[r], i, 1 + rnd.nextInt(24));
                    } else if (k < 85) {
                        pp.shiftWithinPage(images[r], i);
                    } else if (k < 95) {
                        pp.rewritePage(images[r], i, rnd.nextBoolean() ? pp.textPage() : pp.heapPage());
                    } else {
                        pp.rewritePage(images[r], i, pp.codePage());
                    }
                }
                int[] changed = PagePatterns.changedPages(before, pages, images[r], pages, PAGE);
                out.add(new Update(key("gen", r), PagePatterns.update(images[r], pages, PAGE, changed), enc ? "encrypted" : "compressible"));
            }
        }
        return out;
    }

    /**
     * The redis trace in 2 MiB regions (image 0 as keyframes, then its 7 transitions), then
     * {@code steps} steps in which a share of each region's pages is rewritten with random bytes.
     */
    static List<Update> redisThenEncrypted(int steps, double share) {
        List<byte[]> images = SharedTrace.loadAll();
        int regionPages = 512;
        int total = SharedTrace.IMAGE_BYTES / PAGE;
        int regions = (total + regionPages - 1) / regionPages;
        List<Update> out = new ArrayList<>();
        for (int i = 0; i < images.size(); i++) {
            for (int r = 0; r < regions; r++) {
                int first = r * regionPages;
                int pages = Math.min(regionPages, total - first);
                byte[] cur = Arrays.copyOfRange(images.get(i), first * PAGE, (first + pages) * PAGE);
                PageUpdate u;
                if (i == 0) {
                    u = PagePatterns.wholeRegion(cur, pages, PAGE);
                } else {
                    byte[] prev = Arrays.copyOfRange(images.get(i - 1), first * PAGE, (first + pages) * PAGE);
                    u = PagePatterns.update(cur, pages, PAGE, PagePatterns.changedPages(prev, pages, cur, pages, PAGE));
                }
                out.add(new Update(key("redis", r), u, i == 0 ? "keyframe" : "redis"));
            }
        }
        byte[] last = images.get(images.size() - 1);
        images.clear();
        SplittableRandom rnd = new SplittableRandom(99);
        for (int step = 0; step < steps; step++) {
            for (int r = 0; r < regions; r++) {
                int first = r * regionPages;
                int pages = Math.min(regionPages, total - first);
                List<Integer> idx = new ArrayList<>();
                for (int i = 0; i < pages; i++) {
                    if (rnd.nextDouble() < share) {
                        idx.add(i);
                        byte[] page = new byte[PAGE];
                        rnd.nextBytes(page);
                        System.arraycopy(page, 0, last, (first + i) * PAGE, PAGE);
                    }
                }
                byte[] cur = Arrays.copyOfRange(last, first * PAGE, (first + pages) * PAGE);
                out.add(new Update(key("redis", r), PagePatterns.update(cur, pages, PAGE, idx.stream().mapToInt(Integer::intValue).toArray()),
                        "encrypted"));
            }
        }
        return out;
    }

    static String key(String vm, int region) {
        return String.format("%s/r%04d", vm, region);
    }
}
