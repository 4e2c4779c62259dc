package dev.hde.job.config;

import java.io.IOException;
import java.time.Instant;
import java.util.Optional;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;

/**
 * Finds where {@code hde encode --restore auto} resumes: the newest completed checkpoint or
 * savepoint in a job's checkpoint directory. Flink writes checkpoints as
 * {@code <dir>/<job id>/chk-<n>/_metadata} (a checkpoint without {@code _metadata} did not complete)
 * and {@code hde encode} its stop-with-savepoint savepoints under {@code <dir>/savepoints/}. Checkpoints
 * are retained when a job is cancelled or its process dies (RETAIN_ON_CANCELLATION), so the newest
 * one outlives a {@code kill -9}. Works on any Flink file system (file://, s3:// with its plugin).
 */
public final class CheckpointRestore {

    /** The subdirectory of a checkpoint directory where {@code hde encode} puts its savepoints. */
    public static final String SAVEPOINTS = "savepoints";

    /**
     * A completed checkpoint or savepoint.
     *
     * @param path the directory that holds its {@code _metadata}: what Flink restores from
     * @param savepoint a savepoint (kept: restored without claiming it) rather than a retained checkpoint (claimed)
     */
    public record Found(String path, Instant written, boolean savepoint) {}

    private CheckpointRestore() {}

    /** What {@code --restore} asks for: the newest in the checkpoint directory, nothing, or a given path. */
    public static Optional<Found> newest(String checkpointDirectory) throws IOException {
        Path dir = new Path(checkpointDirectory);
        FileSystem fs = dir.getFileSystem();
        if (!fs.exists(dir)) {
            return Optional.empty();
        }
        Found best = null;
        for (FileStatus job : list(fs, dir)) {
            if (!job.isDir()) {
                continue;
            }
            boolean savepoints = job.getPath().getName().equals(SAVEPOINTS);
            for (FileStatus c : list(fs, job.getPath())) {
                String name = c.getPath().getName();
                if (!c.isDir() || !(savepoints ? name.startsWith("savepoint-") : name.startsWith("chk-"))) {
                    continue;
                }
                Path metadata = new Path(c.getPath(), "_metadata");
                if (!fs.exists(metadata)) {
                    continue; // not completed (the process died while writing it)
                }
                Instant written = Instant.ofEpochMilli(fs.getFileStatus(metadata).getModificationTime());
                if (best == null || written.isAfter(best.written())) {
                    best = new Found(c.getPath().toString(), written, savepoints);
                }
            }
        }
        return Optional.ofNullable(best);
    }

    /** {@code <checkpoint dir>/savepoints}: where {@code hde encode} stops with a savepoint. */
    public static String savepointDirectory(String checkpointDirectory) {
        return new Path(new Path(checkpointDirectory), SAVEPOINTS).toString();
    }

    private static FileStatus[] list(FileSystem fs, Path dir) throws IOException {
        FileStatus[] s = fs.listStatus(dir);
        return s == null ? new FileStatus[0] : s;
    }
}
