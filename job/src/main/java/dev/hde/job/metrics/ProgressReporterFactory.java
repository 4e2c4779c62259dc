package dev.hde.job.metrics;

import java.util.Properties;
import org.apache.flink.metrics.reporter.MetricReporter;
import org.apache.flink.metrics.reporter.MetricReporterFactory;

/** Makes the {@link ProgressReporter}: {@code metrics.reporter.NAME.factory.class: dev.hde.job.metrics.ProgressReporterFactory}. */
public final class ProgressReporterFactory implements MetricReporterFactory {

    @Override
    public MetricReporter createMetricReporter(Properties properties) {
        return new ProgressReporter();
    }
}
