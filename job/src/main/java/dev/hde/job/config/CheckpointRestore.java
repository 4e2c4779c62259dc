package dev.hde.job.config;

import java.io.DataInputStream;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.apache.flink.core.fs.FSDataInputStream;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;
import org.apache.flink.runtime.checkpoint.Checkpoints;
import org.apache.flink.runtime.checkpoint.OperatorState;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.checkpoint.metadata.CheckpointMetadata;
import org.apache.flink.runtime.state.AbstractChannelStateHandle;
import org.apache.flink.runtime.state.IncrementalRemoteKeyedStateHandle;
import org.apache.flink.runtime.state.KeyGroupsStateHandle;
import org.apache.flink.runtime.state.OperatorStreamStateHandle;
import org.apache.flink.runtime.state.StateObject;
import org.apache.flink.runtime.state.filesystem.FileStateHandle;

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

    /**
     * The files a completed checkpoint or savepoint refers to that are not there, in the order its
     * metadata names them (empty: every file is there). An incremental RocksDB checkpoint refers to
     * files that earlier checkpoints, even earlier runs, uploaded into their own directories; one
     * removed by hand (or by a cleanup of "old" directories) makes every task fail its restore, and
     * the job then restarts until its restart strategy gives up. Checked before the job is
     * submitted, it is one line that says which files are gone. Handles this does not know (state
     * held inline in the metadata, or kinds Flink may add) are not checked.
     *
     * @param checkpointPath the directory that holds {@code _metadata}, as {@link Found#path()}
     */
    public static List<String> missingFiles(String checkpointPath) throws IOException {
        return missing(referencedFiles(checkpointPath));
    }

    private static List<String> missing(List<String> files) throws IOException {
        List<String> missing = new ArrayList<>();
        for (String file : files) {
            Path path = new Path(file);
            if (!path.getFileSystem().exists(path)) {
                missing.add(file);
            }
        }
        return missing;
    }

    /**
     * Why a checkpoint or savepoint cannot be restored (empty: it can, as far as its files go): no
     * {@code _metadata} there, one that does not read, or files it refers to are gone ({@link #missingFiles}).
     *
     * @param path the directory that holds {@code _metadata}, or the {@code _metadata} file itself
     * @throws IOException when the storage cannot be reached from this process
     */
    public static Optional<String> problem(String path) throws IOException {
        String dir = path.endsWith("/_metadata") ? path.substring(0, path.length() - "/_metadata".length()) : path;
        Path metadata = new Path(dir, "_metadata");
        if (!metadata.getFileSystem().exists(metadata)) {
            return Optional.of("no checkpoint or savepoint there (no _metadata file)");
        }
        List<String> referenced;
        try {
            referenced = referencedFiles(dir);
        } catch (IOException | RuntimeException e) {
            // The storage answered (the _metadata file is there) but it does not read as a checkpoint's.
            return Optional.of("its _metadata does not read as a checkpoint's (" + e.getMessage() + ")");
        }
        List<String> missing = missing(referenced);
        if (missing.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(missing.size() + " of the files it refers to " + (missing.size() == 1 ? "is" : "are") + " gone ("
                + missing.get(0) + (missing.size() > 1 ? ", ..." : "") + ")");
    }

    /** Every file a completed checkpoint or savepoint refers to, in the order its metadata names them. */
    public static List<String> referencedFiles(String checkpointPath) throws IOException {
        Path dir = new Path(checkpointPath);
        Path metadataFile = new Path(dir, "_metadata");
        FileSystem fs = metadataFile.getFileSystem();
        CheckpointMetadata metadata;
        try (FSDataInputStream in = fs.open(metadataFile)) {
            metadata = Checkpoints.loadCheckpointMetadata(new DataInputStream(in), CheckpointRestore.class.getClassLoader(), dir.toString());
        }
        Set<Path> files = new LinkedHashSet<>();
        for (OperatorState operator : metadata.getOperatorStates()) {
            for (OperatorSubtaskState subtask : operator.getStates()) {
                subtask.getManagedKeyedState().forEach(h -> collectFiles(h, files));
                subtask.getRawKeyedState().forEach(h -> collectFiles(h, files));
                subtask.getManagedOperatorState().forEach(h -> collectFiles(h, files));
                subtask.getRawOperatorState().forEach(h -> collectFiles(h, files));
                subtask.getInputChannelState().forEach(h -> collectFiles(h, files));
                subtask.getResultSubpartitionState().forEach(h -> collectFiles(h, files));
            }
        }
        List<String> out = new ArrayList<>();
        files.forEach(f -> out.add(f.toString()));
        return out;
    }

    /** The files behind a state handle, through the kinds of handles that wrap others. */
    private static void collectFiles(StateObject handle, Set<Path> files) {
        if (handle instanceof FileStateHandle file) {
            files.add(file.getFilePath());
        } else if (handle instanceof KeyGroupsStateHandle keyGroups) {
            collectFiles(keyGroups.getDelegateStateHandle(), files);
        } else if (handle instanceof OperatorStreamStateHandle operator) {
            collectFiles(operator.getDelegateStateHandle(), files);
        } else if (handle instanceof IncrementalRemoteKeyedStateHandle incremental) {
            incremental.streamSubHandles().forEach(h -> collectFiles(h, files));
        } else if (handle instanceof AbstractChannelStateHandle<?> channel) {
            collectFiles(channel.getDelegate(), files);
        }
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
