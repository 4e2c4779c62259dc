package dev.hde.codec.trace;

import dev.hde.codec.HdeException;
import dev.hde.codec.Pages;
import dev.hde.codec.region.EncodeSpec;
import dev.hde.codec.region.FrameApplier;
import dev.hde.codec.region.FrameInfo;
import dev.hde.codec.region.HeapPageStore;
import dev.hde.codec.region.PageUpdate;
import dev.hde.codec.region.PendingFrame;
import dev.hde.codec.region.RegionEncoder;
import dev.hde.codec.region.RegionMeta;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Sends a sequence of memory images through the codec as a sender and a receiver would: each
 * image is cut into regions (one state key each), diffed page by page against the previous image,
 * encoded (the first image as FULL frames), decoded by a separate receiver, and the receiver's
 * image is compared byte for byte with the input. Encode and decode of the frames after the first
 * image (the ones the changed bytes and wire bytes count) are timed apart from reading and diffing
 * the images; the first image's keyframes are not timed.
 */
public final class TraceReplay {

    /**
     * @param specs the frame is rendered with each and the smallest is sent (one spec: a fixed choice)
     * @param keyPrefix state keys are {@code keyPrefix/rNNNN}
     */
    public record Settings(int pageShift, int regionPages, List<EncodeSpec> specs, String keyPrefix) {
        public Settings {
            if (specs.isEmpty()) {
                throw new IllegalArgumentException("no encode spec");
            }
            if (regionPages < 1) {
                throw new IllegalArgumentException("a region has at least one page");
            }
        }
    }

    /** The outcome; {@code failure} is null when every image verified. */
    public record Result(
            int images,
            long initialBytes,
            long changedBytes,
            long wireBytes,
            int fullFrames,
            int deltaFrames,
            long encodeNanos,
            long decodeNanos,
            String failure) {

        public boolean verified() {
            return failure == null;
        }

        public double encodeMbPerSecond() {
            return encodeNanos == 0 ? 0 : changedBytes / 1e6 / (encodeNanos / 1e9);
        }

        public double decodeMbPerSecond() {
            return decodeNanos == 0 ? 0 : changedBytes / 1e6 / (decodeNanos / 1e9);
        }
    }

    /** Called after each image with the running totals. */
    public interface Progress {
        void imageDone(int image, Result soFar);
    }

    private TraceReplay() {}

