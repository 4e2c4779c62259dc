package dev.hde.producer.cli;

import dev.hde.producer.Source;
import dev.hde.producer.SyntheticWorkload;
import dev.hde.producer.source.SyntheticSource;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "synthetic", mixinStandardHelpOptions = true, sortOptions = false, usageHelpAutoWidth = true,
        description = {
            "Publishes the synthetic VM workload of hde demo: --vms VMs with --regions regions each (state keys vm-NN/rNNNN), "
                    + "whose pages are a seeded mix of zero, text, code, heap-like and random content.",
            "Round 0 publishes every region whole; each later round dirties about --dirty-rate of each region's pages, in "
                    + "clusters: 10%% are false dirties (reported, unchanged, as hypervisors report), 3%% become zero, "
                    + "--rewrite-rate get fresh content, and the rest get a few small edits (counters, pointers, short strings, "
                    + "bytes moved).",
            ""},
        footer = {"", "Example:", "  hde-producer synthetic --vms 2 --regions 8 --rounds 30 -i 200ms -b localhost:9092"})
final class SyntheticCommand extends RunCommand {

    private static final SyntheticWorkload.Settings D = SyntheticWorkload.Settings.DEFAULT;

    @Option(order = 1, names = "--vms", paramLabel = "N", converter = Ranges.AtLeastOne.class, description = "VMs (default: 4).")
    int vms = D.vms();

    @Option(order = 2, names = "--regions", paramLabel = "N", converter = Ranges.AtLeastOne.class, description = "Regions (state keys) per VM (default: 4).")
    int regions = D.regionsPerVm();

    @Option(order = 3, names = "--region-pages", paramLabel = "N", converter = Ranges.AtLeastOne.class, description = "Pages per region (default: 512, i.e. 2 MiB of 4 KiB pages).")
    int regionPages = D.regionPages();

    @Option(order = 4, names = "--page-size", paramLabel = "BYTES", converter = Ranges.AtLeastOne.class, description = "Page size (default: 4096).")
    int pageSize = 1 << D.pageShift();

    @Option(order = 5, names = "--dirty-rate", paramLabel = "SHARE", converter = Ranges.Share.class, description = "Share of each region's pages reported dirty per round (default: 0.03).")
    double dirtyRate = D.dirtyRate();

    @Option(order = 6, names = "--rewrite-rate", paramLabel = "SHARE", converter = Ranges.Share.class, description = "Share of dirty pages rewritten whole rather than edited (default: 0.05).")
    double rewriteRate = D.rewriteRate();

    @Option(order = 7, names = "--random-share", paramLabel = "SHARE", converter = Ranges.Share.class, description = "Share of pages holding incompressible bytes (encrypted or compressed data) (default: 0.05).")
    double randomShare = D.randomShare();

    @Option(order = 8, names = "--seed", paramLabel = "N", description = "Seed: the same seed gives the same memory and the same rounds (default: 42).")
    long seed = D.seed();

    @Override
    Source open(long firstSequence) {
        int shift = pageShift(pageSize, spec);
        regionPages(regionPages * (long) pageSize, pageSize);
        SyntheticWorkload.Settings s;
        try {
            s = new SyntheticWorkload.Settings(vms, regions, regionPages, shift, dirtyRate, rewriteRate, randomShare, seed);
        } catch (IllegalArgumentException e) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        return new SyntheticSource(new SyntheticWorkload(s).heartbeat(run.heartbeat), firstSequence);
    }

    @Override
    long maxEventBytes() {
        return (long) regionPages * pageSize + 4096;
    }

    @Override
    int pageSize() {
        return pageSize;
    }
}
