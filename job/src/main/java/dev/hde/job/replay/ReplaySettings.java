package dev.hde.job.replay;

import dev.hde.codec.Limits;
import dev.hde.codec.select.EncodeChoice;
import dev.hde.codec.select.Link;
import dev.hde.codec.select.NetworkMode;
import dev.hde.codec.select.SelectorConfig;
import dev.hde.state.RefreshPolicy;
import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a replay compares: the fixed choices (each a configuration of its own, and together the
 * adaptive selector's candidates), the refresh policies tried on one choice, the selector's seed and
 * publication interval, the bandwidth of each network mode, the input limits and the time bucket of
 * the report. Immutable and serializable, so the Flink functions carry it.
 *
 * @param choices fixed choices such as {@code xbzrle+zstd-3}; also the adaptive selector's candidates (no {@code +tdict})
 * @param refreshChoice the choice the refresh policies are tried with
 * @param refreshPolicies names: {@code default}, {@code chain-N}, {@code no-size-rule}, {@code delta-budget}, {@code interval-DURATION} (empty: none)
 * @param seed the selector's exploration seed
 * @param publishEvery records between two models the adaptive selector learns from (the live job's publication delay)
 * @param datacenterBitsPerSecond bandwidth of the datacenter mode
 * @param internetBitsPerSecond bandwidth of the internet mode
 * @param hybridBitsPerSecond bandwidth of the hybrid mode
 * @param limits input limits (events over them are refused)
 * @param bucketMillis width of a report time bucket, in capture time
 */
public record ReplaySettings(
        List<String> choices,
        String refreshChoice,
        List<String> refreshPolicies,
        long seed,
        int publishEvery,
        long datacenterBitsPerSecond,
        long internetBitsPerSecond,
        long hybridBitsPerSecond,
        Limits limits,
        long bucketMillis) implements Serializable {

    /** The default fixed choices (the selector's default candidates without the trained dictionary), and zstd-19 only when slow. */
    public static List<String> defaultChoices(boolean slow) {
        List<String> out = new ArrayList<>();
        for (EncodeChoice c : SelectorConfig.DEFAULT_CANDIDATES) {
            if (c.trainedDictionary() || (!slow && c.codec().level() >= 19)) {
                continue;
            }
            out.add(c.toString());
        }
        return out;
    }

    public static final List<String> DEFAULT_REFRESH_POLICIES = List.of("default", "chain-5", "delta-budget");
    public static final String DEFAULT_REFRESH_CHOICE = "xbzrle+zstd-3";
    public static final long DEFAULT_SEED = 42;
    public static final int DEFAULT_PUBLISH_EVERY = 8;

    public ReplaySettings {
        choices = List.copyOf(choices);
        refreshPolicies = List.copyOf(refreshPolicies);
        Objects.requireNonNull(limits);
        if (choices.isEmpty()) {
            throw new IllegalArgumentException("at least one fixed choice");
        }
        List<EncodeChoice> parsed = new ArrayList<>();
        for (String s : choices) {
            EncodeChoice c = EncodeChoice.parse(s);
            if (c.trainedDictionary()) {
                throw new IllegalArgumentException(s + ": the replay has no trained dictionary, leave out +tdict");
            }
            parsed.add(c);
        }
        if (new HashSet<>(parsed).size() != parsed.size()) {
            throw new IllegalArgumentException("choices repeat: " + choices);
        }
        if (!refreshPolicies.isEmpty()) {
            EncodeChoice.parse(refreshChoice);
            for (String p : refreshPolicies) {
                policy(p);
            }
            if (new HashSet<>(refreshPolicies).size() != refreshPolicies.size()) {
                throw new IllegalArgumentException("refresh policies repeat: " + refreshPolicies);
            }
        }
        if (publishEvery < 1) {
            throw new IllegalArgumentException("publishEvery must be at least 1");
        }
        new Link(NetworkMode.DATACENTER, datacenterBitsPerSecond);
        new Link(NetworkMode.INTERNET, internetBitsPerSecond);
        new Link(NetworkMode.HYBRID, hybridBitsPerSecond);
        if (bucketMillis < 1) {
            throw new IllegalArgumentException("the time bucket must be at least 1 ms");
        }
        // the selector's own checks (distinct candidates, at most 64)
        SelectorConfig.defaults(NetworkMode.HYBRID, seed).withCandidates(parsed);
    }

    /** The defaults: every default choice (zstd-19 only when {@code slow}), refresh policies default, chain-5 and delta-budget. */
    public static ReplaySettings defaults(boolean slow) {
        return new ReplaySettings(defaultChoices(slow), DEFAULT_REFRESH_CHOICE, DEFAULT_REFRESH_POLICIES, DEFAULT_SEED, DEFAULT_PUBLISH_EVERY,
                NetworkMode.DATACENTER.defaultBitsPerSecond(), NetworkMode.INTERNET.defaultBitsPerSecond(),
                NetworkMode.HYBRID.defaultBitsPerSecond(), Limits.DEFAULT, 1000);
    }

    public ReplaySettings withChoices(List<String> c) {
        return new ReplaySettings(c, refreshChoice, refreshPolicies, seed, publishEvery, datacenterBitsPerSecond, internetBitsPerSecond,
                hybridBitsPerSecond, limits, bucketMillis);
    }

    public ReplaySettings withRefresh(String choice, List<String> policies) {
        return new ReplaySettings(choices, choice, policies, seed, publishEvery, datacenterBitsPerSecond, internetBitsPerSecond,
                hybridBitsPerSecond, limits, bucketMillis);
    }

    public ReplaySettings withSeed(long s) {
        return new ReplaySettings(choices, refreshChoice, refreshPolicies, s, publishEvery, datacenterBitsPerSecond, internetBitsPerSecond,
                hybridBitsPerSecond, limits, bucketMillis);
    }

    public ReplaySettings withPublishEvery(int n) {
        return new ReplaySettings(choices, refreshChoice, refreshPolicies, seed, n, datacenterBitsPerSecond, internetBitsPerSecond,
                hybridBitsPerSecond, limits, bucketMillis);
    }

    public ReplaySettings withBandwidth(NetworkMode mode, long bitsPerSecond) {
        return new ReplaySettings(choices, refreshChoice, refreshPolicies, seed, publishEvery,
                mode == NetworkMode.DATACENTER ? bitsPerSecond : datacenterBitsPerSecond,
                mode == NetworkMode.INTERNET ? bitsPerSecond : internetBitsPerSecond,
                mode == NetworkMode.HYBRID ? bitsPerSecond : hybridBitsPerSecond, limits, bucketMillis);
    }

    public ReplaySettings withLimits(Limits l) {
        return new ReplaySettings(choices, refreshChoice, refreshPolicies, seed, publishEvery, datacenterBitsPerSecond, internetBitsPerSecond,
                hybridBitsPerSecond, l, bucketMillis);
    }

    public ReplaySettings withBucketMillis(long ms) {
        return new ReplaySettings(choices, refreshChoice, refreshPolicies, seed, publishEvery, datacenterBitsPerSecond, internetBitsPerSecond,
                hybridBitsPerSecond, limits, ms);
    }

    // ---------------------------------------------------------------- derived

    public List<EncodeChoice> parsedChoices() {
        return choices.stream().map(EncodeChoice::parse).toList();
    }

    public Link link(NetworkMode mode) {
        return new Link(mode, switch (mode) {
            case DATACENTER -> datacenterBitsPerSecond;
            case INTERNET -> internetBitsPerSecond;
            case HYBRID -> hybridBitsPerSecond;
        });
    }

    public Map<NetworkMode, Link> links() {
        Map<NetworkMode, Link> out = new EnumMap<>(NetworkMode.class);
        for (NetworkMode m : NetworkMode.values()) {
            out.put(m, link(m));
        }
        return out;
    }

    /** The selector of one network mode: the default exploration settings over the fixed choices. */
    public SelectorConfig selectorConfig(NetworkMode mode) {
        return SelectorConfig.defaults(link(mode), seed).withCandidates(parsedChoices());
    }

    /** Name of a refresh configuration in the report: {@code xbzrle+zstd-3/chain-5}. */
    public String refreshName(String policy) {
        return EncodeChoice.parse(refreshChoice) + "/" + policy;
    }

    /** Name of the adaptive configuration of a network mode: {@code adaptive-hybrid}. */
    public static String adaptiveName(NetworkMode mode) {
        return "adaptive-" + mode.lowerName();
    }

    private static final Pattern CHAIN = Pattern.compile("chain-(\\d{1,6})");
    private static final Pattern INTERVAL = Pattern.compile("interval-(\\d{1,9})(ms|s|m|h)");

    /** A refresh policy by name: the encoder's default, with one rule changed. */
    public static RefreshPolicy policy(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        if (n.equals("default")) {
            return RefreshPolicy.DEFAULT;
        }
        if (n.equals("delta-budget")) {
            return RefreshPolicy.DEFAULT.withDeltaBudget(true);
        }
        if (n.equals("no-size-rule")) {
            return RefreshPolicy.DEFAULT.withSizeRule(false);
        }
        Matcher m = CHAIN.matcher(n);
        if (m.matches()) {
            return RefreshPolicy.DEFAULT.withMaxChain(Integer.parseInt(m.group(1)));
        }
        m = INTERVAL.matcher(n);
        if (m.matches()) {
            long v = Long.parseLong(m.group(1));
            Duration d = switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(v);
                case "s" -> Duration.ofSeconds(v);
                case "m" -> Duration.ofMinutes(v);
                default -> Duration.ofHours(v);
            };
            return RefreshPolicy.DEFAULT.withInterval(d);
        }
        throw new IllegalArgumentException("refresh policy must be default, chain-N, no-size-rule, delta-budget or interval-N(ms|s|m|h), not "
                + name);
    }
}
