package dev.hde.job.replay;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hde.codec.select.NetworkMode;
import dev.hde.codec.testing.PagePatterns;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@code hde replay --images DIR} on a few small images: every file of the report, every configuration verified. */
class ReplayImagesTest {

    @RegisterExtension
    static final MiniClusterExtension FLINK = ReplayTestSupport.miniCluster();

    static final int PAGE = 4096;

    /** {@code count} images of {@code pages} pages: generated memory, then sparse edits, the last one with random rewrites too. */
    static void writeImages(Path dir, int count, int pages, long seed) throws Exception {
        PagePatterns pp = new PagePatterns(seed, PAGE);
        SplittableRandom rnd = new SplittableRandom(seed);
        byte[] image = pp.image(pages);
        for (int n = 0; n < count; n++) {
            if (n > 0) {
                for (int i = 0; i < pages; i++) {
                    int roll = rnd.nextInt(100);
                    if (roll < 15) {
                        pp.sparseEdits(image, i, 1 + rnd.nextInt(12));
                    } else if (roll < 18 && n == count - 1) {
                        pp.rewritePage(image, i, pp.randomPage());
                    }
                }
            }
            Files.write(dir.resolve(String.format("%03d.bin", n)), image);
        }
    }

    @Test
    void writesTheCsvHtmlAndJsonWithEveryConfigurationVerified(@TempDir Path tmp) throws Exception {
        Path images = Files.createDirectory(tmp.resolve("images"));
        writeImages(images, 4, 96, 21);
        Path out = tmp.resolve("report");

        ReplayTestSupport.Run r = ReplayTestSupport.replay(out, "--images", images.toString(), "--region-size", "64K");

        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.err()).contains("image 3 read").contains("trace/r0005").contains("adaptive selector, hybrid");
        JsonNode json = r.json();
        assertThat(json.fieldNames()).toIterable().containsExactly("configurations");
        List<String> names = new ArrayList<>();
        for (JsonNode e : json.get("configurations")) {
            names.add(e.get("name").asText());
            assertThat(e.get("wire_bytes").asLong()).as(e.toString()).isPositive();
            assertThat(e.get("encode_s").asDouble()).isPositive();
            assertThat(e.get("decode_s").asDouble()).isPositive();
            for (NetworkMode m : NetworkMode.values()) {
                assertThat(e.get("measured_cost_s").get(m.lowerName()).asDouble()).isPositive();
                assertThat(e.get("cost_s").get(m.lowerName()).asDouble()).isPositive();
            }
            assertThat(e.get("fixed").isBoolean()).isTrue();
            assertThat(e.get("verified").asBoolean()).as(e.toString()).isTrue();
            assertThat(e.get("fixed").asBoolean()).isEqualTo(!e.get("name").asText().startsWith("adaptive"));
        }
        List<String> fixed = ReplaySettings.defaultChoices(false);
        assertThat(names.get(0)).isEqualTo("adaptive");
        assertThat(names).containsAll(fixed)
                .contains("xbzrle+zstd-3/default", "xbzrle+zstd-3/chain-5", "xbzrle+zstd-3/delta-budget")
                .contains("adaptive-datacenter", "adaptive-internet", "adaptive-hybrid")
                .hasSize(1 + fixed.size() + 3 + 3);
        // "adaptive" is the hybrid run's bytes and times, with each mode's own cost
        JsonNode adaptive = json.get("configurations").get(0);
        JsonNode hybrid = r.entries().get("adaptive-hybrid");
        assertThat(adaptive.get("wire_bytes")).isEqualTo(hybrid.get("wire_bytes"));
        assertThat(adaptive.get("encode_s")).isEqualTo(hybrid.get("encode_s"));
        for (NetworkMode m : NetworkMode.values()) {
            assertThat(adaptive.get("measured_cost_s").get(m.lowerName()))
                    .isEqualTo(r.entries().get(ReplaySettings.adaptiveName(m)).get("measured_cost_s").get(m.lowerName()));
        }

        List<String> rows = Files.readAllLines(out.resolve(ReportWriter.CONFIGURATIONS_CSV));
        assertThat(rows.get(0)).startsWith("name,kind,fixed,verified,").contains("wire_bytes", "measured_cost_internet_s", "cost_hybrid_s");
        assertThat(rows).hasSize(1 + fixed.size() + 3 + 3);
        assertThat(rows.subList(1, rows.size())).allSatisfy(row -> assertThat(row.split(",")[3]).isEqualTo("true"));
        List<String> timeline = Files.readAllLines(out.resolve(ReportWriter.TIMELINE_CSV));
        assertThat(timeline.get(0)).startsWith("name,bucket,");
        // one row per configuration and image (every image changes every region here)
        assertThat(timeline).hasSize(1 + (fixed.size() + 3 + 3) * 4);
        assertThat(Files.readAllLines(out.resolve(ReportWriter.CHOICES_CSV)).get(0)).isEqualTo("mode,bucket,bucket_start_ms,choice,frames");
        assertThat(Files.readString(out.resolve(ReportWriter.JSON)).strip()).isEqualTo(r.lastLine());

        String html = Files.readString(out.resolve(ReportWriter.HTML));
        assertThat(html).startsWith("<!DOCTYPE html>").contains("<svg").contains("<polyline").contains("Bytes on the wire")
                .contains("Compression ratio").contains("Encode and decode speed").contains("Modelled transfer time per network mode")
                .contains("per time bucket").contains("xbzrle+zstd-3/chain-5");
        // self-contained: no scripts, no stylesheets or images fetched, no links anywhere
        assertThat(html).doesNotContain("<script").doesNotContain("<link").doesNotContain("src=").doesNotContain("href=")
                .doesNotContain("https:");
        assertThat(html.replace("http://www.w3.org/2000/svg", "")).doesNotContain("http:");
    }

    @Test
    void aDirectoryWithoutImagesIsAnErrorNotAReport(@TempDir Path tmp) throws Exception {
        Path empty = Files.createDirectory(tmp.resolve("empty"));
        ReplayTestSupport.Run r = ReplayTestSupport.replay(tmp.resolve("report"), "--images", empty.toString());
        assertThat(r.exit()).isNotZero();
        assertThat(r.err()).contains("--images: ").contains("neither NNN.bin images nor a 000.bin.zst patch chain");
    }
}
