package dev.hde.codec.block;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdDecompressCtx;
import dev.hde.codec.HdeException;
import dev.hde.codec.HdeException.Kind;
import dev.hde.codec.testing.PagePatterns;
import dev.hde.codec.wire.WireWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class BlockCodecsTest {

    static Stream<CodecSpec> specs() {
        return Stream.of(CodecSpec.NONE, CodecSpec.lz4(0), CodecSpec.lz4(1), CodecSpec.lz4(9), CodecSpec.lz4(17),
                CodecSpec.zstd(-128), CodecSpec.zstd(-5), CodecSpec.zstd(1), CodecSpec.zstd(3), CodecSpec.zstd(19), CodecSpec.zstd(22),
                CodecSpec.lzma(0), CodecSpec.lzma(6), CodecSpec.brotli(0), CodecSpec.brotli(5), CodecSpec.brotli(11));
    }

    static Stream<CodecSpec> compressing() {
        return specs().filter(s -> s.codec() != BlockCodec.NONE);
    }

    /** Several pages of mixed content, the kind of data block the encoder makes. */
    static byte[] sample(long seed, int pages) {
        PagePatterns g = new PagePatterns(seed, 4096);
        return g.image(pages);
    }

    static byte[] compress(CodecSpec spec, byte[] src, byte[] dict) {
        WireWriter out = new WireWriter(16);
        out.u8(0x5A); // the block is appended after what is there
        int n = BlockCodecs.compress(spec, src, 0, src.length, dict, out);
        assertThat(out.position()).isEqualTo(1 + n);
        assertThat(out.buffer()[0]).isEqualTo((byte) 0x5A);
        return Arrays.copyOfRange(out.buffer(), 1, 1 + n);
    }

    static byte[] decompress(BlockCodec codec, byte[] block, int expected, byte[] dict) {
        byte[] dst = new byte[expected + 7];
        BlockCodecs.decompress(codec, block, 0, block.length, dst, 3, expected, dict);
        return Arrays.copyOfRange(dst, 3, 3 + expected);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("specs")
    void roundTrips(CodecSpec spec) {
        for (int seed = 0; seed < 6; seed++) {
            byte[] src = sample(seed, 1 + seed * 3);
            byte[] block = compress(spec, src, null);
            if (spec.codec() == BlockCodec.NONE) {
                assertThat(block).isEqualTo(src);
            }
            assertThat(decompress(spec.codec(), block, src.length, null)).as("%s seed %d", spec, seed).isEqualTo(src);
        }
        // incompressible input and a single byte
        byte[] random = new PagePatterns(42, 4096).randomPage();
        assertThat(decompress(spec.codec(), compress(spec, random, null), random.length, null)).isEqualTo(random);
        byte[] one = {7};
        assertThat(decompress(spec.codec(), compress(spec, one, null), 1, null)).isEqualTo(one);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("specs")
    void compressesFromAnOffset(CodecSpec spec) {
        byte[] src = sample(3, 4);
        byte[] buf = new byte[src.length + 100];
        System.arraycopy(src, 0, buf, 37, src.length);
        WireWriter out = new WireWriter(8);
        int n = BlockCodecs.compress(spec, buf, 37, src.length, null, out);
        assertThat(decompress(spec.codec(), Arrays.copyOf(out.buffer(), n), src.length, null)).isEqualTo(src);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("compressing")
    void compressibleDataShrinks(CodecSpec spec) {
        byte[] text = new byte[64 * 1024];
        PagePatterns g = new PagePatterns(1, 4096);
        for (int i = 0; i < 16; i++) {
            System.arraycopy(g.textPage(), 0, text, i * 4096, 4096);
        }
        // The fastest zstd levels trade most of the ratio for speed; every other choice halves text.
        int bound = spec.codec() == BlockCodec.ZSTD && spec.level() < 0 ? text.length : text.length / 2;
        assertThat(compress(spec, text, null).length).as("%s", spec).isLessThan(bound);
    }

    @Test
    void zstdWithARawContentDictionaryRoundTripsAndHelps() {
        PagePatterns g = new PagePatterns(11, 4096);
        byte[] old = g.image(8);
        byte[] now = old.clone();
        for (int p = 0; p < 8; p++) {
            g.sparseEdits(now, p, 10);
        }
        byte[] withDict = compress(CodecSpec.zstd(3), now, old);
        byte[] without = compress(CodecSpec.zstd(3), now, null);
        assertThat(withDict.length).as("the old pages as dictionary make the block much smaller").isLessThan(without.length / 4);
        assertThat(decompress(BlockCodec.ZSTD, withDict, now.length, old)).isEqualTo(now);
    }

    @Test
    void aFastLevelFindsEveryPageOfAWholeRegionAsDictionary() {
        // 512 pages of random bytes, each edited in a few places: a DICT frame of a whole 2 MiB region
        SplittableRandom random = new SplittableRandom(5);
        byte[] old = new byte[512 * 4096];
        random.nextBytes(old);
        byte[] now = old.clone();
        for (int p = 0; p < 512; p++) {
            for (int e = 0; e < 8; e++) {
                now[p * 4096 + random.nextInt(4096)] ^= (byte) (1 + random.nextInt(255));
            }
        }
        for (int level : new int[] {1, 3}) {
            byte[] block = compress(CodecSpec.zstd(level), now, old);
            // 4,096 edits of a byte each: a few bytes per edit when each page's old self is found; a random page
            // whose old self is not found costs all of its 4 KiB
            assertThat(block.length).as("zstd-%d", level).isLessThan(now.length / 40);
            assertThat(decompress(BlockCodec.ZSTD, block, now.length, old)).isEqualTo(now);
        }
    }

    @Test
    void lzmaWithAPresetDictionaryRoundTripsAndHelps() {
        PagePatterns g = new PagePatterns(12, 4096);
        byte[] old = g.image(8);
        byte[] now = old.clone();
        for (int p = 0; p < 8; p++) {
            g.sparseEdits(now, p, 10);
        }
        byte[] withDict = compress(CodecSpec.lzma(1), now, old);
        byte[] without = compress(CodecSpec.lzma(1), now, null);
        assertThat(withDict.length).as("the old pages as preset dictionary make the block much smaller").isLessThan(without.length / 4);
        assertThat(decompress(BlockCodec.LZMA, withDict, now.length, old)).isEqualTo(now);
        // without its dictionary, or with another one, the block is refused or decodes to other bytes (the digest's job)
        Throwable t = catchThrowable(() -> assertThat(decompress(BlockCodec.LZMA, withDict, now.length, null)).isNotEqualTo(now));
        assertThat(t == null || t instanceof HdeException).as("%s", t).isTrue();
        // a block that claims more output than its dictionary sizing allows for is still bounded: data length + dictionary
        assertThat(LzmaBlocks.dictionarySize(100, null)).isEqualTo(4096);
        assertThat(LzmaBlocks.dictionarySize(100_000, old)).isEqualTo(100_000 + old.length);
    }

    /** The lc/lp/pb properties byte of an LZMA2 block's first chunk ({@code (pb * 5 + lp) * 9 + lc}; xz's format). */
    private static int lzmaProperties(byte[] block) {
        assertThat(block[0] & 0xE0).as("the first chunk is LZMA with new properties (and a dictionary reset without a preset one)")
                .isIn(0xC0, 0xE0);
        return block[5] & 0xFF;
    }

    private static final int LZMA_DEFAULT_PROPERTIES = (2 * 5 + 0) * 9 + 3; // lc=3 lp=0 pb=2
    private static final int LZMA_ALIGNED_PROPERTIES = (3 * 5 + 3) * 9 + 0; // lc=0 lp=3 pb=3

    /**
     * At the slow presets a DICT block codes its literals word-aligned when that is smaller (memory of
     * 8-byte fields) and as LZMA does by default otherwise (text); the properties travel in the stream,
     * so both decode alike. Fast presets and blocks without a preset dictionary keep the default.
     */
    @Test
    void lzmaChoosesItsLiteralCodingForDictBlocksAtSlowPresets() {
        SplittableRandom random = new SplittableRandom(20261207);
        // 8-byte little-endian fields holding small numbers: the high bytes of each word are zero, the low ones vary.
        byte[] oldWords = new byte[16 * 4096];
        for (int w = 0; w + 8 <= oldWords.length; w += 8) {
            long v = random.nextInt(1 << 14);
            for (int b = 0; b < 8; b++) {
                oldWords[w + b] = (byte) (v >>> (8 * b));
            }
        }
        byte[] nowWords = oldWords.clone();
        for (int w = 0; w + 8 <= nowWords.length; w += 8) {
            if (random.nextInt(3) == 0) {
                nowWords[w] = (byte) random.nextInt(256);
                nowWords[w + 1] = (byte) random.nextInt(64);
            }
        }
        // Text: words of lowercase letters and spaces, whose next letter depends on the one before.
        String[] vocabulary = {"page", "memory", "region", "frame", "delta", "keyframe", "receiver", "encoder", "state", "the", "of", "and"};
        StringBuilder text = new StringBuilder();
        while (text.length() < 2 * 16 * 4096) {
            text.append(vocabulary[random.nextInt(vocabulary.length)]).append(random.nextInt(8) == 0 ? ". " : " ");
        }
        byte[] textBytes = text.toString().getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        byte[] oldText = Arrays.copyOfRange(textBytes, 0, 16 * 4096);
        byte[] nowText = Arrays.copyOfRange(textBytes, 16 * 4096, 2 * 16 * 4096);

        byte[] words = compress(CodecSpec.lzma(6), nowWords, oldWords);
        assertThat(lzmaProperties(words)).as("word-aligned fields at preset 6").isEqualTo(LZMA_ALIGNED_PROPERTIES);
        assertThat(decompress(BlockCodec.LZMA, words, nowWords.length, oldWords)).isEqualTo(nowWords);
        byte[] wordsDefault = compress(CodecSpec.lzma(1), nowWords, oldWords);
        assertThat(lzmaProperties(wordsDefault)).as("preset 1: the default only").isEqualTo(LZMA_DEFAULT_PROPERTIES);
        assertThat(lzmaProperties(compress(CodecSpec.lzma(6), nowWords, null))).as("no preset dictionary: the default only")
                .isEqualTo(LZMA_DEFAULT_PROPERTIES);

        // ... and the speed table counts the second coding where there is one.
        assertThat(BlockCodecs.codingPasses(CodecSpec.lzma(6), true)).isEqualTo(2);
        assertThat(BlockCodecs.codingPasses(CodecSpec.lzma(5), true)).isEqualTo(1);
        assertThat(BlockCodecs.codingPasses(CodecSpec.lzma(9), false)).isEqualTo(1);
        assertThat(BlockCodecs.codingPasses(CodecSpec.zstd(9), true)).isEqualTo(1);

        byte[] prose = compress(CodecSpec.lzma(9), nowText, oldText);
        assertThat(lzmaProperties(prose)).as("text at preset 9").isEqualTo(LZMA_DEFAULT_PROPERTIES);
        assertThat(decompress(BlockCodec.LZMA, prose, nowText.length, oldText)).isEqualTo(nowText);
    }

    /**
     * The zstd contexts are per thread and reused: a dictionary loaded for one call must not stay
     * in the context for the next. A block made right after a dictionary call must be exactly what
     * a fresh context makes, and decode without any dictionary.
     */
    @Test
    void noDictionaryLeaksBetweenCallsOnTheSameThread() throws Exception {
        PagePatterns g = new PagePatterns(12, 4096);
        byte[] old = g.image(6);
        byte[] now = old.clone();
        for (int p = 0; p < 6; p++) {
            g.sparseEdits(now, p, 5);
        }
        for (int level : new int[] {-5, 1, 3, 19}) {
            CodecSpec spec = CodecSpec.zstd(level);
            byte[] fresh = onFreshThread(() -> compress(spec, now, null));

            byte[] dictBlock = compress(spec, now, old);
            byte[] after = compress(spec, now, null);
            assertThat(after).as("zstd %d without a dictionary right after a call with one", level).isEqualTo(fresh);
            assertThat(after).isNotEqualTo(dictBlock);
            assertThat(decompressWithFreshContext(after, now.length)).isEqualTo(now);

            // The decompress context: with a dictionary, then without one.
            assertThat(decompress(BlockCodec.ZSTD, dictBlock, now.length, old)).isEqualTo(now);
            assertThat(decompress(BlockCodec.ZSTD, after, now.length, null)).isEqualTo(now);
            // A block that needs the dictionary does not decode to the data without it.
            Throwable t = catchThrowable(() -> decompress(BlockCodec.ZSTD, dictBlock, now.length, null));
            if (t == null) {
                assertThat(decompress(BlockCodec.ZSTD, dictBlock, now.length, null)).isNotEqualTo(now);
            } else {
                assertThat(t).isInstanceOf(HdeException.class);
            }
            // An empty dictionary is no dictionary.
            assertThat(compress(spec, now, new byte[0])).isEqualTo(fresh);
        }
    }

    @Test
    void aDifferentDictionaryOnTheNextCallIsUsedAndNotMixed() {
        PagePatterns g = new PagePatterns(13, 4096);
        byte[] dictA = g.image(4);
        byte[] dictB = g.image(4);
        byte[] data = dictB.clone();
        g.sparseEdits(data, 1, 3);
        byte[] withA = compress(CodecSpec.zstd(1), data, dictA);
        byte[] withB = compress(CodecSpec.zstd(1), data, dictB);
        byte[] withAAgain = compress(CodecSpec.zstd(1), data, dictA);
        assertThat(withAAgain).isEqualTo(withA);
        assertThat(withB.length).isLessThan(withA.length / 4);
        assertThat(decompress(BlockCodec.ZSTD, withB, data.length, dictB)).isEqualTo(data);
        assertThat(decompress(BlockCodec.ZSTD, withA, data.length, dictA)).isEqualTo(data);
        assertThat(decompress(BlockCodec.ZSTD, withB, data.length, dictB)).isEqualTo(data);
    }

    @Test
    void contextsArePerThread() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> jobs = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                long seed = 100 + t;
                jobs.add(pool.submit((Callable<Void>) () -> {
                    SplittableRandom rnd = new SplittableRandom(seed);
                    PagePatterns g = new PagePatterns(seed, 4096);
                    for (int i = 0; i < 40; i++) {
                        byte[] old = g.image(2);
                        byte[] now = old.clone();
                        g.sparseEdits(now, 0, 4);
                        byte[] dict = rnd.nextBoolean() ? old : null;
                        CodecSpec spec = rnd.nextBoolean() ? CodecSpec.zstd(1 + rnd.nextInt(5)) : CodecSpec.lz4(rnd.nextInt(10));
                        if (spec.codec() != BlockCodec.ZSTD) {
                            dict = null;
                        }
                        byte[] block = compress(spec, now, dict);
                        assertThat(decompress(spec.codec(), block, now.length, dict)).as("seed %d step %d %s", seed, i, spec).isEqualTo(now);
                    }
                    return null;
                }));
            }
            for (Future<?> f : jobs) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aDictionaryNeedsZstd() {
        assertThatThrownBy(() -> compress(CodecSpec.lz4(0), new byte[10], new byte[10])).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> compress(CodecSpec.NONE, new byte[10], new byte[10])).isInstanceOf(IllegalArgumentException.class);
        byte[] block = compress(CodecSpec.lz4(0), new byte[100], null);
        assertThat(kind(() -> decompress(BlockCodec.LZ4, block, 100, new byte[10]))).isEqualTo(Kind.CODEC_FAILURE);
    }

    @Test
    void codecSpecLevelsAreChecked() {
        assertThatThrownBy(() -> new CodecSpec(BlockCodec.NONE, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> CodecSpec.lz4(18)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> CodecSpec.lz4(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> CodecSpec.zstd(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> CodecSpec.zstd(23)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> CodecSpec.zstd(-129)).isInstanceOf(IllegalArgumentException.class);
        assertThat(CodecSpec.zstd(-5)).hasToString("zstd--5");
        assertThat(CodecSpec.lz4(9)).hasToString("lz4hc-9");
        assertThatThrownBy(() -> CodecSpec.lzma(10)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> CodecSpec.lzma(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThat(CodecSpec.lzma(6)).hasToString("lzma-6");
        assertThat(BlockCodec.fromId(2)).isEqualTo(BlockCodec.ZSTD);
        assertThat(BlockCodec.fromId(3)).isEqualTo(BlockCodec.LZMA);
        assertThatThrownBy(() -> CodecSpec.brotli(12)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> CodecSpec.brotli(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThat(CodecSpec.brotli(5)).hasToString("brotli-5");
        assertThat(BlockCodec.fromId(4)).isEqualTo(BlockCodec.BROTLI);
        assertThat(kind(() -> BlockCodec.fromId(5))).isEqualTo(Kind.UNKNOWN_CODEC);
        assertThat(kind(() -> BlockCodec.fromId(-1))).isEqualTo(Kind.UNKNOWN_CODEC);
    }

    // ------------------------------------------------------------------ brotli

    /** 64 lines "page NNN of the golden brotli block; " (2,368 bytes). */
    static byte[] goldenBrotliInput() {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < 64; i++) {
            s.append(String.format("page %03d of the golden brotli block; ", i));
        }
        return s.toString().getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }

    /** The same input compressed by another implementation: Debian's brotli 1.0.9 command, {@code brotli -q 9 -w 16}. */
    static final String GOLDEN_BROTLI_CLI = "e2270180a8d35d6f8fb34b926ee277290c114445441c1c000d8f72f00cc398828db1f344b0d17eb7634666c63935f19977ecdff35f"
            + "6748670d901b83c9627371e7a14bdc921b83c9627371e7715e9dc16030180c0683c16032994c2693c96432592c168bc562b1582c369bcd66b3d96c369b8b8b0b0a";

    @Test
    void aBrotliStreamFromAnotherImplementationDecodes() {
        byte[] block = java.util.HexFormat.of().parseHex(GOLDEN_BROTLI_CLI);
        byte[] expected = goldenBrotliInput();
        assertThat(decompress(BlockCodec.BROTLI, block, expected.length, null)).isEqualTo(expected);
    }

    @Test
    void bytesAfterABrotliStreamAreRefused() {
        byte[] src = sample(11, 2);
        byte[] block = compress(CodecSpec.brotli(5), src, null);
        byte[] longer = Arrays.copyOf(block, block.length + 1);
        assertThat(kind(() -> decompress(BlockCodec.BROTLI, longer, src.length, null))).isEqualTo(Kind.CODEC_FAILURE);
        byte[] twice = new byte[block.length * 2];
        System.arraycopy(block, 0, twice, 0, block.length);
        System.arraycopy(block, 0, twice, block.length, block.length);
        assertThat(kind(() -> decompress(BlockCodec.BROTLI, twice, src.length, null))).isEqualTo(Kind.CODEC_FAILURE);
    }

    /** The old pages of a DICT block and their edited new content: most of each new page is its old self. */
    static byte[][] editedPages(long seed, int pages) {
        byte[] old = sample(seed, pages);
        byte[] now = old.clone();
        java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
        for (int i = 0; i < now.length; i += 97) {
            now[i + r.nextInt(97) % Math.max(1, now.length - i)] ^= (byte) (1 + r.nextInt(255));
        }
        return new byte[][] {old, now};
    }

    @Test
    void aBrotliBlockWithAHistoryReadsBackIntoItAndDecodesOnlyWithIt() {
        byte[][] p = editedPages(21, 8);
        byte[] history = p[0];
        byte[] src = p[1];
        byte[] without = compress(CodecSpec.brotli(5), src, null);
        byte[] with = compress(CodecSpec.brotli(5), src, history);
        assertThat(with.length).as("the history is used: %d bytes with it, %d without", with.length, without.length)
                .isLessThan(without.length / 3);
        assertThat(decompress(BlockCodec.BROTLI, with, src.length, history)).isEqualTo(src);
        // Without it, or with other bytes of the same length, the block is refused or gives other bytes (a frame's digest
        // check then refuses the frame): never the page content.
        assertThat(decodedOrNull(with, src.length, null)).isNotEqualTo(src);
        byte[] other = history.clone();
        other[5000] ^= 1;
        other[20000] ^= 1;
        assertThat(decodedOrNull(with, src.length, other)).isNotEqualTo(src);
        // The history changes nothing for a block made without it, and a quality that does not use it still decodes.
        assertThat(decompress(BlockCodec.BROTLI, without, src.length, history)).isEqualTo(src);
        byte[] q1 = compress(CodecSpec.brotli(1), src, history);
        assertThat(decompress(BlockCodec.BROTLI, q1, src.length, history)).isEqualTo(src);
    }

    private static byte[] decodedOrNull(byte[] block, int expected, byte[] history) {
        try {
            return decompress(BlockCodec.BROTLI, block, expected, history);
        } catch (HdeException e) {
            return null;
        }
    }

    /**
     * The golden input with every 300th byte replaced by '#', compressed at quality 5 with the golden input as its
     * history (brotli 1.1's raw compound dictionary, through brotli4j): 24 bytes, 153 without the history. No other
     * implementation here reads compound dictionaries (Debian's brotli 1.0.9 predates them), so this stream is the
     * library's own; it pins what a DICT block under codec 4 means (docs/wire-format.md), not the encoder's choices.
     */
    static final String GOLDEN_BROTLI_WITH_HISTORY = "c1f84900203512568b4d568098eca1945146196594514611";

    @Test
    void aStoredBrotliStreamWithAHistoryDecodesToTheKnownBytes() {
        byte[] history = goldenBrotliInput();
        byte[] expected = history.clone();
        for (int i = 0; i < expected.length; i += 300) {
            expected[i] = (byte) '#';
        }
        byte[] block = java.util.HexFormat.of().parseHex(GOLDEN_BROTLI_WITH_HISTORY);
        assertThat(decompress(BlockCodec.BROTLI, block, expected.length, history)).isEqualTo(expected);
        assertThat(decodedOrNull(block, expected.length, null)).isNotEqualTo(expected);
    }

    @Test
    void aBrotliHistoryOfManyRandomBlocksRoundTrips() {
        java.util.SplittableRandom r = new java.util.SplittableRandom(77);
        for (int round = 0; round < 30; round++) {
            long seed = r.nextLong();
            int pages = 1 + r.nextInt(12);
            byte[][] p = editedPages(seed, pages);
            int quality = r.nextInt(12);
            byte[] block = compress(CodecSpec.brotli(quality), p[1], p[0]);
            assertThat(decompress(BlockCodec.BROTLI, block, p[1].length, p[0])).as("seed %d, %d pages, quality %d", seed, pages, quality)
                    .isEqualTo(p[1]);
        }
    }

    @Test
    void aBrotliBlockAsksForNoLargerWindowThanItNeeds() {
        assertThat(BrotliBlocks.windowLog(1)).isEqualTo(BrotliBlocks.MIN_WINDOW_LOG);
        assertThat(BrotliBlocks.windowLog(4096)).isEqualTo(12);
        assertThat(BrotliBlocks.windowLog(4097)).isEqualTo(13);
        assertThat(BrotliBlocks.windowLog(2 << 20)).isEqualTo(21);
        assertThat(BrotliBlocks.windowLog(Integer.MAX_VALUE)).isEqualTo(BrotliBlocks.MAX_WINDOW_LOG);
    }

    // ------------------------------------------------------------------ corrupt blocks

    @Test
    void storedBlockOfTheWrongLengthIsALengthMismatch() {
        assertThat(kind(() -> decompress(BlockCodec.NONE, new byte[10], 11, null))).isEqualTo(Kind.LENGTH_MISMATCH);
        assertThat(kind(() -> decompress(BlockCodec.NONE, new byte[10], 9, null))).isEqualTo(Kind.LENGTH_MISMATCH);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("compressing")
    void wrongExpectedLengthIsRefused(CodecSpec spec) {
        byte[] src = sample(7, 3);
        byte[] block = compress(spec, src, null);
        // Asked for more than the block holds: it decodes fully but short.
        assertThat(kind(() -> decompress(spec.codec(), block, src.length + 1, null))).isIn(Kind.LENGTH_MISMATCH, Kind.CODEC_FAILURE);
        assertThat(kind(() -> decompress(spec.codec(), block, src.length + 4096, null))).isIn(Kind.LENGTH_MISMATCH, Kind.CODEC_FAILURE);
        // Asked for less: the output does not fit.
        assertThat(kind(() -> decompress(spec.codec(), block, src.length - 1, null))).isIn(Kind.LENGTH_MISMATCH, Kind.CODEC_FAILURE);
        assertThat(kind(() -> decompress(spec.codec(), block, 0, null))).isIn(Kind.LENGTH_MISMATCH, Kind.CODEC_FAILURE);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("compressing")
    void garbageAndTruncatedBlocksAreRefused(CodecSpec spec) {
        byte[] src = sample(8, 2);
        byte[] block = compress(spec, src, null);
        for (int cut = 0; cut < block.length; cut += Math.max(1, block.length / 50)) {
            byte[] prefix = Arrays.copyOf(block, cut);
            assertThat(kind(() -> decompress(spec.codec(), prefix, src.length, null))).as("%s cut at %d", spec, cut)
                    .isIn(Kind.CODEC_FAILURE, Kind.LENGTH_MISMATCH);
        }
        byte[] garbage = new PagePatterns(9, 512).randomPage();
        assertThat(kind(() -> decompress(spec.codec(), garbage, src.length, null))).isIn(Kind.CODEC_FAILURE, Kind.LENGTH_MISMATCH,
                Kind.TRAILING_BYTES);
        byte[] zeros = new byte[64];
        assertThat(kind(() -> decompress(spec.codec(), zeros, src.length, null))).isIn(Kind.CODEC_FAILURE, Kind.LENGTH_MISMATCH,
                Kind.TRAILING_BYTES);
    }

    /** Every single-bit flip of a block: a typed error, or some output of the right length; never another exception. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("compressing")
    void bitFlipsGiveATypedErrorOrSomeBytesButNeverCrash(CodecSpec spec) {
        byte[] src = new PagePatterns(10, 512).image(3);
        byte[] block = compress(spec, src, null);
        int refused = 0;
        for (int i = 0; i < block.length * 8; i++) {
            byte[] bad = block.clone();
            bad[i >>> 3] ^= (byte) (1 << (i & 7));
            Throwable t = catchThrowable(() -> decompress(spec.codec(), bad, src.length, null));
            if (t != null) {
                assertThat(t).as("%s bit %d", spec, i).isInstanceOf(HdeException.class);
                // TRAILING_BYTES: a flip in a zstd block header that ends the frame before the block does
                assertThat(((HdeException) t).kind()).isIn(Kind.CODEC_FAILURE, Kind.LENGTH_MISMATCH, Kind.TRAILING_BYTES);
                refused++;
            }
        }
        assertThat(refused).as("%s: some flips must be detected by the codec itself", spec).isPositive();
    }

    // ------------------------------------------------------------------ helpers

    static Kind kind(Runnable r) {
        Throwable t = catchThrowable(r::run);
        assertThat(t).isInstanceOf(HdeException.class);
        return ((HdeException) t).kind();
    }

    static byte[] onFreshThread(Callable<byte[]> c) throws Exception {
        ExecutorService one = Executors.newSingleThreadExecutor();
        try {
            return one.submit(c).get();
        } finally {
            one.shutdownNow();
        }
    }

    static byte[] decompressWithFreshContext(byte[] block, int len) {
        try (ZstdDecompressCtx ctx = new ZstdDecompressCtx()) {
            ctx.setMagicless(true);
            byte[] out = new byte[len];
            assertThat(ctx.decompressByteArray(out, 0, len, block, 0, block.length)).isEqualTo(len);
            return out;
        }
    }

    /** A magicless zstd frame made by zstd itself with the given header options. */
    private static byte[] zstdFrame(byte[] src, boolean contentSize, boolean checksum) {
        try (com.github.luben.zstd.ZstdCompressCtx ctx = new com.github.luben.zstd.ZstdCompressCtx()) {
            ctx.setLevel(3).setMagicless(true).setContentSize(contentSize).setChecksum(checksum);
            return ctx.compress(src);
        }
    }

    @Test
    void aZstdBlockIsOneFrameWithoutContentSizeChecksumOrDictionaryId() {
        byte[] src = sample(3, 40); // several zstd blocks of 128 KiB
        byte[] plain = zstdFrame(src, false, false);
        assertThat(decompress(BlockCodec.ZSTD, plain, src.length, null)).isEqualTo(src);

        assertThat(catchThrowable(() -> decompress(BlockCodec.ZSTD, zstdFrame(src, true, false), src.length, null)))
                .isInstanceOfSatisfying(HdeException.class, e -> assertThat(e.kind()).isEqualTo(Kind.CODEC_FAILURE)).hasMessageContaining("content size");
        assertThat(catchThrowable(() -> decompress(BlockCodec.ZSTD, zstdFrame(src, false, true), src.length, null)))
                .isInstanceOfSatisfying(HdeException.class, e -> assertThat(e.kind()).isEqualTo(Kind.CODEC_FAILURE)).hasMessageContaining("checksum");
        byte[] withDictId = plain.clone();
        withDictId[0] |= 0x01;
        assertThat(catchThrowable(() -> decompress(BlockCodec.ZSTD, withDictId, src.length, null)))
                .isInstanceOfSatisfying(HdeException.class, e -> assertThat(e.kind()).isEqualTo(Kind.CODEC_FAILURE)).hasMessageContaining("dictionary id");

        // a second frame after the first, even one of no bytes, is refused: it would be decompressed silently
        byte[] empty = zstdFrame(new byte[0], false, false);
        byte[] two = Arrays.copyOf(plain, plain.length + empty.length);
        System.arraycopy(empty, 0, two, plain.length, empty.length);
        assertThat(catchThrowable(() -> decompress(BlockCodec.ZSTD, two, src.length, null)))
                .isInstanceOfSatisfying(HdeException.class, e -> assertThat(e.kind()).isEqualTo(Kind.TRAILING_BYTES));
        byte[] cut = Arrays.copyOf(plain, plain.length - 1);
        assertThat(catchThrowable(() -> decompress(BlockCodec.ZSTD, cut, src.length, null)))
                .isInstanceOfSatisfying(HdeException.class, e -> assertThat(e.kind()).isEqualTo(Kind.CODEC_FAILURE));
    }

    /**
     * Fields of 5 bytes that recur among random ones (as small integers and padding do on database
     * pages): zstd's level 1 looks for 6-byte matches above 256 KiB of input and finds none of them;
     * with {@link BlockCodecs#ZSTD_LEVEL1_MIN_MATCH} it finds them.
     */
    @Test
    void zstdLevelOneFindsFiveByteMatchesInLargeBlocks() {
        long seed = 0x5EED_0005L;
        SplittableRandom r = new SplittableRandom(seed);
        byte[][] fields = new byte[256][5];
        for (byte[] field : fields) {
            r.nextBytes(field);
        }
        byte[] src = new byte[1 << 20];
        for (int at = 0; at + 8 <= src.length; at += 8) {
            System.arraycopy(fields[r.nextInt(fields.length)], 0, src, at, 5);
            for (int i = 5; i < 8; i++) {
                src[at + i] = (byte) r.nextInt(256);
            }
        }
        byte[] block = compress(CodecSpec.zstd(1), src, null);
        assertThat(decompress(BlockCodec.ZSTD, block, src.length, null)).isEqualTo(src);
        byte[] zstdsOwnLevelOne = Zstd.compress(src, 1);
        assertThat(block.length).as("seed %x: level 1 with 5-byte matches against zstd's own level 1", seed)
                .isLessThan(zstdsOwnLevelOne.length * 9 / 10);
    }
}
