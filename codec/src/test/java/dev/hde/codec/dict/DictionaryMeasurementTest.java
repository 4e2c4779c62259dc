package dev.hde.codec.dict;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hde.codec.Limits;
import dev.hde.codec.Pages;
import dev.hde.codec.block.CodecSpec;
import dev.hde.codec.delta.DeltaMethod;
import dev.hde.codec.region.EncodeSpec;
import dev.hde.codec.region.FrameApplier;
import dev.hde.codec.region.FrameInfo;
import dev.hde.codec.region.HeapPageStore;
import dev.hde.codec.region.PageUpdate;
import dev.hde.codec.region.PendingFrame;
import dev.hde.codec.region.RegionEncoder;
import dev.hde.codec.region.RegionMeta;
import dev.hde.codec.testing.PagePatterns;
import dev.hde.codec.testing.SharedTrace;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Does a trained dictionary help keyframes and new pages? Frame bytes with and without one, on the
 * redis trace (dictionary trained on some regions, measured on the others: held out) and on
 * generated memory (trained on one VM, measured on another of the same generator). The figures are
 * printed and recorded in docs/selector.md; the test asserts that every frame made with the
 * dictionary decodes byte-exact, and the one gain that is large enough to be stable: single pages.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DictionaryMeasurementTest {

    static final int PAGE = 4096;
    static final int REGION = 512;

    List<byte[]> images;

    @BeforeAll
    void load() {
        images = SharedTrace.loadAll();
    }

    @AfterAll
    void release() {
        images = null;
    }

    /** Frame bytes without and with the dictionary. */
    record Pair(long without, long with, int frames) {
        double gainPercent() {
            return 100.0 * (without - with) / without;
        }
    }

    static List<byte[]> regionPages(byte[] image, int region) {
        int total = image.length / PAGE;
        List<byte[]> out = new ArrayList<>();
        for (int p = region * REGION; p < Math.min(total, (region + 1) * REGION); p++) {
            out.add(Arrays.copyOfRange(image, p * PAGE, (p + 1) * PAGE));
        }
        return out;
    }

    static int regions(byte[] image) {
        return (image.length / PAGE + REGION - 1) / REGION;
    }

    /** Keyframes of groups of {@code group} pages (a whole region when group = REGION). */
    static Pair keyframes(List<byte[]> pages, int group, int level, TrainedDictionary d) {
        MapDictionaryStore store = new MapDictionaryStore();
        store.add(d);
        FrameApplier receiver = new FrameApplier(Limits.DEFAULT, store);
        EncodeSpec spec = EncodeSpec.of(DeltaMethod.RAW, CodecSpec.zstd(level));
        long without = 0;
        long with = 0;
        int frames = 0;
        for (int at = 0; at < pages.size(); at += group) {
            List<byte[]> g = pages.subList(at, Math.min(pages.size(), at + group));
            if (g.stream().allMatch(Pages::isZero)) {
                continue;
            }
            int[] idx = new int[g.size()];
            Arrays.setAll(idx, i -> i);
            PendingFrame f = RegionEncoder.full(null, 12, new HeapPageStore(), new PageUpdate(g.size(), idx, g.toArray(byte[][]::new)));
            FrameInfo info = new FrameInfo("redis/r" + at, 1, 1);
            without += RegionEncoder.render(info, f, spec).length;
            byte[] frame = RegionEncoder.render(info, f, spec, d);
            with += frame.length;
            HeapPageStore out = new HeapPageStore();
            receiver.apply(frame, null, out);
            for (int i = 0; i < g.size(); i++) {
                byte[] expected = g.get(i);
                assertThat(out.get(i) == null ? Pages.isZero(expected) : Arrays.equals(out.get(i), expected)).isTrue();
            }
            frames++;
        }
        return new Pair(without, with, frames);
    }

    static TrainedDictionary train(String cls, List<byte[]> pages) {
        DictionaryTrainer t = new DictionaryTrainer(cls, DictionaryTrainer.Settings.DEFAULT);
        pages.forEach(t::offer);
        return t.train(1, 0);
    }

    @Test
    void redisKeyframesAndNewPages() {
        byte[] first = images.get(0);
        List<byte[]> even = new ArrayList<>();
        List<byte[]> odd = new ArrayList<>();
        List<byte[]> all = new ArrayList<>();
        for (int r = 0; r < regions(first); r++) {
            (r % 2 == 0 ? even : odd).addAll(regionPages(first, r));
            all.addAll(regionPages(first, r));
        }
        long t0 = System.nanoTime();
        TrainedDictionary heldOut = train("redis", even);
        long trainMs = (System.nanoTime() - t0) / 1_000_000;
        TrainedDictionary full = train("redis", all);
        List<byte[]> later = new ArrayList<>();
        for (int r = 0; r < regions(first); r++) {
            later.addAll(regionPages(images.get(images.size() - 1), r));
        }
        List<byte[]> oddNonZero = odd.stream().filter(p -> !Pages.isZero(p)).toList();

        StringBuilder sb = new StringBuilder(String.format("%nTrained dictionary on redis-22m (%s, trained in %d ms from %d sampled pages)%n",
                heldOut, trainMs, Math.min(DictionaryTrainer.Settings.DEFAULT.maxSamples(), even.size())));
        Pair k3 = keyframes(odd, REGION, 3, heldOut);
        Pair k9 = keyframes(odd, REGION, 9, heldOut);
        Pair later3 = keyframes(later, REGION, 3, full);
        Pair one3 = keyframes(oddNonZero, 1, 3, heldOut);
        Pair one9 = keyframes(oddNonZero, 1, 9, heldOut);
        Pair eight3 = keyframes(oddNonZero, 8, 3, heldOut);
        line(sb, "held-out 2 MiB keyframes, zstd-3", k3);
        line(sb, "held-out 2 MiB keyframes, zstd-9", k9);
        line(sb, "image-7 keyframes (dict of image 0), zstd-3", later3);
        line(sb, "held-out single pages, zstd-3", one3);
        line(sb, "held-out single pages, zstd-9", one9);
        line(sb, "held-out 8-page frames, zstd-3", eight3);
        Pair deltas = redisDeltas(full);
        line(sb, "the 7 transitions, xbzrle+zstd-3 deltas", deltas);
        System.out.print(sb);

        assertThat(k3.frames()).isEqualTo(6);
        assertThat(one3.gainPercent()).as("single pages gain from the dictionary").isGreaterThan(2.0);
        assertThat(Math.abs(k3.gainPercent())).as("2 MiB keyframes barely change").isLessThan(10.0);
    }

    /** The trace's deltas (new pages and XBZRLE streams) with and without the dictionary, decoded by a receiver that has it. */
    Pair redisDeltas(TrainedDictionary d) {
        MapDictionaryStore store = new MapDictionaryStore();
        store.add(d);
        FrameApplier receiver = new FrameApplier(Limits.DEFAULT, store);
        EncodeSpec spec = EncodeSpec.of(DeltaMethod.XBZRLE, CodecSpec.zstd(3));
        byte[] first = images.get(0);
        int n = regions(first);
        HeapPageStore[] sender = new HeapPageStore[n];
        HeapPageStore[] received = new HeapPageStore[n];
        RegionMeta[] meta = new RegionMeta[n];
        RegionMeta[] rmeta = new RegionMeta[n];
        long without = 0;
        long with = 0;
        int frames = 0;
        for (int i = 0; i < images.size(); i++) {
            for (int r = 0; r < n; r++) {
                List<byte[]> pages = regionPages(images.get(i), r);
                int count = pages.size();
                PageUpdate u;
                if (i == 0) {
                    int[] idx = new int[count];
                    Arrays.setAll(idx, k -> k);
                    u = new PageUpdate(count, idx, pages.toArray(byte[][]::new));
                } else {
                    List<byte[]> prev = regionPages(images.get(i - 1), r);
                    List<Integer> changed = new ArrayList<>();
                    for (int k = 0; k < count; k++) {
                        if (!Arrays.equals(prev.get(k), pages.get(k))) {
                            changed.add(k);
                        }
                    }
                    if (changed.isEmpty()) {
                        continue;
                    }
                    u = new PageUpdate(count, changed.stream().mapToInt(Integer::intValue).toArray(),
                            changed.stream().map(pages::get).toArray(byte[][]::new));
                }
                if (sender[r] == null) {
                    sender[r] = new HeapPageStore();
                    received[r] = new HeapPageStore();
                }
                PendingFrame f = i == 0 ? RegionEncoder.full(null, 12, sender[r], u) : RegionEncoder.delta(meta[r], sender[r], u);
                FrameInfo info = new FrameInfo("redis/r" + r, i + 1, i + 1);
                byte[] plain = RegionEncoder.render(info, f, spec);
                byte[] frame = RegionEncoder.render(info, f, spec, d);
                rmeta[r] = receiver.apply(frame, rmeta[r], received[r]).meta();
                if (i > 0) {
                    without += plain.length;
                    with += frame.length;
                    frames++;
                }
                RegionEncoder.commit(f, sender[r]);
                meta[r] = f.after();
                assertThat(rmeta[r].digest()).isEqualTo(meta[r].digest());
            }
        }
        return new Pair(without, with, frames);
    }

    @Test
    void generatedKeyframesAndNewPages() {
        PagePatterns vm1 = new PagePatterns(1, PAGE);
        PagePatterns vm2 = new PagePatterns(2, PAGE);
        List<byte[]> train = new ArrayList<>();
        List<byte[]> test = new ArrayList<>();
        for (int i = 0; i < 2048; i++) {
            train.add(vm1.anyPage());
            test.add(vm2.anyPage());
        }
        TrainedDictionary d = train("gen", train);
        List<byte[]> testNonZero = test.stream().filter(p -> !Pages.isZero(p)).toList();
        StringBuilder sb = new StringBuilder(String.format("%nTrained dictionary on generated memory (%s), measured on another VM%n", d));
        Pair k3 = keyframes(test, 256, 3, d);
        Pair one3 = keyframes(testNonZero, 1, 3, d);
        Pair one9 = keyframes(testNonZero, 1, 9, d);
        line(sb, "1 MiB keyframes, zstd-3", k3);
        line(sb, "single pages, zstd-3", one3);
        line(sb, "single pages, zstd-9", one9);
        System.out.print(sb);
        assertThat(k3.frames()).isEqualTo(8);
    }

    static void line(StringBuilder sb, String what, Pair p) {
        sb.append(String.format("  %-46s %5d frames: %,12d B without, %,12d B with (%+.1f%%)%n", what, p.frames(), p.without(), p.with(),
                -p.gainPercent()));
    }
}
