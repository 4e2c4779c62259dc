package dev.hde.bench;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Bytes on the wire of every setting and of the two references over all transitions of each data
 * set, each checked by decoding (the receiver must end byte-exact on the last image). Deterministic;
 * prints Markdown tables for docs/benchmarks.md.
 *
 * <pre>
 * java -Dhde.trace.dir=../shared/traces/redis-22m -cp bench/target/benchmarks.jar dev.hde.bench.WireBytesReport
 *     [--data redis,synthetic] [--settings xor+lz4,seed,...] [--slow]
 * </pre>
 * {@code --slow} adds the max-ratio settings xbzrle+zstd-19 and dict+zstd-18 (about a minute on the redis trace).
 */
public final class WireBytesReport {

    private WireBytesReport() {}

    public static void main(String[] args) {
        List<String> data = List.of("redis", "synthetic");
        List<String> settings = new ArrayList<>(Scheme.DEFAULT_SETTINGS);
        boolean slow = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--data" -> data = Arrays.asList(args[++i].split(","));
                case "--settings" -> settings = new ArrayList<>(Arrays.asList(args[++i].split(",")));
                case "--slow" -> slow = true;
                default -> {
                    System.err.println("usage: WireBytesReport [--data redis,synthetic] [--settings a,b,...] [--slow]");
                    System.exit(2);
                }
            }
        }
        if (slow) {
            for (String extra : Scheme.SLOW_SETTINGS) {
                if (!settings.contains(extra)) {
                    settings.add(extra);
                }
            }
        }
        boolean failed = false;
        for (String name : data) {
            failed |= report(Dataset.get(name), settings, System.out);
        }
        System.exit(failed ? 1 : 0);
    }

    /** Returns true when some setting failed to decode byte-exact. */
    static boolean report(Dataset d, List<String> settings, PrintStream out) {
        out.println();
        out.println("### " + d);
        out.println();
        Map<String, long[]> rows = new LinkedHashMap<>(); // wire bytes, frames
        Map<String, String> problems = new LinkedHashMap<>();
        for (String setting : settings) {
            Scheme scheme = Scheme.of(setting);
            byte[][][] frames = new byte[d.transitions()][d.regions][];
            long wire = scheme.sender(d).encodeAll(frames);
            Scheme.Receiver receiver = scheme.receiver(d);
            String problem;
            try {
                receiver.decodeAll(frames);
                problem = receiver.verify(frames);
            } catch (RuntimeException e) {
                problem = e.toString();
            }
            long count = Arrays.stream(frames).flatMap(Arrays::stream).filter(f -> f != null).count();
            rows.put(setting, new long[] {wire, count});
            if (problem != null) {
                problems.put(setting, problem);
            }
            System.err.printf("%s %s: %,d bytes%n", d.name, setting, wire);
        }
        long[] seed = rows.get(SeedScheme.NAME);
        out.printf("| setting | wire bytes (%d transitions) | frames | wire / seed | changed bytes / wire | byte-exact |%n", d.transitions());
        out.println("|---|---:|---:|---:|---:|---|");
        for (Map.Entry<String, long[]> e : rows.entrySet()) {
            long wire = e.getValue()[0];
            out.printf("| %s | %,d | %,d | %s | %.1f | %s |%n", e.getKey(), wire, e.getValue()[1],
                    seed == null ? "-" : String.format("%.3f", (double) wire / seed[0]),
                    (double) d.changedBytes / wire,
                    problems.containsKey(e.getKey()) ? "NO: " + problems.get(e.getKey()) : "yes");
        }
        return !problems.isEmpty();
    }
}
