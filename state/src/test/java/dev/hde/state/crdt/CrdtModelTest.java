package dev.hde.state.crdt;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SortedMap;
import java.util.TreeMap;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

/**
 * Model-based tests in the style of riak_dt's QuickCheck suites, with plain seeded randomness:
 * 3-5 replicas of the catalog do random puts and removes, ship deltas that are lost, duplicated,
 * reordered and grouped, sometimes through the binary format, merge whole states, run digest
 * anti-entropy between pairs, and restart from their Flink-serialized state. A model written in
 * terms of operations, not dots, says what each replica must hold after every step:
 *
 * <p>Each replica knows a set of operations (its causal history). A put or remove <em>observes</em>
 * the puts of its key that are live at its replica when it runs; a remove kills all of them, a put
 * kills those whose register it beats. A put is live at a replica that knows it and knows none of
 * its killers. The implementation must hold, for every key, exactly the live puts' dots and
 * registers, and show the largest register.
 *
 * <p>Runs: {@code -Dcrdt.runs=N} (default 300), one seed: {@code -Dcrdt.seed=S}. A failure names its seed.
 */
class CrdtModelTest {

    private static final int RUNS = Integer.getInteger("crdt.runs", 300);
    private static final Long ONE_SEED = Long.getLong("crdt.seed");
    private static final long BASE_SEED = 0xC47A_1065_0000L;
    private static final long T0 = 1_760_000_000_000L;

    /** What the runs exercised, over all seeds: each must happen, or the test proves little. */
    private static final Map<String, Integer> COVERAGE = new TreeMap<>();

    private static void count(String what) {
        COVERAGE.merge(what, 1, Integer::sum);
    }

    @Test
    void randomRunsMatchTheModelAndConverge() {
        COVERAGE.clear();
        int runs = ONE_SEED != null ? 1 : RUNS;
        for (int i = 0; i < runs; i++) {
            long seed = ONE_SEED != null ? ONE_SEED : BASE_SEED + i;
            try {
                new Run(seed).execute();
            } catch (AssertionError | RuntimeException e) {
                throw new AssertionError("CRDT model run failed with seed " + seed + " (rerun: -Dcrdt.seed=" + seed + "): " + e.getMessage(), e);
            }
        }
        System.out.println("CRDT model: " + runs + " runs, " + COVERAGE);
        if (ONE_SEED == null) {
            assertThat(COVERAGE).containsKeys("put", "remove", "delta delivered", "delta duplicated", "delta lost", "delta group",
                    "via binary format", "state merge", "anti-entropy repair", "restart", "add won over concurrent remove",
                    "removed put stayed removed", "remove of one site's keyframes", "lower register kept live", "concurrent puts met", "context had gaps");
        }
    }

    /** One operation as the model sees it. */
    private static final class Op {
        final int id;
        final String key;
        final boolean put;
        Dot dot;
        LwwRegister<KeyframeInfo> reg;
        /** Ops that kill this put. */
        final BitSet killers = new BitSet();
        /** Puts this op killed. */
        final List<Op> killed = new ArrayList<>();

        Op(int id, String key, boolean put) {
            this.id = id;
            this.key = key;
            this.put = put;
        }
    }

    /** A message in flight: the catalog message and the operations whose effects it carries. */
    private record Msg(int to, CatalogDelta delta, BitSet ops) {}

    private static final class Run {
        final long seed;
        final Random rnd;
        final int n;
        final int bucketCount;
        final String[] keys;
        final long[] wall;
        final BaselineCatalog[] replicas;
        final BitSet[] history;
        final List<Op> ops = new ArrayList<>();
        final Map<String, List<Op>> putsByKey = new HashMap<>();
        final List<Msg> network = new ArrayList<>();
        final List<CatalogDelta> samples = new ArrayList<>();

        Run(long seed) {
            this.seed = seed;
            this.rnd = new Random(seed);
            this.n = 3 + rnd.nextInt(3);
            int[] counts = {1, 2, 4, 64};
            this.bucketCount = counts[rnd.nextInt(counts.length)];
            this.keys = new String[4 + rnd.nextInt(12)];
            for (int i = 0; i < keys.length; i++) {
                keys[i] = "vm-" + (i % 3) + "/r" + String.format("%04d", i);
            }
            this.wall = new long[n];
            this.replicas = new BaselineCatalog[n];
            this.history = new BitSet[n];
            for (int r = 0; r < n; r++) {
                final int rr = r;
                wall[r] = T0 + rnd.nextInt(2_000) - 1_000; // skewed clocks
                replicas[r] = new BaselineCatalog("site-" + (char) ('a' + r), bucketCount, new HybridLogicalClock(() -> wall[rr]));
                history[r] = new BitSet();
            }
        }

