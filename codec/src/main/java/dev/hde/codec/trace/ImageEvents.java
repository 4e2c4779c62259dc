package dev.hde.codec.trace;

import dev.hde.codec.RegionDigest;
import dev.hde.codec.wire.PageUpdateEvent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * Successive memory images as the page-update events a producer sends for them (the producer's
 * {@code images} source sends the same): each image is cut into regions of {@code regionPages}
 * pages (state keys {@code PREFIX/rNNNN}); the first image gives one REGION event per region, each
 * later image a PAGES event per region with the pages whose bytes differ from the previous image
 * (none: no event). Every event carries the producer's region digest of the image (the truth);
 * each region's events are numbered from {@code firstSequence} on, one by one; capture time is the
 * image index × {@code intervalMillis}.
 *
 * <p>{@code hde trace}, the replay job and the frame-equality tests read images through this one
 * class, so that for the same images they all see the same events.
 */
public final class ImageEvents {

    /** How the images are cut and stamped. */
    public record Settings(int pageShift, int regionPages, String keyPrefix, long firstSequence, long intervalMillis)
            implements java.io.Serializable {
        public Settings {
            if (regionPages < 1 || intervalMillis < 0 || firstSequence < 0) {
                throw new IllegalArgumentException("a region has at least one page; sequences and times are not negative");
            }
        }

        /** Sequences from 1, images 1 s apart. */
        public Settings(int pageShift, int regionPages, String keyPrefix) {
            this(pageShift, regionPages, keyPrefix, 1, 1000);
        }
    }

    private final Settings settings;
    private final int pageSize;
    private final List<Region> regions = new ArrayList<>();
    private byte[] previous;
    private int image;

    private static final class Region {
        final String key;
        RegionDigest digest;
        long sequence;

        Region(String key, long firstSequence) {
            this.key = key;
            this.sequence = firstSequence - 1;
        }
    }

    public ImageEvents(Settings settings) {
        this.settings = settings;
        this.pageSize = 1 << settings.pageShift();
    }

    /** The state key of region {@code r}. */
    public String key(int r) {
        return String.format(Locale.ROOT, "%s/r%04d", settings.keyPrefix(), r);
    }

    /** The images taken so far. */
    public int images() {
        return image;
    }

    /**
     * Takes the next image and hands out its events, region by region.
     *
     * @throws IllegalArgumentException when the image is not a whole number of pages or its size differs from the previous one
     */
    public void next(byte[] current, Consumer<PageUpdateEvent> out) {
        if (current.length % pageSize != 0) {
            throw new IllegalArgumentException("image " + image + " is " + current.length + " bytes, not a whole number of " + pageSize
                    + "-byte pages");
        }
        if (previous != null && previous.length != current.length) {
            throw new IllegalArgumentException("image " + image + " is " + current.length + " bytes, image " + (image - 1) + " was "
                    + previous.length);
        }
        int totalPages = current.length / pageSize;
        int regionCount = (totalPages + settings.regionPages() - 1) / settings.regionPages();
        while (regions.size() < regionCount) {
            regions.add(new Region(key(regions.size()), settings.firstSequence()));
        }
        long time = image * settings.intervalMillis();
        for (int r = 0; r < regionCount; r++) {
            Region region = regions.get(r);
            int first = r * settings.regionPages();
            int pages = Math.min(settings.regionPages(), totalPages - first);
            if (previous == null) {
                byte[][] content = new byte[pages][];
                region.digest = new RegionDigest(pages);
                for (int i = 0; i < pages; i++) {
                    int off = (first + i) * pageSize;
                    content[i] = Arrays.copyOfRange(current, off, off + pageSize);
                    region.digest.set(i, RegionDigest.contribution(i, content[i]));
                }
                out.accept(PageUpdateEvent.region(region.key, settings.pageShift(), ++region.sequence, time, content)
                        .withDigest(region.digest.digest()));
                continue;
            }
            int[] indices = new int[pages];
            int n = 0;
            for (int i = 0; i < pages; i++) {
                int off = (first + i) * pageSize;
                if (Arrays.mismatch(previous, off, off + pageSize, current, off, off + pageSize) >= 0) {
                    indices[n++] = i;
                }
            }
            if (n == 0) {
                continue;
            }
            byte[][] content = new byte[n][];
            for (int j = 0; j < n; j++) {
                int off = (first + indices[j]) * pageSize;
                content[j] = Arrays.copyOfRange(current, off, off + pageSize);
                region.digest.set(indices[j], RegionDigest.contribution(indices[j], content[j]));
            }
            out.accept(PageUpdateEvent.pages(region.key, settings.pageShift(), pages, ++region.sequence, time, Arrays.copyOf(indices, n),
                    content).withDigest(region.digest.digest()));
        }
        previous = current;
        image++;
    }
}
