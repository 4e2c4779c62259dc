package dev.hde.job.replay;

import dev.hde.operators.ValidEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExecutionOptions;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;

/**
 * The replay analytics job ({@code hde replay}), in Flink batch mode over a bounded input:
 *
 * <pre>
 * events ─► keyBy(state key) ─► fixed configurations (every choice, every refresh policy;
 *   │                            encode, decode, verify per region) ──────────────────────────► results
 *   │                                   │ samples: what each candidate made of each frame
 *   │                                   ▼
 *   │                            adaptive selector (parallelism 1: one learning loop per
 *   │                            network mode over all frames in stream order) ─ modelled ─► results
 *   │                                   │ choices
 *   ▼                                   ▼
 *   └──────────────► keyBy(state key) ─► adaptive frames (render the chosen choice, decode,
 *                                        verify, real timings, one lane per mode) ─────────► results
 * </pre>
 *
 * The per-region work runs in parallel; the results are small partial sums (configuration x time
 * bucket x region) collected to the client, which sums them into the report ({@link ReplayReport}).
 */
public final class ReplayJob {

    public static final String NAME = "hde-replay";

    private final ReplaySettings settings;
    private final ReplayInput input;

    public ReplayJob(ReplaySettings settings, ReplayInput input) {
        this.settings = Objects.requireNonNull(settings);
        this.input = Objects.requireNonNull(input);
    }

    /** The job's Flink settings: batch execution, no generic types. */
    public static Configuration flinkConfiguration() {
        Configuration c = new Configuration();
        c.set(ExecutionOptions.RUNTIME_MODE, RuntimeExecutionMode.BATCH);
        c.set(PipelineOptions.GENERIC_TYPES, false);
        return c;
    }

    /** Adds the replay graph to {@code env}; returns every partial result, for the caller to collect. */
    public DataStream<ReplayResult> build(StreamExecutionEnvironment env) {
        env.configure(flinkConfiguration());
        ReplayInput.Streams in = input.build(env, settings);

        SingleOutputStreamOperator<FrameSample> samples = in.events()
                .keyBy(new EventKey(), Types.STRING)
                .process(new CodecReplayFunction(settings), TypeInformation.of(FrameSample.class))
                .uid("replay-fixed")
                .name("replay fixed configurations");

        SingleOutputStreamOperator<AdaptiveChoice> choices = samples
                .keyBy(new AdaptiveSelectorFunction.AllSamples(), Types.STRING)
                .process(new AdaptiveSelectorFunction(settings), TypeInformation.of(AdaptiveChoice.class))
                .uid("replay-selector")
                .name("adaptive selector")
                .setParallelism(1)
                .setMaxParallelism(1);

        DataStream<ReplayResult> adaptive = in.events()
                .keyBy(new EventKey(), Types.STRING)
                .connect(choices.keyBy(new ChoiceKey(), Types.STRING))
                .process(new AdaptiveReplayFunction(settings), TypeInformation.of(ReplayResult.class))
                .uid("replay-adaptive")
                .name("replay adaptive frames");

        DataStream<ReplayResult> results = samples.getSideOutput(CodecReplayFunction.RESULTS)
                .union(choices.getSideOutput(AdaptiveSelectorFunction.RESULTS), adaptive);
        return in.refused() == null ? results : results.union(in.refused());
    }

    /** Builds the graph on {@code env}, runs it to its end and returns the report. */
    @SuppressWarnings("try") // CloseableIterator.close() may throw InterruptedException
    public ReplayReport run(StreamExecutionEnvironment env) throws Exception {
        long t0 = System.nanoTime();
        List<ReplayResult> results = new ArrayList<>();
        try (CloseableIterator<ReplayResult> it = build(env).executeAndCollect(NAME)) {
            it.forEachRemaining(results::add);
        }
        return ReplayReport.of(results, settings, input.describe(), (System.nanoTime() - t0) / 1e9);
    }

    static final class EventKey implements KeySelector<ValidEvent, String> {
        private static final long serialVersionUID = 1L;

        @Override
        public String getKey(ValidEvent e) {
            return e.stateKey;
        }
    }

    static final class ChoiceKey implements KeySelector<AdaptiveChoice, String> {
        private static final long serialVersionUID = 1L;

        @Override
        public String getKey(AdaptiveChoice c) {
            return c.stateKey;
        }
    }
}
