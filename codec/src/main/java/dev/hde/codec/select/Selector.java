package dev.hde.codec.select;

import dev.hde.codec.wire.FrameType;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import net.jpountz.xxhash.XXHash64;
import net.jpountz.xxhash.XXHashFactory;

/**
 * Chooses how to encode each frame: the candidate with the least expected cost
 * ({@link CostModel}: encode time + wire bytes / bandwidth + decode time, estimated for the frame's
 * kind of data from the priors and the {@link SelectorModel}), except that now and then it explores
 * another candidate so that the estimates of the others stay fresh.
 *
 * <p><b>Exploration is bounded and deterministic.</b> A frame explores candidate j with probability
 * {@code rate / m * (c* / c_j)^2}, where m is the number of other candidates, c* the least expected
 * cost, c_j candidate j's, and rate the {@code epsilon} of the config, or its {@code warmupRate}
 * while j has fewer than {@code minSamples} records for this kind. So a frame explores with
 * probability at most the rate, and its expected extra cost is at most {@code rate * c* / 4}
 * (since {@code (a/c)^2 (c - a) <= a/4} for a = c* and c >= a): a candidate 10x as costly as the best is tried 100x
 * less often than one as good. The draw that decides is a hash of (seed, state key, sequence)
 * ({@link #draw}), never a random generator: the same model, frame features, key, sequence and
 * seed always give the same choice, in a replay as in the live job, on any subtask.
 *
 * <p>Immutable and thread-safe; build a new one when a new model arrives.
 */
public final class Selector {

    private static final XXHash64 XXH64 = XXHashFactory.fastestInstance().hash64();

    private final SelectorConfig config;
    private final SelectorModel model;

    public Selector(SelectorConfig config, SelectorModel model) {
        this.config = Objects.requireNonNull(config);
        this.model = Objects.requireNonNull(model);
    }

    public SelectorConfig config() {
        return config;
    }

    public SelectorModel model() {
        return model;
    }

    /** A candidate with its estimate for a frame, its expected cost per page byte and its records for the frame's kind. */
    public record Scored(EncodeChoice choice, CostModel.Estimate estimate, double costNanosPerByte, long records) {}

    /**
     * What was chosen and why.
     *
     * @param choice what to encode with (already mapped for the frame type, see {@link EncodeChoice#forFrame})
     * @param best the candidate of least expected cost
     * @param explored whether {@code choice} is an exploration (then it differs from {@code best})
     * @param expectedCostNanos expected cost of {@code choice} for this frame
     * @param bestCostNanos expected cost of {@code best} for this frame
     * @param kind the frame's kind of data
     */
    public record Decision(EncodeChoice choice, EncodeChoice best, boolean explored, double expectedCostNanos, double bestCostNanos,
            int kind) {}

    /** The choice for a DELTA frame, without a trained dictionary. */
    public EncodeChoice choose(DataFeatures f, String stateKey, long sequence) {
        return decide(f, FrameType.DELTA, stateKey, sequence, false).choice();
    }

    /**
     * The choice for a frame of this type.
     *
     * @param dictionaryAvailable whether the encoder has a trained dictionary for the key's VM class
     *     (candidates that need one are left out otherwise)
     */
    public EncodeChoice choose(DataFeatures f, FrameType type, String stateKey, long sequence, boolean dictionaryAvailable) {
        return decide(f, type, stateKey, sequence, dictionaryAvailable).choice();
    }

    public Decision decide(DataFeatures f, FrameType type, String stateKey, long sequence, boolean dictionaryAvailable) {
        List<Scored> scored = rank(f, type, dictionaryAvailable);
        int kind = f.kind();
        int best = 0;
        for (int i = 1; i < scored.size(); i++) {
            if (scored.get(i).costNanosPerByte() < scored.get(best).costNanosPerByte()) {
                best = i;
            }
        }
        Scored b = scored.get(best);
        double bytes = f.bytes();
        if (f.bytes() > 0 && scored.size() > 1) {
            double u = draw(config.seed(), stateKey, sequence);
            double cStar = b.costNanosPerByte();
            int m = scored.size() - 1;
            double acc = 0;
            for (int j = 0; j < scored.size(); j++) {
                if (j == best) {
                    continue;
                }
                Scored s = scored.get(j);
                double rate = s.records() < config.minSamples() ? Math.max(config.warmupRate(), config.epsilon()) : config.epsilon();
                double ratio = cStar / s.costNanosPerByte();
                acc += rate / m * ratio * ratio;
                if (u < acc) {
                    return new Decision(s.choice(), b.choice(), true, s.costNanosPerByte() * bytes, cStar * bytes, kind);
                }
            }
        }
        return new Decision(b.choice(), b.choice(), false, b.costNanosPerByte() * bytes, b.costNanosPerByte() * bytes, kind);
    }

    /** Every eligible candidate for a frame with its estimate, in candidate order. */
    public List<Scored> rank(DataFeatures f, FrameType type, boolean dictionaryAvailable) {
        if (type == FrameType.DELETE) {
            throw new IllegalArgumentException("a DELETE frame has nothing to encode");
        }
        int kind = f.kind();
        List<Scored> out = new ArrayList<>(config.candidates().size());
        Set<EncodeChoice> seen = new HashSet<>();
        for (EncodeChoice c : config.candidates()) {
            EncodeChoice e = c.forFrame(type);
            if ((e.trainedDictionary() && !dictionaryAvailable) || !seen.add(e)) {
                continue;
            }
            Aggregate cell = model.aggregate(kind, e);
            CostModel.Estimate est = CostModel.estimate(e, f, cell, config.pseudoCount());
            out.add(new Scored(e, est, est.costNanosPerByte(config.link()), cell.count()));
        }
        if (out.isEmpty()) {
            // Only dictionary candidates and no dictionary: fall back to the first one without it.
            EncodeChoice e = new EncodeChoice(config.candidates().get(0).spec(), false).forFrame(type);
            Aggregate cell = model.aggregate(kind, e);
            CostModel.Estimate est = CostModel.estimate(e, f, cell, config.pseudoCount());
            out.add(new Scored(e, est, est.costNanosPerByte(config.link()), cell.count()));
        }
        return out;
    }

    /**
     * The exploration draw in [0, 1): {@code h = XXH64(UTF-8 state key, seed)}, then the SplitMix64
     * finalizer of {@code h ^ (sequence * 0x9E3779B97F4A7C15)}, top 53 bits as a fraction.
     * Documented so that any implementation reproduces the choices.
     */
    public static double draw(long seed, String stateKey, long sequence) {
        byte[] key = stateKey.getBytes(StandardCharsets.UTF_8);
        long h = XXH64.hash(key, 0, key.length, seed);
        long z = h ^ (sequence * 0x9E3779B97F4A7C15L);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z ^= z >>> 31;
        return (z >>> 11) * 0x1.0p-53;
    }
}
