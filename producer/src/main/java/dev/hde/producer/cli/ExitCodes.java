package dev.hde.producer.cli;

/** The exit codes of {@code hde-producer}. */
public final class ExitCodes {

    /** The run ended as asked (rounds done, images read, process exited, interrupted). */
    public static final int OK = 0;
    /** Publishing or reading failed. */
    public static final int FAILED = 1;
    /** Bad command line or configuration (picocli's code for usage errors). */
    public static final int USAGE = 2;
    /** Missing privileges to read the process's memory. */
    public static final int NO_PERMISSION = 3;
    /** No such process, or none of its mappings matches the selection. */
    public static final int NO_PROCESS = 4;

    private ExitCodes() {}
}
