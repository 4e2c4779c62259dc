package dev.hde.codec.region;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hde.codec.block.BlockCodec;
import dev.hde.codec.delta.DeltaMethod;
import dev.hde.codec.testing.PagePatterns;
import dev.hde.codec.testing.Regions;
import dev.hde.codec.wire.FrameFormat;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** What the presets choose on the kinds of change they were made for, each frame applied by a receiver and checked byte for byte. */
class EncodePresetsTest {

    private static final int PAGES = 16;
    private static final int PAGE_SIZE = 4096;

    @Test
    void balancedSendsEditsAsSplitNewContentAsDictAndKeyframesWithZstd() {
        long seed = 0x5EED_0BA1L;
        PagePatterns g = new PagePatterns(seed, PAGE_SIZE);
        byte[] image = new byte[PAGES * PAGE_SIZE];
        for (int p = 0; p < PAGES; p++) {
            g.rewritePage(image, p, g.textPage());
        }
        HeapPageStore sender = new HeapPageStore();
        HeapPageStore receiver = new HeapPageStore();
        FrameApplier applier = new FrameApplier();
        int[] all = IntStream.range(0, PAGES).toArray();

        PendingFrame full = RegionEncoder.full(null, 12, sender, PagePatterns.wholeRegion(image, PAGES, PAGE_SIZE));
        byte[] keyframe = RegionEncoder.renderSmallest(new FrameInfo("k", 1, 1), full, EncodePresets.BALANCED);
        RegionEncoder.commit(full, sender);
        // No spec of the preset takes whole pages within its bound: the first, without it.
        assertThat(FrameFormat.choiceOf(keyframe).codec()).as("seed %x", seed).isEqualTo(BlockCodec.ZSTD);
        RegionMeta meta = applier.apply(keyframe, null, receiver).meta();
        assertThat(Regions.mismatch(receiver, image, PAGES, PAGE_SIZE)).as("seed %x", seed).isNull();

        // A few bytes edited in every page: SPLIT (with zstd or LZMA) finds them.
        for (int p = 0; p < PAGES; p++) {
            g.sparseEdits(image, p, 3);
        }
        PendingFrame edits = RegionEncoder.delta(full.after(), sender, PagePatterns.update(image, PAGES, PAGE_SIZE, all));
        byte[] editFrame = RegionEncoder.renderSmallest(new FrameInfo("k", 2, 2), edits, EncodePresets.BALANCED);
        RegionEncoder.commit(edits, sender);
        assertThat(FrameFormat.choiceOf(editFrame).method()).as("seed %x", seed).isEqualTo(DeltaMethod.SPLIT);
        meta = applier.apply(editFrame, meta, receiver).meta();
        assertThat(Regions.mismatch(receiver, image, PAGES, PAGE_SIZE)).as("seed %x", seed).isNull();

        // Every page new and random: SPLIT's sections would be the whole pages, above the preset's bound
        // for SPLIT + zstd-3, so DICT + zstd-3 makes the frame.
        for (int p = 0; p < PAGES; p++) {
            g.rewritePage(image, p, g.randomPage());
        }
        PendingFrame fresh = RegionEncoder.delta(edits.after(), sender, PagePatterns.update(image, PAGES, PAGE_SIZE, all));
        byte[] freshFrame = RegionEncoder.renderSmallest(new FrameInfo("k", 3, 3), fresh, EncodePresets.BALANCED);
        RegionEncoder.commit(fresh, sender);
        assertThat(FrameFormat.choiceOf(freshFrame).method()).as("seed %x", seed).isEqualTo(DeltaMethod.DICT);
        applier.apply(freshFrame, meta, receiver);
        assertThat(Regions.mismatch(receiver, image, PAGES, PAGE_SIZE)).as("seed %x", seed).isNull();
    }
}
