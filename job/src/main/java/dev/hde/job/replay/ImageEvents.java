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
 * whose bytes differ from the previous image (none: no event), each with the producer's digest.
 * Each region's events are numbered 1, 2, …; capture time = image index x {@code intervalMillis}.
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

    /** Reads the images and hands out their events in image order ({@link dev.hde.codec.trace.ImageEvents}); returns the number of images. */
    static int read(Path dir, Settings s, Consumer<PageUpdateEvent> out, java.util.function.IntConsumer imageDone) throws IOException {
        MemoryImageSequence images = MemoryImageSequence.open(dir);
        dev.hde.codec.trace.ImageEvents events = new dev.hde.codec.trace.ImageEvents(
                new dev.hde.codec.trace.ImageEvents.Settings(s.pageShift(), s.regionPages(), s.keyPrefix(), 1, s.intervalMillis()));
        for (byte[] current : images) {
            try {
                events.next(current, out);
            } catch (IllegalArgumentException e) {
                throw new IOException(e.getMessage(), e);
            }
            imageDone.accept(events.images() - 1);
        }
        return events.images();
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
