package dev.hde.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.CommandLineOptions;

/**
 * Runs JMH with the given command line (the same options as {@code java -jar benchmarks.jar}), then
 * prints one table per data set with the bytes on the wire next to the encode and decode MB/s of
 * each setting and reference, and the done-when check: which settings send no more than the seed
 * algorithm and encode at least 3x faster than it in this run. With {@code -Dhde.bench.summary=FILE}
 * the tables are also written to FILE.
 */
public final class RunAll {

    /** Encode speed a "fast" setting must reach, as a multiple of the seed algorithm's, in the same run. */
    static final double FAST_FACTOR = 3.0;

    private RunAll() {}

    public static void main(String[] args) throws Exception {
        Collection<RunResult> results = run(args);
        String tables = summary(results);
        System.out.println();
        System.out.print(tables);
        String file = System.getProperty("hde.bench.summary");
        if (file != null && !file.isBlank()) {
            Path p = Paths.get(file);
            if (p.getParent() != null) {
                Files.createDirectories(p.getParent());
            }
            Files.writeString(p, tables, StandardCharsets.UTF_8);
            System.out.println("summary written to " + p);
        }
    }

    private static Collection<RunResult> run(String[] args) throws RunnerException {
        CommandLineOptions options;
        try {
            options = new CommandLineOptions(args);
        } catch (Exception e) {
            throw new IllegalArgumentException("bad JMH options: " + e.getMessage(), e);
        }
        return new Runner(options).run();
    }

    /** One cell of the table: score and error (NaN with fewer than two iterations). */
    private record Speed(double score, double error) {
        @Override
        public String toString() {
            return Double.isNaN(error) || Double.isInfinite(error) ? String.format("%.1f", score) : String.format("%.1f ± %.1f", score, error);
        }
    }

    static String summary(Collection<RunResult> results) throws IOException {
        // data -> setting -> {encode, decode}
        Map<String, Map<String, Speed[]>> table = new TreeMap<>();
        for (RunResult rr : results) {
            String data = rr.getParams().getParam("data");
            String setting = rr.getParams().getParam("setting");
            String bench = rr.getParams().getBenchmark();
            Result<?> mb = rr.getSecondaryResults().get("changedMB");
            if (data == null || setting == null || mb == null) {
                continue;
            }
            int column = bench.endsWith(".encode") ? 0 : bench.endsWith(".decode") ? 1 : -1;
            if (column < 0) {
                continue;
            }
            table.computeIfAbsent(data, k -> new LinkedHashMap<>()).computeIfAbsent(setting, k -> new Speed[2])[column] =
                    new Speed(mb.getScore(), mb.getScoreError());
        }
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, Map<String, Speed[]>> e : table.entrySet()) {
            sb.append(table(Dataset.get(e.getKey()), e.getValue()));
        }
        return sb.toString();
    }

    private static String table(Dataset d, Map<String, Speed[]> speeds) {
        Map<String, Long> wire = new LinkedHashMap<>();
        for (String setting : speeds.keySet()) {
            wire.put(setting, Scheme.of(setting).sender(d).encodeAll(null));
        }
        Long seedWire = wire.get(SeedScheme.NAME);
        Speed[] seedSpeed = speeds.get(SeedScheme.NAME);
        double seedEncode = seedSpeed == null || seedSpeed[0] == null ? Double.NaN : seedSpeed[0].score();

        var out = new java.io.ByteArrayOutputStream();
        PrintStream p = new PrintStream(out, true, StandardCharsets.UTF_8);
        p.printf("%n### %s%n%n", d);
        p.printf("MB/s = 10^6 bytes of changed pages per second (%,d bytes per pass); ± is JMH's 99.9%% interval.%n%n", d.changedBytes);
        p.printf("| setting | wire bytes (%d transitions) | encode MB/s | decode MB/s | wire / seed | encode speed / seed |%n", d.transitions());
        p.println("|---|---:|---:|---:|---:|---:|");
        List<String> fast = new ArrayList<>();
        for (Map.Entry<String, Speed[]> e : speeds.entrySet()) {
            String setting = e.getKey();
            Speed enc = e.getValue()[0];
            Speed dec = e.getValue()[1];
            long w = wire.get(setting);
            double speedRatio = enc == null ? Double.NaN : enc.score() / seedEncode;
            p.printf("| %s | %,d | %s | %s | %s | %s |%n", setting, w,
                    enc == null ? "-" : enc, dec == null ? "-" : dec,
                    seedWire == null ? "-" : String.format("%.3f", (double) w / seedWire),
                    Double.isNaN(speedRatio) ? "-" : String.format("%.2fx", speedRatio));
            boolean reference = setting.equals(SeedScheme.NAME) || setting.startsWith(PlainScheme.PREFIX);
            if (!reference && seedWire != null && w <= seedWire && speedRatio >= FAST_FACTOR) {
                fast.add(setting);
            }
        }
        if (seedWire != null && !Double.isNaN(seedEncode)) {
            p.printf("%nSend no more than the seed algorithm and encode at least %.0fx faster in this run: %s%n",
                    FAST_FACTOR, fast.isEmpty() ? "NONE" : String.join(", ", fast));
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
