package dev.hde.producer.cli;

import dev.hde.codec.trace.MemoryImageSequence;
import dev.hde.producer.Source;
import dev.hde.producer.source.ImageSequenceSource;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "images", mixinStandardHelpOptions = true, sortOptions = false, usageHelpAutoWidth = true,
        description = {
            "Publishes successive raw memory images, one per round: DIR holds 000.bin, 001.bin, ... of equal size, or a zstd "
                    + "patch chain as in shared/traces (000.bin.zst, 001.patch.zst, ...).",
            "Each image is cut into regions of --region-size (state keys <vm id>/rNNNN); the first image goes out whole "
                    + "(REGION events), each later one as the pages that differ from the image before (PAGES events).",
            ""},
        footer = {"", "Example:", "  hde-producer images ../shared/traces/redis-22m --dry-run"})
final class ImagesCommand extends RunCommand {

    @Parameters(index = "0", paramLabel = "DIR", description = "The directory of images.")
    Path dir;

    @Option(order = 1, names = "--vm-id", paramLabel = "ID", defaultValue = "images", description = "First part of the state keys (default: ${DEFAULT-VALUE}).")
    String vmId;

    @Option(order = 2, names = "--page-size", paramLabel = "BYTES", defaultValue = "4096", converter = Ranges.AtLeastOne.class, description = "Page size (default: ${DEFAULT-VALUE}).")
    int pageSize;

    @Option(order = 3, names = "--region-size", paramLabel = "SIZE", converter = SizeConverter.class, defaultValue = "2MiB",
            description = "Bytes per region (state key) (default: ${DEFAULT-VALUE}).")
    long regionSize;

    @Override
    Source open(long firstSequence) throws IOException {
        int shift = pageShift(pageSize, spec);
        int regionPages = regionPages(regionSize, pageSize);
        MemoryImageSequence images = MemoryImageSequence.open(dir);
        return new ImageSequenceSource(images, images.size(), vmId, regionPages, tracker(shift, firstSequence));
    }

    @Override
    Duration defaultInterval() {
        return Duration.ZERO;
    }

    @Override
    long maxEventBytes() {
        return regionSize + 4096;
    }

    @Override
    int pageSize() {
        return pageSize;
    }
}
