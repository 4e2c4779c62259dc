package dev.hde.job.replay;

import dev.hde.codec.Limits;
import dev.hde.codec.select.EncodeChoice;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Runs the codec paths of a replay once on a small generated region before anything is timed, so
 * that the real timings measure compiled code rather than the JVM's interpreter and JIT compiler (on
 * inputs of tens of MB, the first frames of a Java-coded method such as XBZRLE would otherwise
 * dominate its time). Once per JVM and choice.
 */
final class WarmUp {

    private static final Set<EncodeChoice> DONE = new HashSet<>();
    private static final int ROUNDS = 4;

    private WarmUp() {}

    static synchronized void run(List<EncodeChoice> choices) {
        List<EncodeChoice> todo = new ArrayList<>();
        for (EncodeChoice c : choices) {
            if (!DONE.contains(c)) {
                todo.add(c);
            }
        }
        if (todo.isEmpty()) {
            return;
        }
        long t0 = System.nanoTime();
        for (int round = 0; round < ROUNDS; round++) {
            List<RegionReplay.Lane> lanes = new ArrayList<>();
            for (EncodeChoice c : todo) {
                lanes.add(RegionReplay.Lane.fixed(c.toString(), c, null));
            }
            lanes.add(RegionReplay.Lane.fixed("refresh", todo.get(0), ReplaySettings.policy("chain-3")));
            RegionReplay replay = new RegionReplay("vm-00/r0000", Limits.DEFAULT, lanes, todo); // the one region of the generated stream
            new SyntheticMixed(1, 1, 128, 16, 4, 0.25, 0.25, 7 + round).generate(e -> replay.process(e, 0));
            replay.finish();
            for (RegionReplay.Lane lane : replay.lanes()) {
                if (lane.failed()) {
                    throw new IllegalStateException("the codec failed its warm-up: " + lane.failure);
                }
            }
        }
        DONE.addAll(todo);
        ReplayProgress.report("codec warmed up for %s in %.1f s", todo, (System.nanoTime() - t0) / 1e9);
    }
}
