package dev.hde.codec.region;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hde.codec.HdeException;
import dev.hde.codec.block.BlockCodec;
import dev.hde.codec.block.CodecSpec;
import dev.hde.codec.delta.DeltaMethod;
import dev.hde.codec.testing.PagePatterns;
import dev.hde.codec.testing.Regions;
import dev.hde.codec.wire.FrameFormat;
import dev.hde.codec.wire.FrameHeader;
import dev.hde.codec.wire.FrameType;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Model-based round trips: a random sequence of producer steps (sparse edits, shifts within and
 * across pages, zero/random/text/code/heap pages, rewrites, swaps, growth and shrinkage, false
 * dirties) goes through {@link RegionEncoder} and a {@link FrameApplier}, with FULL refreshes,
 * DELETEs and new regions mixed in. After every frame the receiver, the sender's reference image
 * and a late receiver that joined at the last FULL frame must all equal the model (a plain
 * {@code byte[]}), byte for byte, and the digests of both sides must equal the model's.
 *
 * <p>Every case runs from a seed printed in its failure message; set {@code -Dhde.test.seed=N} to
 * explore other seeds and {@code -Dhde.test.runs=N} for more sequences per spec (the default base
 * seed is fixed so that runs are reproducible).
 */
class RegionRoundTripTest {

    static final long BASE_SEED = Long.getLong("hde.test.seed", 0x5EEDC0DEC2024L);
    /** Raise with {@code -Dhde.test.runs=N} for a longer search. */
    static final int RUNS_PER_SPEC = Integer.getInteger("hde.test.runs", 12);
    static final int STEPS_PER_RUN = 30;

    static final List<CodecSpec> CODECS = List.of(
            CodecSpec.NONE, CodecSpec.lz4(0), CodecSpec.lz4(9),
            CodecSpec.zstd(-5), CodecSpec.zstd(1), CodecSpec.zstd(3), CodecSpec.zstd(19), CodecSpec.lzma(1));

    static List<EncodeSpec> allSpecs() {
        List<EncodeSpec> specs = new ArrayList<>();
        for (DeltaMethod m : DeltaMethod.values()) {
            for (CodecSpec c : CODECS) {
                if (m != DeltaMethod.DICT || c.codec() == BlockCodec.ZSTD || c.codec() == BlockCodec.LZMA) {
                    specs.add(EncodeSpec.of(m, c));
                }
            }
        }
        return specs;
    }

    static Stream<EncodeSpec> specs() {
        return allSpecs().stream();
    }

