package dev.hde.job.replay;

import dev.hde.codec.select.EncodeChoice;
import dev.hde.codec.wire.FrameType;
import dev.hde.codec.wire.PageUpdateEvent;
import dev.hde.codec.wire.PageUpdateEventFormat;
import dev.hde.operators.ValidEvent;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * The replay's per-region work for every fixed configuration (keyed by state key): it keeps the
 * region's events in keyed state and, once the region's input has ended (the end-of-key timer of
 * batch execution), runs them in sequence order through every fixed choice and every refresh
 * policy ({@link RegionReplay}), each with its own receiver that decodes and verifies every frame.
 * It emits, per frame, what each candidate made of it for the adaptive selector ({@link FrameSample}),
 * and its totals per configuration and time bucket as a side output.
 */
public class CodecReplayFunction extends KeyedProcessFunction<String, ValidEvent, FrameSample> {

    private static final long serialVersionUID = 1L;

    public static final OutputTag<ReplayResult> RESULTS = new OutputTag<>("fixed-results", TypeInformation.of(ReplayResult.class));

    private final ReplaySettings settings;
    private transient ListState<ValidEvent> events;
    private transient List<EncodeChoice> choices;

    public CodecReplayFunction(ReplaySettings settings) {
        this.settings = settings;
    }

    @Override
    public void open(OpenContext openContext) {
        events = getRuntimeContext().getListState(new ListStateDescriptor<>("events", TypeInformation.of(ValidEvent.class)));
        choices = settings.parsedChoices();
        WarmUp.run(choices);
    }

    @Override
    public void processElement(ValidEvent in, Context ctx, Collector<FrameSample> out) throws Exception {
        events.add(in);
        ctx.timerService().registerEventTimeTimer(Long.MAX_VALUE);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<FrameSample> out) throws Exception {
        String key = ctx.getCurrentKey();
        List<RegionReplay.Lane> lanes = new ArrayList<>();
        for (EncodeChoice c : choices) {
            lanes.add(RegionReplay.Lane.fixed(c.toString(), c, null));
        }
        for (String p : settings.refreshPolicies()) {
            lanes.add(RegionReplay.Lane.fixed(settings.refreshName(p), EncodeChoice.parse(settings.refreshChoice()), ReplaySettings.policy(p)));
        }
        RegionReplay replay = new RegionReplay(key, settings.limits(), lanes, choices);
        long t0 = System.nanoTime();
        int frames = 0;
        for (byte[] bytes : EventOrder.inSequence(events.get(), settings.limits())) {
            PageUpdateEvent e = PageUpdateEventFormat.parse(bytes, settings.limits());
            long bucket = e.captureTimeMillis() / settings.bucketMillis();
            RegionReplay.Shared shared = replay.process(e, bucket);
            if (shared != null) {
                out.collect(sample(key, e, bucket, shared));
                frames++;
            }
        }
        replay.finish();
        int failed = 0;
        for (RegionReplay.Lane lane : replay.lanes()) {
            if (lane.failed()) {
                failed++;
            }
        }
        for (ReplayResult r : replay.results()) {
            ctx.output(RESULTS, r);
        }
        events.clear();
        ReplayProgress.report("%s: %d frames x %d configurations encoded, decoded and %s in %.1f s", key, frames, lanes.size(),
                failed == 0 ? "verified" : "checked (" + failed + " FAILED)", (System.nanoTime() - t0) / 1e9);
    }

    private FrameSample sample(String key, PageUpdateEvent e, long bucket, RegionReplay.Shared shared) {
        FrameSample s = new FrameSample();
        s.stateKey = key;
        s.sequence = e.sequence();
        s.captureTimeMillis = e.captureTimeMillis();
        s.bucket = bucket;
        s.full = shared.type() == FrameType.FULL;
        s.entropyBits = shared.features().entropyBits();
        s.zeroFraction = shared.features().zeroFraction();
        s.changedShare = shared.features().changedShare();
        s.pages = shared.features().pages();
        s.bytes = shared.features().bytes();
        s.newShare = shared.features().newShare();
        s.runStartShare = shared.features().runStartShare();
        s.repeatShare = shared.features().repeatShare();
        s.movedShare = shared.features().movedShare();
        int n = choices.size();
        s.wireBytes = new long[n];
        s.tableEncodeNanos = new double[n];
        s.tableDecodeNanos = new double[n];
        s.encodeNanos = new long[n];
        s.decodeNanos = new long[n];
        s.featureNanos = shared.featureNanos();
        for (int i = 0; i < n; i++) {
            RegionReplay.Rendered r = shared.renders().get(choices.get(i).forFrame(shared.type()));
            s.wireBytes[i] = r.frame().length;
            s.tableEncodeNanos[i] = r.tableEncodeNanos();
            s.tableDecodeNanos[i] = r.tableDecodeNanos();
            s.encodeNanos[i] = shared.diffNanos() + r.nanos();
            s.decodeNanos[i] = shared.decodeNanos().getOrDefault(choices.get(i), 0L); // 0 only if that configuration had failed
        }
        return s;
    }
}
