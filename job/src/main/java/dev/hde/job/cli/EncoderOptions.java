package dev.hde.job.cli;

import dev.hde.producer.cli.Ranges;
import dev.hde.codec.Limits;
import dev.hde.job.config.HdeJobConfig;
import dev.hde.state.RefreshPolicy;
import java.time.Duration;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** What the encoder makes: frame choices (preset or pinned), refresh policy, input limits. */
public final class EncoderOptions {

    @Mixin
    EncodeOptions encode = new EncodeOptions();

    @Option(names = "--no-compression", description = "Send changed pages as they are (method raw, codec none): the baseline to compare with.")
    boolean noCompression;

    @Option(names = "--refresh-interval", converter = DurationConverter.class, paramLabel = "DURATION",
            description = "An update this long (capture time) after the keyframe starts a new epoch (default: off).")
    Duration refreshInterval;

    @Option(names = "--max-chain", converter = Ranges.NonNegative.class, description = "Most DELTA frames on one keyframe (default: 0 = no limit).")
    Integer maxChain;

    @Option(names = "--max-age", converter = DurationConverter.class, paramLabel = "DURATION",
            description = "The age backstop: a keyframe with deltas on top is refreshed once it is this old; keep it below the frames "
                    + "topic's retention (default: 24h).")
    Duration maxAge;

    @Option(names = "--no-size-rule", description = "Never send a keyframe in place of a larger delta (the size rule is on by default).")
    boolean noSizeRule;

    @Option(names = "--delta-budget",
            description = "Also send a keyframe once the deltas since the last one add up to more than it (the seed documents' rule: "
                    + "bounds what a receiver starting at a keyframe reads, costs bytes on a live link; off by default).")
    boolean deltaBudget;

    @Option(names = "--idle-timeout", converter = DurationConverter.class, paramLabel = "DURATION",
            description = "A region without updates for this long (processing time) is forgotten; its next partial update asks the "
                    + "producer for the whole region (default: 24h).")
    Duration idleTimeout;

    @Option(names = "--quiet-after", converter = DurationConverter.class, paramLabel = "DURATION",
            description = "Report a region whose producer sent nothing (no change, no heartbeat) for this long (processing time): a log "
                    + "line and the regionsQuiet metric, once per quiet spell; 0 = never (default: 10m, ten of hde-producer's heartbeats).")
    Duration quietAfter;

    @Option(names = "--resync-retry", converter = DurationConverter.class, paramLabel = "DURATION",
            description = "An unanswered resync request is asked again after this long, then after twice as long each time, up to 10m "
                    + "(default: 30s).")
    Duration resyncRetry;

    @Option(names = "--epochs-by-capture-time",
            description = "Number a new region's epochs by capture time alone, as hde trace does, not at least the processing time: two runs "
                    + "over the same input then make the same frames (to compare them). Only for a job that never starts again without "
                    + "its state: a run started from nothing could repeat an epoch receivers hold.")
    boolean epochsByCaptureTime;

    @Mixin
    SelectorOptions selector = new SelectorOptions();

    @Mixin
    LimitsOptions limits = new LimitsOptions();

    void applyTo(HdeJobConfig c) {
        c.encodeSpecs(encode.specs());
        selector.applyTo(c);
        c.compressionDisabled(noCompression);
        RefreshPolicy p = c.refreshPolicy();
        if (refreshInterval != null) {
            p = p.withInterval(refreshInterval);
        }
        if (maxChain != null) {
            p = p.withMaxChain(maxChain);
        }
        if (maxAge != null) {
            p = p.withMaxAge(maxAge);
        }
        if (noSizeRule) {
            p = p.withSizeRule(false);
        }
        if (deltaBudget) {
            p = p.withDeltaBudget(true);
        }
        if (resyncRetry != null) {
            c.resyncRetry(resyncRetry);
        }
        if (quietAfter != null) {
            c.quietAfter(quietAfter);
        }
        if (epochsByCaptureTime) {
            c.epochsAboveClock(false);
        }
        if (idleTimeout != null) {
            p = p.withIdleTimeout(idleTimeout);
        }
        c.refreshPolicy(p);
        limits.applyTo(c);
    }

    /** The adaptive selector and its trainer (docs/selector.md, docs/configuration.md). */
    public static final class SelectorOptions {

        @Option(names = "--selector", paramLabel = "MODE",
                description = "fixed (default: the preset or pinned method) or adaptive (the selector with its trainer's newest model; see --selector-models).")
        HdeJobConfig.SelectorMode mode;

        @Option(names = "--selector-models", paramLabel = "FROM",
                description = "Where the adaptive selector's models come from: in-band (default: the trainer writes each model into every "
                        + "page-updates partition and a frame follows its partition's, so a restored job makes the frames of a failure-free run) "
                        + "or on-arrival (the newest model on the broadcast input).", converter = SelectorModelsConverter.class)
        HdeJobConfig.SelectorModels models;

