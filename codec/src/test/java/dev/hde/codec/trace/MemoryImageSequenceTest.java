package dev.hde.codec.trace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdDictContentType;
import dev.hde.codec.block.CodecSpec;
import dev.hde.codec.delta.DeltaMethod;
import dev.hde.codec.region.EncodeSpec;
import dev.hde.codec.testing.PagePatterns;
import dev.hde.codec.testing.SharedTrace;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Both directory forms of {@link MemoryImageSequence}, on small synthetic images, and TraceReplay's refusals. */
class MemoryImageSequenceTest {

    static List<byte[]> syntheticImages(long seed, int count, int pages) {
        PagePatterns g = new PagePatterns(seed, 4096);
        List<byte[]> out = new ArrayList<>();
        byte[] img = g.image(pages);
        out.add(img);
        for (int i = 1; i < count; i++) {
            PagePatterns.Step s = g.step(img, pages, pages);
            img = java.util.Arrays.copyOf(s.image(), pages * 4096); // keep the size: images of one process
            out.add(img);
        }
        return out;
    }

    @Test
    void readsPlainImages(@TempDir Path dir) throws IOException {
        List<byte[]> images = syntheticImages(1, 4, 24);
        for (int i = 0; i < images.size(); i++) {
            Files.write(dir.resolve(String.format("%03d.bin", i)), images.get(i));
        }
        Files.writeString(dir.resolve("README.md"), "not an image");
        MemoryImageSequence seq = MemoryImageSequence.open(dir);
        assertThat(seq.size()).isEqualTo(4);
        assertThat(seq).containsExactlyElementsOf(images);
        var it = seq.iterator();
        for (int i = 0; i < 4; i++) {
            it.next();
        }
        assertThatThrownBy(it::next).isInstanceOf(NoSuchElementException.class);
    }

    @Test
    void readsAZstdPatchChain(@TempDir Path dir) throws IOException {
        List<byte[]> images = syntheticImages(2, 5, 32);
        try (ZstdCompressCtx ctx = new ZstdCompressCtx()) {
            ctx.setLevel(3);
            Files.write(dir.resolve("000.bin.zst"), ctx.compress(images.get(0)));
        }
        for (int i = 1; i < images.size(); i++) {
            try (ZstdCompressCtx ctx = new ZstdCompressCtx()) {
                ctx.setLevel(3);
                ctx.loadDict(images.get(i - 1), ZstdDictContentType.RAW_CONTENT);
                byte[] patch = ctx.compress(images.get(i));
                assertThat(patch.length).as("a patch is much smaller than an image").isLessThan(images.get(i).length / 4);
                Files.write(dir.resolve(String.format("%03d.patch.zst", i)), patch);
            }
        }
        MemoryImageSequence seq = MemoryImageSequence.open(dir);
        assertThat(seq.size()).isEqualTo(5);
        assertThat(seq).containsExactlyElementsOf(images);
        // ... and it replays byte-exact
        TraceReplay.Result r = TraceReplay.run(seq, new TraceReplay.Settings(12, 10, List.of(EncodeSpec.of(DeltaMethod.XOR, CodecSpec.zstd(1))), "t"), null);
        assertThat(r.failure()).isNull();
        assertThat(r.fullFrames()).isEqualTo(4); // 32 pages in regions of 10
    }

    @Test
    void refusesDirectoriesWithoutImages(@TempDir Path dir) throws IOException {
        assertThatThrownBy(() -> MemoryImageSequence.open(dir)).isInstanceOf(ImageInputException.class).hasMessageContaining("no memory images");
        assertThatThrownBy(() -> MemoryImageSequence.open(dir.resolve("missing"))).isInstanceOf(ImageInputException.class)
                .hasMessageEndingWith("missing: no such directory");
        Files.writeString(dir.resolve("1.bin"), "two digits are not an image name");
        assertThatThrownBy(() -> MemoryImageSequence.open(dir)).isInstanceOf(ImageInputException.class);
        assertThatThrownBy(() -> MemoryImageSequence.open(dir.resolve("1.bin"))).isInstanceOf(ImageInputException.class)
                .hasMessageContaining("not a directory");
    }

