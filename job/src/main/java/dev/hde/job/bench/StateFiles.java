package dev.hde.job.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.Stream;

/**
 * RocksDB's table files under a state directory, read once from start to end so that the OS cache
 * holds what it can of them (what {@code vmtouch -t} does). Why a benchmark does it: its load phase
 * writes the reference images through the broker's log, RocksDB's compactions and the checkpoint
 * copies, several times the state's size, and leaves most of the state's files out of the OS cache;
 * a job that has run for hours has read them back by the time it is in steady state, so a steady
 * phase timed right after the load would measure the disk's random reads of a cold cache.
 */
final class StateFiles {

    private static final int CHUNK = 1 << 20;

    private StateFiles() {}

    /** The total size of the table files ({@code *.sst}) under {@code dir}; 0 when there is none. */
    static long tableBytes(Path dir) {
        long bytes = 0;
        for (Path f : tableFiles(dir)) {
            try {
                bytes += Files.size(f);
            } catch (NoSuchFileException gone) {
                // compacted away since the listing
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return bytes;
    }

    /** Reads every table file under {@code dir} once, sequentially; returns the bytes read (files compacted away meanwhile are skipped). */
    static long readOnce(Path dir) {
        ByteBuffer buffer = ByteBuffer.allocateDirect(CHUNK);
        long read = 0;
        for (Path f : tableFiles(dir)) {
            try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
                int n;
                while ((n = ch.read(buffer.clear())) > 0) {
                    read += n;
                }
            } catch (NoSuchFileException gone) {
                // compacted away since the listing
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return read;
    }

    private static List<Path> tableFiles(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".sst")).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
