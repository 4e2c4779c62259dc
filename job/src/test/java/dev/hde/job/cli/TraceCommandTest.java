package dev.hde.job.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class TraceCommandTest {

    /** What {@code zstd -19 --long=28 --patch-from=previous} needs over the 7 transitions (trace README). */
    private static final long ZSTD_PATCH_FROM_19_BYTES = 797_691;

    record Run(int exit, String out, String err) {
        String lastLine() {
            String[] lines = out.strip().split("\n");
            return lines[lines.length - 1];
        }

        long field(String name) {
            Matcher m = Pattern.compile("\"" + name + "\":(\\d+)").matcher(lastLine());
            assertThat(m.find()).as("field %s in %s", name, lastLine()).isTrue();
            return Long.parseLong(m.group(1));
        }
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = HdeCli.commandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int exit = cli.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    static Path redisTrace() {
        Path dir = Path.of(System.getProperty("hde.trace.dir", "../../shared/traces/redis-22m"));
        assertThat(dir.resolve("000.bin.zst")).as("the shared redis trace (set -Dhde.trace.dir)").exists();
        return dir;
    }

    @Test
    void defaultPresetVerifiesTheRedisTraceAndBeatsZstdPatchFrom() {
        Run r = run("trace", redisTrace().toString());

        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.lastLine()).startsWith("{\"images\":8,").contains("\"verified\":true");
        assertThat(r.field("changed_bytes")).isEqualTo(7_485L * 4096);
        assertThat(r.field("full_frames")).isEqualTo(12);
        assertThat(r.field("wire_bytes")).isPositive().isLessThanOrEqualTo(ZSTD_PATCH_FROM_19_BYTES);
    }

    /** The presets in order on the first three redis images (max codes with LZMA-9: the whole trace would take a minute). */
    @Test
    void maxSendsFewerBytesThanTheDefaultWhichSendsFewerThanFast(@TempDir Path dir) throws Exception {
        int n = 0;
        for (byte[] image : dev.hde.codec.trace.MemoryImageSequence.open(redisTrace())) {
            Files.write(dir.resolve(String.format("%03d.bin", n)), image);
            if (++n == 3) {
                break;
            }
        }
        Run max = run("trace", dir.toString(), "--preset", "max", "--quiet");
        Run balanced = run("trace", dir.toString(), "--quiet");
        Run fast = run("trace", dir.toString(), "--preset", "fast", "--quiet");

        assertThat(max.exit()).isZero();
        assertThat(balanced.exit()).isZero();
        assertThat(fast.exit()).isZero();
        assertThat(max.field("wire_bytes")).isPositive().isLessThan(balanced.field("wire_bytes"));
        assertThat(balanced.field("wire_bytes")).isLessThan(fast.field("wire_bytes"));
        assertThat(max.out().strip()).doesNotContain("\n"); // --quiet: only the JSON line
    }

    @Test
    void pinnedMethodCodecAndLevelOnRawImages(@TempDir Path dir) throws Exception {
        writeImages(dir, 4, 64, 7L);

        Run r = run("trace", dir.toString(), "--method", "xor", "--codec", "lz4", "--region-size", "64K");

        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.err()).contains("xor+lz4");
        assertThat(r.field("images")).isEqualTo(4);
        assertThat(r.field("full_frames")).isEqualTo(4); // 64 pages in regions of 16
        assertThat(r.field("changed_bytes")).isPositive();
    }

    @Test
    void imagesOfDifferentSizesAreAnInputErrorNamingTheImage(@TempDir Path dir) throws Exception {
        writeImages(dir, 2, 8, 3L);
        Files.write(dir.resolve("002.bin"), new byte[4096 * 9]);

        Run r = run("trace", dir.toString());

        assertThat(r.exit()).isEqualTo(2); // bad input, not a failed check
        assertThat(r.err().strip()).isEqualTo("hde trace: " + dir + ": images of unequal size: 000.bin is 32768 bytes, 002.bin is 36864 "
                + "(every image of a sequence has the size of the first)");
        assertThat(r.out()).isEmpty();
    }

    @Test
    void missingOrEmptyDirectoriesAreInputErrorsOfOneLine(@TempDir Path dir) throws Exception {
        Run missing = run("trace", dir.resolve("missing").toString());
        assertThat(missing.exit()).isEqualTo(2);
        assertThat(missing.err().strip()).isEqualTo("hde trace: " + dir.resolve("missing") + ": no such directory");
        Run empty = run("trace", dir.toString());
        assertThat(empty.exit()).isEqualTo(2);
        assertThat(empty.err().strip()).startsWith("hde trace: " + dir + ": no memory images in it").doesNotContain("\n");
    }

    @Test
    void badOptionsAreUsageErrors(@TempDir Path dir) throws Exception {
        writeImages(dir, 1, 4, 1L);

        assertThat(run("trace", dir.toString(), "--region-size", "5000").exit()).isEqualTo(2);
        assertThat(run("trace", dir.toString(), "--page-size", "3000").exit()).isEqualTo(2);
        assertThat(run("trace", dir.toString(), "--method", "dict", "--codec", "lz4").exit()).isEqualTo(2);
        assertThat(run("trace", dir.toString(), "--codec", "zstd").exit()).isEqualTo(2);
        assertThat(run("trace", dir.resolve("missing").toString()).exit()).isEqualTo(2);
    }

    /** Images of {@code pages} 4 KiB pages, each a few sparse edits away from the one before. */
    private static void writeImages(Path dir, int count, int pages, long seed) throws Exception {
        Random random = new Random(seed);
        byte[] image = new byte[pages * 4096];
        for (int i = 0; i < image.length; i += 3) {
            image[i] = (byte) (i / 4096 + (i & 0x0F));
        }
        for (int n = 0; n < count; n++) {
            for (int e = 0; e < 50; e++) {
                image[random.nextInt(image.length)] = (byte) random.nextInt();
            }
            Files.write(dir.resolve(String.format("%03d.bin", n)), image);
        }
    }
}