    @Test
    void refusesRawImagesOfUnequalSizeBeforeReadingAny(@TempDir Path dir) throws IOException {
        Files.write(dir.resolve("000.bin"), new byte[8192]);
        Files.write(dir.resolve("001.bin"), new byte[4096]);
        assertThatThrownBy(() -> MemoryImageSequence.open(dir)).isInstanceOf(ImageInputException.class)
                .hasMessageContaining("unequal size").hasMessageContaining("001.bin is 4096");
    }

    @Test
    void refusesAPatchChainWhoseImagesChangeSize(@TempDir Path dir) throws IOException {
        byte[] first = new PagePatterns(5, 4096).image(4);
        byte[] second = new PagePatterns(5, 4096).image(3);
        try (ZstdCompressCtx ctx = new ZstdCompressCtx()) {
            Files.write(dir.resolve("000.bin.zst"), ctx.compress(first));
            ctx.loadDict(first);
            Files.write(dir.resolve("001.patch.zst"), ctx.compress(second));
        }
        var it = MemoryImageSequence.open(dir).iterator();
        assertThat(it.next()).isEqualTo(first);
        assertThatThrownBy(it::next).isInstanceOf(java.io.UncheckedIOException.class).hasCauseInstanceOf(ImageInputException.class)
                .hasMessageContaining("after one of " + first.length);
    }

    @Test
    void aPatchThatIsNotZstdIsRefusedBeforeAnyImageIsRead(@TempDir Path dir) throws IOException {
        byte[] img = new PagePatterns(3, 4096).image(4);
        try (ZstdCompressCtx ctx = new ZstdCompressCtx()) {
            Files.write(dir.resolve("000.bin.zst"), ctx.compress(img));
        }
        Files.write(dir.resolve("001.patch.zst"), new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
        assertThatThrownBy(() -> MemoryImageSequence.open(dir)).isInstanceOf(ImageInputException.class)
                .hasMessageContaining("001.patch.zst: not a zstd frame");
    }

    @Test
    void aCorruptPatchBodyIsAnInputErrorWhenItIsRead(@TempDir Path dir) throws IOException {
        PagePatterns patterns = new PagePatterns(3, 4096);
        byte[] first = patterns.image(4);
        byte[] second = first.clone();
        second[5000] ^= 1;
        byte[] patch;
        try (ZstdCompressCtx ctx = new ZstdCompressCtx()) {
            Files.write(dir.resolve("000.bin.zst"), ctx.compress(first));
            ctx.loadDict(first);
            patch = ctx.compress(second);
        }
        Files.write(dir.resolve("001.patch.zst"), java.util.Arrays.copyOf(patch, patch.length / 2)); // the header survives, the body does not
        var it = MemoryImageSequence.open(dir).iterator();
        assertThat(it.next()).isEqualTo(first);
        assertThatThrownBy(it::next).isInstanceOf(java.io.UncheckedIOException.class).hasCauseInstanceOf(ImageInputException.class)
                .hasMessageContaining("001.patch.zst");
    }

    @Test
    void replayRefusesImagesThatAreNotWholePagesOrChangeSize() {
        TraceReplay.Settings s = new TraceReplay.Settings(12, 4, List.of(EncodeSpec.of(DeltaMethod.RAW, CodecSpec.NONE)), "t");
        assertThatThrownBy(() -> TraceReplay.run(List.of(new byte[4097]), s, null)).hasCauseInstanceOf(ImageInputException.class)
                .hasMessageContaining("whole number");
        assertThatThrownBy(() -> TraceReplay.run(List.of(new byte[8192], new byte[4096]), s, null)).hasCauseInstanceOf(ImageInputException.class)
                .hasMessageContaining("8192");
        assertThatThrownBy(() -> new TraceReplay.Settings(12, 0, s.specs(), "t")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new TraceReplay.Settings(12, 4, List.of(), "t")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void sharedTraceIsFound() {
        Path dir = SharedTrace.redisDir();
        assertThat(dir.resolve("000.bin.zst")).isRegularFile();
        assertThat(dir.resolve("README.md")).isRegularFile();
    }
}
