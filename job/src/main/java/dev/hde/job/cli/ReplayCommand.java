package dev.hde.job.cli;

import dev.hde.codec.Limits;
import dev.hde.codec.select.Link;
import dev.hde.codec.trace.MemoryImageSequence;
import dev.hde.codec.select.NetworkMode;
import dev.hde.job.config.HdeJobConfig;
import dev.hde.job.kafka.KafkaPreflight;
import dev.hde.producer.cli.KafkaConnectivity;
import dev.hde.producer.cli.Ranges;
import dev.hde.job.replay.ReplayInput;
import dev.hde.job.replay.ReplayJob;
import dev.hde.job.replay.ReplayKafka;
import dev.hde.job.replay.ReplayProgress;
import dev.hde.job.replay.ReplayReport;
import dev.hde.job.replay.ReplaySettings;
import dev.hde.job.replay.ReportWriter;
import dev.hde.job.replay.SyntheticMixed;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code hde replay}: the replay analytics job. Re-encodes a bounded input (a range of the
 * page-updates topic, a directory of memory images, or a synthetic mixed stream) under every fixed
 * choice, several refresh policies and the adaptive selector in each network mode, verifies every
 * configuration's frames byte for byte, and writes a CSV and HTML report with a JSON summary as the
 * last line of stdout.
 */
@Command(name = "replay", mixinStandardHelpOptions = true, sortOptions = false,
        header = "Replay a bounded input under several encoder configurations and report what each costs.",
        description = {
            "Replay a bounded input as a Flink batch job: a range of the page-updates",
            "topic (--from-offset/--to-offset or --from-time/--to-time), a directory of",
            "memory images (--images DIR, read as `hde trace` reads it) or a seeded",
            "synthetic stream whose best choice changes half way (--synthetic-mixed).",
            "Every fixed method/codec/level choice, refresh policy and the adaptive",
            "selector in each network mode (datacenter, internet, hybrid) encode the same",
            "input; every frame is decoded and verified byte for byte. Writes",
            "configurations.csv, timeline.csv, choices.csv, report.html (inline SVG",
            "charts) and summary.json to --out, and prints the JSON summary as the last",
            "line of stdout. Exits 1 if any configuration fails verification."
        })
public final class ReplayCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    static final class Source {
        @Option(names = "--images", paramLabel = "DIR", description = "Directory of memory images (000.bin, 001.bin, ... or a zstd patch chain).")
        Path images;

        @Option(names = "--synthetic-mixed", description = "A seeded synthetic stream: compressible pages, then random (encrypted) ones.")
        boolean synthetic;

