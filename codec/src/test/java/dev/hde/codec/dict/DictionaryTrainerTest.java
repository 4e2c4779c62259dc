package dev.hde.codec.dict;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hde.codec.HdeException;
import dev.hde.codec.block.BlockCodec;
import dev.hde.codec.block.BlockCodecs;
import dev.hde.codec.block.CodecSpec;
import dev.hde.codec.testing.PagePatterns;
import dev.hde.codec.wire.WireWriter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The trainer's sample is order-independent, so the dictionary (and its id) is too. */
class DictionaryTrainerTest {

    static final DictionaryTrainer.Settings SMALL = new DictionaryTrainer.Settings(16 << 10, 300, 16, 3);

    static List<byte[]> pages(long seed, int n) {
        PagePatterns pp = new PagePatterns(seed, 4096);
        List<byte[]> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(pp.anyPage());
        }
        return out;
    }

    @Test
    void theSameSampleInAnyOrderOrSplitGivesTheSameDictionary() {
        List<byte[]> pages = pages(5, 900);
        DictionaryTrainer one = new DictionaryTrainer("web", SMALL);
        pages.forEach(one::offer);
        TrainedDictionary d1 = one.train(1, 0);

        List<byte[]> shuffled = new ArrayList<>(pages);
        Collections.shuffle(shuffled, new Random(3));
        DictionaryTrainer a = new DictionaryTrainer("web", SMALL);
        DictionaryTrainer b = new DictionaryTrainer("web", SMALL);
        for (int i = 0; i < shuffled.size(); i++) {
            (i % 3 == 0 ? a : b).offer(shuffled.get(i));
            if (i % 5 == 0) {
                b.offer(shuffled.get(i)); // duplicates count once
            }
        }
        b.merge(a);
        TrainedDictionary d2 = b.train(1, 0);

        assertThat(one.sampleCount()).isEqualTo(300);
        assertThat(b.sampleCount()).isEqualTo(300);
        assertThat(d2.sameAs(d1)).isTrue();
        assertThat(d2.id()).isEqualTo(d1.id());
        assertThat(d1.type()).isEqualTo(TrainedDictionary.Type.ZSTD);
        assertThat(d1.size()).isLessThanOrEqualTo(16 << 10);
        assertThat(one.offeredPages()).isEqualTo(pages.stream().filter(p -> !dev.hde.codec.Pages.isZero(p)).count());
    }

    @Test
    void thePreFilterOnlyDropsPagesTheSampleWouldDrop() {
        List<byte[]> pages = pages(6, 3000);
        DictionaryTrainer all = new DictionaryTrainer("web", SMALL);
        DictionaryTrainer filtered = new DictionaryTrainer("web", SMALL);
        int passed = 0;
        for (byte[] p : pages) {
            all.offer(p);
            if (DictionaryTrainer.isCandidate(p, 2)) { // a quarter of the pages travel to the trainer
                filtered.offer(p);
                passed++;
            }
        }
        assertThat(passed).isBetween(600, 900);
        // 3000 pages (minus zero pages) >> 4 x 300: the bottom-300 all pass the filter
        assertThat(filtered.train(1, 0).sameAs(all.train(1, 0))).isTrue();
        assertThat(DictionaryTrainer.isCandidate(pages.get(0), 0)).isTrue();
        assertThatThrownBy(() -> DictionaryTrainer.isCandidate(pages.get(0), 64)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void tooFewPagesGiveNoDictionaryAndFewGiveAUsableOne() {
        DictionaryTrainer t = new DictionaryTrainer("web", SMALL);
        for (byte[] p : pages(7, 10)) {
            t.offer(p);
        }
        t.offer(new byte[4096]); // zero pages are not samples
        assertThat(t.train(1, 0)).isNull();

        // a handful of samples: zstd's trainer may refuse, the raw-content fallback must still round-trip
        DictionaryTrainer few = new DictionaryTrainer("web", new DictionaryTrainer.Settings(4096, 100, 2, 3));
        for (byte[] p : pages(8, 6)) {
            few.offer(p);
        }
        TrainedDictionary d = few.train(1, 0);
        assertThat(d).isNotNull();
        byte[] data = pages(9, 1).get(0);
        WireWriter out = new WireWriter(8192);
        BlockCodecs.compressTrained(CodecSpec.zstd(3), data, 0, data.length, d, out);
        byte[] back = new byte[data.length];
        BlockCodecs.decompressTrained(BlockCodec.ZSTD, out.buffer(), 0, out.position(), back, 0, data.length, d);
        assertThat(back).isEqualTo(data);
    }

    @Test
    void aBlockNeedsItsDictionary() {
        DictionaryTrainer t = new DictionaryTrainer("web", SMALL);
        pages(10, 600).forEach(t::offer);
        TrainedDictionary d = t.train(1, 0);
        DictionaryTrainer t2 = new DictionaryTrainer("web", SMALL);
        pages(11, 600).forEach(t2::offer);
        TrainedDictionary other = t2.train(1, 0);
        assertThat(other.id()).isNotEqualTo(d.id());

        byte[] data = new PagePatterns(12, 4096).textPage();
        WireWriter out = new WireWriter(8192);
        BlockCodecs.compressTrained(CodecSpec.zstd(3), data, 0, data.length, d, out);
        byte[] back = new byte[data.length];
        BlockCodecs.decompressTrained(BlockCodec.ZSTD, out.buffer(), 0, out.position(), back, 0, data.length, d);
        assertThat(back).isEqualTo(data);
        // with another dictionary it fails, or gives other bytes (the frame's digest catches those)
        try {
            byte[] wrong = new byte[data.length];
            BlockCodecs.decompressTrained(BlockCodec.ZSTD, out.buffer(), 0, out.position(), wrong, 0, data.length, other);
            assertThat(wrong).isNotEqualTo(data);
        } catch (HdeException e) {
            assertThat(e.kind()).isIn(HdeException.Kind.CODEC_FAILURE, HdeException.Kind.LENGTH_MISMATCH);
        }
        assertThatThrownBy(() -> BlockCodecs.compressTrained(CodecSpec.LZ4, data, 0, data.length, d, out))
                .isInstanceOf(IllegalArgumentException.class);
        // the contexts are reset afterwards: a plain block right after is the same as ever
        WireWriter plain = new WireWriter(8192);
        BlockCodecs.compress(CodecSpec.zstd(3), data, 0, data.length, null, plain);
        byte[] plainBack = new byte[data.length];
        BlockCodecs.decompress(BlockCodec.ZSTD, plain.buffer(), 0, plain.position(), plainBack, 0, data.length, null);
        assertThat(plainBack).isEqualTo(data);
    }

    @Test
    void defaultVmClasses() {
        assertThat(DictionaryTrainer.defaultVmClass("web-17/r0003")).isEqualTo("web");
        assertThat(DictionaryTrainer.defaultVmClass("web-18/r0001")).isEqualTo("web");
        assertThat(DictionaryTrainer.defaultVmClass("vm-42/r0007")).isEqualTo("vm");
        assertThat(DictionaryTrainer.defaultVmClass("redis-22m/r0001")).isEqualTo("redis-22m");
        assertThat(DictionaryTrainer.defaultVmClass("db_prod.3")).isEqualTo("db_prod");
        assertThat(DictionaryTrainer.defaultVmClass("42/r0001")).isEqualTo("42");
        assertThat(DictionaryTrainer.defaultVmClass("/r0001")).isEqualTo("default");
        assertThat(DictionaryTrainer.defaultVmClass("é".repeat(300)).getBytes(java.nio.charset.StandardCharsets.UTF_8)).hasSize(254);
    }
}
