package dev.hde.job.catalog;

import dev.hde.codec.HdeException;
import dev.hde.job.config.HdeJobConfig;
import dev.hde.state.crdt.BaselineCatalog;
import dev.hde.state.crdt.CatalogFormat;
import dev.hde.state.crdt.CatalogLimits;
import dev.hde.state.crdt.HybridLogicalClock;
import java.time.Duration;

/**
 * A reader's copy of the baseline catalog, built from the catalog topic: every committed
 * {@code HDEC} message merged (each site's periodic states and the deltas and repairs after them);
 * digests are skipped, malformed messages counted. The reader never writes, so its site id only
 * names it.
 */
public final class CatalogReader {

    /** What was read: the catalog, the messages merged and those refused. */
    public record Snapshot(BaselineCatalog catalog, long messages, long refused) {}

    private CatalogReader() {}

    public static Snapshot read(HdeJobConfig c, Duration timeout) {
        BaselineCatalog catalog = new BaselineCatalog("reader@" + c.siteId().substring(0, Math.min(c.siteId().length(), 56)),
                c.catalogBuckets(), HybridLogicalClock.system());
        long[] counts = new long[2];
        CatalogTopic.readAll(c.kafkaClientProperties(), c.catalogTopic(), timeout, r -> {
            byte[] v = r.value();
            if (v == null || v.length < 4 || (v[3] & 0xFF) == 'G') {
                return; // digests (HDEG) say nothing a reader needs
            }
            try {
                catalog.merge(CatalogFormat.parse(v, CatalogLimits.DEFAULT));
                counts[0]++;
            } catch (HdeException | IllegalArgumentException e) {
                counts[1]++;
            }
        });
        return new Snapshot(catalog, counts[0], counts[1]);
    }
}
