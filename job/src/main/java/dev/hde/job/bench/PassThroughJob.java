package dev.hde.job.bench;

import dev.hde.job.EventTime;
import dev.hde.job.config.FlinkSettings;
import dev.hde.job.config.HdeJobConfig;
import dev.hde.operators.FrameRecord;
import dev.hde.operators.SourceRecord;
import java.nio.charset.StandardCharsets;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The yardstick of the pipeline benchmark: the encoder job's source, watermarks, key-by and
 * exactly-once sink with no encoding in between. Each page-update record goes out unchanged as a
 * "frame" (key = record key, value = event bytes), so the difference to the encoder job is the
 * cost of validating, keeping the reference image in state and encoding.
 */
public final class PassThroughJob {

    public static final String NAME = "hde-pass-through";

    private final HdeJobConfig config;
    private final Source<SourceRecord, ?, ?> events;
    private final Sink<FrameRecord> frames;

    public PassThroughJob(HdeJobConfig config, Source<SourceRecord, ?, ?> events, Sink<FrameRecord> frames) {
        this.config = config;
        this.events = events;
        this.frames = frames;
    }

    public DataStream<FrameRecord> build(StreamExecutionEnvironment env) {
        env.configure(FlinkSettings.forEnvironment(config, env));
        if (config.parallelism() > 0) {
            env.setParallelism(config.parallelism());
        }
        DataStream<FrameRecord> out = env
                .fromSource(events, EventTime.pageUpdates(config), "page-updates", TypeInformation.of(SourceRecord.class))
                .uid("page-updates-source")
                .keyBy(new RecordKey(), org.apache.flink.api.common.typeinfo.Types.STRING)
                .map(new AsFrame(), TypeInformation.of(FrameRecord.class))
                .uid("pass-through")
                .name("pass through");
        out.sinkTo(frames).uid("frames-sink").name("frames");
        return out;
    }

    static final class RecordKey implements org.apache.flink.api.java.functions.KeySelector<SourceRecord, String> {
        private static final long serialVersionUID = 1L;

        @Override
        public String getKey(SourceRecord r) {
            return r.key == null ? "" : new String(r.key, StandardCharsets.UTF_8);
        }
    }

    static final class AsFrame implements MapFunction<SourceRecord, FrameRecord> {
        private static final long serialVersionUID = 1L;

        @Override
        public FrameRecord map(SourceRecord r) {
            return new FrameRecord(r.key == null ? "" : new String(r.key, StandardCharsets.UTF_8), r.value);
        }
    }
}
