package dev.hde.job.replay;

import dev.hde.codec.select.EncodeChoice;
import dev.hde.codec.select.NetworkMode;
import dev.hde.codec.wire.PageUpdateEvent;
import dev.hde.codec.wire.PageUpdateEventFormat;
import dev.hde.operators.ValidEvent;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.functions.co.KeyedCoProcessFunction;
import org.apache.flink.util.Collector;

/**
 * The adaptive selector's frames, per region (keyed by state key): the region's events and the
 * selector's choices for them (one per network mode) meet here; once the region's input has ended
 * the events run in sequence order through one lane per network mode that renders each frame with
 * the chosen choice, decodes it with its own receiver and verifies it ({@link RegionReplay}). A
 * re-rendered frame must have the length the selector recorded for it. Its results count frames
 * and bytes; the times of the adaptive configurations come from the selector's side, which has
 * the times measured for each candidate in the same pass as the fixed configurations.
 */
public class AdaptiveReplayFunction extends KeyedCoProcessFunction<String, ValidEvent, AdaptiveChoice, ReplayResult> {

    private static final long serialVersionUID = 1L;

    private final ReplaySettings settings;
    private transient ListState<ValidEvent> events;
    private transient ListState<AdaptiveChoice> choices;

    public AdaptiveReplayFunction(ReplaySettings settings) {
        this.settings = settings;
    }

    @Override
    public void open(OpenContext openContext) {
        events = getRuntimeContext().getListState(new ListStateDescriptor<>("events", TypeInformation.of(ValidEvent.class)));
        choices = getRuntimeContext().getListState(new ListStateDescriptor<>("choices", TypeInformation.of(AdaptiveChoice.class)));
        WarmUp.run(settings.parsedChoices());
    }

    @Override
    public void processElement1(ValidEvent e, Context ctx, Collector<ReplayResult> out) throws Exception {
        events.add(e);
        ctx.timerService().registerEventTimeTimer(Long.MAX_VALUE);
    }

    @Override
    public void processElement2(AdaptiveChoice c, Context ctx, Collector<ReplayResult> out) throws Exception {
        choices.add(c);
        ctx.timerService().registerEventTimeTimer(Long.MAX_VALUE);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<ReplayResult> out) throws Exception {
        String key = ctx.getCurrentKey();
        Map<NetworkMode, Map<Long, RegionReplay.Pick>> picks = new EnumMap<>(NetworkMode.class);
        for (NetworkMode m : NetworkMode.values()) {
            picks.put(m, new HashMap<>());
        }
        for (AdaptiveChoice c : choices.get()) {
            picks.get(NetworkMode.valueOf(c.mode)).put(c.sequence, new RegionReplay.Pick(EncodeChoice.parse(c.choice), c.explored,
                    c.expectedWireBytes));
        }
        List<RegionReplay.Lane> lanes = new ArrayList<>();
        for (NetworkMode m : NetworkMode.values()) {
            Map<Long, RegionReplay.Pick> byMode = picks.get(m);
            lanes.add(RegionReplay.Lane.chosen(ReplaySettings.adaptiveName(m), (sequence, type) -> byMode.get(sequence)));
        }
        RegionReplay replay = new RegionReplay(key, settings.limits(), lanes, List.of());
        long t0 = System.nanoTime();
        int frames = 0;
        for (byte[] bytes : EventOrder.inSequence(events.get(), settings.limits())) {
            PageUpdateEvent e = PageUpdateEventFormat.parse(bytes, settings.limits());
            if (replay.process(e, e.captureTimeMillis() / settings.bucketMillis()) != null) {
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
            // The times of the adaptive configurations come from the selector's side (measured in the same pass as the fixed ones);
            // this pass verifies the frames and counts them.
            r.encodeNanos = 0;
            r.decodeNanos = 0;
            r.tableEncodeNanos = 0;
            r.tableDecodeNanos = 0;
            out.collect(r);
        }
        events.clear();
        choices.clear();
        ReplayProgress.report("%s: %d adaptive frames x %d network modes encoded, decoded and %s in %.1f s", key, frames, lanes.size(),
                failed == 0 ? "verified" : "checked (" + failed + " FAILED)", (System.nanoTime() - t0) / 1e9);
    }
}