        @Option(names = "--topic-range", description = "The page-updates topic between the --from-* and --to-* bounds (also taken when -b, --kafka-config or a bound is given).")
        boolean topic;
    }

    @ArgGroup(exclusive = true, multiplicity = "0..1")
    Source source = new Source();

    @Option(names = {"-b", "--bootstrap-servers"}, paramLabel = "HOST:PORT[,...]",
            description = "Topic: Kafka bootstrap servers (the topic is read only when this, --kafka-config or a --from-*/--to-* bound is given).")
    String bootstrapServers;

    @Option(names = "--kafka-config", paramLabel = "FILE",
            description = "Topic: Kafka client properties file (security.protocol, sasl.*, ssl.*, ...), as for `hde encode`.")
    Path kafkaConfig;

    @Option(names = "-D", paramLabel = "kafka.NAME=VALUE", mapFallbackValue = "",
            description = "Topic: a Kafka client property, e.g. -Dkafka.security.protocol=SASL_SSL (repeatable; also read from JVM system properties).")
    Map<String, String> kafkaProperties = new java.util.LinkedHashMap<>();

    @Option(names = "--connect-timeout", converter = DurationConverter.Positive.class, paramLabel = "DURATION", defaultValue = "15s",
            description = "Topic: how long the check that Kafka answers, before the job starts, waits (default: ${DEFAULT-VALUE}).")
    Duration connectTimeout;

    @Option(names = "--page-updates-topic", paramLabel = "TOPIC", description = "Topic: the page-update events (default: hde.page-updates).")
    String pageUpdatesTopic;

    @Option(names = "--from-offset", paramLabel = "N|P:N,...", description = "Topic: first offset (inclusive), on every partition or per partition.")
    String fromOffset;

    @Option(names = "--to-offset", paramLabel = "N|P:N,...", description = "Topic: end offset (exclusive), on every partition or per partition.")
    String toOffset;

    @Option(names = "--from-time", paramLabel = "TIME", description = "Topic: first record at or after this time (ISO-8601 instant or epoch ms).")
    String fromTime;

    @Option(names = "--to-time", paramLabel = "TIME", description = "Topic: stop at the first record at or after this time (exclusive).")
    String toTime;

    @Option(names = "--region-size", converter = SizeConverter.class, defaultValue = "2MiB",
            description = "Images: bytes per region (state key), a multiple of the page size (default: ${DEFAULT-VALUE}).")
    long regionSize;

    @Option(names = "--page-size", converter = SizeConverter.class, defaultValue = "4096",
            description = "Images: page size, a power of two from 512 to 64K (default: ${DEFAULT-VALUE}).")
    long pageSize;

    @Option(names = "--image-interval", converter = DurationConverter.Positive.class, defaultValue = "1s", paramLabel = "DURATION",
            description = "Images: capture time between two images (default: ${DEFAULT-VALUE}).")
    Duration imageInterval;

    @Option(names = "--synthetic-vms", defaultValue = "4", converter = Ranges.AtLeastOne.class, description = "Synthetic: VMs (default: ${DEFAULT-VALUE}).")
    int syntheticVms;

    @Option(names = "--synthetic-regions", defaultValue = "4", converter = Ranges.AtLeastOne.class, description = "Synthetic: regions per VM (default: ${DEFAULT-VALUE}).")
    int syntheticRegions;

    @Option(names = "--synthetic-region-pages", defaultValue = "256", converter = Ranges.AtLeastOne.class, description = "Synthetic: 4 KiB pages per region (default: ${DEFAULT-VALUE}).")
    int syntheticRegionPages;

    @Option(names = "--synthetic-rounds", defaultValue = "12", converter = Ranges.AtLeastOne.class,
            description = "Synthetic: rounds of compressible edits, and as many of random rewrites (default: ${DEFAULT-VALUE}).")
    int syntheticRounds;

    @Option(names = "--synthetic-dirty-rate", defaultValue = "0.10", converter = Ranges.Share.class, description = "Synthetic: share of pages dirtied per compressible round (default: ${DEFAULT-VALUE}).")
    double syntheticDirtyRate;

    @Option(names = "--synthetic-encrypted-share", defaultValue = "0.12", converter = Ranges.Share.class,
            description = "Synthetic: share of pages rewritten with random bytes per later round (default: ${DEFAULT-VALUE}).")
    double syntheticEncryptedShare;

    @Option(names = "--configs", split = ",", paramLabel = "CHOICE",
            description = "Fixed choices, also the adaptive selector's candidates, e.g. xbzrle+lz4,xbzrle+zstd-3 "
                    + "(default: raw+none, xbzrle+none, xbzrle+lz4, xor+zstd-1, xbzrle+zstd-1, xbzrle+zstd-3, xbzrle+zstd-9, split+zstd-3, split+brotli-5, "
                    + "dict+zstd-9).")
    List<String> configs;

    @Option(names = "--slow", description = "Add the slow choices to the default list (xbzrle+zstd-19).")
    boolean slow;

    @Option(names = "--refresh", split = ",", paramLabel = "POLICY",
            description = "Refresh policies tried on --refresh-choice: default, chain-N, no-size-rule, delta-budget, interval-N(ms|s|m|h), or none "
                    + "(default: default,chain-5,delta-budget).")
    List<String> refresh;

    @Option(names = "--refresh-choice", defaultValue = ReplaySettings.DEFAULT_REFRESH_CHOICE, paramLabel = "CHOICE",
            description = "The choice the refresh policies are tried with (default: ${DEFAULT-VALUE}).")
    String refreshChoice;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of the selector's exploration and of the synthetic stream (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--publish-every", defaultValue = "8", converter = Ranges.AtLeastOne.class,
            description = "Records between two models the adaptive selector learns from (default: ${DEFAULT-VALUE}).")
    int publishEvery;

    @Option(names = "--datacenter-bandwidth", paramLabel = "BITS/S", description = "Datacenter link, e.g. 10G (default: 10G).")
    String datacenterBandwidth;

    @Option(names = "--internet-bandwidth", paramLabel = "BITS/S", description = "Internet link, e.g. 100M (default: 100M).")
    String internetBandwidth;

    @Option(names = "--hybrid-bandwidth", paramLabel = "BITS/S", description = "Hybrid link, e.g. 1G or 2.5G (default: 1G).")
    String hybridBandwidth;

    @Option(names = "--bucket", converter = DurationConverter.Positive.class, defaultValue = "1s", paramLabel = "DURATION",
            description = "Time bucket of the report, in capture time (default: ${DEFAULT-VALUE}: one per image or synthetic round).")
    Duration bucket;

    @Option(names = {"-p", "--parallelism"}, converter = Ranges.AtLeastOne.class, description = "Parallelism of the per-region work (default: the environment's; locally the cores).")
    Integer parallelism;

    @Option(names = "--out", defaultValue = "replay-report", paramLabel = "DIR", description = "Report directory (default: ./${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--quiet", description = "No progress on stderr.")
    boolean quiet;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        PrintWriter stdout = spec.commandLine().getOut();
        ReplaySettings settings = settings();
        ReplayInput input = input(err);
        Configuration conf = ReplayJob.flinkConfiguration();
        conf.set(RestOptions.BIND_PORT, "0");
        conf.set(TaskManagerOptions.MANAGED_MEMORY_SIZE, MemorySize.ofMebiBytes(256));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        if (parallelism != null) {
            env.setParallelism(parallelism);
        }
        if (!quiet) {
            err.println("hde replay: " + input.describe());
            err.println("hde replay: fixed choices " + settings.choices() + ", refresh policies " + settings.refreshPolicies() + " on "
                    + settings.refreshChoice() + ", adaptive selector per network mode (seed " + settings.seed() + ")");
            JobLogFile.announce(err, "hde replay");
        }
        ReplayProgress.install(quiet ? null : err);
        ReplayReport report;
        try {
            report = new ReplayJob(settings, input).run(env);
        } finally {
            ReplayProgress.install(null);
        }
        String json = ReportWriter.write(report, out);
        summary(report, stdout);
        refused(report, stdout);
        if (!quiet) {
            err.printf(Locale.ROOT, "hde replay: report in %s (%s, %s, %s, %s); job %.1f s%n", out.toAbsolutePath(), ReportWriter.HTML,
                    ReportWriter.CONFIGURATIONS_CSV, ReportWriter.TIMELINE_CSV, ReportWriter.JSON, report.seconds());
        }
        if (!report.verified()) {
            report.failed().forEach(c -> err.println("hde replay: verification FAILED for " + c.name() + ": " + c.totals().failure));
        }
        err.flush();
        stdout.println(json);
        stdout.flush();
        return report.verified() ? 0 : 1;
    }

    /** A readable table on stdout, before the JSON line. */
    private static void summary(ReplayReport r, PrintWriter out) {
        out.printf(Locale.ROOT, "%-30s %8s %12s %7s %9s %9s %12s %12s %12s %12s %12s %12s%n", "configuration", "verified", "wire bytes", "ratio",
                "enc MB/s", "dec MB/s", "dc real", "inet real", "hyb real", "dc table", "inet table", "hyb table");
        for (ReplayReport.Config c : r.configs()) {
            out.printf(Locale.ROOT, "%-30s %8s %,12d %7.2f %9.0f %9.0f", c.name(), c.verified() ? "yes" : "NO", c.totals().wireBytes, c.ratio(),
                    c.encodeMbPerSecond(), c.decodeMbPerSecond());
            for (NetworkMode m : NetworkMode.values()) {
                out.printf(Locale.ROOT, " %12s", ms(c.costSeconds(r.settings().link(m))));
            }
            for (NetworkMode m : NetworkMode.values()) {
                out.printf(Locale.ROOT, " %12s", ms(c.tableCostSeconds(r.settings().link(m))));
            }
            out.println();
        }
        for (NetworkMode m : NetworkMode.values()) {
            Link link = r.settings().link(m);
            ReplayReport.Config best = r.bestFixed(m, true);
            out.printf(Locale.ROOT, "%s: adaptive %s vs best fixed %s %s (speed table): %s; with real times: adaptive %s vs best fixed %s %s: %s%n",
                    m.lowerName(), ms(r.adaptive(m).tableCostSeconds(link)), best.name(), ms(best.tableCostSeconds(link)),
                    r.adaptiveAtMostBestFixed(m, true) ? "adaptive <= best" : "adaptive > best", ms(r.adaptive(m).costSeconds(link)),
                    r.bestFixed(m, false).name(), ms(r.bestFixed(m, false).costSeconds(link)),
                    r.adaptiveAtMostBestFixed(m, false) ? "adaptive <= best" : "adaptive > best");
        }
    }

    private static void refused(ReplayReport r, PrintWriter out) {
        if (r.refusedRecords() > 0) {
            out.printf(Locale.ROOT, "refused input records: %d %s (not replayed)%n", r.refusedRecords(), r.refused());
        }
    }

    private static String ms(double seconds) {
        return String.format(Locale.ROOT, "%.2f ms", seconds * 1e3);
    }

    ReplaySettings settings() {
        ReplaySettings s = ReplaySettings.defaults(slow);
        try {
            if (configs != null) {
                s = s.withChoices(configs.stream().map(String::trim).filter(c -> !c.isEmpty()).toList());
            }
            List<String> policies = refresh == null ? ReplaySettings.DEFAULT_REFRESH_POLICIES
                    : refresh.stream().map(String::trim).filter(p -> !p.isEmpty() && !p.equalsIgnoreCase("none")).toList();
            s = s.withRefresh(refreshChoice, policies).withSeed(seed).withPublishEvery(publishEvery).withBucketMillis(bucket.toMillis());
            if (datacenterBandwidth != null) {
                s = s.withBandwidth(NetworkMode.DATACENTER, bitsPerSecond(datacenterBandwidth));
            }
            if (internetBandwidth != null) {
                s = s.withBandwidth(NetworkMode.INTERNET, bitsPerSecond(internetBandwidth));
            }
            if (hybridBandwidth != null) {
                s = s.withBandwidth(NetworkMode.HYBRID, bitsPerSecond(hybridBandwidth));
            }
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        return s;
    }

    private ReplayInput input(PrintWriter err) throws Exception {
        boolean topicBounds = fromOffset != null || toOffset != null || fromTime != null || toTime != null;
        if (source.images != null) {
            if (topicBounds) {
                throw new ParameterException(spec.commandLine(), "--from-*/--to-* bound a topic range, not --images");
            }
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
            if (imageInterval.toMillis() < 1) {
                throw new ParameterException(spec.commandLine(), "--image-interval must be at least 1 ms");
            }
            int count = MemoryImageSequence.open(source.images).size(); // a missing or bad directory is an input error (exit code 2)
            if (!quiet) {
                err.println("hde replay: " + count + " images in " + source.images);
            }
            return ReplayInput.images(source.images, Long.numberOfTrailingZeros(pageSize), (int) regionPages, imageInterval.toMillis());
        }
        if (source.synthetic) {
            if (topicBounds) {
                throw new ParameterException(spec.commandLine(), "--from-*/--to-* bound a topic range, not --synthetic-mixed");
            }
            try {
                return ReplayInput.synthetic(new SyntheticMixed(syntheticVms, syntheticRegions, syntheticRegionPages, syntheticRounds,
                        syntheticRounds, syntheticDirtyRate, syntheticEncryptedShare, seed));
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), e.getMessage());
            }
        }
        if (fromOffset != null && fromTime != null || toOffset != null && toTime != null) {
            throw new ParameterException(spec.commandLine(), "bound each end by an offset or by a time, not both");
        }
        boolean kafkaGiven = source.topic || topicBounds || bootstrapServers != null || kafkaConfig != null || pageUpdatesTopic != null
                || kafkaProperties.keySet().stream().anyMatch(k -> k.startsWith(HdeJobConfig.KAFKA_PROPERTY_PREFIX))
                || System.getProperty(HdeJobConfig.KAFKA_PROPERTY_PREFIX + "bootstrap.servers") != null;
        if (!kafkaGiven) {
            throw new ParameterException(spec.commandLine(), "no input: give --images DIR, --synthetic-mixed, or the page-updates topic with "
                    + "-b HOST:PORT (and --from-offset/--to-offset or --from-time/--to-time)");
        }
        HdeJobConfig c = new HdeJobConfig(); // only its Kafka settings, as `hde encode` takes them
        if (kafkaConfig != null) {
            if (!java.nio.file.Files.isRegularFile(kafkaConfig)) {
                throw new ParameterException(spec.commandLine(), "--kafka-config " + kafkaConfig + ": no such file");
            }
            c.loadKafkaProperties(kafkaConfig);
        }
        c.applyKafkaOverrides(System.getProperties());
        c.applyKafkaOverrides(kafkaProperties);
        if (bootstrapServers != null) {
            c.bootstrapServers(bootstrapServers);
        }
        if (pageUpdatesTopic != null) {
            c.pageUpdatesTopic(pageUpdatesTopic);
        }
        Map<Integer, Long> from;
        Map<Integer, Long> to;
        Long fromMs;
        Long toMs;
        try {
            from = fromOffset == null ? null : ReplayKafka.parseOffsets(fromOffset);
            to = toOffset == null ? null : ReplayKafka.parseOffsets(toOffset);
            fromMs = fromTime == null ? null : time(fromTime);
            toMs = toTime == null ? null : time(toTime);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        KafkaPreflight.checkTopicUses(c.kafkaClientProperties(), connectTimeout, List.of(KafkaConnectivity.TopicUse.reads(c.pageUpdatesTopic())),
                "is --page-updates-topic right?");
        ReplayKafka.Range range = ReplayKafka.resolve(c.kafkaClientProperties(), c.pageUpdatesTopic(), from, fromMs, to, toMs);
        if (range.start().isEmpty()) {
            throw new ParameterException(spec.commandLine(), "nothing to replay: " + c.pageUpdatesTopic() + " has no records between those bounds");
        }
        if (!quiet) {
            err.println("hde replay: reading " + range.describe() + " (" + range.offsets() + " offsets) from " + c.bootstrapServers());
            err.flush();
        }
        return ReplayInput.kafka(ReplayKafka.source(c.kafkaClientProperties(), range, "hde-replay"),
                "topic " + range.describe() + " on " + c.bootstrapServers() + " (read_committed)");
    }

    private static long time(String s) {
        String t = s.trim();
        if (t.matches("\\d+")) {
            return Long.parseLong(t);
        }
        try {
            return Instant.parse(t).toEpochMilli();
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("a time is epoch milliseconds or an ISO-8601 instant such as 2026-01-31T12:00:00Z, not " + s);
        }
    }

    private static final Pattern RATE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([kmgt]?)(?:bit/s|bps|b/s)?");

    /** Parses a bandwidth: {@code 100M}, {@code 2.5G}, {@code 1000000000}, {@code 10Gbit/s} (decimal prefixes). */
    static long bitsPerSecond(String s) {
        Matcher m = RATE.matcher(s.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException("not a bandwidth: '" + s + "' (examples: 100M, 1G, 2.5G, 10Gbit/s)");
        }
        double v = Double.parseDouble(m.group(1));
        double f = switch (m.group(2)) {
            case "k" -> 1e3;
            case "m" -> 1e6;
            case "g" -> 1e9;
            case "t" -> 1e12;
            default -> 1;
        };
        long bps = Math.round(v * f);
        new Link(NetworkMode.HYBRID, bps); // range check
        return bps;
    }
}
