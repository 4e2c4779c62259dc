package dev.hde.codec.select;

import dev.hde.codec.HdeException;
import dev.hde.codec.Limits;
import dev.hde.codec.block.BlockCodec;
import dev.hde.codec.block.CodecSpec;
import dev.hde.codec.delta.DeltaMethod;
import dev.hde.codec.dict.DictionaryStore;
import dev.hde.codec.dict.MapDictionaryStore;
import dev.hde.codec.dict.TrainedDictionary;
import dev.hde.codec.region.EncodeSpec;
import dev.hde.codec.region.FrameApplier;
import dev.hde.codec.region.FrameInfo;
import dev.hde.codec.region.HeapPageStore;
import dev.hde.codec.region.PageUpdate;
import dev.hde.codec.region.PendingFrame;
import dev.hde.codec.region.RegionEncoder;
import dev.hde.codec.region.RegionMeta;
import dev.hde.codec.wire.FrameFormat;
import dev.hde.codec.wire.FrameHeader;
import dev.hde.codec.wire.FrameType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * An offline, Flink-free version of the acceptance test: a stream of region updates is
 * encoded once with every candidate (each a fixed choice) and once per network mode by an
 * adaptive selector that learns online from its own performance records ({@link LearningLoop}),
 * and the total modelled cost of each is compared.
 *
 * <p>Wire bytes are real (every frame is rendered). Encode and decode time are <em>modelled</em>
 * from the rendered frame with a fixed table ({@link ModelledSpeeds}: a method cost per page byte plus a
 * codec cost per byte of block, faster on blocks that did not compress), so that the comparison is
 * deterministic; the real render time is measured as well, for the report only. Receivers (one per
 * network mode, with the dictionary store) apply every adaptive frame, so a run also checks that
 * frames of mixed choices decode byte-exact. The stream starts with keyframes: by default they are
 * not counted (both sides start from the first image, as in docs/benchmarks.md); with
 * {@code countKeyframes} the selector decides them too and they are counted, as {@code hde replay}
 * does.
 */
final class SelectorSimulation {

    /** One region update of the stream; {@code phase} labels the report. */
    record Update(String key, PageUpdate update, String phase) {}

    /** Sums of one way of encoding the stream. */
    static final class Totals {
        long frames;
        long bytesIn;
        long wireBytes;
        double encodeNanos;
        double decodeNanos;
        long realEncodeNanos;

        double costNanos(Link link) {
            return encodeNanos + decodeNanos + wireBytes * link.nanosPerByte();
        }

        void add(long in, long wire, double enc, double dec, long real) {
            frames++;
            bytesIn += in;
            wireBytes += wire;
            encodeNanos += enc;
            decodeNanos += dec;
            realEncodeNanos += real;
        }
    }

    /** What a run gives. */
    static final class Result {
        final Map<EncodeChoice, Totals> fixed = new LinkedHashMap<>();
        final Map<NetworkMode, Totals> adaptive = new EnumMap<>(NetworkMode.class);
        final Map<NetworkMode, Map<String, Map<String, Integer>>> choices = new EnumMap<>(NetworkMode.class);
        final Map<NetworkMode, Integer> explorations = new EnumMap<>(NetworkMode.class);
        final Map<NetworkMode, SelectorModel> models = new EnumMap<>(NetworkMode.class);
        final Map<NetworkMode, List<EncodeChoice>> sequence = new EnumMap<>(NetworkMode.class);
        int deltaFrames;
        int keyframes;
        int dictionaryFrames;

        double fixedCost(EncodeChoice c, NetworkMode m) {
            return fixed.get(c).costNanos(m.link());
        }

        double adaptiveCost(NetworkMode m) {
            return adaptive.get(m).costNanos(m.link());
        }

        EncodeChoice bestFixed(NetworkMode m) {
            EncodeChoice best = null;
            for (EncodeChoice c : fixed.keySet()) {
                if (best == null || fixedCost(c, m) < fixedCost(best, m)) {
                    best = c;
                }
            }
            return best;
        }

