package dev.hde.job.replay;

import dev.hde.operators.DeadLetter;
import dev.hde.operators.PageUpdateValidator;
import dev.hde.operators.SourceRecord;
import dev.hde.operators.ValidEvent;
import java.nio.file.Path;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Where a replay's page-update events come from: a bounded range of the page-updates topic, a
 * directory of memory images, or the synthetic mixed stream. Every input gives the events as the
 * encoder job's validator passes them ({@link ValidEvent}: state key and event bytes), and the
 * records it refused.
 */
public interface ReplayInput {

    /** The events, and the refused records (null when the input cannot have any). */
    record Streams(DataStream<ValidEvent> events, DataStream<ReplayResult> refused) {}

    Streams build(StreamExecutionEnvironment env, ReplaySettings settings);

    /** One line for the report: what was replayed. */
    String describe();

    /** Images read as {@code hde trace} reads them, by one reader task (the directory must be readable where that task runs). */
    static ReplayInput images(Path dir, int pageShift, int regionPages, long intervalMillis) {
        ImageEvents.Settings s = new ImageEvents.Settings(pageShift, regionPages, intervalMillis, "trace");
        String description = String.format(java.util.Locale.ROOT, "memory images in %s, regions of %d pages of %d bytes, images %d ms apart",
                dir, regionPages, 1 << pageShift, intervalMillis);
        return new ReplayInput() {
            @Override
            public Streams build(StreamExecutionEnvironment env, ReplaySettings settings) {
                DataStream<ValidEvent> events = env.fromData(java.util.List.of(dir.toAbsolutePath().toString()), Types.STRING)
                        .name("images directory")
                        .flatMap(new ImageEvents.Source(s), TypeInformation.of(ValidEvent.class))
                        .name("read and diff images")
                        .setParallelism(1);
                return new Streams(events, null);
            }

            @Override
            public String describe() {
                return description;
            }
        };
    }

    /** The seeded synthetic stream whose best choice changes half way. */
    static ReplayInput synthetic(SyntheticMixed mixed) {
        return new ReplayInput() {
            @Override
            public Streams build(StreamExecutionEnvironment env, ReplaySettings settings) {
                DataStream<ValidEvent> events = env.fromData(java.util.List.of(mixed.seed()), Types.LONG)
                        .name("synthetic seed")
                        .flatMap(new SyntheticMixed.Source(mixed), TypeInformation.of(ValidEvent.class))
                        .name("generate synthetic mixed stream")
                        .setParallelism(1);
                return new Streams(events, null);
            }

            @Override
            public String describe() {
                return mixed.describe();
            }
        };
    }

    /** Records of a bounded Kafka source, checked by the encoder job's validator (refused ones are counted in the report). */
    static ReplayInput kafka(KafkaSource<SourceRecord> source, String description) {
        return new ReplayInput() {
            @Override
            public Streams build(StreamExecutionEnvironment env, ReplaySettings settings) {
                SingleOutputStreamOperator<ValidEvent> valid = env
                        .fromSource(source, WatermarkStrategy.noWatermarks(), "page-updates", TypeInformation.of(SourceRecord.class))
                        .process(new PageUpdateValidator(settings.limits()), TypeInformation.of(ValidEvent.class))
                        .name("validate");
                DataStream<ReplayResult> refused = valid.getSideOutput(PageUpdateValidator.DEAD_LETTERS)
                        .map(new Refused(), TypeInformation.of(ReplayResult.class))
                        .name("refused records");
                return new Streams(valid, refused);
            }

            @Override
            public String describe() {
                return description;
            }
        };
    }

    /** A dead letter as a report line. */
    final class Refused implements MapFunction<DeadLetter, ReplayResult> {
        private static final long serialVersionUID = 1L;

        @Override
        public ReplayResult map(DeadLetter d) {
            return ReplayResult.refused(d.reason, d.sourceTopic + "-" + d.sourcePartition + "@" + d.sourceOffset + ": " + d.detail);
        }
    }
}
