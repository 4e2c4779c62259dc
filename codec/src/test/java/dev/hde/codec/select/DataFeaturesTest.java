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
    void pagesThatAreAnotherListedPagesOldContentCountInTheMovedShare() {
        HeapPageStore reference = new HeapPageStore();
        byte[][] olds = {random(1), random(2), random(3), random(4)};
        for (int i = 0; i < olds.length; i++) {
            reference.put(i, olds[i]);
        }
        RegionMeta meta = new RegionMeta(12, 8, 1, 0, 0);
        byte[] edited = olds[3].clone();
        edited[100] ^= 1;
        byte[] nearCopy = olds[0].clone();
        nearCopy[4000] ^= 1; // one byte from a copy: not moved
        // 0 and 1 swapped, 2 is a copy of 0's old content, 3 edited in place, 4 new, 5 almost a copy
        PendingFrame delta = RegionEncoder.delta(meta, reference, new PageUpdate(8, new int[] {0, 1, 2, 3, 4, 5},
                new byte[][] {olds[1], olds[0], olds[0], edited, random(5), nearCopy}));

        DataFeatures f = DataFeatures.of(delta);

        assertThat(f.movedShare()).isEqualTo(3.0 / 6);
        assertThat(DataFeatures.of(keyframe(random(1), random(1))).movedShare()).as("a keyframe has no old content").isZero();
        // a page whose fingerprint words are all zero is never counted, even when it was moved
        byte[] zerosAtTheFingerprint = new byte[PAGE];
        zerosAtTheFingerprint[300] = 9; // between the fingerprint words (offsets 0, 520, 1040, ...)
        HeapPageStore sparse = new HeapPageStore();
        sparse.put(0, zerosAtTheFingerprint);
        sparse.put(1, random(7));
        PendingFrame swap = RegionEncoder.delta(new RegionMeta(12, 2, 1, 0, 0), sparse,
                new PageUpdate(2, new int[] {0, 1}, new byte[][] {random(7), zerosAtTheFingerprint}));
        assertThat(DataFeatures.of(swap).movedShare()).isEqualTo(0.5);
    }

    @Test
    void anEmptyFrameHasNeutralFeatures() {
        DataFeatures f = DataFeatures.of(keyframe());

        assertThat(f.pages()).isZero();
        assertThat(f.entropyBits()).isZero();
        assertThat(f.zeroFraction()).isEqualTo(1.0);
    }
}
