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
 * from the rendered frame with a fixed table ({@link TimeTable}: a method cost per page byte plus a
 * codec cost per byte of block, faster on blocks that did not compress), so that the comparison is
 * deterministic; the real render time is measured as well, for the report only. Receivers (one per
 * network mode, with the dictionary store) apply every adaptive frame, so a run also checks that
 * frames of mixed choices decode byte-exact. The stream starts with keyframes that are not counted
 * (both sides start from the first image, as in docs/benchmarks.md).
 */
final class SelectorSimulation {

    /** One region update of the stream; {@code phase} labels the report. */
    record Update(String key, PageUpdate update, String phase) {}

    /**
     * The modelled time of a frame, in nanoseconds per byte: method costs per page byte, codec
     * costs per block byte between {@code lo} (incompressible) and {@code hi} (very compressible).
     * {@code codecScale}, {@code lz4Scale} and {@code xbzrleScale} skew the world away from what the
     * priors assume, to check that learning corrects wrong priors.
     */
    record TimeTable(double codecScale, double lz4Scale, double xbzrleScale) {
        static final TimeTable CALIBRATED = new TimeTable(1, 1, 1);
        static final TimeTable SKEWED = new TimeTable(2.5, 0.5, 1.5);

        double[] codec(CodecSpec c) {
            double[] r = switch (c.codec()) {
                case NONE -> new double[] {0, 0};
                case LZ4 -> new double[] {0.05 * lz4Scale, 0.8 * lz4Scale};
                case ZSTD -> switch (c.level()) {
                    case 1 -> new double[] {0.10, 1.3};
                    case 3 -> new double[] {0.15, 1.9};
                    case 9 -> new double[] {1.5, 25};
                    case 19 -> new double[] {60, 220};
                    default -> throw new IllegalArgumentException("no time for " + c);
                };
            };
            if (c.codec() == BlockCodec.ZSTD) {
                r[0] *= codecScale;
                r[1] *= codecScale;
            }
            return r;
        }

        /** Modelled encode and decode nanoseconds of one rendered frame. */
        double[] time(EncodeChoice arm, FrameHeader h, long bytesIn, long changedBytes) {
            double raw = h.dataRawLength();
            boolean attempted = arm.codec().codec() != BlockCodec.NONE;
            boolean stored = h.codec() == BlockCodec.NONE;
            double c = !attempted || stored || raw == 0 ? 0 : Math.sqrt(Math.max(0, 1 - h.dataBlockLength() / raw));
            double[] lohi = codec(arm.codec());
            double codecNs = attempted ? raw * (lohi[0] + (lohi[1] - lohi[0]) * c) : 0;
            int level = arm.codec().level();
            double encode;
            double decode = 0.5 * bytesIn;
            switch (h.method()) {
                case RAW -> encode = 0.10 * bytesIn + codecNs;
                case XOR -> {
                    // the codec races through the zero runs: only the changed bytes cost the full rate
                    double busy = Math.min(raw, 2.0 * changedBytes);
                    encode = 0.20 * bytesIn + (attempted ? raw * lohi[0] + busy * (lohi[1] - lohi[0]) * c : 0);
                    decode += 0.25 * bytesIn;
                }
                case XBZRLE -> {
                    encode = xbzrleScale * (0.15 * bytesIn + 0.6 * raw) + codecNs;
                    decode += 0.2 * raw;
                }
                case DICT -> {
                    double load = level <= 3 ? 1.0 : level <= 9 ? 1.0 + (level - 3) * 0.5 : 4.0 + (level - 9) * 1.6;
                    encode = 0.25 * bytesIn + load * codecScale * bytesIn + 0.7 * codecNs;
                    decode += 0.2 * bytesIn;
                }
                default -> throw new IllegalStateException();
            }
            if (!stored) {
                decode += raw * (h.codec() == BlockCodec.LZ4 ? 0.15 : h.method() == DeltaMethod.DICT ? 0.8 : 0.6);
            }
            if (h.dictionaryId() != 0) {
                encode += 0.02 * bytesIn;
                decode += 0.02 * bytesIn;
            }
            return new double[] {encode, decode};
        }
    }

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
            sb.append(String.format("%n== %s: %d delta frames, %,d page bytes (%d frames used the trained dictionary)%n", name, deltaFrames,
                    fixed.values().iterator().next().bytesIn, dictionaryFrames));
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
                sb.append(String.format("%s: adaptive %.1f ms vs best fixed %s %.1f ms (%.1f%% less), %d explorations; choices %s%n",
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
    private final TimeTable table;
    private final long seed;
    private final int publishEvery;
    private final TrainedDictionary dictionary;
    private final DictionaryStore store;

    SelectorSimulation(List<EncodeChoice> candidates, TimeTable table, long seed, int publishEvery, TrainedDictionary dictionary) {
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

    Result run(Iterable<Update> stream) {
        Result result = new Result();
        Map<NetworkMode, LearningLoop> loops = new EnumMap<>(NetworkMode.class);
        Map<NetworkMode, Map<String, Receiver>> receivers = new EnumMap<>(NetworkMode.class);
        for (NetworkMode m : NetworkMode.values()) {
            SelectorConfig config = SelectorConfig.defaults(m, seed).withCandidates(candidates);
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
            if (s.meta == null) {
                PendingFrame full = RegionEncoder.full(null, 12, s.reference, u.update());
                byte[] frame = RegionEncoder.render(info, full, EncodeSpec.of(DeltaMethod.RAW, CodecSpec.zstd(1)));
                for (NetworkMode m : NetworkMode.values()) {
                    apply(applier, receivers.get(m).computeIfAbsent(u.key(), k -> new Receiver()), frame, u.key());
                }
                RegionEncoder.commit(full, s.reference);
                s.meta = full.after();
                continue;
            }
            PendingFrame pending = RegionEncoder.delta(s.meta, s.reference, u.update());
            if (pending.count() == 0 && pending.removedFrom() == pending.removedTo()) {
                continue; // nothing changed: no frame, as the encoder does
            }
            result.deltaFrames++;
            DataFeatures features = DataFeatures.of(pending);
            long changed = changedBytes(pending);
            Map<EncodeChoice, byte[]> frames = new HashMap<>();
            Map<EncodeChoice, double[]> times = new HashMap<>();
            for (EncodeChoice c : candidates) {
                long t0 = System.nanoTime();
                byte[] frame = RegionEncoder.render(info, pending, c.spec(), c.trainedDictionary() ? dictionary : null);
                long real = System.nanoTime() - t0;
                FrameHeader h = FrameFormat.parse(frame, Limits.DEFAULT, store).header();
                double[] t = table.time(c, h, features.bytes(), changed);
                frames.put(c, frame);
                times.put(c, t);
                result.fixed.get(c).add(features.bytes(), frame.length, t[0], t[1], real);
            }
            for (NetworkMode m : NetworkMode.values()) {
                Selector.Decision d = loops.get(m).decide(features, FrameType.DELTA, u.key(), s.sequence, dictionary != null);
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
                apply(applier, receivers.get(m).get(u.key()), frame, u.key());
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
