package dev.hde.job.cli;

import dev.hde.producer.cli.Ranges;
import dev.hde.producer.SyntheticWorkload;
import java.time.Duration;
import picocli.CommandLine.Option;

/** The synthetic VM memory workload of {@code hde demo} and {@code hde bench-pipeline}. */
public final class WorkloadOptions {

    @Option(names = "--vms", defaultValue = "4", converter = Ranges.AtLeastOne.class, description = "VMs (default: ${DEFAULT-VALUE}).")
    int vms;

    @Option(names = "--regions", defaultValue = "8", converter = Ranges.AtLeastOne.class, description = "Regions (state keys) per VM (default: ${DEFAULT-VALUE}).")
    int regions;

    @Option(names = "--region-pages", defaultValue = "128", converter = Ranges.AtLeastOne.class, description = "4 KiB pages per region (default: ${DEFAULT-VALUE}).")
    int regionPages;

    @Option(names = "--rounds", defaultValue = "30", converter = Ranges.AtLeastOne.class,
            description = "Rounds: the first publishes every region whole, each later one the dirty pages of every region (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--duration", converter = DurationConverter.class, paramLabel = "DURATION",
            description = "Spread the rounds evenly over this long (default: publish as fast as the pipeline takes them).")
    Duration duration;

    @Option(names = "--dirty-rate", defaultValue = "0.05", converter = Ranges.Share.class, description = "Share of each region's pages dirtied per round (default: ${DEFAULT-VALUE}).")
    double dirtyRate;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of the workload (default: ${DEFAULT-VALUE}).")
    long seed;

    SyntheticWorkload.Settings settings() {
        return SyntheticWorkload.Settings.DEFAULT.withVms(vms, regions).withRegionPages(regionPages).withDirtyRate(dirtyRate).withSeed(seed);
    }
}
