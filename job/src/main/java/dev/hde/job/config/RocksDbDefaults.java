package dev.hde.job.config;

import java.util.List;
import java.util.Optional;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.state.rocksdb.RocksDBConfigurableOptions;
import org.apache.flink.state.rocksdb.RocksDBOptions;
import org.rocksdb.CompactionStyle;

/**
 * The RocksDB options the encoder job runs with instead of Flink's defaults; a {@code -D} of the
 * same key, or the cluster's configuration, wins. Chosen with {@code hde bench-pipeline --reference
 * 16GiB} (docs/benchmarks.md, "State at scale"), where each one moved the steady phase:
 *
 * <ul>
 *   <li><b>Universal compaction.</b> Every delta rewrites pages spread over the whole state;
 *       leveled compaction rewrote each of them many times (write stalls that held a checkpoint's
 *       synchronous part, and so the encoder, for up to 17 s), universal compaction a few times.
 *   <li><b>Bloom filters, partitioned index and filter blocks.</b> A page is read by a point lookup in
 *       one of several sorted runs; a bloom filter skips the runs without it, and with one index
 *       block per file, which at 16 GiB does not fit the block cache, a lookup read a large index
 *       block for one 4 KiB page.
 *   <li><b>Up to 12 sorted runs before universal compaction merges them</b> ({@link
 *       UniversalCompactionOptionsFactory}): each flushed memtable holds distinct pages from all over
 *       the state, which a merge can only copy; fewer, wider merges copy each page fewer times.
 * </ul>
 *
 * <p>RocksDB's compression stays Flink's (Snappy): the base pages reach it already LZ4-compressed
 * ({@code StoredPageFormat}), which Snappy passes over quickly and RocksDB then keeps as they are,
 * while the patches and the regions' state still shrink; with no compression at all the steady
 * checkpoints at 16 GiB uploaded more (303-958 MiB against 217-465 with whole pages under Snappy)
 * for no measured gain in speed.
 */
public final class RocksDbDefaults {

    private RocksDbDefaults() {}

    /** Sets the job's RocksDB defaults in {@code c} (Flink's own for the rest: 30 % of the cache for index and filters measured no better). */
    public static void applyTo(Configuration c) {
        c.set(RocksDBConfigurableOptions.COMPACTION_STYLE, CompactionStyle.UNIVERSAL);
        c.set(RocksDBConfigurableOptions.USE_BLOOM_FILTER, true);
        c.set(RocksDBOptions.USE_PARTITIONED_INDEX_FILTERS, true);
        c.set(RocksDBOptions.OPTIONS_FACTORY, UniversalCompactionOptionsFactory.class.getName());
    }

    /** The job's own RocksDB keys, which only {@link UniversalCompactionOptionsFactory} reads, and only under universal compaction. */
    private static final List<ConfigOption<?>> UNIVERSAL_KEYS = List.of(UniversalCompactionOptionsFactory.RUN_TRIGGER,
            UniversalCompactionOptionsFactory.SIZE_RATIO, UniversalCompactionOptionsFactory.MAX_SIZE_AMPLIFICATION,
            UniversalCompactionOptionsFactory.STOP_STYLE);

    /**
     * Why an {@code hde.rocksdb.universal.*} key set in {@code c} would change nothing (another
     * options factory, or leveled compaction), or empty when every such key is read: a setting that
     * silently does nothing is an error, not a default.
     */
    public static Optional<String> unreadSettings(ReadableConfig c) {
        List<String> set = UNIVERSAL_KEYS.stream().filter(o -> c.getOptional(o).isPresent()).map(ConfigOption::key).toList();
        if (set.isEmpty()) {
            return Optional.empty();
        }
        String factory = c.get(RocksDBOptions.OPTIONS_FACTORY);
        String keys = String.join(", ", set);
        if (!UniversalCompactionOptionsFactory.class.getName().equals(factory)) {
            return Optional.of(keys + " set, but " + RocksDBOptions.OPTIONS_FACTORY.key() + " is " + factory
                    + ", which does not read it: drop the setting, or leave the options factory as the job sets it ("
                    + UniversalCompactionOptionsFactory.class.getName() + ")");
        }
        if (c.get(RocksDBConfigurableOptions.COMPACTION_STYLE) != CompactionStyle.UNIVERSAL) {
            return Optional.of(keys + " set, but " + RocksDBConfigurableOptions.COMPACTION_STYLE.key() + " is "
                    + c.get(RocksDBConfigurableOptions.COMPACTION_STYLE) + ": those settings are universal compaction's");
        }
        return Optional.empty();
    }
}
