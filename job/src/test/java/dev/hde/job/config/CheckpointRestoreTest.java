package dev.hde.job.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link CheckpointRestore} on a real checkpoint: a local job with RocksDB and incremental
 * checkpoints runs until a checkpoint is retained, then files are taken away from under it, as a
 * cleanup of "old" directories would.
 */
class CheckpointRestoreTest {

    @TempDir
    static Path checkpoints;

    static CheckpointRestore.Found retained;

    /** Counts per key, so that the keyed state (RocksDB files) is in every checkpoint. */
    static final class CountPerKey extends RichMapFunction<Long, Long> {
        private transient ValueState<Long> count;

        @Override
        public void open(OpenContext context) {
            count = getRuntimeContext().getState(new ValueStateDescriptor<>("count", Long.class));
        }

        @Override
        public Long map(Long value) throws Exception {
            Long c = count.value();
            count.update(c == null ? 1 : c + 1);
            return value;
        }
    }

    @BeforeAll
    static void aJobRetainsAnIncrementalCheckpoint() throws Exception {
        Configuration conf = new Configuration();
        conf.set(StateBackendOptions.STATE_BACKEND, "rocksdb");
        conf.set(CheckpointingOptions.INCREMENTAL_CHECKPOINTS, true);
        conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpoints.toUri().toString());
        conf.set(CheckpointingOptions.FS_SMALL_FILE_THRESHOLD, MemorySize.ZERO); // every state file on disk, none inline in _metadata
        conf.set(CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION, ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
        conf.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, Duration.ofMillis(200));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(1);
        env.fromSequence(0, Long.MAX_VALUE).keyBy(v -> v % 64).map(new CountPerKey()).sinkTo(new DiscardingSink<>());
        JobClient job = env.executeAsync("checkpoint-restore-test");
        try {
            long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            // the second completed checkpoint: the first may hold the state before any record
            while (retained == null || !retained.path().matches(".*chk-([2-9]|\\d\\d+)$")) {
                assertThat(System.nanoTime()).as("a second checkpoint within 90 s").isLessThan(deadline);
                Thread.sleep(100);
                retained = CheckpointRestore.newest(checkpoints.toUri().toString()).orElse(null);
            }
        } finally {
            job.cancel().get();
        }
    }

    @Test
    void anIntactCheckpointHasNoProblemAndAFileTakenFromUnderItIsNamed() throws Exception {
        List<String> files = CheckpointRestore.referencedFiles(retained.path());

        assertThat(files).as("RocksDB's files, uploaded to the shared directory").anyMatch(f -> f.contains("/shared/"));
        assertThat(CheckpointRestore.missingFiles(retained.path())).isEmpty();
        assertThat(CheckpointRestore.problem(retained.path())).isEmpty();
        assertThat(CheckpointRestore.problem(retained.path() + "/_metadata")).as("the _metadata file names it too").isEmpty();

        // Shared files are named by absolute path (a later checkpoint, even a later run's, refers to them where
        // they are): take one away, as a cleanup of "old" directories would.
        String shared = files.stream().filter(f -> f.contains("/shared/")).findFirst().orElseThrow();
        Files.delete(Path.of(new org.apache.flink.core.fs.Path(shared).getPath()));

        assertThat(CheckpointRestore.missingFiles(retained.path())).containsExactly(shared);
        Optional<String> problem = CheckpointRestore.problem(retained.path());
        assertThat(problem).hasValueSatisfying(p -> assertThat(p).isEqualTo("1 of the files it refers to is gone (" + shared + ")"));
    }

    @Test
    void aDirectoryWithoutMetadataIsNoCheckpoint() throws Exception {
        Path empty = Files.createTempDirectory(checkpoints, "chk-");

        assertThat(CheckpointRestore.problem(empty.toUri().toString())).hasValue("no checkpoint or savepoint there (no _metadata file)");
    }

    @Test
    void metadataThatDoesNotReadIsNamed() throws Exception {
        Path broken = Files.createTempDirectory(checkpoints, "chk-");
        byte[] metadata = Files.readAllBytes(Path.of(new org.apache.flink.core.fs.Path(retained.path(), "_metadata").getPath()));
        Files.write(broken.resolve("_metadata"), java.util.Arrays.copyOf(metadata, metadata.length / 2)); // cut short, as a full disk leaves it

        assertThat(CheckpointRestore.problem(broken.toUri().toString()))
                .hasValueSatisfying(p -> assertThat(p).startsWith("its _metadata does not read as a checkpoint's ("));
    }
}