        void execute() {
            int steps = 80 + rnd.nextInt(170);
            for (int step = 0; step < steps; step++) {
                for (int r = 0; r < n; r++) {
                    wall[r] += rnd.nextInt(25) - 5; // wall clocks also step back
                }
                int changed = step(rnd.nextInt(100));
                if (changed >= 0) {
                    checkReplica(changed);
                }
                if (rnd.nextInt(20) == 0 && samples.size() < 8) {
                    samples.add(replicas[rnd.nextInt(n)].state());
                }
            }
            // Some messages still arrive, the rest are lost.
            while (!network.isEmpty() && rnd.nextBoolean()) {
                deliver(network.remove(rnd.nextInt(network.size())));
            }
            network.clear();
            antiEntropyUntilEqual();
            checkFinal();
            checkLaws();
        }

        /** Performs one random action; returns the replica whose state changed, or -1. */
        int step(int dice) {
            int r = rnd.nextInt(n);
            if (dice < 38) {
                put(r, keys[rnd.nextInt(keys.length)]);
                return r;
            }
            if (dice < 55) {
                remove(r, pickKey(r));
                return r;
            }
            if (dice < 80 && !network.isEmpty()) {
                Msg m = network.remove(rnd.nextInt(network.size())); // any order
                deliver(m);
                return m.to;
            }
            if (dice < 85 && network.size() > 1) {
                return deliverGroup();
            }
            if (dice < 90) {
                int s = other(r);
                count("state merge");
                merge(r, replicas[s].state(), (BitSet) history[s].clone());
                return r;
            }
            if (dice < 96) {
                int s = other(r);
                antiEntropy(r, s);
                checkReplica(s);
                return r;
            }
            if (dice < 98) {
                restart(r);
                return r;
            }
            return -1;
        }

        int other(int r) {
            int s = rnd.nextInt(n - 1);
            return s >= r ? s + 1 : s;
        }

        String pickKey(int r) {
            List<String> present = new ArrayList<>(replicas[r].toMap().keySet());
            if (!present.isEmpty() && rnd.nextInt(4) != 0) {
                return present.get(rnd.nextInt(present.size()));
            }
            return keys[rnd.nextInt(keys.length)];
        }

        List<Op> live(int r, String key) {
            List<Op> out = new ArrayList<>();
            for (Op p : putsByKey.getOrDefault(key, List.of())) {
                if (history[r].get(p.id) && !p.killers.intersects(history[r])) {
                    out.add(p);
                }
            }
            return out;
        }

        void put(int r, String key) {
            // Few epochs, so that many writes tie on the epoch and the HLC decides.
            long epoch = 1 + rnd.nextInt(rnd.nextBoolean() ? 3 : 50);
            KeyframeInfo info = new KeyframeInfo(epoch, rnd.nextInt(4) - (rnd.nextInt(8) == 0 ? 1 : 0), rnd.nextInt(1_000_000),
                    rnd.nextInt(1 << 22), rnd.nextLong(), replicas[r].site(), wall[r] & 0xFFFF_FFFFFFL);
            List<Op> observed = live(r, key);
            CatalogDelta d = replicas[r].put(key, info);
            Op op = new Op(ops.size(), key, true);
            OrMap<String, KeyframeInfo> bucket = d.buckets().get(replicas[r].bucketOf(key));
            SortedMap<Dot, LwwRegister<KeyframeInfo>> entry = bucket.entry(key);
            assertThat(entry).hasSize(1);
            op.dot = entry.firstKey();
            op.reg = entry.get(op.dot);
            assertThat(op.reg.value()).isEqualTo(info);
            assertThat(op.reg.site()).isEqualTo(replicas[r].site());
            for (Op p : observed) {
                if (p.reg.compareTo(op.reg) < 0) {
                    kill(op, p);
                } else {
                    count("lower register kept live");
                }
            }
            count("put");
            record(r, op, d);
            putsByKey.computeIfAbsent(key, k -> new ArrayList<>()).add(op);
        }

        void remove(int r, String key) {
            List<Op> observed = live(r, key);
            CatalogDelta d;
            if (rnd.nextInt(3) == 0) {
                // Only one site's keyframes (that site pruned the region).
                String frameSite = replicas[rnd.nextInt(n)].site();
                observed.removeIf(p -> !p.reg.value().site().equals(frameSite));
                d = replicas[r].removeFrom(key, frameSite);
                count("remove of one site's keyframes");
            } else {
                d = replicas[r].remove(key);
            }
            assertThat(d.isEmpty()).isEqualTo(observed.isEmpty());
            if (observed.isEmpty()) {
                // Removing an absent key changes nothing; its empty delta merges as a no-op anywhere.
                replicas[other(r)].merge(d);
                return;
            }
            Op op = new Op(ops.size(), key, false);
            for (Op p : observed) {
                kill(op, p);
            }
            count("remove");
            record(r, op, d);
        }