        @Option(names = "--network-mode", paramLabel = "MODE",
                description = "The link the adaptive selector assumes: datacenter (10 Gbit/s, default), internet (100 Mbit/s) or hybrid (1 Gbit/s).")
        String networkMode;

        @Option(names = "--link-bandwidth", converter = BandwidthConverter.class, paramLabel = "RATE",
                description = "The link's bandwidth in bit/s for the cost model, e.g. 2.5G (hybrid links; default: the network mode's).")
        Long linkBandwidth;

        @Option(names = "--exploration", paramLabel = "RATE", converter = Ranges.Share.class, description = "Exploration rate of the adaptive selector, 0..0.1 (default: 0.02).")
        Double exploration;

        @Option(names = "--warmup-exploration", paramLabel = "RATE", converter = Ranges.Share.class,
                description = "Exploration rate while a choice has fewer than 3 records for a kind, 0..0.25 (default: 0.1).")
        Double warmupExploration;

        @Option(names = "--selector-seed", paramLabel = "N", description = "Seed of the exploration draws (default: 42).")
        Long seed;

        @Option(names = "--no-selector-trainer", description = "Run the encoder without the selector trainer (nothing is published to the selector-model topic).")
        boolean noTrainer;

        @Option(names = "--selector-publish-interval", converter = DurationConverter.class, paramLabel = "DURATION",
                description = "How often the trainer publishes the model when records arrived (default: 30s).")
        Duration publishInterval;

        @Option(names = "--selector-window", converter = DurationConverter.class, paramLabel = "DURATION",
                description = "Width of one bucket of the trainer's capture-time window (default: 10m; 6 buckets are kept).")
        Duration windowBucket;

        @Option(names = "--selector-generation", paramLabel = "N", converter = Ranges.AtLeastOneLong.class,
                description = "Generation of the published models (default: 1); raise it to start learning again from the priors.")
        Long generation;

        @Option(names = "--dictionaries", description = "Train a zstd dictionary per VM class from sampled pages and let the adaptive "
                + "selector use it (+tdict choices; off by default). Frames that may use one depend on when it reached the encoder: "
                + "a restored job's frames still decode exactly, but are not the bytes of a failure-free run.")
        boolean dictionaries;

        @Option(names = "--dictionaries-topic", paramLabel = "TOPIC",
                description = "Compacted topic of the trained dictionaries, read by the encoder and the decoders (default: hde.dictionaries).")
        String dictionariesTopic;

        void applyTo(HdeJobConfig c) {
            if (mode != null) {
                c.selectorMode(mode);
            }
            if (models != null) {
                c.selectorModels(models);
            }
            if (networkMode != null) {
                c.networkMode(dev.hde.codec.select.NetworkMode.parse(networkMode));
            }
            if (linkBandwidth != null) {
                c.linkBandwidth(linkBandwidth);
            }
            if (exploration != null) {
                c.explorationRate(exploration);
            }
            if (warmupExploration != null) {
                c.warmupExplorationRate(warmupExploration);
            }
            if (seed != null) {
                c.selectorSeed(seed);
            }
            if (noTrainer) {
                c.selectorTrainerEnabled(false);
            }
            if (publishInterval != null) {
                c.selectorPublishInterval(publishInterval);
            }
            if (windowBucket != null) {
                c.selectorWindowBucket(windowBucket);
            }
            if (generation != null) {
                c.selectorModelGeneration(generation);
            }
            if (dictionaries) {
                c.dictionariesEnabled(true);
            }
            if (dictionariesTopic != null) {
                c.dictionariesTopic(dictionariesTopic);
            }
        }
    }

    /** Input limits of the validator, the encoder and the decoder. */
    public static final class LimitsOptions {

        @Option(names = "--max-page-size", converter = SizeConverter.class, paramLabel = "SIZE",
                description = "Largest page size accepted, a power of two from 512 to 64K (default: 64K).")
        Long maxPageSize;

        @Option(names = "--max-region-pages", converter = Ranges.AtLeastOne.class, description = "Most pages in one region (default: 65536).")
        Integer maxRegionPages;

        @Option(names = "--max-region-bytes", converter = SizeConverter.class, paramLabel = "SIZE",
                description = "Largest region, pages x page size (default: 256MiB; at most 1GiB).")
        Long maxRegionBytes;

        @Option(names = "--max-key-bytes", converter = Ranges.AtLeastOne.class, description = "Longest state key in UTF-8 bytes (default: 1024).")
        Integer maxKeyBytes;

        void applyTo(HdeJobConfig c) {
            Limits l = c.limits();
            int shift = l.maxPageShift();
            if (maxPageSize != null) {
                if (Long.bitCount(maxPageSize) != 1) {
                    throw new IllegalArgumentException("--max-page-size must be a power of two");
                }
                shift = Long.numberOfTrailingZeros(maxPageSize);
            }
            c.limits(new Limits(shift, maxRegionPages != null ? maxRegionPages : l.maxRegionPages(),
                    maxKeyBytes != null ? maxKeyBytes : l.maxKeyBytes(), maxRegionBytes != null ? maxRegionBytes : l.maxRegionBytes()));
        }
    }
}
