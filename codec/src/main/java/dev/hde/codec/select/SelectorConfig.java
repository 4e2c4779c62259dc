package dev.hde.codec.select;

import java.util.HashSet;
import java.util.List;
import java.util.Objects;

/**
 * How a {@link Selector} chooses.
 *
 * @param link the network mode and its bandwidth
 * @param candidates the choices it may make, in order of preference on a tie; 1..64 distinct
 * @param epsilon the exploration rate of a frame once its kind is past the warm-up: 0..{@value #MAX_EPSILON}
 * @param warmupRate the exploration rate while the frame's kind has seen fewer than {@code warmupFrames} frames and some
 *     candidate has fewer than {@code minSamples} records for it: 0..{@value #MAX_WARMUP_RATE}
 * @param minSamples records per (kind, choice) below which a candidate counts as under-sampled in the warm-up
 * @param pseudoCount weight of the starting estimate, in records, in the estimates ({@link CostModel#estimate}); above 0
 * @param seed the exploration draws are a hash of (seed, state key, sequence): same seed, same choices
 * @param exploreWithin only candidates whose expected cost is below this multiple of the best one's are explored: 1..10
 * @param maxExtraCost bound on the expected extra cost of exploring, as a share of the best expected cost of the frame:
 *     0..{@value #MAX_EXTRA_COST}
 * @param warmupFrames frames of a kind (records in the model) during which the warm-up rate may apply: 0..1,000,000
 */
public record SelectorConfig(Link link, List<EncodeChoice> candidates, double epsilon, double warmupRate, int minSamples, double pseudoCount,
        long seed, double exploreWithin, double maxExtraCost, int warmupFrames) implements java.io.Serializable {

    public static final double MAX_EPSILON = 0.10;
    public static final double MAX_WARMUP_RATE = 0.25;
    public static final double MAX_EXTRA_COST = 0.05;
    public static final int MAX_CANDIDATES = 64;

    public static final double DEFAULT_EPSILON = 0.02;
    public static final double DEFAULT_WARMUP_RATE = 0.10;
    public static final int DEFAULT_MIN_SAMPLES = 3;
    public static final double DEFAULT_PSEUDO_COUNT = 3.0;
    public static final double DEFAULT_EXPLORE_WITHIN = 1.25;
    public static final double DEFAULT_MAX_EXTRA_COST = 0.001;
    public static final int DEFAULT_WARMUP_FRAMES = 24;

    /**
     * The default candidates, from the fastest to the highest ratio: RAW and XBZRLE without a codec
     * (incompressible data, fast links), XBZRLE with LZ4, XOR and XBZRLE with zstd-1, XBZRLE with
     * zstd-3 (also with the trained dictionary), zstd-9 and zstd-19, SPLIT with zstd-3 and with Brotli-5 (the
     * default preset's method: on database pages it sends about a quarter less than XBZRLE under the same
     * codec; docs/selector.md), and DICT with zstd-9.
     */
    public static final List<EncodeChoice> DEFAULT_CANDIDATES = List.of(
            EncodeChoice.parse("raw+none"),
            EncodeChoice.parse("xbzrle+none"),
            EncodeChoice.parse("xbzrle+lz4"),
            EncodeChoice.parse("xor+zstd-1"),
            EncodeChoice.parse("xbzrle+zstd-1"),
            EncodeChoice.parse("xbzrle+zstd-3"),
            EncodeChoice.parse("xbzrle+zstd-3+tdict"),
            EncodeChoice.parse("xbzrle+zstd-9"),
            EncodeChoice.parse("xbzrle+zstd-19"),
            EncodeChoice.parse("split+zstd-3"),
            EncodeChoice.parse("split+brotli-5"),
            EncodeChoice.parse("dict+zstd-9"));

    public SelectorConfig {
        Objects.requireNonNull(link);
        candidates = List.copyOf(candidates);
        if (candidates.isEmpty() || candidates.size() > MAX_CANDIDATES) {
            throw new IllegalArgumentException("1.." + MAX_CANDIDATES + " candidates, not " + candidates.size());
        }
        if (new HashSet<>(candidates).size() != candidates.size()) {
            throw new IllegalArgumentException("candidates repeat: " + candidates);
        }
        if (!(epsilon >= 0 && epsilon <= MAX_EPSILON)) {
            throw new IllegalArgumentException("epsilon must be in [0, " + MAX_EPSILON + "], not " + epsilon);
        }
        if (!(warmupRate >= 0 && warmupRate <= MAX_WARMUP_RATE)) {
            throw new IllegalArgumentException("warmupRate must be in [0, " + MAX_WARMUP_RATE + "], not " + warmupRate);
        }
        if (minSamples < 0 || minSamples > 1_000_000) {
            throw new IllegalArgumentException("minSamples must be in [0, 1000000]");
        }
        if (!(pseudoCount > 0 && pseudoCount <= 1e6)) {
            throw new IllegalArgumentException("pseudoCount must be in (0, 1e6]");
        }
        if (!(exploreWithin >= 1 && exploreWithin <= 10)) {
            throw new IllegalArgumentException("exploreWithin must be in [1, 10], not " + exploreWithin);
        }
        if (!(maxExtraCost >= 0 && maxExtraCost <= MAX_EXTRA_COST)) {
            throw new IllegalArgumentException("maxExtraCost must be in [0, " + MAX_EXTRA_COST + "], not " + maxExtraCost);
        }
        if (warmupFrames < 0 || warmupFrames > 1_000_000) {
            throw new IllegalArgumentException("warmupFrames must be in [0, 1000000]");
        }
    }

    /**
     * The defaults for a link: the default candidates, 2% exploration (10% in the warm-up: the first
     * 24 frames of a kind, for candidates with fewer than 3 records), only of candidates within 1.5x
     * the best expected cost, at most 0.3% expected extra cost per frame; pseudo-count 3.
     */
    public static SelectorConfig defaults(Link link, long seed) {
        return new SelectorConfig(link, DEFAULT_CANDIDATES, DEFAULT_EPSILON, DEFAULT_WARMUP_RATE, DEFAULT_MIN_SAMPLES, DEFAULT_PSEUDO_COUNT,
                seed, DEFAULT_EXPLORE_WITHIN, DEFAULT_MAX_EXTRA_COST, DEFAULT_WARMUP_FRAMES);
    }

    public static SelectorConfig defaults(NetworkMode mode, long seed) {
        return defaults(mode.link(), seed);
    }

    public SelectorConfig withLink(Link l) {
        return new SelectorConfig(l, candidates, epsilon, warmupRate, minSamples, pseudoCount, seed, exploreWithin, maxExtraCost, warmupFrames);
    }

    public SelectorConfig withCandidates(List<EncodeChoice> c) {
        return new SelectorConfig(link, c, epsilon, warmupRate, minSamples, pseudoCount, seed, exploreWithin, maxExtraCost, warmupFrames);
    }

    public SelectorConfig withExploration(double eps, double warmup, int min) {
        return new SelectorConfig(link, candidates, eps, warmup, min, pseudoCount, seed, exploreWithin, maxExtraCost, warmupFrames);
    }

    /** The regret bounds: which candidates may be explored, the expected extra cost, the warm-up length in frames. */
    public SelectorConfig withExplorationBounds(double within, double extraCost, int frames) {
        return new SelectorConfig(link, candidates, epsilon, warmupRate, minSamples, pseudoCount, seed, within, extraCost, frames);
    }

    public SelectorConfig withSeed(long s) {
        return new SelectorConfig(link, candidates, epsilon, warmupRate, minSamples, pseudoCount, s, exploreWithin, maxExtraCost, warmupFrames);
    }
}