        String report(String name) {
            StringBuilder sb = new StringBuilder();
            sb.append(String.format("%n== %s: %d delta frames, %d keyframes counted, %,d page bytes (%d frames used the trained dictionary)%n",
                    name, deltaFrames, keyframes, fixed.values().iterator().next().bytesIn, dictionaryFrames));
            sb.append(String.format("%-22s %12s %10s %10s %12s %12s %12s %12s%n", "configuration", "wire bytes", "enc ms", "dec ms",
                    "real enc MB/s", "datacenter", "internet", "hybrid"));
            for (Map.Entry<EncodeChoice, Totals> e : fixed.entrySet()) {
                row(sb, e.getKey().toString(), e.getValue(), e.getValue().realEncodeNanos, null);
            }
            for (NetworkMode m : NetworkMode.values()) {
                row(sb, "adaptive/" + m.lowerName(), adaptive.get(m), adaptive.get(m).realEncodeNanos, m);
            }
            for (NetworkMode m : NetworkMode.values()) {
                EncodeChoice best = bestFixed(m);
                sb.append(String.format("%s: adaptive %.2f ms vs best fixed %s %.2f ms (%.2f%% less), %d explorations; choices %s%n",
                        m.lowerName(), adaptiveCost(m) / 1e6, best, fixedCost(best, m) / 1e6,
                        100 * (1 - adaptiveCost(m) / fixedCost(best, m)), explorations.get(m), choices.get(m)));
            }
            return sb.toString();
        }

        private static void row(StringBuilder sb, String name, Totals t, long real, NetworkMode only) {
            sb.append(String.format("%-22s %,12d %10.1f %10.1f %12.0f", name, t.wireBytes, t.encodeNanos / 1e6, t.decodeNanos / 1e6,
                    real == 0 ? 0 : t.bytesIn / (real / 1e3)));
            for (NetworkMode m : NetworkMode.values()) {
                sb.append(only == null || only == m ? String.format(" %12.1f", t.costNanos(m.link()) / 1e6) : String.format(" %12s", "-"));
            }
            sb.append('\n');
        }
    }

    private static final class Sender {
        RegionMeta meta;
        final HeapPageStore reference = new HeapPageStore();
        long sequence;
    }

    private static final class Receiver {
        RegionMeta meta;
        final HeapPageStore pages = new HeapPageStore();
    }

    private final List<EncodeChoice> candidates;
    private final ModelledSpeeds table;
    private final long seed;
    private final int publishEvery;
    private final TrainedDictionary dictionary;
    private final DictionaryStore store;
    private boolean countKeyframes;
    private java.util.function.UnaryOperator<SelectorConfig> configure = c -> c;

    SelectorSimulation(List<EncodeChoice> candidates, ModelledSpeeds table, long seed, int publishEvery, TrainedDictionary dictionary) {
        this.candidates = candidates;
        this.table = table;
        this.seed = seed;
        this.publishEvery = publishEvery;
        this.dictionary = dictionary;
        MapDictionaryStore s = new MapDictionaryStore();
        if (dictionary != null) {
            s.add(dictionary);
        }
        this.store = s;
    }

    /** Lets the selector decide the keyframes too, and counts them (as {@code hde replay} does). */
    SelectorSimulation countingKeyframes() {
        this.countKeyframes = true;
        return this;
    }

    /** Changes the adaptive selector's configuration (after the defaults and the candidates). */
    SelectorSimulation configured(java.util.function.UnaryOperator<SelectorConfig> c) {
        this.configure = c;
        return this;
    }