        void kill(Op killer, Op p) {
            p.killers.set(killer.id);
            killer.killed.add(p);
        }

        void record(int r, Op op, CatalogDelta d) {
            ops.add(op);
            history[r].set(op.id);
            BitSet carried = new BitSet();
            carried.set(op.id);
            for (int s = 0; s < n; s++) {
                if (s == r) {
                    continue;
                }
                int fate = rnd.nextInt(100);
                if (fate < 20) {
                    count("delta lost");
                    continue;
                }
                network.add(new Msg(s, d, carried));
                if (fate >= 85) {
                    count("delta duplicated");
                    network.add(new Msg(s, d, carried));
                }
            }
            if (samples.size() < 16 && rnd.nextInt(10) == 0) {
                samples.add(d); // deltas join the law checks too
            }
        }

        void deliver(Msg m) {
            count("delta delivered");
            merge(m.to, m.delta, m.ops);
        }

        /** Joins 2-4 in-flight messages for one replica into a delta group and delivers it. */
        int deliverGroup() {
            int to = network.get(rnd.nextInt(network.size())).to;
            CatalogDelta group = null;
            BitSet carried = new BitSet();
            int want = 2 + rnd.nextInt(3);
            for (int i = network.size() - 1; i >= 0 && want > 0; i--) {
                if (network.get(i).to == to && rnd.nextBoolean()) {
                    Msg m = network.remove(i);
                    group = group == null ? m.delta : group.join(m.delta);
                    carried.or(m.ops);
                    want--;
                }
            }
            if (group == null) {
                return -1;
            }
            count("delta group");
            merge(to, group, carried);
            return to;
        }

        void merge(int r, CatalogDelta d, BitSet carried) {
            if (rnd.nextBoolean()) {
                byte[] wire = CatalogFormat.write(d);
                CatalogDelta back = CatalogFormat.parse(wire, CatalogLimits.DEFAULT);
                assertThat(back).isEqualTo(d);
                assertThat(CatalogFormat.write(back)).isEqualTo(wire);
                d = back;
                count("via binary format");
            }
            MergeReport report = replicas[r].merge(d);
            if (report.concurrent() > 0) {
                count("concurrent puts met");
            }
            history[r].or(carried);
            for (int b = 0; b < bucketCount; b++) {
                if (!replicas[r].bucket(b).contextView().isCompact()) {
                    count("context had gaps");
                    break;
                }
            }
        }

        BitSet opsInBuckets(int r, int[] ids) {
            BitSet sel = new BitSet();
            BitSet wanted = new BitSet();
            for (int b : ids) {
                wanted.set(b);
            }
            for (int i = history[r].nextSetBit(0); i >= 0; i = history[r].nextSetBit(i + 1)) {
                if (wanted.get(replicas[r].bucketOf(ops.get(i).key))) {
                    sel.set(i);
                }
            }
            return sel;
        }

        /** One digest exchange between a and b: each re-sends the buckets whose digests differ. */
        int antiEntropy(int a, int b) {
            DigestMessage fromB = CatalogFormat.parseDigests(CatalogFormat.writeDigests(replicas[b].digestMessage()), CatalogLimits.DEFAULT);
            int[] ids = replicas[a].differingBuckets(fromB);
            if (ids.length == 0) {
                return 0;
            }
            count("anti-entropy repair");
            CatalogDelta repairFromB = replicas[b].bucketDelta(ids);
            merge(a, repairFromB, opsInBuckets(b, ids));
            CatalogDelta repairFromA = replicas[a].bucketDelta(ids);
            merge(b, repairFromA, opsInBuckets(a, ids));
            assertThat(replicas[b].differingBuckets(replicas[a].digestMessage())).isEmpty();
            return ids.length;
        }

        void antiEntropyUntilEqual() {
            for (int round = 0; round <= n; round++) {
                if (allEqual()) {
                    return;
                }
                for (int a = 0; a < n; a++) {
                    for (int b = a + 1; b < n; b++) {
                        if (rnd.nextBoolean()) {
                            antiEntropy(a, b);
                        } else {
                            antiEntropy(b, a);
                        }
                    }
                }
            }
            assertThat(allEqual()).as("replicas equal after anti-entropy").isTrue();
        }

        boolean allEqual() {
            long[] d0 = replicas[0].digests();
            for (int r = 1; r < n; r++) {
                if (!java.util.Arrays.equals(d0, replicas[r].digests())) {
                    return false;
                }
            }
            return true;
        }

