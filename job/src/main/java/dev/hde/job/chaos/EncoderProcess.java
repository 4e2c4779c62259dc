package dev.hde.job.chaos;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code hde encode} as an operating-system process of its own, started as an operator would
 * (the real command line, this JVM's java and class path), killed with SIGKILL and started again.
 * Each run writes its output to {@code encoder-<n>.log}.
 */
final class EncoderProcess implements AutoCloseable {

    private final List<String> args;
    private final Path logDir;
    private final String heap;
    private Process process;
    private int runs;
    private long startedMillis;

    /** @param args the arguments after {@code encode}, without {@code --restore} */
    EncoderProcess(List<String> args, Path logDir, String heap) {
        this.args = List.copyOf(args);
        this.logDir = logDir;
        this.heap = heap;
    }

    /** Starts {@code hde encode ... --restore <restore>}; returns the log file. */
    Path start(String restore) throws IOException {
        if (alive()) {
            throw new IllegalStateException("the encoder is running (pid " + process.pid() + ")");
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.add("-Xmx" + heap);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("dev.hde.job.cli.HdeCli");
        cmd.add("encode");
        cmd.addAll(args);
        cmd.add("--restore");
        cmd.add(restore);
        Path log = logDir.resolve("encoder-" + (++runs) + ".log");
        startedMillis = System.currentTimeMillis();
        process = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        return log;
    }

    boolean alive() {
        return process != null && process.isAlive();
    }

    /** The exit code of a run that ended by itself, or -1 while it runs (or when none was started). */
    int exitCode() {
        return process == null || process.isAlive() ? -1 : process.exitValue();
    }

    /** kill -9 of the encoder's JVM: nothing is flushed, closed or checkpointed. */
    void kill() throws InterruptedException {
        if (process != null) {
            process.destroyForcibly();
            process.waitFor();
        }
    }

    /** When the current run was started (wall clock, ms). */
    long startedMillis() {
        return startedMillis;
    }

    int runs() {
        return runs;
    }

    /** How many runs so far resumed from a checkpoint or savepoint (their log says so). */
    int restoredRuns() {
        int n = 0;
        for (int i = 1; i <= runs; i++) {
            try {
                if (java.nio.file.Files.readString(logDir.resolve("encoder-" + i + ".log")).contains("hde encode: resuming from ")) {
                    n++;
                }
            } catch (IOException e) {
                // a log that is not there resumed nothing
            }
        }
        return n;
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                kill();
            }
        }
    }
}
