package dev.hde.job.metrics;

import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Metric;
import org.apache.flink.metrics.MetricConfig;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.reporter.MetricReporter;
import org.apache.flink.metrics.reporter.Scheduled;

/**
 * A Flink metric reporter that prints one line of the encoder's progress to stderr at each report
 * interval: events read, frames written, page-update MB/s, compression ratio, consumer lag and
 * dead letters, summed over every subtask. {@code hde encode} registers it on its local runtime
 * ({@code --progress-interval}); on a cluster the Prometheus reporter does this job.
 */
public final class ProgressReporter implements MetricReporter, Scheduled {

    /** The operator metrics summed (EncoderMetrics, PageUpdateValidator) and the Kafka source's standard lag gauge. */
    static final String EVENTS = "eventsAccepted";
    static final String DEAD_LETTERS = "eventsDeadLettered";
    static final String BYTES_IN = "bytesIn";
    static final String BYTES_OUT = "bytesOut";
    static final String FRAMES_FULL = "framesFull";
    static final String FRAMES_DELTA = "framesDelta";
    static final String FRAMES_DELETE = "framesDelete";
    static final String PENDING_RECORDS = "pendingRecords";
    /** The page-update source's operator name (EncoderJob): only its lag counts, not that of the model or catalog topics. */
    static final String PAGE_UPDATES_SOURCE = "page-updates";

    private final Map<Metric, String> metrics = new ConcurrentHashMap<>();
    private final PrintStream out;
    private final String prefix;
    private long lastNanos = System.nanoTime();
    private long lastBytesIn;

    public ProgressReporter() {
        this(System.err, "hde encode: ");
    }

    ProgressReporter(PrintStream out, String prefix) {
        this.out = out;
        this.prefix = prefix;
    }

    @Override
    public void open(MetricConfig config) {}

    @Override
    public void close() {}

    @Override
    public void notifyOfAddedMetric(Metric metric, String name, MetricGroup group) {
        switch (name) {
            case EVENTS, DEAD_LETTERS, BYTES_IN, BYTES_OUT, FRAMES_FULL, FRAMES_DELTA, FRAMES_DELETE -> metrics.put(metric, name);
            case PENDING_RECORDS -> {
                String operator = group.getAllVariables().getOrDefault("<operator_name>", "");
                if (operator.contains(PAGE_UPDATES_SOURCE)) {
                    metrics.put(metric, name);
                }
            }
            default -> { }
        }
    }

    @Override
    public void notifyOfRemovedMetric(Metric metric, String name, MetricGroup group) {
        metrics.remove(metric);
    }

    @Override
    public void report() {
        out.println(prefix + line(System.nanoTime()));
        out.flush();
    }

    /** The summary line at {@code nowNanos} (MB/s since the previous line). */
    synchronized String line(long nowNanos) {
        Map<String, Long> sums = new java.util.HashMap<>();
        boolean lagKnown = false;
        for (Map.Entry<Metric, String> e : metrics.entrySet()) {
            long v = value(e.getKey());
            if (v < 0) {
                continue; // a gauge without a value yet
            }
            lagKnown |= e.getValue().equals(PENDING_RECORDS);
            sums.merge(e.getValue(), v, Long::sum);
        }
        long bytesIn = sums.getOrDefault(BYTES_IN, 0L);
        long bytesOut = sums.getOrDefault(BYTES_OUT, 0L);
        double seconds = Math.max(1e-3, (nowNanos - lastNanos) / 1e9);
        double mbs = (bytesIn - lastBytesIn) / 1e6 / seconds;
        lastNanos = nowNanos;
        lastBytesIn = bytesIn;
        long frames = sums.getOrDefault(FRAMES_FULL, 0L) + sums.getOrDefault(FRAMES_DELTA, 0L) + sums.getOrDefault(FRAMES_DELETE, 0L);
        return String.format(Locale.ROOT, "%,d events, %,d frames (%,d delta), %.1f MB/s, ratio %s, lag %s, %,d dead letters",
                sums.getOrDefault(EVENTS, 0L), frames, sums.getOrDefault(FRAMES_DELTA, 0L), mbs,
                bytesOut == 0 ? "-" : String.format(Locale.ROOT, "%.1fx", (double) bytesIn / bytesOut),
                lagKnown ? String.format(Locale.ROOT, "%,d", sums.getOrDefault(PENDING_RECORDS, 0L)) : "-",
                sums.getOrDefault(DEAD_LETTERS, 0L));
    }

    private static long value(Metric m) {
        if (m instanceof Counter c) {
            return c.getCount();
        }
        if (m instanceof Gauge<?> g) {
            Object v = g.getValue();
            return v instanceof Number n ? n.longValue() : -1;
        }
        return -1;
    }
}
