package dev.hde.producer.source;

import dev.hde.producer.RegionTracker;
import dev.hde.producer.Source;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.Iterator;
import java.util.Locale;
import java.util.Objects;

/**
 * Successive raw memory images (a {@code MemoryImageSequence}: {@code 000.bin, 001.bin, …} or a zstd
 * patch chain as in {@code shared/traces}), one image per round. Each image is cut into regions of
 * {@code regionPages} pages, state keys {@code <vm id>/r<region index, 4+ digits>} as {@code hde trace}
 * names them; the pages whose hash differs from the image before are published (the first image
 * whole, as REGION events). An image shorter than the one before deletes the regions past its end.
 */
public final class ImageSequenceSource implements Source {

    private final Iterator<byte[]> images;
    private final int imageCount;
    private final String vmId;
    private final int pageShift;
    private final int regionPages;
    private final RegionTracker tracker;
    private long imageBytes;
    private byte[] lastImage;

    /** @param imageCount how many images there are (for {@link #describe}); -1 when unknown */
    public ImageSequenceSource(Iterable<byte[]> images, int imageCount, String vmId, int regionPages, RegionTracker tracker) {
        this.images = images.iterator();
        this.imageCount = imageCount;
        this.vmId = Objects.requireNonNull(vmId);
        this.pageShift = tracker.pageShift();
        this.regionPages = regionPages;
        this.tracker = tracker;
        if (regionPages < 1) {
            throw new IllegalArgumentException("a region has at least one page");
        }
    }

    @Override
    public Scan scan(int round, Emitter out) throws IOException, InterruptedException {
        byte[] image;
        if (images.hasNext()) {
            try {
                image = images.next();
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
            lastImage = image;
        } else if (lastImage != null) {
            // After the last image (a run that lingers to answer resync requests): the memory stays as the last image left
            // it, so only the regions asked for whole make events.
            image = lastImage;
        } else {
            return Scan.NONE;
        }
        int pageSize = 1 << pageShift;
        if (image.length % pageSize != 0) {
            throw new IOException("image " + round + " is " + image.length + " bytes, not a whole number of " + pageSize + "-byte pages");
        }
        imageBytes = image.length;
        int pages = image.length >> pageShift;
        int regions = (pages + regionPages - 1) / regionPages;
        for (String key : tracker.keys()) {
            int r = regionIndex(key);
            if (r < 0 || r >= regions) {
                tracker.delete(key, out);
            }
        }
        ByteBuffer whole = ByteBuffer.wrap(image);
        long read = 0;
        for (int r = 0; r < regions; r++) {
            int first = r * regionPages;
            int n = Math.min(regionPages, pages - first);
            RegionTracker.Result result = tracker.scan(key(r), n,
                    (p, count) -> whole.slice((first + p) << pageShift, count << pageShift), null, out);
            read += result.pagesRead();
        }
        return new Scan(pages, read, 0);
    }

    private String key(int region) {
        return String.format(Locale.ROOT, "%s/r%04d", vmId, region);
    }

    private int regionIndex(String key) {
        String prefix = vmId + "/r";
        try {
            return key.startsWith(prefix) ? Integer.parseInt(key.substring(prefix.length())) : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    @Override
    public boolean requestWhole(String stateKey) {
        return tracker.requestWhole(stateKey);
    }

    @Override
    public boolean owns(String stateKey) {
        return stateKey.startsWith(vmId + "/");
    }

    @Override
    public boolean hasMore() {
        return images.hasNext();
    }

    @Override
    public String describe() {
        return String.format(Locale.ROOT, "%s memory images%s, regions of %d KiB, state keys %s/rNNNN",
                imageCount < 0 ? "successive" : Integer.toString(imageCount),
                imageBytes > 0 ? String.format(Locale.ROOT, " of %.1f MiB", imageBytes / 1048576.0) : "",
                (regionPages << pageShift) >> 10, vmId);
    }
}
