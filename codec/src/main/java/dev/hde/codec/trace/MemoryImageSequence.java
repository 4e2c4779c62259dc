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

    /**
     * Lists the images of {@code dir}.
     *
     * @throws ImageInputException when {@code dir} is missing, not a directory, holds no images, or holds raw images of
     *     unequal size
     */
    public static MemoryImageSequence open(Path dir) throws ImageInputException {
        if (!Files.exists(dir)) {
            throw new ImageInputException(dir + ": no such directory");
        }
        if (!Files.isDirectory(dir)) {
            throw new ImageInputException(dir + ": not a directory; give the directory that holds the images (" + FORMS + ")");
        }
        try {
            List<Path> raw = list(dir, RAW);
            if (!raw.isEmpty()) {
                checkEqualSizes(raw);
                return new MemoryImageSequence(raw, false);
            }
            Path first = dir.resolve("000.bin.zst");
            if (Files.isRegularFile(first)) {
                List<Path> chain = new ArrayList<>();
                chain.add(first);
                chain.addAll(list(dir, PATCH));
                for (Path file : chain) {
                    checkZstdHeader(file);
                }
                return new MemoryImageSequence(chain, true);
            }
        } catch (ImageInputException e) {
            throw e;
        } catch (IOException e) {
            throw new ImageInputException(dir + ": cannot read: " + e.getMessage(), e);
        }
        throw new ImageInputException(dir + ": no memory images in it (" + FORMS + ")");
    }

    private static final String FORMS = "000.bin, 001.bin, ... of equal size, or a zstd patch chain 000.bin.zst, 001.patch.zst, ...";

    /** Raw images are all read one by one later: refuse a directory whose images cannot make one sequence now, before any is used. */
    private static void checkEqualSizes(List<Path> raw) throws IOException {
        long first = Files.size(raw.get(0));
        for (Path p : raw) {
            long size = Files.size(p);
            if (size != first) {
                throw new ImageInputException(p.getParent() + ": images of unequal size: " + raw.get(0).getFileName() + " is " + first + " bytes, "
                        + p.getFileName() + " is " + size + " (every image of a sequence has the size of the first)");
            }
        }
    }

    /** A file of a patch chain that is not a zstd frame with its content size is refused before any image is read. */
    private static void checkZstdHeader(Path file) throws IOException {
        byte[] head = new byte[ZSTD_MAX_FRAME_HEADER];
        int n;
        try (java.io.InputStream in = Files.newInputStream(file)) {
            n = in.readNBytes(head, 0, head.length);
        }
        contentSize(file, Zstd.getFrameContentSize(head, 0, n));
    }

    /** The largest zstd frame header (magic number included). */
    private static final int ZSTD_MAX_FRAME_HEADER = 18;

    /** The content size a zstd frame header gives, if it is a usable one. */
    private static long contentSize(Path file, long size) throws ImageInputException {
        if (size == -1) {
            throw new ImageInputException(file + ": its zstd frame header has no content size (zstd writes one unless told not to)");
        }
        if (size < 0) {
            throw new ImageInputException(file + ": not a zstd frame (corrupt, or not zstd)");
        }
        if (size > MAX_IMAGE_BYTES) {
            throw new ImageInputException(file + ": an image of " + size + " bytes, over the limit of " + MAX_IMAGE_BYTES);
        }
        return size;
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
                Path file = files.get(next);
                try {
                    byte[] image = !patchChain ? readRaw(file) : next == 0 ? unzstd(file, null) : unzstd(file, previous);
                    if (previous != null && image.length != previous.length) {
                        throw new ImageInputException(file + ": image of " + image.length + " bytes after one of " + previous.length
                                + " (every image of a sequence has the size of the first)");
                    }
                    next++;
                    previous = image;
                    return image;
                } catch (ImageInputException e) {
                    throw new UncheckedIOException(e);
                } catch (IOException e) {
                    throw new UncheckedIOException(new ImageInputException(file + ": cannot read: " + e.getMessage(), e));
                }
            }
        };
    }

    private static byte[] readRaw(Path file) throws IOException {
        if (Files.size(file) > MAX_IMAGE_BYTES) {
            throw new ImageInputException(file + ": larger than " + MAX_IMAGE_BYTES + " bytes, the largest image read");
        }
        return Files.readAllBytes(file);
    }

    private static byte[] unzstd(Path file, byte[] reference) throws IOException {
        byte[] compressed = Files.readAllBytes(file);
        long size = contentSize(file, Zstd.getFrameContentSize(compressed));
        try (ZstdDecompressCtx ctx = new ZstdDecompressCtx()) {
            ctx.setLongMax(PATCH_WINDOW_LOG);
            if (reference != null) {
                ctx.loadDict(reference, ZstdDictContentType.RAW_CONTENT);
            }
            byte[] out = new byte[(int) size];
            int n = ctx.decompress(out, compressed);
            if (n != size) {
                throw new ImageInputException(file + ": corrupt: decompressed " + n + " bytes, its header says " + size);
            }
            return out;
        } catch (ZstdException e) {
            throw new ImageInputException(file + ": corrupt zstd " + (reference == null ? "image" : "patch") + ": " + e.getMessage(), e);
        }
    }
}