        void restart(int r) {
            try {
                DataOutputSerializer out = new DataOutputSerializer(256);
                CatalogSerializer.INSTANCE.serialize(replicas[r], out);
                BaselineCatalog back = CatalogSerializer.INSTANCE.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
                final int rr = r;
                back.setWallClock(() -> wall[rr]);
                assertThat(back.sameContent(replicas[r])).isTrue();
                assertThat(back.clock().current()).isEqualTo(replicas[r].clock().current());
                replicas[r] = back;
                count("restart");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** The replica holds exactly the live puts of the model, and shows the largest register. */
        void checkReplica(int r) {
            BaselineCatalog c = replicas[r];
            int present = 0;
            for (String key : keys) {
                List<Op> live = live(r, key);
                TreeMap<Dot, LwwRegister<KeyframeInfo>> expected = new TreeMap<>();
                LwwRegister<KeyframeInfo> best = null;
                for (Op p : live) {
                    expected.put(p.dot, p.reg);
                    if (best == null || p.reg.compareTo(best) > 0) {
                        best = p.reg;
                    }
                }
                assertThat(c.bucket(c.bucketOf(key)).entry(key)).as("replica %s key %s", c.site(), key).isEqualTo(expected);
                assertThat(c.register(key)).as("LWW winner at %s for %s", c.site(), key).isEqualTo(best);
                if (best != null) {
                    present++;
                }
            }
            assertThat(c.size()).isEqualTo(present);
        }

        void checkFinal() {
            // Two replicas can be equal without knowing the same operations (two removes that killed
            // the same puts), so the converged state is checked against the model knowing everything.
            BitSet all = new BitSet();
            all.set(0, ops.size());
            for (int r = 0; r < n; r++) {
                history[r] = (BitSet) all.clone();
                checkReplica(r);
                assertThat(replicas[r].sameContent(replicas[0])).as("replica %d equals replica 0", r).isTrue();
                // Garbage collection: with every dot seen, each bucket's context is a plain version vector.
                for (int b = 0; b < bucketCount; b++) {
                    assertThat(replicas[r].bucket(b).contextView().isCompact()).as("bucket %d compact at %d", b, r).isTrue();
                }
            }
            BaselineCatalog c = replicas[0];
            for (Op op : ops) {
                if (!op.put) {
                    // Nothing removed comes back: every put a remove observed is gone everywhere.
                    for (Op p : op.killed) {
                        assertThat(c.bucket(c.bucketOf(p.key)).entry(p.key)).as("removed put %s of %s came back", p.dot, p.key)
                                .doesNotContainKey(p.dot);
                        count("removed put stayed removed");
                    }
                    // Puts of the key made before this remove that it did not observe (concurrent ones) and nothing else killed.
                    for (Op p : putsByKey.getOrDefault(op.key, List.of())) {
                        if (p.id < op.id && !op.killed.contains(p) && p.killers.isEmpty()) {
                            assertThat(c.bucket(c.bucketOf(p.key)).entry(p.key)).containsKey(p.dot);
                            count("add won over concurrent remove");
                        }
                    }
                } else if (op.killers.isEmpty()) {
                    // Add wins: a put no remove or later put observed is live, whatever removes ran concurrently.
                    assertThat(c.bucket(c.bucketOf(op.key)).entry(op.key)).as("unobserved put %s of %s lost", op.dot, op.key)
                            .containsKey(op.dot);
                }
            }
        }

        /** Merge laws on the sampled states and the final ones, as deltas (join) and through catalogs (merge). */
        void checkLaws() {
            List<CatalogDelta> pool = new ArrayList<>(samples);
            for (BaselineCatalog c : replicas) {
                pool.add(c.state());
            }
            for (int i = 0; i < 6; i++) {
                CatalogDelta a = pool.get(rnd.nextInt(pool.size()));
                CatalogDelta b = pool.get(rnd.nextInt(pool.size()));
                CatalogDelta x = pool.get(rnd.nextInt(pool.size()));
                assertThat(a.join(b).sameContent(b.join(a))).as("commutative").isTrue();
                assertThat(a.join(b).join(x).sameContent(a.join(b.join(x)))).as("associative").isTrue();
                assertThat(a.join(a).sameContent(a)).as("idempotent").isTrue();
                BaselineCatalog ca = BaselineCatalog.restore(a, () -> T0);
                ca.merge(b);
                ca.merge(x);
                BaselineCatalog cb = BaselineCatalog.restore(x, () -> T0);
                cb.merge(a.join(b));
                cb.merge(b);
                assertThat(ca.sameContent(cb)).as("merge order").isTrue();
            }
        }
    }
}