    public static Result run(Iterable<byte[]> images, Settings s, Progress progress) {
        int pageSize = 1 << s.pageShift();
        FrameApplier receiver = new FrameApplier();
        List<Region> regions = new ArrayList<>();
        byte[] previous = null;
        int image = 0;
        long initialBytes = 0;
        long changedBytes = 0;
        long wireBytes = 0;
        int fullFrames = 0;
        int deltaFrames = 0;
        long encodeNanos = 0;
        long decodeNanos = 0;
        for (byte[] current : images) {
            if (current.length % pageSize != 0) {
                return failed(image, "image " + image + " is " + current.length + " bytes, not a whole number of " + pageSize + "-byte pages");
            }
            if (previous != null && previous.length != current.length) {
                return failed(image, "image " + image + " is " + current.length + " bytes, image " + (image - 1) + " was " + previous.length);
            }
            int totalPages = current.length / pageSize;
            int regionCount = (totalPages + s.regionPages() - 1) / s.regionPages();
            while (regions.size() < regionCount) {
                regions.add(new Region(String.format("%s/r%04d", s.keyPrefix(), regions.size())));
            }
            for (int r = 0; r < regionCount; r++) {
                Region region = regions.get(r);
                int first = r * s.regionPages();
                int pages = Math.min(s.regionPages(), totalPages - first);
                PageUpdate update = previous == null
                        ? allPages(current, first, pages, pageSize)
                        : changedPages(previous, current, first, pages, pageSize);
                if (previous != null && update.size() == 0) {
                    continue;
                }
                FrameInfo info = new FrameInfo(region.key, image, image);
                long t0 = System.nanoTime();
                PendingFrame pending = region.meta == null
                        ? RegionEncoder.full(null, s.pageShift(), region.reference, update)
                        : RegionEncoder.delta(region.meta, region.reference, update);
                byte[] frame = s.specs().size() == 1
                        ? RegionEncoder.render(info, pending, s.specs().get(0))
                        : RegionEncoder.renderSmallest(info, pending, s.specs());
                RegionEncoder.commit(pending, region.reference);
                region.meta = pending.after();
                long t1 = System.nanoTime();
                try {
                    FrameApplier.Applied applied = receiver.apply(frame, region.received, region.receiverPages);
                    region.received = applied.meta();
                } catch (HdeException e) {
                    return failed(image, "region " + region.key + " image " + image + ": " + e.getMessage());
                }
                long t2 = System.nanoTime();
                if (previous == null) {
                    initialBytes += frame.length;
                    fullFrames++;
                } else {
                    // Timed like the bytes: the frames after the first image, whose changed pages the MB/s count.
                    encodeNanos += t1 - t0;
                    decodeNanos += t2 - t1;
                    wireBytes += frame.length;
                    changedBytes += pending.changedBytes() + (long) pending.zeroPages() * pageSize;
                    deltaFrames++;
                }
                String mismatch = compare(region, current, first, pages, pageSize);
                if (mismatch != null) {
                    return failed(image, "region " + region.key + " image " + image + ": " + mismatch);
                }
            }
            previous = current;
            image++;
            if (progress != null) {
                progress.imageDone(image - 1, new Result(image, initialBytes, changedBytes, wireBytes, fullFrames, deltaFrames,
                        encodeNanos, decodeNanos, null));
            }
        }
        return new Result(image, initialBytes, changedBytes, wireBytes, fullFrames, deltaFrames, encodeNanos, decodeNanos, null);
    }

    private static Result failed(int images, String why) {
        return new Result(images, 0, 0, 0, 0, 0, 0, 0, why);
    }

    private static final class Region {
        final String key;
        final HeapPageStore reference = new HeapPageStore();
        final HeapPageStore receiverPages = new HeapPageStore();
        RegionMeta meta;
        RegionMeta received;

        Region(String key) {
            this.key = key;
        }
    }

    static PageUpdate allPages(byte[] image, int first, int pages, int pageSize) {
        int[] indices = new int[pages];
        byte[][] content = new byte[pages][];
        for (int i = 0; i < pages; i++) {
            indices[i] = i;
            int off = (first + i) * pageSize;
            content[i] = Arrays.copyOfRange(image, off, off + pageSize);
        }
        return new PageUpdate(pages, indices, content);
    }

    /** The sender's diff: pages whose bytes differ from the previous image. */
    static PageUpdate changedPages(byte[] previous, byte[] image, int first, int pages, int pageSize) {
        int[] indices = new int[pages];
        int n = 0;
        for (int i = 0; i < pages; i++) {
            int off = (first + i) * pageSize;
            if (Arrays.mismatch(previous, off, off + pageSize, image, off, off + pageSize) >= 0) {
                indices[n++] = i;
            }
        }
        byte[][] content = new byte[n][];
        for (int j = 0; j < n; j++) {
            int off = (first + indices[j]) * pageSize;
            content[j] = Arrays.copyOfRange(image, off, off + pageSize);
        }
        return new PageUpdate(pages, Arrays.copyOf(indices, n), content);
    }

    private static String compare(Region region, byte[] image, int first, int pages, int pageSize) {
        if (region.received == null || region.received.regionPages() != pages) {
            return "receiver holds " + (region.received == null ? "nothing" : region.received.regionPages() + " pages") + ", expected " + pages;
        }
        for (int i = 0; i < pages; i++) {
            int off = (first + i) * pageSize;
            byte[] got = region.receiverPages.get(i);
            boolean same = got == null
                    ? Pages.isZero(image, off, pageSize)
                    : Arrays.equals(got, 0, pageSize, image, off, off + pageSize);
            if (!same) {
                return "page " + i + " differs from the input";
            }
        }
        return null;
    }
}
