package dev.hde.bench;

import dev.hde.codec.Pages;
import dev.hde.codec.region.FrameInfo;
import dev.hde.codec.region.HeapPageStore;
import dev.hde.codec.region.PageUpdate;
import dev.hde.codec.region.RegionEncoder;
import dev.hde.codec.region.RegionMeta;
import dev.hde.codec.trace.MemoryImageSequence;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A sequence of memory images cut into regions, with everything a benchmark needs worked out in
 * advance so that a measured call does only encoding or only decoding: for each transition and
 * region the {@link PageUpdate} of the changed pages (the sender's page diff), the concatenated
 * changed pages (for the plain-codec references), and the state after image 0 (pages and
 * {@link RegionMeta}) that every sender and receiver starts from.
 *
 * <p>Nothing here is ever modified after construction: page stores built from it hold references
 * to its page arrays, which the codec never writes to ({@code commit} replaces arrays).
 */
public final class Dataset {

    /** System property naming the directory of the redis trace. */
    public static final String TRACE_DIR_PROPERTY = "hde.trace.dir";

    public final String name;
    public final int pageShift;
    public final int pageSize;
    /** Pages per region (the last region may have fewer, see {@link #regionPageCount}). */
    public final int regionPages;
    /** images[0] is the start, images[t] the image after transition t. */
    public final byte[][] images;
    public final int regions;
    public final int[] regionPageCount;
    /** [region][page]: the content of image 0, null for a zero page. */
    public final byte[][][] initialPages;
    /** [region]: the metadata after the FULL frame of image 0 (epoch 1, chain index 0). */
    public final RegionMeta[] initialMeta;
    /** [transition - 1][region]: the changed pages, null when the region did not change. */
    public final PageUpdate[][] updates;
    /** [transition - 1][region]: the changed pages laid end to end, null when the region did not change. */
    public final byte[][][] changedConcat;
    /** [transition - 1][region]. */
    public final FrameInfo[][] infos;
    /** Pages that differ between successive images, summed over all transitions. */
    public final long changedPages;
    /** {@link #changedPages} times the page size: the bytes one pass over all transitions encodes. */
    public final long changedBytes;

    private static final Map<String, Dataset> CACHE = new ConcurrentHashMap<>();

    /** Prefix of a data set read from a directory of images, e.g. {@code dir:/work/corpus/postgres} (scripts/corpus). */
    public static final String DIR_PREFIX = "dir:";

    /** "redis" (the trace in {@code hde.trace.dir}), "synthetic" or "dir:PATH" (any image directory); loaded once per JVM. */
    public static Dataset get(String name) {
        return CACHE.computeIfAbsent(name, Dataset::load);
    }

    private static Dataset load(String name) {
        return switch (name) {
            case "redis" -> redis(traceDir());
            case "synthetic" -> SyntheticTrace.dataset();
            default -> {
                if (name.startsWith(DIR_PREFIX)) {
                    yield images(name, Paths.get(name.substring(DIR_PREFIX.length())));
                }
                throw new IllegalArgumentException("unknown data set " + name + " (redis, synthetic or dir:PATH)");
            }
        };
    }

    /** {@code hde.trace.dir}, else {@code ../shared/traces/redis-22m} from the repository root or from {@code bench/}. */
    public static Path traceDir() {
        String prop = System.getProperty(TRACE_DIR_PROPERTY);
        if (prop != null && !prop.isBlank()) {
            return Paths.get(prop);
        }
        for (String candidate : List.of("../shared/traces/redis-22m", "../../shared/traces/redis-22m")) {
            Path p = Paths.get(candidate);
            if (Files.isDirectory(p)) {
                return p;
            }
        }
        throw new IllegalStateException("no redis trace: pass -D" + TRACE_DIR_PROPERTY + "=DIR (the shared/traces/redis-22m directory)");
    }

    public static Dataset redis(Path dir) {
        return images("redis", dir);
    }

    /** Successive images of a directory as {@code hde trace} reads them, in 2 MiB regions. */
    public static Dataset images(String name, Path dir) {
        List<byte[]> images = new ArrayList<>();
        try {
            for (byte[] image : MemoryImageSequence.open(dir)) {
                images.add(image);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Dataset(name, 12, 512, images);
    }

    public Dataset(String name, int pageShift, int regionPages, List<byte[]> imageList) {
        if (imageList.size() < 2) {
            throw new IllegalArgumentException("a data set needs at least two images");
        }
        this.name = name;
        this.pageShift = pageShift;
        this.pageSize = 1 << pageShift;
        this.regionPages = regionPages;
        this.images = imageList.toArray(new byte[0][]);
        int imageBytes = images[0].length;
        for (byte[] image : images) {
            if (image.length != imageBytes || image.length % pageSize != 0) {
                throw new IllegalArgumentException("images must all be " + imageBytes + " bytes, a whole number of pages");
            }
        }
        int totalPages = imageBytes / pageSize;
        this.regions = (totalPages + regionPages - 1) / regionPages;
        this.regionPageCount = new int[regions];
        this.initialPages = new byte[regions][][];
        this.initialMeta = new RegionMeta[regions];
        for (int r = 0; r < regions; r++) {
            int pages = Math.min(regionPages, totalPages - r * regionPages);
            regionPageCount[r] = pages;
            int[] indices = new int[pages];
            byte[][] content = new byte[pages][];
            initialPages[r] = new byte[pages][];
            for (int i = 0; i < pages; i++) {
                indices[i] = i;
                content[i] = page(images[0], r, i);
                initialPages[r][i] = Pages.isZero(content[i]) ? null : content[i];
            }
            initialMeta[r] = RegionEncoder.full(null, pageShift, new HeapPageStore(), new PageUpdate(pages, indices, content)).after();
        }
        int transitions = images.length - 1;
        this.updates = new PageUpdate[transitions][regions];
        this.changedConcat = new byte[transitions][regions][];
        this.infos = new FrameInfo[transitions][regions];
        long changed = 0;
        for (int t = 1; t <= transitions; t++) {
            for (int r = 0; r < regions; r++) {
                infos[t - 1][r] = new FrameInfo(String.format("%s/r%04d", name, r), t, t);
                int pages = regionPageCount[r];
                int[] indices = new int[pages];
                int n = 0;
                for (int i = 0; i < pages; i++) {
                    int off = offset(r, i);
                    if (Arrays.mismatch(images[t - 1], off, off + pageSize, images[t], off, off + pageSize) >= 0) {
                        indices[n++] = i;
                    }
                }
                if (n == 0) {
                    continue;
                }
                byte[][] content = new byte[n][];
                byte[] concat = new byte[n * pageSize];
                for (int j = 0; j < n; j++) {
                    content[j] = page(images[t], r, indices[j]);
                    System.arraycopy(content[j], 0, concat, j * pageSize, pageSize);
                }
                updates[t - 1][r] = new PageUpdate(pages, Arrays.copyOf(indices, n), content);
                changedConcat[t - 1][r] = concat;
                changed += n;
            }
        }
        this.changedPages = changed;
        this.changedBytes = changed * pageSize;
    }

    public int transitions() {
        return images.length - 1;
    }

    /** Byte offset of page {@code index} of region {@code r} in an image. */
    public int offset(int r, int index) {
        return (r * regionPages + index) * pageSize;
    }

    /** Bytes of region {@code r}. */
    public int regionBytes(int r) {
        return regionPageCount[r] * pageSize;
    }

    private byte[] page(byte[] image, int r, int index) {
        int off = offset(r, index);
        return Arrays.copyOfRange(image, off, off + pageSize);
    }

    /** A store holding image 0 of region {@code r}; it shares this data set's page arrays. */
    public HeapPageStore initialStore(int r) {
        HeapPageStore store = new HeapPageStore();
        byte[][] pages = initialPages[r];
        for (int i = 0; i < pages.length; i++) {
            if (pages[i] != null) {
                store.put(i, pages[i]);
            }
        }
        return store;
    }

    /** Null when {@code store} holds exactly region {@code r} of the last image, else what differs. */
    public String compareWithLast(int r, HeapPageStore store) {
        byte[] last = images[images.length - 1];
        for (int i = 0; i < regionPageCount[r]; i++) {
            int off = offset(r, i);
            byte[] got = store.get(i);
            boolean same = got == null ? Pages.isZero(last, off, pageSize) : Arrays.equals(got, 0, pageSize, last, off, off + pageSize);
            if (!same) {
                return name + " region " + r + " page " + i + " differs from the last image";
            }
        }
        return null;
    }

    @Override
    public String toString() {
        return String.format("%s: %d images of %,d bytes, %d regions of up to %d pages, %d transitions, %,d changed pages (%,d bytes)",
                name, images.length, images[0].length, regions, regionPages, transitions(), changedPages, changedBytes);
    }
}
