package dev.hde.job.cli;

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
            description = "An update this long (capture time) after the keyframe starts a new epoch (default: 5m).")
    Duration refreshInterval;

    @Option(names = "--max-chain", description = "Most DELTA frames on one keyframe (default: 10).")
    Integer maxChain;

    @Option(names = "--max-age", converter = DurationConverter.class, paramLabel = "DURATION",
            description = "An event-time timer refreshes a keyframe with deltas on top once it is this old (default: 15m).")
    Duration maxAge;

    @Option(names = "--no-size-rule", description = "Do not refresh when the deltas since the keyframe outweigh a new keyframe.")
    boolean noSizeRule;

    @Option(names = "--idle-timeout", converter = DurationConverter.class, paramLabel = "DURATION",
            description = "A region without updates for this long (processing time) is forgotten (default: 1h).")
    Duration idleTimeout;

    @Mixin
    LimitsOptions limits = new LimitsOptions();

    void applyTo(HdeJobConfig c) {
        c.encodeSpecs(encode.specs());
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
        if (idleTimeout != null) {
            p = p.withIdleTimeout(idleTimeout);
        }
        c.refreshPolicy(p);
        limits.applyTo(c);
    }

    /** Input limits of the validator, the encoder and the decoder. */
    public static final class LimitsOptions {

        @Option(names = "--max-page-size", converter = SizeConverter.class, paramLabel = "SIZE",
                description = "Largest page size accepted, a power of two from 512 to 64K (default: 64K).")
        Long maxPageSize;

        @Option(names = "--max-region-pages", description = "Most pages in one region (default: 65536).")
        Integer maxRegionPages;

        @Option(names = "--max-region-bytes", converter = SizeConverter.class, paramLabel = "SIZE",
                description = "Largest region, pages x page size (default: 256MiB; at most 1GiB).")
        Long maxRegionBytes;

        @Option(names = "--max-key-bytes", description = "Longest state key in UTF-8 bytes (default: 1024).")
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
