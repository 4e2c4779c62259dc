package dev.hde.job.replay;

import dev.hde.codec.select.CostModel;
import dev.hde.codec.select.Link;
import dev.hde.codec.select.NetworkMode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A replay's results summed per configuration and per configuration x time bucket, with the
 * figures the report shows. Two costs per network mode, both "encode time + wire bytes ÷ bandwidth +
 * decode time" as the selector's {@link CostModel} defines it:
 *
 * <ul>
 *   <li>{@link Config#costSeconds}: with the real encode and decode times measured in this run
 *       (noisy on a shared machine);
 *   <li>{@link Config#tableCostSeconds}: with the modelled times of the fixed speed table
 *       ({@link dev.hde.codec.select.ModelledSpeeds#CALIBRATED}), deterministic for a given input and seed. The adaptive selector
 *       learns from these, and the "adaptive ≤ best fixed" verdict is judged on them.
 * </ul>
 */
public final class ReplayReport {

    /** What a configuration is. */
    public enum Kind {
        /** One method/codec/level for every frame, one keyframe per region. */
        FIXED,
        /** One choice with a refresh policy (extra keyframes). */
        REFRESH,
        /** The adaptive selector of one network mode. */
        ADAPTIVE
    }

    /** One configuration's totals and timeline. */
    public record Config(String name, Kind kind, ReplayResult totals, TreeMap<Long, ReplayResult> buckets) {

        public boolean fixed() {
            return kind != Kind.ADAPTIVE;
        }

        public boolean verified() {
            return totals.failures == 0;
        }

        public double encodeSeconds() {
            return totals.encodeNanos / 1e9;
        }

        public double decodeSeconds() {
            return totals.decodeNanos / 1e9;
        }

        /** Page bytes that changed (common to every configuration) ÷ wire bytes. */
        public double ratio() {
            return totals.wireBytes == 0 ? 0 : (double) totals.inputBytes / totals.wireBytes;
        }

        public double encodeMbPerSecond() {
            return totals.encodeNanos == 0 ? 0 : totals.inputBytes / 1e6 / (totals.encodeNanos / 1e9);
        }

        public double decodeMbPerSecond() {
            return totals.decodeNanos == 0 ? 0 : totals.inputBytes / 1e6 / (totals.decodeNanos / 1e9);
        }

        /** Real encode + wire ÷ bandwidth + real decode, seconds. */
        public double costSeconds(Link link) {
            return cost(totals.encodeNanos, totals.wireBytes, totals.decodeNanos, totals.inputBytes, link);
        }

        /** Table encode + wire ÷ bandwidth + table decode, seconds (deterministic). */
        public double tableCostSeconds(Link link) {
            return cost(totals.tableEncodeNanos, totals.wireBytes, totals.tableDecodeNanos, totals.inputBytes, link);
        }
    }

    /** The selector's cost of a whole run: {@link CostModel.Estimate#costNanos} over its page bytes, in seconds. */
    static double cost(double encodeNanos, long wireBytes, double decodeNanos, long inputBytes, Link link) {
        if (inputBytes > 0) {
            CostModel.Estimate e = new CostModel.Estimate((double) wireBytes / inputBytes, encodeNanos / inputBytes, decodeNanos / inputBytes);
            return e.costNanos(inputBytes, link) / 1e9;
        }
        return (encodeNanos + wireBytes * link.nanosPerByte() + decodeNanos) / 1e9;
    }

    private final ReplaySettings settings;
    private final String input;
    private final double seconds;
    private final Map<String, Config> configs;
    private final Map<NetworkMode, TreeMap<Long, TreeMap<String, Long>>> choices;
    private final Map<String, Long> refused;
    private final List<String> refusedExamples;

    private ReplayReport(ReplaySettings settings, String input, double seconds, Map<String, Config> configs,
            Map<NetworkMode, TreeMap<Long, TreeMap<String, Long>>> choices, Map<String, Long> refused, List<String> refusedExamples) {
        this.settings = settings;
        this.input = input;
        this.seconds = seconds;
        this.configs = configs;
        this.choices = choices;
        this.refused = refused;
        this.refusedExamples = refusedExamples;
    }

    /** Sums the partial results of a run. */
    public static ReplayReport of(List<ReplayResult> results, ReplaySettings settings, String input, double seconds) {
        Map<String, Kind> order = new LinkedHashMap<>();
        settings.parsedChoices().forEach(c -> order.put(c.toString(), Kind.FIXED));
        settings.refreshPolicies().forEach(p -> order.put(settings.refreshName(p), Kind.REFRESH));
        for (NetworkMode m : NetworkMode.values()) {
            order.put(ReplaySettings.adaptiveName(m), Kind.ADAPTIVE);
        }
        Map<String, Config> configs = new LinkedHashMap<>();
        order.forEach((name, kind) -> configs.put(name, new Config(name, kind, ReplayResult.totals(name, null, 0), new TreeMap<>())));
        Map<NetworkMode, TreeMap<Long, TreeMap<String, Long>>> choices = new LinkedHashMap<>();
        for (NetworkMode m : NetworkMode.values()) {
            choices.put(m, new TreeMap<>());
        }
        Map<String, Long> refused = new TreeMap<>();
        List<String> refusedExamples = new ArrayList<>();
        for (ReplayResult r : results) {
            switch (r.kind) {
                case ReplayResult.TOTALS -> {
                    Config c = configs.computeIfAbsent(r.config,
                            n -> new Config(n, Kind.FIXED, ReplayResult.totals(n, null, 0), new TreeMap<>()));
                    c.totals().add(r);
                    c.buckets().computeIfAbsent(r.bucket, b -> ReplayResult.totals(r.config, null, b)).add(r);
                }
                case ReplayResult.CHOICES -> {
                    NetworkMode m = modeOf(r.config);
                    choices.get(m).computeIfAbsent(r.bucket, b -> new TreeMap<>()).merge(r.detail, r.count, Long::sum);
                }
                case ReplayResult.REFUSED -> {
                    refused.merge(r.detail, r.count, Long::sum);
                    if (refusedExamples.size() < 10) {
                        refusedExamples.add(r.detail + ": " + r.failure);
                    }
                }
                default -> throw new IllegalStateException("unknown result kind " + r.kind);
            }
        }
        for (Config c : configs.values()) {
            ReplayResult t = c.totals();
            if (c.kind() == Kind.ADAPTIVE && t.failures == 0 && t.expectedWireBytes != t.wireBytes) {
                t.failures++;
                t.failure = "the adaptive frames came to " + t.wireBytes + " bytes, the selector recorded " + t.expectedWireBytes;
            }
        }
        return new ReplayReport(settings, input, seconds, configs, choices, refused, refusedExamples);
    }

    private static NetworkMode modeOf(String adaptiveName) {
        for (NetworkMode m : NetworkMode.values()) {
            if (ReplaySettings.adaptiveName(m).equals(adaptiveName)) {
                return m;
            }
        }
        throw new IllegalStateException("not an adaptive configuration: " + adaptiveName);
    }

    public ReplaySettings settings() {
        return settings;
    }

    public String input() {
        return input;
    }

    /** Wall-clock seconds of the job, as the client saw it. */
    public double seconds() {
        return seconds;
    }

    public List<Config> configs() {
        return List.copyOf(configs.values());
    }

    public Config config(String name) {
        return configs.get(name);
    }

    public Config adaptive(NetworkMode m) {
        return configs.get(ReplaySettings.adaptiveName(m));
    }

    /** Frames per choice per bucket of the adaptive selector of a mode. */
    public TreeMap<Long, TreeMap<String, Long>> choices(NetworkMode m) {
        return choices.get(m);
    }

    /** Total frames per choice of the adaptive selector of a mode. */
    public Map<String, Long> choiceTotals(NetworkMode m) {
        Map<String, Long> out = new TreeMap<>();
        choices.get(m).values().forEach(b -> b.forEach((c, n) -> out.merge(c, n, Long::sum)));
        return out;
    }

    public Map<String, Long> refused() {
        return refused;
    }

    public List<String> refusedExamples() {
        return refusedExamples;
    }

    public long refusedRecords() {
        return refused.values().stream().mapToLong(Long::longValue).sum();
    }

    /** Every configuration verified (every frame decoded byte-exact; the adaptive frames as the selector recorded them). */
    public boolean verified() {
        return configs.values().stream().allMatch(Config::verified);
    }

    public List<Config> failed() {
        return configs.values().stream().filter(c -> !c.verified()).toList();
    }

    /** Every time bucket any configuration has, in order. */
    public List<Long> buckets() {
        TreeSet<Long> all = new TreeSet<>();
        configs.values().forEach(c -> all.addAll(c.buckets().keySet()));
        return List.copyOf(all);
    }

    /** The fixed configuration (refresh variants included) of least cost in a mode, by the table ({@code table}) or real times. */
    public Config bestFixed(NetworkMode m, boolean table) {
        Link link = settings.link(m);
        Config best = null;
        for (Config c : configs.values()) {
            if (!c.fixed()) {
                continue;
            }
            double v = table ? c.tableCostSeconds(link) : c.costSeconds(link);
            if (best == null || v < (table ? best.tableCostSeconds(link) : best.costSeconds(link))) {
                best = c;
            }
        }
        return best;
    }

    /** Whether the adaptive selector of a mode costs at most the best fixed configuration, in that mode. */
    public boolean adaptiveAtMostBestFixed(NetworkMode m, boolean table) {
        Link link = settings.link(m);
        Config a = adaptive(m);
        Config b = bestFixed(m, table);
        return table ? a.tableCostSeconds(link) <= b.tableCostSeconds(link) : a.costSeconds(link) <= b.costSeconds(link);
    }
}