    Result run(Iterable<Update> stream) {
        Result result = new Result();
        Map<NetworkMode, LearningLoop> loops = new EnumMap<>(NetworkMode.class);
        Map<NetworkMode, Map<String, Receiver>> receivers = new EnumMap<>(NetworkMode.class);
        for (NetworkMode m : NetworkMode.values()) {
            SelectorConfig config = configure.apply(SelectorConfig.defaults(m, seed).withCandidates(candidates));
            loops.put(m, new LearningLoop(config, SelectorModel.EMPTY, publishEvery));
            receivers.put(m, new HashMap<>());
            result.adaptive.put(m, new Totals());
            result.choices.put(m, new TreeMap<>());
            result.explorations.put(m, 0);
            result.sequence.put(m, new ArrayList<>());
        }
        for (EncodeChoice c : candidates) {
            result.fixed.put(c, new Totals());
        }
        FrameApplier applier = new FrameApplier(Limits.DEFAULT, store);
        Map<String, Sender> senders = new HashMap<>();
        for (Update u : stream) {
            Sender s = senders.computeIfAbsent(u.key(), k -> new Sender());
            FrameInfo info = new FrameInfo(u.key(), ++s.sequence, s.sequence);
            if (s.meta == null && !countKeyframes) {
                PendingFrame full = RegionEncoder.full(null, 12, s.reference, u.update());
                byte[] frame = RegionEncoder.render(info, full, EncodeSpec.of(DeltaMethod.RAW, CodecSpec.zstd(1)));
                for (NetworkMode m : NetworkMode.values()) {
                    apply(applier, receivers.get(m).computeIfAbsent(u.key(), k -> new Receiver()), frame, u.key());
                }
                RegionEncoder.commit(full, s.reference);
                s.meta = full.after();
                continue;
            }
            PendingFrame pending = s.meta == null ? RegionEncoder.full(null, 12, s.reference, u.update())
                    : RegionEncoder.delta(s.meta, s.reference, u.update());
            if (pending.count() == 0 && pending.removedFrom() == pending.removedTo() && s.meta != null) {
                continue; // nothing changed: no frame, as the encoder does
            }
            FrameType type = pending.type();
            if (type == FrameType.FULL) {
                result.keyframes++;
            }
            if (type == FrameType.DELTA) {
                result.deltaFrames++;
            }
            DataFeatures features = DataFeatures.of(pending);
            long changed = changedBytes(pending);
            Map<EncodeChoice, byte[]> frames = new HashMap<>();
            Map<EncodeChoice, double[]> times = new HashMap<>();
            Map<EncodeChoice, Long> reals = new HashMap<>();
            for (EncodeChoice fixedChoice : candidates) {
                EncodeChoice c = fixedChoice.forFrame(type);
                if (!frames.containsKey(c)) {
                    long t0 = System.nanoTime();
                    byte[] frame = RegionEncoder.render(info, pending, c.spec(), c.trainedDictionary() ? dictionary : null);
                    long real = System.nanoTime() - t0;
                    FrameHeader h = FrameFormat.parse(frame, Limits.DEFAULT, store).header();
                    frames.put(c, frame);
                    times.put(c, table.time(c, h, features.bytes(), changed));
                    reals.put(c, real);
                }
                double[] t = times.get(c);
                result.fixed.get(fixedChoice).add(features.bytes(), frames.get(c).length, t[0], t[1], reals.get(c));
            }
            for (NetworkMode m : NetworkMode.values()) {
                Selector.Decision d = loops.get(m).decide(features, type, u.key(), s.sequence, dictionary != null);
                EncodeChoice c = d.choice();
                byte[] frame = frames.get(c);
                double[] t = times.get(c);
                Totals adaptive = result.adaptive.get(m);
                adaptive.add(features.bytes(), frame.length, t[0], t[1], 0);
                loops.get(m).observe(Observation.encoded(features, c, frame.length, Math.round(t[0]), s.sequence));
                result.choices.get(m).computeIfAbsent(u.phase(), p -> new TreeMap<>()).merge(c.toString(), 1, Integer::sum);
                result.sequence.get(m).add(c);
                if (d.explored()) {
                    result.explorations.merge(m, 1, Integer::sum);
                }
                if (FrameFormat.parse(frame, Limits.DEFAULT, store).header().dictionaryId() != 0) {
                    result.dictionaryFrames++;
                }
                apply(applier, receivers.get(m).computeIfAbsent(u.key(), k -> new Receiver()), frame, u.key());
            }
            RegionEncoder.commit(pending, s.reference);
            s.meta = pending.after();
        }
        // Every receiver holds exactly what its sender holds.
        for (NetworkMode m : NetworkMode.values()) {
            for (Map.Entry<String, Sender> e : senders.entrySet()) {
                Receiver r = receivers.get(m).get(e.getKey());
                Sender s = e.getValue();
                if (r.meta.digest() != s.meta.digest() || r.meta.regionPages() != s.meta.regionPages()) {
                    throw new AssertionError(m + " receiver of " + e.getKey() + " differs from its sender");
                }
                for (int i = 0; i < s.meta.regionPages(); i++) {
                    if (!Arrays.equals(r.pages.get(i), s.reference.get(i))) {
                        throw new AssertionError(m + " receiver of " + e.getKey() + " differs at page " + i);
                    }
                }
            }
            result.models.put(m, loops.get(m).model());
        }
        return result;
    }

    private static void apply(FrameApplier applier, Receiver r, byte[] frame, String key) {
        try {
            r.meta = applier.apply(frame, key, r.meta, r.pages).meta();
        } catch (HdeException e) {
            throw new AssertionError("receiver refused a frame of " + key + ": " + e.getMessage(), e);
        }
    }

    /** Exact count of bytes that differ from the old pages, whole pages for new ones. */
    private static long changedBytes(PendingFrame f) {
        long n = 0;
        int pageSize = f.after().pageSize();
        for (int i = 0; i < f.count(); i++) {
            byte[] page = f.newPages()[i];
            byte[] old = f.oldPages()[i];
            if (page == null) {
                continue;
            }
            if (old == null) {
                n += pageSize;
                continue;
            }
            for (int b = 0; b < pageSize; b++) {
                if (page[b] != old[b]) {
                    n++;
                }
            }
        }
        return n;
    }
}
