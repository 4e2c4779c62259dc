package dev.hde.job.cli;

import dev.hde.producer.cli.Ranges;
import dev.hde.job.config.HdeJobConfig;
import java.time.Duration;
import picocli.CommandLine.Option;

/** The baseline catalog's settings (docs/crdt.md, docs/configuration.md): shared by encode and decode. */
public final class CatalogOptions {

    @Option(names = "--site-id", paramLabel = "ID",
            description = "This site's id: names its catalog replica (unique per live encoder job) and, for decode, the site whose frames topic "
                    + "is read; 1..64 printable ASCII characters (default: site-a).")
    String siteId;

    @Option(names = "--catalog-topic", paramLabel = "TOPIC", description = "Topic of the baseline catalog, shared by all sites (default: hde.catalog).")
    String catalogTopic;

    @Option(names = "--catalog-buckets", paramLabel = "N", converter = Ranges.AtLeastOne.class, description = "Key buckets of the catalog; the same at every site (default: 64).")
    Integer catalogBuckets;

    void applyTo(HdeJobConfig c) {
        if (siteId != null) {
            c.siteId(siteId);
        }
        if (catalogTopic != null) {
            c.catalogTopic(catalogTopic);
        }
        if (catalogBuckets != null) {
            c.catalogBuckets(catalogBuckets);
        }
    }

    /** The catalog merger's options of {@code hde encode}. */
    public static final class Merger {

        @Option(names = "--no-catalog", description = "Run the encoder without the catalog merger.")
        boolean noCatalog;

        @Option(names = "--anti-entropy-interval", converter = DurationConverter.class, paramLabel = "DURATION",
                description = "How often the merger publishes its bucket digests; other sites re-send the buckets that differ (default: 30s).")
        Duration antiEntropyInterval;

        @Option(names = "--catalog-publish-interval", converter = DurationConverter.class, paramLabel = "DURATION",
                description = "How often the merger joins the deltas of new keyframes into one message and publishes it (default: 1s).")
        Duration publishInterval;

        @Option(names = "--catalog-state-interval", converter = DurationConverter.class, paramLabel = "DURATION",
                description = "How often the merger publishes its whole catalog, for readers that bootstrap from the topic; 0 = never (default: 10m).")
        Duration stateInterval;

        void applyTo(HdeJobConfig c) {
            c.catalogEnabled(!noCatalog);
            if (antiEntropyInterval != null) {
                c.antiEntropyInterval(antiEntropyInterval);
            }
            if (publishInterval != null) {
                c.catalogPublishInterval(publishInterval);
            }
            if (stateInterval != null) {
                c.catalogStateInterval(stateInterval);
            }
        }
    }
}
