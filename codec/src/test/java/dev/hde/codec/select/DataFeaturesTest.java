package dev.hde.codec.select;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hde.codec.region.HeapPageStore;
import dev.hde.codec.region.PageUpdate;
import dev.hde.codec.region.PendingFrame;
import dev.hde.codec.region.RegionEncoder;
import dev.hde.codec.region.RegionMeta;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class DataFeaturesTest {

    private static final int PAGE = 4096;

    private static PendingFrame keyframe(byte[]... pages) {
        int[] indices = new int[pages.length];
        Arrays.setAll(indices, i -> i);
        return RegionEncoder.full(null, 12, new HeapPageStore(), new PageUpdate(pages.length, indices, pages));
    }

    private static byte[] random(long seed) {
        byte[] page = new byte[PAGE];
        new SplittableRandom(seed).nextBytes(page);
        return page;
    }

    private static byte[] text() {
        byte[] page = new byte[PAGE];
        byte[] words = "the quick brown fox jumps over the lazy dog ".getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < PAGE; i++) {
            page[i] = words[i % words.length];
        }
        return page;
    }

    @Test
    void randomPagesAreHighEntropyAndKeyframesCountAsAllChanged() {
        DataFeatures f = DataFeatures.of(keyframe(random(1), random(2), random(3)));

        assertThat(f.entropyBits()).isGreaterThan(7.0);
        assertThat(f.changedShare()).isEqualTo(1.0);
        assertThat(f.newShare()).isEqualTo(1.0);
        assertThat(f.payloadShare()).isEqualTo(1.0);
        assertThat(f.pages()).isEqualTo(3);
        assertThat(f.bytes()).isEqualTo(3L * PAGE);
        assertThat(f.kind()).isEqualTo(8);
    }

    @Test
    void textIsMidEntropyAndMostlyZeroPagesAreLow() {
        assertThat(DataFeatures.of(keyframe(text())).entropyBits()).isBetween(3.0, 5.0);

        byte[] sparse = new byte[PAGE];
        sparse[100] = 7;
        DataFeatures f = DataFeatures.of(keyframe(sparse));
        assertThat(f.zeroFraction()).isGreaterThan(0.95);
        assertThat(f.entropyBits()).isLessThan(1.0);
        assertThat(f.kind()).isLessThan(3);
    }

    @Test
    void smallEditsHaveASmallChangedShare() {
        HeapPageStore reference = new HeapPageStore();
        byte[] old = text();
        reference.put(0, old);
        byte[] edited = old.clone();
        for (int i = 0; i < PAGE; i += 512) {
            edited[i] ^= 0x55;
        }
        RegionMeta meta = new RegionMeta(12, 1, 1, 0, 0);
        PendingFrame delta = RegionEncoder.delta(meta, reference, new PageUpdate(1, new int[] {0}, new byte[][] {edited}));

        DataFeatures f = DataFeatures.of(delta);

        assertThat(f.changedShare()).isLessThan(0.05);
        assertThat(f.newShare()).isZero();
        assertThat(f.kind() % 3).isZero();
    }

    @Test
    void newPagesInADeltaCountInTheNewShare() {
        HeapPageStore reference = new HeapPageStore();
        byte[] old = text();
        reference.put(0, old);
        byte[] edited = old.clone();
        edited[7] ^= 1;
        RegionMeta meta = new RegionMeta(12, 4, 1, 0, 0);
        // page 0 edited, pages 1..3 new (they were zero)
        PendingFrame delta = RegionEncoder.delta(meta, reference,
                new PageUpdate(4, new int[] {0, 1, 2, 3}, new byte[][] {edited, random(1), random(2), random(3)}));

        DataFeatures f = DataFeatures.of(delta);

        assertThat(f.newShare()).isEqualTo(0.75);
        assertThat(f.payloadShare()).isBetween(0.75, 0.76);
    }

    @Test
    void anEmptyFrameHasNeutralFeatures() {
        DataFeatures f = DataFeatures.of(keyframe());

        assertThat(f.pages()).isZero();
        assertThat(f.entropyBits()).isZero();
        assertThat(f.zeroFraction()).isEqualTo(1.0);
    }
}