    static long seedFor(String name, int run) {
        long h = BASE_SEED;
        for (char c : name.toCharArray()) {
            h = h * 31 + c;
        }
        return new SplittableRandom(h * 1_000_003L + run).nextLong();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("specs")
    void randomSequencesMatchTheModelAfterEveryFrame(EncodeSpec spec) {
        for (int run = 0; run < RUNS_PER_SPEC; run++) {
            long seed = seedFor(spec.toString(), run);
            new Harness(seed, List.of(spec)).run(STEPS_PER_RUN);
        }
    }

    @Test
    void renderSmallestPicksTheSmallestRenderingAndItRoundTrips() {
        List<EncodeSpec> choice = List.of(
                EncodeSpec.of(DeltaMethod.RAW, CodecSpec.NONE),
                EncodeSpec.of(DeltaMethod.XBZRLE, CodecSpec.NONE),
                EncodeSpec.of(DeltaMethod.XOR, CodecSpec.lz4(0)),
                EncodeSpec.of(DeltaMethod.XBZRLE, CodecSpec.lz4(9)),
                EncodeSpec.of(DeltaMethod.XOR, CodecSpec.zstd(1)),
                EncodeSpec.of(DeltaMethod.RAW, CodecSpec.zstd(3)),
                EncodeSpec.of(DeltaMethod.DICT, CodecSpec.zstd(1)),
                EncodeSpec.of(DeltaMethod.DICT, CodecSpec.zstd(3)));
        for (int run = 0; run < 6; run++) {
            long seed = seedFor("smallest", run);
            new Harness(seed, choice).run(16);
        }
    }

    @Test
    void aSpecBoundedByItsRawShareIsTriedOnlyWithinItAndTheFirstSpecStandsInWhenNoneFits() {
        PagePatterns g = new PagePatterns(seedFor("bounded", 0), 512);
        int pages = 12;
        byte[] image = g.image(pages);
        HeapPageStore ref = new HeapPageStore();
        PendingFrame full = RegionEncoder.full(null, 9, ref, PagePatterns.wholeRegion(image, pages, 512));
        RegionEncoder.commit(full, ref);
        byte[] edited = image.clone();
        for (int p = 0; p < pages; p++) {
            g.sparseEdits(edited, p, 3);
        }
        PendingFrame delta = RegionEncoder.delta(full.after(), ref, PagePatterns.update(edited, pages, 512, java.util.stream.IntStream.range(0, pages).toArray()));
        FrameInfo info = new FrameInfo("k", 2, 2);
        EncodeSpec plain = EncodeSpec.of(DeltaMethod.SPLIT, CodecSpec.NONE);
        EncodeSpec lzma = EncodeSpec.of(DeltaMethod.SPLIT, CodecSpec.lzma(1));
        byte[] plainFrame = RegionEncoder.render(info, delta, plain);
        byte[] lzmaFrame = RegionEncoder.render(info, delta, lzma);
        assertThat(lzmaFrame.length).isLessThan(plainFrame.length);
        // a few edited bytes per page: the SPLIT block is a small share of the pages
        assertThat(RegionEncoder.renderSmallest(info, delta, List.of(plain, lzma.whereRawShareAtMost(0.25)))).isEqualTo(lzmaFrame);
        assertThat(RegionEncoder.renderSmallest(info, delta, List.of(plain, lzma.whereRawShareAtMost(0.001)))).isEqualTo(plainFrame);
        // no spec fits: the first one, without its bound
        assertThat(RegionEncoder.renderSmallest(info, delta, List.of(lzma.whereRawShareAtMost(0.001)))).isEqualTo(lzmaFrame);
        // a keyframe carries whole pages: over any bound below 1
        byte[] fullFrame = RegionEncoder.renderSmallest(info, full, List.of(EncodeSpec.of(DeltaMethod.SPLIT, CodecSpec.zstd(3)), lzma.whereRawShareAtMost(0.5)));
        assertThat(FrameFormat.choiceOf(fullFrame).codec()).isNotEqualTo(BlockCodec.LZMA);
        assertThat(lzma.whereRawShareAtMost(0.125)).hasToString("split+lzma-1@0.125");
        assertThat(lzma.whereRawShareAtMost(0.125).unbounded()).isEqualTo(lzma);
    }

    @Test
    void aSpecBoundedByTheEarlierFramesIsTriedOnlyWhereTheyStayedLarge() {
        PagePatterns g = new PagePatterns(seedFor("earlier", 0), 4096);
        int pages = 16;
        byte[] image = new byte[pages * 4096];
        for (int p = 0; p < pages; p++) {
            g.rewritePage(image, p, g.randomPage());
        }
        HeapPageStore ref = new HeapPageStore();
        PendingFrame full = RegionEncoder.full(null, 12, ref, PagePatterns.wholeRegion(image, pages, 4096));
        RegionEncoder.commit(full, ref);
        byte[] moved = image.clone();
        for (int p = 0; p < pages; p += 2) {
            g.swapPages(moved, p, p + 1); // content moved between pages: new to SPLIT, found by DICT
        }
        PendingFrame delta = RegionEncoder.delta(full.after(), ref, PagePatterns.update(moved, pages, 4096, java.util.stream.IntStream.range(0, pages).toArray()));
        FrameInfo info = new FrameInfo("k", 2, 2);
        EncodeSpec split = EncodeSpec.of(DeltaMethod.SPLIT, CodecSpec.zstd(3));
        EncodeSpec dict = EncodeSpec.of(DeltaMethod.DICT, CodecSpec.zstd(3));
        byte[] splitFrame = RegionEncoder.render(info, delta, split);
        byte[] dictFrame = RegionEncoder.render(info, delta, dict);
        double pageBytes = pages * 4096.0;
        assertThat(splitFrame.length).isBetween((int) (0.125 * pageBytes) + 1, (int) (1.1 * pageBytes));
        assertThat(dictFrame.length).isLessThan(splitFrame.length / 10);

        assertThat(RegionEncoder.renderSmallest(info, delta, List.of(split, dict.whereEarlierFramesAbove(0.125)))).isEqualTo(dictFrame);
        // above the split frame's share: not tried, although it would have been smaller
        assertThat(RegionEncoder.renderSmallest(info, delta, List.of(split, dict.whereEarlierFramesAbove(1.5)))).isEqualTo(splitFrame);
        // first in the list: nothing before it, so it is tried
        assertThat(RegionEncoder.renderSmallest(info, delta, List.of(dict.whereEarlierFramesAbove(1.5), split))).isEqualTo(dictFrame);
        assertThat(dict.whereEarlierFramesAbove(0.125)).hasToString("dict+zstd-3>0.125");
        assertThat(dict.whereRawShareAtMost(0.5).whereEarlierFramesAbove(0.125)).hasToString("dict+zstd-3@0.5>0.125");
        assertThat(dict.whereEarlierFramesAbove(0.125).unbounded()).isEqualTo(dict);
        assertThatThrownBy(() -> dict.whereEarlierFramesAbove(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> dict.whereEarlierFramesAbove(Double.NaN)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void deleteEndsTheRegionAndOnlyANewKeyframeStartsItAgain() {
        long seed = seedFor("delete", 0);
        PagePatterns gen = new PagePatterns(seed, 512);
        int pages = 10;
        byte[] image = gen.image(pages);
        HeapPageStore ref = new HeapPageStore();
        HeapPageStore recv = new HeapPageStore();
        FrameApplier applier = new FrameApplier();
        EncodeSpec spec = EncodeSpec.of(DeltaMethod.XOR, CodecSpec.zstd(1));

        PendingFrame full = RegionEncoder.full(null, 9, ref, PagePatterns.wholeRegion(image, pages, 512));
        byte[] fullFrame = RegionEncoder.render(new FrameInfo("k", 1, 1), full, spec);
        RegionEncoder.commit(full, ref);
        RegionMeta meta = full.after();
        RegionMeta got = applier.apply(fullFrame, null, recv).meta();
        assertThat(got).as("seed %d", seed).isEqualTo(meta);

        PagePatterns.Step step = gen.step(image, pages, 16);
        PendingFrame delta = RegionEncoder.delta(meta, ref, step.update(512));
        byte[] deltaFrame = RegionEncoder.render(new FrameInfo("k", 2, 2), delta, spec);

        byte[] delete = RegionEncoder.delete(new FrameInfo("k", 3, 3), meta);
        FrameApplier.Applied deleted = applier.apply(delete, got, recv);
        assertThat(deleted.meta()).as("meta after DELETE, seed %d", seed).isNull();
        assertThat(deleted.header().type()).isEqualTo(FrameType.DELETE);
        assertThat(recv.size()).as("pages left after DELETE, seed %d", seed).isZero();

        // A delta of the deleted chain finds no keyframe.
        assertThatThrownBy(() -> applier.apply(deltaFrame, null, recv))
                .isInstanceOfSatisfying(HdeException.class, e -> assertThat(e.kind()).isEqualTo(HdeException.Kind.NO_KEYFRAME));
        assertThat(recv.size()).isZero();

        // A DELETE for a region the receiver does not hold is harmless.
        assertThat(applier.apply(RegionEncoder.delete(new FrameInfo("k", 4, 4), null), null, recv).meta()).isNull();

        // The region comes back with a new keyframe (epoch 1 again: the sender forgot it too).
        HeapPageStore ref2 = new HeapPageStore();
        byte[] image2 = gen.image(pages + 3);
        PendingFrame again = RegionEncoder.full(null, 9, ref2, PagePatterns.wholeRegion(image2, pages + 3, 512));
        RegionEncoder.commit(again, ref2);
        RegionMeta back = applier.apply(RegionEncoder.render(new FrameInfo("k", 5, 5), again, spec), null, recv).meta();
        assertThat(back).isEqualTo(again.after());
        assertThat(back.epoch()).isEqualTo(1);
        assertThat(Regions.mismatch(recv, image2, pages + 3, 512)).as("seed %d", seed).isNull();
    }

    /**
     * A refresh may change the page size: the sender clears its reference and starts a keyframe
     * with no previous meta but an epoch above the receiver's ({@code full(null, epoch, ...)}),
     * and the receiver, which accepts a new page size at a FULL frame, rebuilds the region exactly.
     */
    @Test
    void aKeyframeWithAHigherEpochMayChangeThePageSize() {
        PagePatterns small = new PagePatterns(21, 512);
        byte[] img = small.image(16); // 16 x 512 = 8 KiB
        HeapPageStore ref = new HeapPageStore();
        HeapPageStore recv = new HeapPageStore();
        FrameApplier applier = new FrameApplier();
        EncodeSpec spec = EncodeSpec.of(DeltaMethod.XOR, CodecSpec.zstd(1));
        PendingFrame f1 = RegionEncoder.full(null, 9, ref, PagePatterns.wholeRegion(img, 16, 512));
        RegionMeta got = applier.apply(RegionEncoder.render(new FrameInfo("k", 1, 1), f1, spec), null, recv).meta();
        RegionEncoder.commit(f1, ref);

        // the same 8 KiB as two 4 KiB pages
        ref.clear();
        PendingFrame f2 = RegionEncoder.full(null, f1.after().epoch() + 1, 12, ref, PagePatterns.wholeRegion(img, 2, 4096));
        byte[] frame2 = RegionEncoder.render(new FrameInfo("k", 2, 2), f2, spec);
        RegionMeta got2 = applier.apply(frame2, got, recv).meta();
        RegionEncoder.commit(f2, ref);
        assertThat(got2).isEqualTo(f2.after());
        assertThat(got2.pageShift()).isEqualTo(12);
        assertThat(got2.epoch()).isEqualTo(2);
        assertThat(Regions.mismatch(recv, img, 2, 4096)).isNull();
        assertThat(Regions.mismatch(ref, img, 2, 4096)).isNull();
        assertThat(got2.digest()).isEqualTo(Regions.digest(img, 2, 4096));

        // a delta in the new page size follows
        byte[] img3 = img.clone();
        small.sparseEdits(img3, 1, 3); // 512-byte page 1 = bytes 512..1023, inside 4 KiB page 0; page 1 is a false dirty
        PendingFrame f3 = RegionEncoder.delta(got2, ref, PagePatterns.update(img3, 2, 4096, new int[] {0, 1}));
        RegionMeta got3 = applier.apply(RegionEncoder.render(new FrameInfo("k", 3, 3), f3, spec), got2, recv).meta();
        assertThat(got3).isEqualTo(f3.after());
        assertThat(Regions.mismatch(recv, img3, 2, 4096)).isNull();
    }

    /**
     * Changing the page size while keeping the previous meta would mix page sizes (the pages the
     * update does not bring are in the old size), so {@code full(meta, ...)} refuses it; so does
     * an epoch that does not move forward.
     */
    @Test
    void fullRefusesAPageSizeChangeWithThePreviousMetaAndAnEpochThatDoesNotMove() {
        PagePatterns small = new PagePatterns(22, 512);
        byte[] img = small.image(16);
        HeapPageStore ref = new HeapPageStore();
        PendingFrame f1 = RegionEncoder.full(null, 9, ref, PagePatterns.wholeRegion(img, 16, 512));
        RegionEncoder.commit(f1, ref);
        PageUpdate partial = new PageUpdate(2, new int[] {0}, new byte[][] {new PagePatterns(23, 4096).textPage()});
        assertThatThrownBy(() -> RegionEncoder.full(f1.after(), 12, ref, partial)).isInstanceOf(IllegalArgumentException.class);
        PageUpdate none = new PageUpdate(16, new int[0], new byte[0][]);
        assertThatThrownBy(() -> RegionEncoder.full(f1.after(), 1, 9, ref, none)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RegionEncoder.full(null, 0, 9, ref, none)).isInstanceOf(IllegalArgumentException.class);
        assertThat(RegionEncoder.full(f1.after(), 7, 9, ref, none).after().epoch()).isEqualTo(7);
    }

    /** One model-checked sequence: a sender, a receiver from the start, and a receiver that joins at each FULL frame. */
    static final class Harness {
        final long seed;
        final List<EncodeSpec> specs;
        final SplittableRandom rnd;
        final int pageShift;
        final int pageSize;
        final int maxPages;
        final PagePatterns gen;
        final FrameApplier applier = new FrameApplier();
        final String key;

        byte[] image;
        int pages;
        RegionMeta sent;
        HeapPageStore reference = new HeapPageStore();
        RegionMeta received;
        HeapPageStore receiver = new HeapPageStore();
        RegionMeta lateMeta;
        HeapPageStore late;
        long sequence;
        final List<String> history = new ArrayList<>();

        Harness(long seed, List<EncodeSpec> specs) {
            this.seed = seed;
            this.specs = specs;
            this.rnd = new SplittableRandom(seed);
            this.pageShift = rnd.nextInt(4) == 0 ? 12 : 9;
            this.pageSize = 1 << pageShift;
            this.maxPages = pageShift == 12 ? 24 : 64;
            this.gen = new PagePatterns(rnd.nextLong(), pageSize);
            this.key = "vm-" + Long.toHexString(seed) + "/r0000";
        }

        String where(int step) {
            List<String> tail = history.subList(Math.max(0, history.size() - 4), history.size());
            return "seed=" + seed + " specs=" + specs + " pageSize=" + pageSize + " step=" + step + " recent=" + tail;
        }

        void run(int steps) {
            newRegion(0);
            for (int step = 1; step <= steps; step++) {
                int k = rnd.nextInt(100);
                if (k < 76) {
                    PagePatterns.Step s = gen.step(image, pages, maxPages);
                    history.add("delta " + s.ops() + " dirty=" + s.dirty().length);
                    PendingFrame f = RegionEncoder.delta(sent, reference, s.update(pageSize));
                    send(step, f, s.image(), s.regionPages());
                } else if (k < 88) {
                    // FULL refresh mid-chain, with the existing meta; sometimes with an update folded in.
                    PagePatterns.Step s = rnd.nextBoolean()
                            ? gen.step(image, pages, maxPages)
                            : new PagePatterns.Step(image, pages, new int[0], List.of("no change"));
                    history.add("full refresh " + s.ops());
                    // Usually the next epoch; sometimes a chosen one further on (receivers only need it higher).
                    long epoch = sent.epoch() + (rnd.nextInt(4) == 0 ? 2 + rnd.nextInt(1000) : 1);
                    PendingFrame f = epoch == sent.epoch() + 1 && rnd.nextBoolean()
                            ? RegionEncoder.full(sent, pageShift, reference, s.update(pageSize))
                            : RegionEncoder.full(sent, epoch, pageShift, reference, s.update(pageSize));
                    assertThat(f.after().epoch()).as(where(step)).isEqualTo(epoch);
                    assertThat(f.after().chainIndex()).as(where(step)).isZero();
                    send(step, f, s.image(), s.regionPages());
                } else if (k < 93) {
                    // Nothing changed but the producer reports pages anyway (all false dirties).
                    int[] dirty = rnd.ints(1 + rnd.nextInt(4), 0, Math.max(1, pages)).filter(i -> i < pages)
                            .distinct().sorted().toArray();
                    history.add("false dirties only " + java.util.Arrays.toString(dirty));
                    PendingFrame f = RegionEncoder.delta(sent, reference, PagePatterns.update(image, pages, pageSize, dirty));
                    assertThat(f.count()).as(where(step)).isZero();
                    send(step, f, image, pages);
                } else {
                    delete(step);
                    newRegion(step);
                }
            }
        }

        void newRegion(int step) {
            int n = rnd.nextInt(maxPages / 2 + 1);
            byte[] img = gen.image(n);
            // Either every page, or just the non-zero ones: both describe the same region to full().
            int[] listed = rnd.nextBoolean()
                    ? java.util.stream.IntStream.range(0, n).toArray()
                    : PagePatterns.changedPages(new byte[0], 0, img, n, pageSize);
            history.add("new region of " + n + " pages, " + listed.length + " listed");
            PendingFrame f = RegionEncoder.full(null, pageShift, reference, PagePatterns.update(img, n, pageSize, listed));
            assertThat(f.after().epoch()).as(where(step)).isEqualTo(1);
            send(step, f, img, n);
        }

        void delete(int step) {
            history.add("delete");
            byte[] frame = RegionEncoder.delete(new FrameInfo(key, ++sequence, sequence * 10), sent);
            FrameApplier.Applied a = applier.apply(frame, received, receiver);
            assertThat(a.meta()).as(where(step)).isNull();
            assertThat(a.header().type()).as(where(step)).isEqualTo(FrameType.DELETE);
            assertThat(a.header().epoch()).as(where(step)).isEqualTo(sent.epoch());
            assertThat(receiver.size()).as("receiver pages after DELETE, " + where(step)).isZero();
            if (late != null) {
                assertThat(applier.apply(frame, lateMeta, late).meta()).isNull();
                assertThat(late.size()).isZero();
            }
            received = null;
            sent = null;
            reference.clear();
            late = null;
            lateMeta = null;
        }

        void send(int step, PendingFrame f, byte[] newImage, int newPages) {
            FrameInfo info = new FrameInfo(key, ++sequence, 1_700_000_000_000L + sequence);
            byte[] frame;
            if (specs.size() == 1) {
                frame = RegionEncoder.render(info, f, specs.get(0));
            } else {
                frame = RegionEncoder.renderSmallest(info, f, specs);
                byte[] smallest = null;
                for (EncodeSpec s : specs) {
                    byte[] one = RegionEncoder.render(info, f, s);
                    if (smallest == null || one.length < smallest.length) {
                        smallest = one;
                    }
                }
                assertThat(frame).as("renderSmallest vs each render, " + where(step)).isEqualTo(smallest);
            }
            if (rnd.nextInt(8) == 0) {
                // Rendering is deterministic (a restarted job must make the same frames).
                byte[] again = specs.size() == 1
                        ? RegionEncoder.render(info, f, specs.get(0))
                        : RegionEncoder.renderSmallest(info, f, specs);
                assertThat(again).as("render is deterministic, " + where(step)).isEqualTo(frame);
            }
            RegionEncoder.commit(f, reference);
            sent = f.after();
            image = newImage;
            pages = newPages;

            FrameHeader h = FrameFormat.parse(frame, dev.hde.codec.Limits.DEFAULT).header();
            history.add(h.type() + " " + h.epoch() + "." + h.chainIndex() + " " + h.method() + "/" + h.codec() + " pages="
                    + h.pageCount() + "/" + h.regionPages() + (h.tableIsBitmap() ? " bitmap" : " gaps") + " bytes=" + frame.length);
            FrameApplier.Applied a;
            try {
                a = applier.apply(frame, received, receiver);
            } catch (HdeException e) {
                throw new AssertionError("receiver refused a genuine frame: " + e.getMessage() + "; " + where(step), e);
            }
            received = a.meta();
            assertThat(received).as("receiver meta vs sender meta, " + where(step)).isEqualTo(sent);
            checkHeader(step, f, h, frame);

            if (f.type() == FrameType.FULL) {
                late = new HeapPageStore();
                lateMeta = null;
            }
            if (late != null) {
                lateMeta = applier.apply(frame, lateMeta, late).meta();
                assertThat(lateMeta).as("late receiver meta, " + where(step)).isEqualTo(sent);
            }

            long modelDigest = Regions.digest(image, pages, pageSize);
            assertThat(sent.regionPages()).as("region pages, " + where(step)).isEqualTo(pages);
            assertThat(sent.digest()).as("sender digest vs model, " + where(step)).isEqualTo(modelDigest);
            assertThat(received.digest()).as("receiver digest vs model, " + where(step)).isEqualTo(modelDigest);
            assertThat(Regions.mismatch(receiver, image, pages, pageSize)).as("receiver vs model, " + where(step)).isNull();
            assertThat(Regions.mismatch(reference, image, pages, pageSize)).as("sender reference vs model, " + where(step)).isNull();
            if (late != null) {
                assertThat(Regions.mismatch(late, image, pages, pageSize)).as("late receiver vs model, " + where(step)).isNull();
            }
        }

        void checkHeader(int step, PendingFrame f, FrameHeader h, byte[] frame) {
            String at = where(step);
            FrameFormat.Choice choice = FrameFormat.choiceOf(frame);
            assertThat(choice.method()).as(at).isEqualTo(h.method());
            assertThat(choice.codec()).as(at).isEqualTo(h.codec());
            assertThat(choice.level()).as(at).isEqualTo(h.level());
            assertThat(h.type()).as(at).isEqualTo(f.type());
            assertThat(h.stateKey()).as(at).isEqualTo(key);
            assertThat(h.sourceSequence()).as(at).isEqualTo(sequence);
            assertThat(h.pageCount()).as(at).isEqualTo(f.count());
            assertThat(h.pageShift()).as(at).isEqualTo(pageShift);
            if (f.type() == FrameType.FULL) {
                assertThat(h.method()).as("a FULL frame carries raw pages, " + at).isEqualTo(DeltaMethod.RAW);
                assertThat(h.chainIndex()).as(at).isZero();
            } else if (specs.size() == 1) {
                assertThat(h.method()).as(at).isEqualTo(specs.get(0).method());
            }
            if (specs.size() == 1) {
                CodecSpec c = specs.get(0).codec();
                assertThat(h.codec()).as("codec is the chosen one or none (never expand), " + at).isIn(c.codec(), BlockCodec.NONE);
                if (h.codec() == BlockCodec.NONE) {
                    assertThat(h.dataBlockLength()).as(at).isEqualTo(h.dataRawLength());
                } else {
                    assertThat(h.dataBlockLength()).as("a compressed block is smaller, " + at).isLessThan(h.dataRawLength());
                    assertThat(h.level()).as(at).isEqualTo(c.level());
                }
            }
        }
    }
}
