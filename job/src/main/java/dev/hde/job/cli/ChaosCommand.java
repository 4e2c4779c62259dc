package dev.hde.job.cli;

import dev.hde.job.chaos.ChaosRun;
import dev.hde.job.chaos.ChaosSettings;
import dev.hde.job.config.HdeJobConfig;
import dev.hde.producer.cli.Ranges;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code hde chaos}: the process-kill fault suite (docs/reliability.md). Exit 0 only when every
 * region ends byte-exact against the producer's memory, no frame ever led a receiver elsewhere, and
 * no frame was committed twice.
 */
@Command(name = "chaos", mixinStandardHelpOptions = true, sortOptions = false,
        header = "Kill the encoder and the broker (kill -9) while a producer publishes; check every region against the producer's memory.",
        description = {
            "Starts a Kafka broker and `hde encode` as processes of their own, publishes a seeded",
            "synthetic workload that keeps the true memory of every region, and kills the encoder",
            "(restarting it with --restore auto, and --restore none on purpose), kills the broker",
            "for tens of seconds, drops events and lets one VM idle past the prune time. At the end",
            "every region a receiver rebuilt from the committed frames is compared byte for byte",
            "with the producer's memory. The last line is JSON; exit 0 only when \"ok\" is true."
        })
public final class ChaosCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the workload and of every fault's timing (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--kills", defaultValue = "20", converter = Ranges.NonNegative.class,
            description = "kill -9 of the encoder, each followed by a restart (default: ${DEFAULT-VALUE}).")
    int kills;

    @Option(names = "--broker-kills", defaultValue = "1", converter = Ranges.NonNegative.class,
            description = "Of those, how many also kill the broker for --broker-down (default: ${DEFAULT-VALUE}).")
    int brokerKills;

    @Option(names = "--without-state", defaultValue = "1", converter = Ranges.NonNegative.class,
            description = "Restarts with --restore none: the encoder's state lost on purpose (default: ${DEFAULT-VALUE}).")
    int withoutState;

    @Option(names = "--gap", defaultValue = "20s", converter = DurationConverter.Positive.class, paramLabel = "DURATION",
            description = "The encoder runs up to this long between kills, a seeded random time (default: ${DEFAULT-VALUE}).")
    Duration gap;

    @Option(names = "--broker-down", defaultValue = "30s", converter = DurationConverter.Positive.class, paramLabel = "DURATION",
            description = "How long a killed broker stays down, about (between half and all of it; default: ${DEFAULT-VALUE}).")
    Duration brokerDown;

    @Option(names = "--drop-rate", defaultValue = "0.01", converter = Ranges.Share.class,
            description = "Share of partial events the producer drops on purpose (default: ${DEFAULT-VALUE}).")
    double dropRate;

    @Option(names = "--idle-timeout", defaultValue = "6s", converter = DurationConverter.Positive.class, paramLabel = "DURATION",
            description = "The encoder's prune time; one VM idles past it now and then (default: ${DEFAULT-VALUE}).")
    Duration idleTimeout;

    @Option(names = "--heartbeat", defaultValue = "10s", converter = DurationConverter.Positive.class, paramLabel = "DURATION",
            description = "A quiet region of the producer sends an empty event after this long, so that its lost last change is "
                    + "found; longer than --idle-timeout, so the idle VM is still pruned first (default: ${DEFAULT-VALUE}).")
    Duration heartbeat;

    @Option(names = "--vms", defaultValue = "3", description = "VMs of the workload, at least 2 (default: ${DEFAULT-VALUE}).")
    int vms;

    @Option(names = "--regions", defaultValue = "3", converter = Ranges.AtLeastOne.class, description = "Regions per VM (default: ${DEFAULT-VALUE}).")
    int regions;

    @Option(names = "--region-pages", defaultValue = "64", converter = Ranges.AtLeastOne.class,
            description = "4 KiB pages per region (default: ${DEFAULT-VALUE}).")
    int regionPages;

    @Option(names = "--interval", defaultValue = "300ms", converter = DurationConverter.Positive.class, paramLabel = "DURATION",
            description = "Time between the producer's rounds (default: ${DEFAULT-VALUE}).")
    Duration interval;

    @Option(names = "--checkpoint-interval", defaultValue = "1s", converter = DurationConverter.Positive.class, paramLabel = "DURATION",
            description = "The encoder's checkpoint interval (default: ${DEFAULT-VALUE}).")
    Duration checkpointInterval;

    @Option(names = "--state-backend", defaultValue = "rocksdb", paramLabel = "hashmap|rocksdb",
            description = "The encoder's state backend (default: ${DEFAULT-VALUE}).")
    String stateBackend;

    @Option(names = "--selector", defaultValue = "adaptive", paramLabel = "fixed|adaptive",
            description = "The encoder's selector (default: ${DEFAULT-VALUE}: its trainer publishes every 2 s and writes each model into the "
                    + "page-updates topic, so the kills also land on models in band).")
    HdeJobConfig.SelectorMode selector;

    @Option(names = "--settle", defaultValue = "3m", converter = DurationConverter.Positive.class, paramLabel = "DURATION",
            description = "At the end, how long to wait for every region to become exact (default: ${DEFAULT-VALUE}).")
    Duration settle;

    @Option(names = "--work-dir", paramLabel = "DIR", description = "Where the broker's data, checkpoints and encoder logs go (default: a temporary directory).")
    Path workDir;

    @Option(names = "--keep", description = "Keep the work directory (logs of every encoder run) at the end.")
    boolean keep;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        PrintWriter out = spec.commandLine().getOut();
        if (vms < 2) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--vms must be at least 2, not " + vms + " (one of them idles)");
        }
        if (withoutState > kills || brokerKills > Math.max(1, kills)) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--without-state and --broker-kills can be at most --kills (" + kills + ")");
        }
        Path dir = workDir != null ? workDir : Files.createTempDirectory("hde-chaos-");
        long t0 = System.nanoTime();
        ChaosSettings s = new ChaosSettings(seed, kills, brokerKills, withoutState, vms, regions, regionPages, interval, gap, brokerDown,
                dropRate, idleTimeout, heartbeat, checkpointInterval, stateBackend, selector, settle, dir, keep || workDir != null);
        err.println("hde chaos: seed " + seed + ", " + kills + " encoder kills, " + brokerKills + " broker kills, " + withoutState
                + " restarts without state, work directory " + dir + (s.keep() ? " (kept)" : " (removed at the end)"));
        err.flush();
        ChaosRun.Report r = new ChaosRun(s, line -> {
            err.println(String.format(Locale.ROOT, "[%6.1fs] %s", (System.nanoTime() - t0) / 1e9, line));
            err.flush();
        }).run();
        r.problems().stream().limit(20).forEach(p -> err.println("hde chaos: " + p));
        out.println(r.toJson());
        out.flush();
        return r.ok() ? 0 : 1;
    }
}
