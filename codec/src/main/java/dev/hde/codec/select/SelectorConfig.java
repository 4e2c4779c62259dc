package dev.hde.codec.select;

import java.util.HashSet;
import java.util.List;
import java.util.Objects;

/**
 * How a {@link Selector} chooses.
 *
 * @param link the network mode and its bandwidth
 * @param candidates the choices it may make, in order of preference on a tie; 1..64 distinct
 * @param epsilon the exploration rate once a choice has {@code minSamples} records for a kind: 0..{@value #MAX_EPSILON}
 * @param warmupRate the exploration rate while some candidate has fewer records for the kind: 0..{@value #MAX_WARMUP_RATE}
 * @param minSamples records per (kind, choice) below which the warm-up rate applies
 * @param pseudoCount weight of the prior, in records, in the estimates ({@link CostModel#estimate}); above 0
 * @param seed the exploration draws are a hash of (seed, state key, sequence): same seed, same choices
 */
public record SelectorConfig(Link link, List<EncodeChoice> candidates, double epsilon, double warmupRate, int minSamples, double pseudoCount,
        long seed) implements java.io.Serializable {

    public static final double MAX_EPSILON = 0.10;
    public static final double MAX_WARMUP_RATE = 0.25;
    public static final int MAX_CANDIDATES = 64;

    public static final double DEFAULT_EPSILON = 0.02;
    public static final double DEFAULT_WARMUP_RATE = 0.10;
    public static final int DEFAULT_MIN_SAMPLES = 3;
    public static final double DEFAULT_PSEUDO_COUNT = 3.0;

    /**
     * The default candidates, from the fastest to the highest ratio: RAW and XBZRLE without a codec
     * (incompressible data, fast links), XBZRLE with LZ4, XOR and XBZRLE with zstd-1, XBZRLE with
     * zstd-3 (also with the trained dictionary), zstd-9 and zstd-19, and DICT with zstd-9.
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
    }

    /** The defaults for a link: the default candidates, 2% exploration, 10% warm-up below 3 records, pseudo-count 3. */
    public static SelectorConfig defaults(Link link, long seed) {
        return new SelectorConfig(link, DEFAULT_CANDIDATES, DEFAULT_EPSILON, DEFAULT_WARMUP_RATE, DEFAULT_MIN_SAMPLES, DEFAULT_PSEUDO_COUNT,
                seed);
    }

    public static SelectorConfig defaults(NetworkMode mode, long seed) {
        return defaults(mode.link(), seed);
    }

    public SelectorConfig withLink(Link l) {
        return new SelectorConfig(l, candidates, epsilon, warmupRate, minSamples, pseudoCount, seed);
    }

    public SelectorConfig withCandidates(List<EncodeChoice> c) {
        return new SelectorConfig(link, c, epsilon, warmupRate, minSamples, pseudoCount, seed);
    }

    public SelectorConfig withExploration(double eps, double warmup, int min) {
        return new SelectorConfig(link, candidates, eps, warmup, min, pseudoCount, seed);
    }

    public SelectorConfig withSeed(long s) {
        return new SelectorConfig(link, candidates, epsilon, warmupRate, minSamples, pseudoCount, s);
    }
}
