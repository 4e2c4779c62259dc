package dev.hde.job.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StateFilesTest {

    @Test
    void onlyTableFilesAreCountedAndReadAtAnyDepth(@TempDir Path dir) throws Exception {
        Path db = Files.createDirectories(dir.resolve("job_x/db"));
        Files.write(db.resolve("000012.sst"), new byte[3 << 20]); // more than one read chunk
        Files.write(db.resolve("000013.sst"), new byte[17]);
        Files.write(db.resolve("MANIFEST-000004"), new byte[1000]);
        Files.write(dir.resolve("LOG"), new byte[500]);

        long expected = (3 << 20) + 17;
        assertThat(StateFiles.tableBytes(dir)).isEqualTo(expected);
        assertThat(StateFiles.readOnce(dir)).isEqualTo(expected);
    }

    @Test
    void aDirectoryThatIsNotThereHoldsNothing(@TempDir Path dir) {
        assertThat(StateFiles.tableBytes(dir.resolve("absent"))).isZero();
        assertThat(StateFiles.readOnce(dir.resolve("absent"))).isZero();
    }
}
