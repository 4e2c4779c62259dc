package dev.hde.job.cli;

import dev.hde.producer.cli.LogFiles;
import java.io.PrintWriter;
import java.nio.file.Path;

/**
 * Where this run's Flink and Kafka log lines go. Apart from {@link HdeCli} because the cluster jar
 * (ClusterJobMain, without the local-only entry point) runs the same commands.
 */
final class JobLogFile {

    private JobLogFile() {}

    /** The log file of this run, or null when none is configured (a test's own logging, a cluster's). */
    static Path path() {
        String f = System.getProperty(LogFiles.PROPERTY);
        return f == null ? null : Path.of(f);
    }

    /** Says where Flink's and Kafka's log lines go, for the commands that run them. */
    static void announce(PrintWriter err, String command) {
        Path f = path();
        if (f != null) {
            err.println(command + ": Flink's and Kafka's log lines go to " + f);
            err.flush();
        }
    }
}
