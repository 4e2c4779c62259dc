package dev.hde.job.bench;

import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Metric;
import org.apache.flink.metrics.MetricConfig;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.reporter.MetricReporter;
import org.apache.flink.metrics.reporter.MetricReporterFactory;

/**
 * A metric reporter that keeps every metric of the embedded runtime in this JVM where the benchmark
 * reads them: the encoder's counters (bytes in and out, frames by type) and the JobManager's
 * checkpoint gauges (duration, checkpointed size). Configured with {@link #configure}.
 */
public final class InProcessMetrics implements MetricReporter, MetricReporterFactory {

    private static final Map<String, Metric> METRICS = new ConcurrentHashMap<>();

    /** Adds the reporter to a job's Flink options. */
    public static void configure(dev.hde.job.config.HdeJobConfig c) {
        c.flinkOption("metrics.reporter.hdebench.factory.class", InProcessMetrics.class.getName());
    }

    @Override
    public MetricReporter createMetricReporter(Properties properties) {
        return new InProcessMetrics();
    }

    @Override
    public void open(MetricConfig config) {}

    @Override
    public void close() {}

    @Override
    public void notifyOfAddedMetric(Metric metric, String name, MetricGroup group) {
        METRICS.put(group.getMetricIdentifier(name), metric);
    }

    @Override
    public void notifyOfRemovedMetric(Metric metric, String name, MetricGroup group) {
        METRICS.remove(group.getMetricIdentifier(name), metric);
    }

    /** The sum of every counter named {@code name} (over subtasks). */
    public static long counterSum(String name) {
        long sum = 0;
        for (Map.Entry<String, Metric> e : METRICS.entrySet()) {
            if (e.getKey().endsWith("." + name) && e.getValue() instanceof Counter c) {
                sum += c.getCount();
            }
        }
        return sum;
    }

    /** The sum of every numeric gauge named {@code name} (over subtasks and column families); 0 if there is none. */
    public static long gaugeSum(String name) {
        return gauges(name).mapToLong(Number::longValue).sum();
    }

    /** Whether a numeric gauge named {@code name} is registered. */
    public static boolean hasGauge(String name) {
        return gauges(name).findAny().isPresent();
    }

    /** The value of a numeric gauge named {@code name} (the first one found), or -1. */
    public static long gauge(String name) {
        return gauges(name).findFirst().map(Number::longValue).orElse(-1L);
    }

    private static java.util.stream.Stream<Number> gauges(String name) {
        return METRICS.entrySet().stream()
                .filter(e -> e.getKey().endsWith("." + name) && e.getValue() instanceof Gauge<?>)
                .map(e -> ((Gauge<?>) e.getValue()).getValue())
                .filter(v -> v instanceof Number)
                .map(v -> (Number) v);
    }
}
