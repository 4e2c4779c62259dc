package dev.hde.job.config;

import java.util.Collection;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.state.rocksdb.ConfigurableRocksDBOptionsFactory;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.CompactionOptionsUniversal;
import org.rocksdb.CompactionStopStyle;
import org.rocksdb.CompactionStyle;
import org.rocksdb.DBOptions;

/**
 * The universal-compaction settings Flink's configuration has no key for: how many sorted runs
 * RocksDB lets pile up before it merges them, and how far apart in size runs may be and still be
 * merged together. Set by {@link RocksDbDefaults} as the job's options factory (Flink applies its
 * own configurable options first, then this); each setting has an {@code hde.rocksdb.universal.*}
 * key, so {@code -D} changes it without code.
 *
 * <p>Why they matter here: every delta rewrites pages spread over the whole state, so each flushed
 * memtable is a new sorted run of distinct pages that compaction can only copy, never shrink. Fewer,
 * wider merges copy each page fewer times, at the price of more runs for a point lookup to consult
 * (a bloom filter check each, which the job's partitioned filters keep in the block cache).
 */
public final class UniversalCompactionOptionsFactory implements ConfigurableRocksDBOptionsFactory {

    private static final long serialVersionUID = 1L;

    /**
     * RocksDB's {@code level0_file_num_compaction_trigger}: sorted runs before a compaction starts.
     * 12 rather than RocksDB's 4: at 16 GiB of reference images the steady phase went 20.4, 26.5 and
     * 22.0 MB/s against 16.3 and 17.2, and uploaded half the checkpoint bytes (24: 23.4 MB/s, no
     * better; docs/benchmarks.md, "State at scale").
     */
    public static final ConfigOption<Integer> RUN_TRIGGER = ConfigOptions.key("hde.rocksdb.universal.run-trigger")
            .intType()
            .defaultValue(12)
            .withDescription("Sorted runs (memtables flushed, and runs compacted together) RocksDB lets pile up before"
                    + " universal compaction merges them (RocksDB's level0_file_num_compaction_trigger). Writes slow"
                    + " down at twice this many and stop at three times.");

    /** RocksDB's universal {@code size_ratio}, in percent. */
    public static final ConfigOption<Integer> SIZE_RATIO = ConfigOptions.key("hde.rocksdb.universal.size-ratio")
            .intType()
            .defaultValue(1)
            .withDescription("Universal compaction merges a run into the next older one when that one is at most this"
                    + " many percent larger than all the newer runs together (RocksDB's size_ratio).");

    /** RocksDB's universal {@code max_size_amplification_percent}. */
    public static final ConfigOption<Integer> MAX_SIZE_AMPLIFICATION = ConfigOptions.key("hde.rocksdb.universal.max-size-amplification-percent")
            .intType()
            .defaultValue(200)
            .withDescription("When the newer runs together exceed this percentage of the oldest one, RocksDB compacts"
                    + " everything into one run (and the next incremental checkpoint uploads the whole state once).");

    /** Which runs universal compaction takes together; RocksDB's {@code stop_style}. */
    public enum StopStyle {
        /** A run joins when it is at most size-ratio larger than all the newer runs together (RocksDB's default). */
        TOTAL_SIZE(CompactionStopStyle.CompactionStopStyleTotalSize),
        /** A run joins only when it is also about the size of the last run taken: new runs are not merged into much older, larger ones. */
        SIMILAR_SIZE(CompactionStopStyle.CompactionStopStyleSimilarSize);

        private final CompactionStopStyle rocksDb;

        StopStyle(CompactionStopStyle rocksDb) {
            this.rocksDb = rocksDb;
        }
    }

    /** RocksDB's universal {@code stop_style}. */
    public static final ConfigOption<StopStyle> STOP_STYLE = ConfigOptions.key("hde.rocksdb.universal.stop-style")
            .enumType(StopStyle.class)
            .defaultValue(StopStyle.TOTAL_SIZE)
            .withDescription("Which sorted runs universal compaction merges together: TOTAL_SIZE (RocksDB's default) adds an"
                    + " older run while it is at most size-ratio larger than the newer runs together; SIMILAR_SIZE only"
                    + " runs of about the same size, so that new runs are not merged into much larger old ones.");

    private int runTrigger = RUN_TRIGGER.defaultValue();
    private StopStyle stopStyle = STOP_STYLE.defaultValue();
    private int sizeRatio = SIZE_RATIO.defaultValue();
    private int maxSizeAmplification = MAX_SIZE_AMPLIFICATION.defaultValue();

    @Override
    public UniversalCompactionOptionsFactory configure(ReadableConfig configuration) {
        runTrigger = positive(RUN_TRIGGER, configuration.get(RUN_TRIGGER));
        sizeRatio = positive(SIZE_RATIO, configuration.get(SIZE_RATIO));
        maxSizeAmplification = positive(MAX_SIZE_AMPLIFICATION, configuration.get(MAX_SIZE_AMPLIFICATION));
        stopStyle = configuration.get(STOP_STYLE);
        return this;
    }

    /** Above this, 3 × the trigger (the stop threshold) would no longer be a sensible number of runs. */
    private static final int MAX_SETTING = 100_000;

    private static int positive(ConfigOption<Integer> option, int value) {
        if (value < 1 || value > MAX_SETTING) {
            throw new IllegalArgumentException(option.key() + " must be between 1 and " + MAX_SETTING + ", got " + value);
        }
        return value;
    }

    @Override
    public DBOptions createDBOptions(DBOptions currentOptions, Collection<AutoCloseable> handlesToClose) {
        return currentOptions;
    }

    @Override
    public ColumnFamilyOptions createColumnOptions(ColumnFamilyOptions currentOptions, Collection<AutoCloseable> handlesToClose) {
        if (currentOptions.compactionStyle() != CompactionStyle.UNIVERSAL) {
            return currentOptions; // -D state.backend.rocksdb.compaction.style=LEVEL: the trigger means something else there
        }
        CompactionOptionsUniversal universal = new CompactionOptionsUniversal()
                .setSizeRatio(sizeRatio)
                .setMaxSizeAmplificationPercent(maxSizeAmplification)
                .setStopStyle(stopStyle.rocksDb);
        handlesToClose.add(universal);
        // Slow-down and stop thresholds above the trigger, or RocksDB would stall writes before it compacts.
        return currentOptions
                .setLevel0FileNumCompactionTrigger(runTrigger)
                .setLevel0SlowdownWritesTrigger(Math.max(currentOptions.level0SlowdownWritesTrigger(), 2 * runTrigger))
                .setLevel0StopWritesTrigger(Math.max(currentOptions.level0StopWritesTrigger(), 3 * runTrigger))
                .setCompactionOptionsUniversal(universal);
    }
}
