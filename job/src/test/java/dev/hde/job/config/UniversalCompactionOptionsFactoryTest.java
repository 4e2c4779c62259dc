package dev.hde.job.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.state.rocksdb.RocksDBOptionsFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.CompactionStyle;
import org.rocksdb.RocksDB;

class UniversalCompactionOptionsFactoryTest {

    private final List<AutoCloseable> handles = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable h : handles) {
            h.close();
        }
    }

    /** The factory Flink's RocksDB backend builds from the job's configuration, as a TaskManager would. */
    private RocksDBOptionsFactory factoryFrom(Configuration c) {
        EmbeddedRocksDBStateBackend backend = new EmbeddedRocksDBStateBackend().configure(c, getClass().getClassLoader());
        return backend.getRocksDBOptions();
    }

    private ColumnFamilyOptions columnOptions(RocksDBOptionsFactory factory, CompactionStyle style) {
        RocksDB.loadLibrary();
        ColumnFamilyOptions base = new ColumnFamilyOptions().setCompactionStyle(style);
        handles.add(base);
        return factory.createColumnOptions(base, handles);
    }

    @Test
    void theJobsRocksDbRunsWithTheFactoryAndItsDefaults() {
        Configuration c = FlinkSettings.of(new HdeJobConfig().stateBackend(HdeJobConfig.StateBackend.ROCKSDB));
        RocksDBOptionsFactory factory = factoryFrom(c);
        assertThat(factory).isInstanceOf(UniversalCompactionOptionsFactory.class);

        ColumnFamilyOptions o = columnOptions(factory, CompactionStyle.UNIVERSAL);
        assertThat(o.level0FileNumCompactionTrigger()).isEqualTo(UniversalCompactionOptionsFactory.RUN_TRIGGER.defaultValue());
        assertThat(o.compactionOptionsUniversal().sizeRatio()).isEqualTo(UniversalCompactionOptionsFactory.SIZE_RATIO.defaultValue());
        assertThat(o.compactionOptionsUniversal().maxSizeAmplificationPercent())
                .isEqualTo(UniversalCompactionOptionsFactory.MAX_SIZE_AMPLIFICATION.defaultValue());
        assertThat(o.compactionOptionsUniversal().stopStyle()).isEqualTo(org.rocksdb.CompactionStopStyle.CompactionStopStyleTotalSize);
        assertThat(o.level0SlowdownWritesTrigger()).isGreaterThan(o.level0FileNumCompactionTrigger());
        assertThat(o.level0StopWritesTrigger()).isGreaterThan(o.level0SlowdownWritesTrigger());
    }

    @Test
    void dashDKeysReachRocksDb() {
        HdeJobConfig job = new HdeJobConfig().stateBackend(HdeJobConfig.StateBackend.ROCKSDB)
                .flinkOption("hde.rocksdb.universal.run-trigger", "24")
                .flinkOption("hde.rocksdb.universal.size-ratio", "10")
                .flinkOption("hde.rocksdb.universal.max-size-amplification-percent", "300")
                .flinkOption("hde.rocksdb.universal.stop-style", "SIMILAR_SIZE");
        ColumnFamilyOptions o = columnOptions(factoryFrom(FlinkSettings.of(job)), CompactionStyle.UNIVERSAL);
        assertThat(o.level0FileNumCompactionTrigger()).isEqualTo(24);
        // Writes must not stall before compaction starts: slow-down and stop above the trigger.
        assertThat(o.level0SlowdownWritesTrigger()).isEqualTo(48);
        assertThat(o.level0StopWritesTrigger()).isEqualTo(72);
        assertThat(o.compactionOptionsUniversal().sizeRatio()).isEqualTo(10);
        assertThat(o.compactionOptionsUniversal().maxSizeAmplificationPercent()).isEqualTo(300);
        assertThat(o.compactionOptionsUniversal().stopStyle()).isEqualTo(org.rocksdb.CompactionStopStyle.CompactionStopStyleSimilarSize);
    }

    @Test
    void leveledCompactionIsLeftAsFlinkSetsIt() {
        // As a cluster's own configuration could set them (a job's -D of both is refused: FlinkSettingsTest).
        Configuration c = new HdeJobConfig().stateBackend(HdeJobConfig.StateBackend.ROCKSDB).flinkConfiguration();
        c.setString("state.backend.rocksdb.compaction.style", "LEVEL");
        c.setString("hde.rocksdb.universal.run-trigger", "24");
        RocksDB.loadLibrary();
        try (ColumnFamilyOptions plain = new ColumnFamilyOptions()) {
            ColumnFamilyOptions o = columnOptions(factoryFrom(c), CompactionStyle.LEVEL);
            assertThat(o.level0FileNumCompactionTrigger()).isEqualTo(plain.level0FileNumCompactionTrigger());
        }
    }

    @Test
    void aTriggerBelowOneIsRefusedNamingTheKey() {
        Configuration c = FlinkSettings.of(new HdeJobConfig().stateBackend(HdeJobConfig.StateBackend.ROCKSDB)
                .flinkOption("hde.rocksdb.universal.run-trigger", "0"));
        assertThatThrownBy(() -> factoryFrom(c)).hasStackTraceContaining("hde.rocksdb.universal.run-trigger must be between 1 and 100000, got 0");
    }
}
