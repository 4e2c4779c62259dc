package dev.hde.job.cli;

import dev.hde.codec.Limits;
import dev.hde.codec.trace.MemoryImageSequence;
import dev.hde.codec.trace.TraceReplay;
import dev.hde.state.PolicySenders;
import dev.hde.state.RefreshPolicy;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code hde trace DIR}: encodes successive memory images as a sender would, decodes every frame
 * into a separate image, checks it byte for byte, and prints a JSON summary as its last line.
 */
@Command(
        name = "trace",
        mixinStandardHelpOptions = true,
        header = "Encode, decode and verify a directory of successive memory images.",
        description = {
            "Encode a directory of successive memory images (000.bin, 001.bin, ... or a zstd patch chain",
            "000.bin.zst, 001.patch.zst, ... as in shared/traces), decode every frame again, verify the",
            "rebuilt images byte for byte, and print a JSON summary as the last line."
        })
public final class TraceCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "DIR", description = "Directory of memory images.")
    Path dir;

    @Option(names = "--region-size", converter = SizeConverter.class, defaultValue = "2MiB",
            description = "Bytes per region (state key), a multiple of the page size (default: ${DEFAULT-VALUE}).")
    long regionSize;

    @Option(names = "--page-size", converter = SizeConverter.class, defaultValue = "4096",
            description = "Page size, a power of two from 512 to 64K (default: ${DEFAULT-VALUE}).")
    long pageSize;

    @Option(names = "--quiet", description = "Print only the JSON summary.")
    boolean quiet;

    @Mixin
    EncodeOptions encode = new EncodeOptions();

    @Override
    public Integer call() throws Exception {
        if (pageSize < 512 || pageSize > 65_536 || Long.bitCount(pageSize) != 1) {
            throw new ParameterException(spec.commandLine(), "--page-size must be a power of two from 512 to 64K");
        }
        if (regionSize < pageSize || regionSize % pageSize != 0) {
            throw new ParameterException(spec.commandLine(), "--region-size must be a positive multiple of the page size");
        }
        long regionPages = regionSize / pageSize;
        if (regionPages > Limits.DEFAULT.maxRegionPages()) {
            throw new ParameterException(spec.commandLine(), "--region-size over " + Limits.DEFAULT.maxRegionPages() + " pages");
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        MemoryImageSequence images = MemoryImageSequence.open(dir);
        int pageShift = Long.numberOfTrailingZeros(pageSize);
        var settings = new TraceReplay.Settings(pageShift, (int) regionPages, encode.specs(), "trace");
        if (!quiet) {
            err.printf("hde trace: %d images in %s, regions of %d pages, encoding with %s%n", images.size(), dir, regionPages, encode.describe());
            err.flush();
        }
        // The encoder job's own rules (keyframes on purpose), so that trace and job send the same frames.
        TraceReplay.Result r = TraceReplay.run(images, settings, PolicySenders.of(RefreshPolicy.DEFAULT, encode.specs()), (image, soFar) -> {
            if (!quiet) {
                err.printf("  image %d verified: %,d bytes on the wire so far (%,d after the first image)%n",
                        image, soFar.initialBytes() + soFar.wireBytes(), soFar.wireBytes());
                err.flush();
            }
        });
        if (!r.verified()) {
            err.println("hde trace: verification FAILED: " + r.failure());
            err.flush();
        } else if (!quiet) {
            err.printf("hde trace: %d images verified byte-exact; %,d changed bytes sent as %,d bytes (%.1fx)%n",
                    r.images(), r.changedBytes(), r.wireBytes(), r.wireBytes() == 0 ? 0.0 : (double) r.changedBytes() / r.wireBytes());
            err.flush();
        }
        out.println(json(r));
        out.flush();
        return r.verified() ? 0 : 1;
    }

    static String json(TraceReplay.Result r) {
        return String.format(Locale.ROOT,
                "{\"images\":%d,\"initial_bytes\":%d,\"changed_bytes\":%d,\"wire_bytes\":%d,\"full_frames\":%d,"
                        + "\"delta_frames\":%d,\"verified\":%b,\"encode_mb_s\":%.1f,\"decode_mb_s\":%.1f}",
                r.images(), r.initialBytes(), r.changedBytes(), r.wireBytes(), r.fullFrames(), r.deltaFrames(), r.verified(),
                r.encodeMbPerSecond(), r.decodeMbPerSecond());
    }
}
