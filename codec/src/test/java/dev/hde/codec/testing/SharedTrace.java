package dev.hde.codec.testing;

import dev.hde.codec.trace.MemoryImageSequence;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds the shared redis memory trace ({@code shared/traces/redis-22m}: eight 23,347,200-byte
 * images as a zstd patch chain) for tests of any module.
 *
 * <p>Where it looks, in order: the system property {@value #PROPERTY} (the parent pom's surefire
 * configuration sets it to {@code ../shared/traces/redis-22m} beside the repository root), then
 * {@code ../../shared/traces/redis-22m} and {@code ../shared/traces/redis-22m} relative to the
 * working directory (a module directory, or the repository root). The trace is present in CI, so a
 * missing trace is a test failure with a message saying where it was looked for, never a skip.
 */
public final class SharedTrace {

    public static final String PROPERTY = "hde.trace.dir";

    /** Facts from the trace's README that tests may rely on. */
    public static final int IMAGES = 8;
    public static final int IMAGE_BYTES = 23_347_200;
    public static final int PAGE_SHIFT = 12;
    /** 4 KiB pages that differ from the image before, summed over the 7 transitions. */
    public static final int CHANGED_PAGES = 7_485;

    private SharedTrace() {}

    /** The redis-22m trace directory; fails (AssertionError) with a clear message when it is absent. */
    public static Path redisDir() {
        List<Path> tried = new ArrayList<>();
        String property = System.getProperty(PROPERTY);
        if (property != null && !property.isBlank()) {
            Path p = Path.of(property).toAbsolutePath().normalize();
            tried.add(p);
            if (isTrace(p)) {
                return p;
            }
        }
        for (String fallback : List.of("../../shared/traces/redis-22m", "../shared/traces/redis-22m")) {
            Path p = Path.of(fallback).toAbsolutePath().normalize();
            tried.add(p);
            if (isTrace(p)) {
                return p;
            }
        }
        throw new AssertionError("The shared redis trace (shared/traces/redis-22m with 000.bin.zst and 00N.patch.zst) "
                + "was not found. Looked at " + tried + " (system property " + PROPERTY + "="
                + property + ", working directory " + Path.of("").toAbsolutePath()
                + "). Check out shared/ beside the repository, or pass -D" + PROPERTY + "=/path/to/redis-22m.");
    }

    /** Opens the trace as a sequence of images (each iteration decompresses the patch chain again). */
    public static MemoryImageSequence open() {
        Path dir = redisDir();
        try {
            return MemoryImageSequence.open(dir);
        } catch (IOException e) {
            throw new AssertionError("cannot open the redis trace at " + dir + ": " + e.getMessage(), e);
        }
    }

    /** All images in memory (about 187 MB): for tests that go over the trace more than once. */
    public static List<byte[]> loadAll() {
        List<byte[]> images = new ArrayList<>();
        for (byte[] image : open()) {
            images.add(image);
        }
        return images;
    }

    private static boolean isTrace(Path p) {
        return Files.isDirectory(p) && (Files.isRegularFile(p.resolve("000.bin.zst")) || Files.isRegularFile(p.resolve("000.bin")));
    }
}
