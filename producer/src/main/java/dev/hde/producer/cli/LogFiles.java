package dev.hde.producer.cli;

import java.nio.file.Path;
import java.util.Arrays;

/**
 * Where a command's Java, Flink and Kafka log lines go, so that the terminal keeps to the
 * command's own lines: {@code <tmp>/hde-logs/<program>-<command>-<pid>.log}, or the file named by
 * the system property {@code hde.log.file}. The file is created only when something is logged.
 */
public final class LogFiles {

    /** The system property that names the log file (read by the logging configurations of both jars). */
    public static final String PROPERTY = "hde.log.file";

    private LogFiles() {}

    /** Settles the log file of this run (sets {@link #PROPERTY} unless it is set) and returns it; call before anything logs. */
    public static Path settle(String program, String[] args) {
        String given = System.getProperty(PROPERTY);
        if (given != null && !given.isBlank()) {
            return Path.of(given).toAbsolutePath();
        }
        String command = Arrays.stream(args).filter(a -> !a.startsWith("-")).findFirst().orElse(null);
        String name = program + (command != null && command.matches("[a-z][a-z-]{0,30}") ? "-" + command : "") + "-" + ProcessHandle.current().pid()
                + ".log";
        Path file = Path.of(System.getProperty("java.io.tmpdir"), "hde-logs", name).toAbsolutePath();
        System.setProperty(PROPERTY, file.toString());
        return file;
    }
}
