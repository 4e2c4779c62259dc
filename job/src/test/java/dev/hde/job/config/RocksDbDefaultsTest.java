package dev.hde.job.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.state.rocksdb.RocksDBConfigurableOptions;
import org.apache.flink.state.rocksdb.RocksDBOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.CompactionStyle;
import org.rocksdb.FlushOptions;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;

class RocksDbDefaultsTest {

    @Test
    void rocksDbJobsRunWithTheTunedOptions() {
        Configuration f = new HdeJobConfig().stateBackend(HdeJobConfig.StateBackend.ROCKSDB).flinkConfiguration();
        assertThat(f.get(RocksDBConfigurableOptions.COMPACTION_STYLE)).isEqualTo(CompactionStyle.UNIVERSAL);
        assertThat(f.get(RocksDBConfigurableOptions.USE_BLOOM_FILTER)).isTrue();
        assertThat(f.get(RocksDBOptions.USE_PARTITIONED_INDEX_FILTERS)).isTrue();
    }

    @Test
    void heapJobsSetNoRocksDbOption() {
        Configuration f = new HdeJobConfig().flinkConfiguration();
        assertThat(f.keySet()).noneMatch(k -> k.startsWith("state.backend.rocksdb."));
    }

    @Test
    void aFlinkOptionOfTheSameKeyWins() {
        HdeJobConfig c = new HdeJobConfig().stateBackend(HdeJobConfig.StateBackend.ROCKSDB)
                .flinkOption("state.backend.rocksdb.compaction.style", "LEVEL")
                .flinkOption("state.backend.rocksdb.memory.partitioned-index-filters", "false");
        Configuration f = FlinkSettings.of(c);
        assertThat(f.get(RocksDBConfigurableOptions.COMPACTION_STYLE)).isEqualTo(CompactionStyle.LEVEL);
        assertThat(f.get(RocksDBOptions.USE_PARTITIONED_INDEX_FILTERS)).isFalse();
        assertThat(f.get(RocksDBConfigurableOptions.USE_BLOOM_FILTER)).isTrue();
    }

    /**
     * State checkpointed before universal compaction was the default (leveled: files in several
     * levels) is restored by opening those files with the new options: every value must come back,
     * before and after universal compaction has rewritten them.
     */
    @Test
    void aDatabaseWrittenWithLeveledCompactionOpensAndCompactsWithUniversal(@TempDir Path dir) throws Exception {
        RocksDB.loadLibrary();
        String path = dir.resolve("db").toString();
        int keys = 4_000;
        try (Options leveled = new Options().setCreateIfMissing(true).setCompactionStyle(CompactionStyle.LEVEL)
                .setWriteBufferSize(64 << 10).setTargetFileSizeBase(64 << 10).setMaxBytesForLevelBase(256 << 10);
                RocksDB db = RocksDB.open(leveled, path);
                FlushOptions flush = new FlushOptions().setWaitForFlush(true)) {
            for (int i = 0; i < keys; i++) {
                db.put(key(i), value(i, 0));
            }
            db.compactRange();
            for (int i = 0; i < keys; i += 3) {
                db.put(key(i), value(i, 1));
            }
            db.flush(flush);
            long deeper = 0;
            for (int level = 1; level < 7; level++) {
                deeper += Long.parseLong(db.getProperty("rocksdb.num-files-at-level" + level));
            }
            assertThat(deeper).as("files below level 0 (else the test proves nothing)").isPositive();
        }
        try (Options universal = new Options().setCompactionStyle(CompactionStyle.UNIVERSAL); RocksDB db = RocksDB.open(universal, path)) {
            assertEveryValue(db, keys, 1);
            for (int i = 1; i < keys; i += 3) {
                db.put(key(i), value(i, 2));
            }
            db.compactRange();
            for (int i = 0; i < keys; i++) {
                byte[] expected = value(i, i % 3 == 0 ? 1 : i % 3 == 1 ? 2 : 0);
                assertThat(Arrays.equals(db.get(key(i)), expected)).as("key %d after universal compaction", i).isTrue();
            }
        }
    }

    private static void assertEveryValue(RocksDB db, int keys, int versionOfEveryThird) throws Exception {
        for (int i = 0; i < keys; i++) {
            assertThat(Arrays.equals(db.get(key(i)), value(i, i % 3 == 0 ? versionOfEveryThird : 0))).as("key %d", i).isTrue();
        }
    }

    private static byte[] key(int i) {
        return String.format("page-%08d", i).getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] value(int i, int version) {
        byte[] v = new byte[512];
        Arrays.fill(v, (byte) (i * 31 + version));
        v[0] = (byte) version;
        return v;
    }
}
