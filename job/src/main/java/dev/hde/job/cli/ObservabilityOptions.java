package dev.hde.job.cli;

import dev.hde.job.config.HdeJobConfig;
import dev.hde.job.metrics.ProgressReporterFactory;
import java.time.Duration;
import picocli.CommandLine.Option;

/**
 * Metrics of a local run: the job's Flink metrics on a Prometheus endpoint, and a progress line on
 * stderr. Both are Flink metric reporters of the embedded runtime; a cluster has its own reporters
 * (its config.yaml), which these options do not change.
 */
public final class ObservabilityOptions {

    /** The reporter names under {@code metrics.reporter.}. */
    static final String PROMETHEUS = "prom";
    static final String PROGRESS = "hde-progress";

    @Option(names = "--metrics-port", paramLabel = "PORT",
            description = "Serve the job's Flink metrics for Prometheus on http://HOST:PORT/metrics (local runs; default: none).")
    Integer metricsPort;

    @Option(names = "--progress-interval", converter = DurationConverter.class, paramLabel = "DURATION", defaultValue = "10s",
            description = "Print a progress line (events, frames, MB/s, ratio, lag) to stderr this often; 0 = never (default: ${DEFAULT-VALUE}).")
    Duration progressInterval;

    void applyTo(HdeJobConfig c) {
        if (metricsPort != null) {
            if (metricsPort < 0 || metricsPort > 65535) {
                throw new IllegalArgumentException("--metrics-port must be in [0, 65535]");
            }
            c.flinkOption("metrics.reporter." + PROMETHEUS + ".factory.class", "org.apache.flink.metrics.prometheus.PrometheusReporterFactory");
            c.flinkOption("metrics.reporter." + PROMETHEUS + ".port", Integer.toString(metricsPort));
        }
        if (progressInterval != null && !progressInterval.isZero()) {
            c.flinkOption("metrics.reporter." + PROGRESS + ".factory.class", ProgressReporterFactory.class.getName());
            c.flinkOption("metrics.reporter." + PROGRESS + ".interval", progressInterval.toMillis() + " ms");
        }
    }
}
