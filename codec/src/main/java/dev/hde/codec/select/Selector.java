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
 * features from the priors and the {@link SelectorModel}), except that now and then it explores
 * another candidate so that the estimates of the others stay fresh.
 *
 * <p><b>Exploration is regret-bounded and deterministic.</b> Only candidates whose expected cost c_j
 * is below {@code exploreWithin} (1.5) times the least, c*, are explored at all, each with
 * probability {@code rate / m * ((F - r_j) / (F - 1))^2}, where r_j = c_j / c*, F = exploreWithin
 * and m the number of such candidates; rate is the config's {@code epsilon}, or its
 * {@code warmupRate} for a candidate with fewer than {@code minSamples} records while the frame's
 * kind has seen fewer than {@code warmupFrames} frames (so the warm-up ends after a bounded number of
 * frames, whatever the candidates). If the expected extra cost of these probabilities,
 * {@code sum p_j (r_j - 1)}, exceeds {@code maxExtraCost} (0.3%) of c*, they are all scaled down to
 * it. Frames larger than {@link #FULL_RATE_BYTES} (256 KiB) are explored in inverse proportion to
 * their size. So a frame explores with probability at most the rate, its expected extra cost is at
 * most {@code min(maxExtraCost, rate * 4 (F - 1) / 27)} of the best (and on large frames a bounded
 * number of nanoseconds), and a candidate the estimates put far from the best is never tried. The draw that decides is a hash of (seed, state key, sequence)
 * ({@link #draw}), never a random generator: the same model, frame features, key, sequence and seed
 * always give the same choice, in a replay as in the live job, on any subtask.
 *
 * <p>Immutable and thread-safe; build a new one when a new model arrives.
 */
public final class Selector {

    private static final XXHash64 XXH64 = XXHashFactory.fastestInstance().hash64();

    /**
     * Frames up to this many page bytes are explored at the full rate, larger ones at a rate
     * inversely proportional to their size: a record teaches as much whatever the frame's size,
     * and exploring a small frame costs less, so the expected extra cost per frame is bounded in
     * nanoseconds too, not only as a share of the frame.
     */
    public static final long FULL_RATE_BYTES = 256 * 1024;

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
     * @param ranked every eligible candidate with its estimate, as the choice was made from them ({@link #secondOpinion} reads them)
     */
    public record Decision(EncodeChoice choice, EncodeChoice best, boolean explored, double expectedCostNanos, double bestCostNanos,
            int kind, List<Scored> ranked) {}

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
        double[] p = f.bytes() > 0 && scored.size() > 1 ? explorationProbabilities(scored, best, model.framesOfKind(kind), f.bytes()) : null;
        if (p != null) {
            double u = draw(config.seed(), stateKey, sequence);
            double acc = 0;
            for (int j = 0; j < scored.size(); j++) {
                if (p[j] <= 0) {
                    continue;
                }
                acc += p[j];
                if (u < acc) {
                    Scored s = scored.get(j);
                    return new Decision(s.choice(), b.choice(), true, s.costNanosPerByte() * bytes, b.costNanosPerByte() * bytes, kind,
                            scored);
                }
            }
        }
        return new Decision(b.choice(), b.choice(), false, b.costNanosPerByte() * bytes, b.costNanosPerByte() * bytes, kind, scored);
    }

    /**
     * A second opinion once a frame is rendered: the candidate to render as well, or {@code null}.
     * Sending the rendering still costs its wire bytes over the link and its decode time (its encode
     * time is spent either way); another candidate is rendered when its whole estimated cost, encode
     * time included, is below that, with its bytes scaled by the rendering's surprise (its bytes ÷ its
     * estimated bytes) when it is of the same pool: content that compresses worse than estimated for
     * one codec does so for the others. When the estimate was right this never happens (the choice
     * was the least estimate); when the rendering shows that bytes matter more on this content than
     * the estimates assumed, the candidate that saves them is tried on the very frame that showed it,
     * and the encoder sends the rendering cheaper to send ({@link SecondOpinion#sendRival}). Both
     * renderings are records. A pure function of the decision, the features and the rendered bytes, so
     * frames stay a function of the input.
     *
     * @param decided what {@link #decide} chose the frame's rendering with
     * @param f the frame's features, as decided on
     * @param wireBytes the length of the rendered frame
     */
    public SecondOpinion secondOpinion(Decision decided, DataFeatures f, long wireBytes) {
        if (f.bytes() <= 0) {
            return null;
        }
        List<Scored> scored = decided.ranked();
        Scored self = null;
        for (Scored s : scored) {
            if (s.choice().equals(decided.choice())) {
                self = s;
            }
        }
        if (self == null) {
            return null;
        }
        double sendPerByte = SecondOpinion.sendCostNanos(self, wireBytes, f.bytes(), config.link()) / f.bytes();
        // What the rendering showed about this frame's content holds for the other codecs of its pool too: content that
        // compresses worse than estimated for one does so for all (the same correlation the pools rest on).
        double surprise = self.estimate().ratio() > 0 ? wireBytes / (self.estimate().ratio() * f.bytes()) : 1.0;
        int pool = CostModel.poolOf(self.choice());
        Scored rival = null;
        double rivalCost = Double.MAX_VALUE;
        for (Scored s : scored) {
            if (s == self) {
                continue;
            }
            CostModel.Estimate e = s.estimate();
            double ratio = CostModel.poolOf(s.choice()) == pool ? Math.min(1.5, e.ratio() * surprise) : e.ratio();
            double cost = e.encodeNanosPerByte() + ratio * config.link().nanosPerByte() + e.decodeNanosPerByte();
            if (cost < sendPerByte && cost < rivalCost) {
                rival = s;
                rivalCost = cost;
            }
        }
        return rival == null ? null : new SecondOpinion(self, rival);
    }

    /**
     * A frame rendered twice ({@link #secondOpinion}): the first choice and the rival rendered after it.
     */
    public record SecondOpinion(Scored first, Scored rival) {

        /** Whether to send the rival's rendering: it costs less to send (wire bytes over the link plus the estimated decode time). */
        public boolean sendRival(long firstWireBytes, long rivalWireBytes, long pageBytes, Link link) {
            return sendCostNanos(rival, rivalWireBytes, pageBytes, link) < sendCostNanos(first, firstWireBytes, pageBytes, link);
        }

        static double sendCostNanos(Scored s, long wireBytes, long pageBytes, Link link) {
            return wireBytes * link.nanosPerByte() + s.estimate().decodeNanosPerByte() * pageBytes;
        }
    }

    /**
     * The probability of exploring each candidate (0 for the best, and for those at or above
     * {@code exploreWithin} times its cost), see the class comment.
     *
     * @param kindFrames frames of the kind the model has seen (its encoder records)
     * @param bytes the frame's page bytes: frames above {@link #FULL_RATE_BYTES} are explored less, in proportion
     */
    double[] explorationProbabilities(List<Scored> scored, int best, long kindFrames, long bytes) {
        double cStar = scored.get(best).costNanosPerByte();
        double within = config.exploreWithin();
        boolean warmup = kindFrames < config.warmupFrames();
        double[] r = new double[scored.size()];
        int m = 0;
        for (int j = 0; j < scored.size(); j++) {
            r[j] = cStar > 0 ? scored.get(j).costNanosPerByte() / cStar : 1.0;
            if (j != best && r[j] < within) {
                m++;
            }
        }
        double[] p = new double[scored.size()];
        if (m == 0) {
            return p;
        }
        double extra = 0;
        for (int j = 0; j < scored.size(); j++) {
            if (j == best || r[j] >= within) {
                continue;
            }
            double rate = warmup && scored.get(j).records() < config.minSamples() ? Math.max(config.warmupRate(), config.epsilon())
                    : config.epsilon();
            double shape = within > 1 ? (within - r[j]) / (within - 1) : 1.0;
            p[j] = rate / m * shape * shape;
            extra += p[j] * (r[j] - 1);
        }
        double size = Math.min(1.0, (double) FULL_RATE_BYTES / Math.max(1, bytes));
        if (extra > config.maxExtraCost() || size < 1.0) {
            double scale = Math.min(1.0, config.maxExtraCost() / extra) * size;
            for (int j = 0; j < p.length; j++) {
                p[j] *= scale;
            }
        }
        return p;
    }

    /** Every eligible candidate for a frame with its estimate, in candidate order. */
    public List<Scored> rank(DataFeatures f, FrameType type, boolean dictionaryAvailable) {
        if (type == FrameType.DELETE) {
            throw new IllegalArgumentException("a DELETE frame has nothing to encode");
        }
        int kind = f.kind();
        CostModel.Pool[] pools = CostModel.pools(model, kind);
        List<Scored> out = new ArrayList<>(config.candidates().size());
        Set<EncodeChoice> seen = new HashSet<>();
        for (EncodeChoice c : config.candidates()) {
            EncodeChoice e = c.forFrame(type);
            if ((e.trainedDictionary() && !dictionaryAvailable) || !seen.add(e)) {
                continue;
            }
            out.add(score(e, f, kind, pools));
        }
        if (out.isEmpty()) {
            // Only dictionary candidates and no dictionary: fall back to the first one without it.
            out.add(score(new EncodeChoice(config.candidates().get(0).spec(), false).forFrame(type), f, kind, pools));
        }
        return out;
    }

    private Scored score(EncodeChoice e, DataFeatures f, int kind, CostModel.Pool[] pools) {
        Aggregate cell = model.aggregate(kind, e);
        CostModel.Estimate est = CostModel.estimate(e, f, cell, pools[CostModel.poolOf(e)], config.pseudoCount());
        return new Scored(e, est, est.costNanosPerByte(config.link()), cell.count());
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
