package dev.hde.codec.trace;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdDecompressCtx;
import com.github.luben.zstd.ZstdDictContentType;
import com.github.luben.zstd.ZstdException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Successive raw memory images of one process or VM, read from a directory in one of two forms:
 * plain images {@code 000.bin, 001.bin, …}, or a zstd patch chain as in {@code shared/traces}
 * ({@code 000.bin.zst}, then {@code 001.patch.zst, …}, each a zstd patch against the image before
 * it). Images are handed out one at a time so that only two are in memory at once.
 */
public final class MemoryImageSequence implements Iterable<byte[]> {

    /** Largest image accepted: a Java array, and a bound on what a zstd header may ask us to allocate. */
    public static final long MAX_IMAGE_BYTES = 1L << 30;
    private static final int PATCH_WINDOW_LOG = 31;
    private static final Pattern RAW = Pattern.compile("\\d{3,}\\.bin");
    private static final Pattern PATCH = Pattern.compile("\\d{3,}\\.patch\\.zst");

    private final List<Path> files;
    private final boolean patchChain;

    private MemoryImageSequence(List<Path> files, boolean patchChain) {
        this.files = files;
        this.patchChain = patchChain;
    }

    public static MemoryImageSequence open(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IOException(dir + " is not a directory");
        }
        List<Path> raw = list(dir, RAW);
        if (!raw.isEmpty()) {
            return new MemoryImageSequence(raw, false);
        }
        Path first = dir.resolve("000.bin.zst");
        if (Files.isRegularFile(first)) {
            List<Path> chain = new ArrayList<>();
            chain.add(first);
            chain.addAll(list(dir, PATCH));
            return new MemoryImageSequence(chain, true);
        }
        throw new IOException(dir + " holds neither NNN.bin images nor a 000.bin.zst patch chain");
    }

    private static List<Path> list(Path dir, Pattern name) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> name.matcher(p.getFileName().toString()).matches()).sorted().toList();
        }
    }

    public int size() {
        return files.size();
    }

    @Override
    public Iterator<byte[]> iterator() {
        return new Iterator<>() {
            private int next;
            private byte[] previous;

            @Override
            public boolean hasNext() {
                return next < files.size();
            }

            @Override
            public byte[] next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                try {
                    Path file = files.get(next);
                    byte[] image = !patchChain ? readRaw(file) : next == 0 ? unzstd(file, null) : unzstd(file, previous);
                    next++;
                    previous = image;
                    return image;
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        };
    }

    private static byte[] readRaw(Path file) throws IOException {
        if (Files.size(file) > MAX_IMAGE_BYTES) {
            throw new IOException(file + " is larger than " + MAX_IMAGE_BYTES + " bytes");
        }
        return Files.readAllBytes(file);
    }

    private static byte[] unzstd(Path file, byte[] reference) throws IOException {
        byte[] compressed = Files.readAllBytes(file);
        long size = Zstd.getFrameContentSize(compressed);
        if (size < 0 || size > MAX_IMAGE_BYTES) {
            throw new IOException(file + ": zstd frame has no usable content size (" + size + ")");
        }
        try (ZstdDecompressCtx ctx = new ZstdDecompressCtx()) {
            ctx.setLongMax(PATCH_WINDOW_LOG);
            if (reference != null) {
                ctx.loadDict(reference, ZstdDictContentType.RAW_CONTENT);
            }
            byte[] out = new byte[(int) size];
            int n = ctx.decompress(out, compressed);
            if (n != size) {
                throw new IOException(file + ": decompressed " + n + " bytes, header says " + size);
            }
            return out;
        } catch (ZstdException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }
}
