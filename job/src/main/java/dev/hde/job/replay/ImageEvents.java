package dev.hde.job.replay;

import dev.hde.codec.trace.MemoryImageSequence;
import dev.hde.codec.wire.PageUpdateEvent;
import dev.hde.codec.wire.PageUpdateEventFormat;
import dev.hde.operators.ValidEvent;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.Consumer;
import org.apache.flink.api.common.functions.FlatMapFunction;
import org.apache.flink.util.Collector;

/**
 * A directory of memory images as page-update events, read as {@code hde trace} reads it
 * ({@link MemoryImageSequence}: {@code 000.bin, 001.bin, …} or a zstd patch chain): each image is cut
 * into regions of {@code regionPages} pages (state keys {@code PREFIX/rNNNN}); the first image gives
 * one REGION event per region (every page), each later image a PAGES event per region with the pages
 * whose bytes differ from the previous image (none: no event). Event sequence = image index + 1,
 * capture time = image index x {@code intervalMillis}.
 */
final class ImageEvents {

    /** How the images are cut and stamped. */
    record Settings(int pageShift, int regionPages, long intervalMillis, String keyPrefix) implements Serializable {
        Settings {
            if (regionPages < 1 || intervalMillis < 1) {
                throw new IllegalArgumentException("a region has at least one page, images are at least 1 ms apart");
            }
        }
    }

    private ImageEvents() {}

    /** Reads the images and hands out their events in image order; returns the number of images. */
    static int read(Path dir, Settings s, Consumer<PageUpdateEvent> out, java.util.function.IntConsumer imageDone) throws IOException {
        MemoryImageSequence images = MemoryImageSequence.open(dir);
        int pageSize = 1 << s.pageShift();
        byte[] previous = null;
        int image = 0;
        for (byte[] current : images) {
            if (current.length % pageSize != 0) {
                throw new IOException("image " + image + " is " + current.length + " bytes, not a whole number of " + pageSize + "-byte pages");
            }
            if (previous != null && previous.length != current.length) {
                throw new IOException("image " + image + " is " + current.length + " bytes, image " + (image - 1) + " was " + previous.length);
            }
            int totalPages = current.length / pageSize;
            int regions = (totalPages + s.regionPages() - 1) / s.regionPages();
            long time = image * s.intervalMillis();
            for (int r = 0; r < regions; r++) {
                String key = String.format("%s/r%04d", s.keyPrefix(), r);
                int first = r * s.regionPages();
                int pages = Math.min(s.regionPages(), totalPages - first);
                if (previous == null) {
                    byte[][] content = new byte[pages][];
                    for (int i = 0; i < pages; i++) {
                        int off = (first + i) * pageSize;
                        content[i] = Arrays.copyOfRange(current, off, off + pageSize);
                    }
                    out.accept(PageUpdateEvent.region(key, s.pageShift(), image + 1, time, content));
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
                }
                out.accept(PageUpdateEvent.pages(key, s.pageShift(), pages, image + 1, time, Arrays.copyOf(indices, n), content));
            }
            previous = current;
            imageDone.accept(image);
            image++;
        }
        return image;
    }

    /** The reader as a Flink function: one element (the directory) in, the images' events out. */
    static final class Source implements FlatMapFunction<String, ValidEvent> {
        private static final long serialVersionUID = 1L;
        private final Settings settings;

        Source(Settings settings) {
            this.settings = settings;
        }

        @Override
        public void flatMap(String dir, Collector<ValidEvent> out) throws Exception {
            long[] events = new long[1];
            int n = read(Path.of(dir), settings, e -> {
                out.collect(new ValidEvent(e.stateKey(), PageUpdateEventFormat.write(e)));
                events[0]++;
            }, image -> ReplayProgress.report("image %d read and diffed (%d events so far)", image, events[0]));
            ReplayProgress.report("%s: %d images, %d events", dir, n, events[0]);
        }
    }
}
