package dev.hde.job;

import dev.hde.job.config.HdeJobConfig;
import dev.hde.operators.SourceRecord;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;

/** Watermark strategies of the pipelines. */
public final class EventTime {

    private EventTime() {}

    /**
     * Page updates: event time is the Kafka record timestamp, which producers set to the capture
     * time. Bounded out-of-orderness covers several producers on one partition; idleness keeps a
     * partition without traffic from holding event time (and so the encoder's age timers) back.
     */
    public static WatermarkStrategy<SourceRecord> pageUpdates(HdeJobConfig config) {
        return WatermarkStrategy.<SourceRecord>forBoundedOutOfOrderness(config.watermarkOutOfOrderness())
                .withIdleness(config.watermarkIdleness());
    }

    /**
     * A stream that carries no event time (the selector model): it emits the greatest watermark,
     * so that in the encoder, which takes the smaller of its two inputs' watermarks, only the page
     * updates move event time.
     */
    public static <T> WatermarkStrategy<T> none() {
        return WatermarkStrategy.forGenerator(ctx -> new NoEventTime<>());
    }

    private static final class NoEventTime<T> implements WatermarkGenerator<T> {
        @Override
        public void onEvent(T event, long eventTimestamp, WatermarkOutput output) {}

        @Override
        public void onPeriodicEmit(WatermarkOutput output) {
            output.emitWatermark(new Watermark(Long.MAX_VALUE));
        }
    }
}
