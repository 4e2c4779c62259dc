package dev.hde.job.replay;

import java.io.PrintWriter;
import java.util.Locale;

/**
 * Where the replay's functions report progress. The {@code hde replay} command installs its stderr
 * here while the job runs on the local runtime in the same JVM; on a cluster (or with nothing
 * installed) the lines go to the log of the task that reports them.
 */
public final class ReplayProgress {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ReplayProgress.class);
    private static volatile PrintWriter sink;
    private static volatile long startNanos = System.nanoTime();

    private ReplayProgress() {}

    /** Sends progress lines to {@code out} (null: to the log) from now on. */
    public static void install(PrintWriter out) {
        startNanos = System.nanoTime();
        sink = out;
    }

    static void report(String format, Object... args) {
        String line = String.format(Locale.ROOT, format, args);
        PrintWriter out = sink;
        if (out == null) {
            LOG.info(line);
            return;
        }
        synchronized (ReplayProgress.class) {
            out.printf(Locale.ROOT, "[%6.1fs] %s%n", (System.nanoTime() - startNanos) / 1e9, line);
            out.flush();
        }
    }
}
