package dev.hde.producer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hde.codec.testing.SharedTrace;
import dev.hde.codec.trace.MemoryImageSequence;
import dev.hde.producer.cli.ProducerCli;
import dev.hde.producer.source.ImageSequenceSource;
import dev.hde.producer.testing.CollectingSink;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The {@code images} source against the shared redis trace (8 images of 5,700 pages; 7,485 pages change over 7 transitions). */
class ImagesSourceTest {

    private static final Pattern ROUND = Pattern.compile(
            "\\{\"round\":(\\d+),\"pages_scanned\":(\\d+),\"pages_changed\":(\\d+),\"bytes\":(\\d+),.*}");

    @Test
    void dryRunPrintsOneJsonLinePerImageAndFindsTheTracesChangedPages() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = ProducerCli.run(new PrintWriter(out), new PrintWriter(err), "images", SharedTrace.redisDir().toString(), "--dry-run");
        assertThat(code).as(err.toString()).isZero();

        List<String> lines = out.toString().lines().toList();
        assertThat(lines).hasSize(SharedTrace.IMAGES);
        long changedAfterFirst = 0;
        for (int i = 0; i < lines.size(); i++) {
            Matcher m = ROUND.matcher(lines.get(i));
            assertThat(m.matches()).as(lines.get(i)).isTrue();
            assertThat(Integer.parseInt(m.group(1))).isEqualTo(i);
            assertThat(Long.parseLong(m.group(2))).isEqualTo(SharedTrace.IMAGE_BYTES / 4096);
            if (i == 0) {
                assertThat(Long.parseLong(m.group(3))).isEqualTo(SharedTrace.IMAGE_BYTES / 4096);
                assertThat(Long.parseLong(m.group(4))).isGreaterThan(SharedTrace.IMAGE_BYTES);
            } else {
                changedAfterFirst += Long.parseLong(m.group(3));
                // Each changed page costs its 4096 bytes plus at most a few bytes of index; each event ~30 bytes plus the key.
                assertThat(Long.parseLong(m.group(4))).isBetween(Long.parseLong(m.group(3)) * 4096, Long.parseLong(m.group(3)) * 4100 + 12 * 64);
            }
        }
        assertThat(changedAfterFirst).isEqualTo(SharedTrace.CHANGED_PAGES);
        assertThat(err.toString()).contains("8 rounds").contains("dry run: nothing published");
    }

    @Test
    void eventsAppliedInOrderRebuildEveryImageByteForByte() throws Exception {
        MemoryImageSequence images = SharedTrace.open();
        int regionPages = 512;
        CollectingSink sink = new CollectingSink();
        ProducerLoop loop = new ProducerLoop(new ImageSequenceSource(images, images.size(), "redis", regionPages, new RegionTracker(12, 1)), sink);
        Iterator<byte[]> expected = SharedTrace.open().iterator();
        int round = 0;
        byte[] previous = null;
        while (expected.hasNext()) {
            byte[] image = expected.next();
            RoundStats r = loop.round();
            assertThat(r.round()).isEqualTo(round);
            int regions = (image.length / 4096 + regionPages - 1) / regionPages;
            assertThat(sink.model.keys()).hasSize(regions);
            for (int i = 0; i < regions; i++) {
                String key = String.format(Locale.ROOT, "redis/r%04d", i);
                byte[] region = sink.model.image(key);
                int from = i * regionPages * 4096;
                int to = Math.min(image.length, from + regionPages * 4096);
                assertThat(Arrays.equals(region, 0, region.length, image, from, to)).as("image %d region %s", round, key).isTrue();
            }
            // Exactly the pages that differ from the image before are sent (all of them for the first image).
            int differing = 0;
            for (int off = 0; off < image.length; off += 4096) {
                if (previous == null || Arrays.mismatch(previous, off, off + 4096, image, off, off + 4096) >= 0) {
                    differing++;
                }
            }
            assertThat(r.pagesChanged()).as("image %d", round).isEqualTo(differing);
            previous = image;
            round++;
        }
        assertThat(sink.model.gaps()).isZero();
    }
}
