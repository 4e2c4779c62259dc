package dev.hde.producer.cli;

/**
 * The exit codes of {@code hde-producer} and {@code hde} (docs/cli.md has the table, with every
 * mistake we know of and its message).
 */
public final class ExitCodes {

    /** The run ended as asked (rounds done, images read, process exited, interrupted; every region verified). */
    public static final int OK = 0;
    /** A check failed (a region or image did not verify), or the run failed while it was under way (publishing, a job). */
    public static final int FAILED = 1;
    /** Bad command line, configuration or input (a missing directory, images of unequal size, a corrupt file). */
    public static final int USAGE = 2;
    /** Not allowed: no privileges to read the process's memory, Kafka refused the credentials, or the TLS handshake failed. */
    public static final int NO_PERMISSION = 3;
    /** Nothing there: no such process, none of its mappings matches the selection, or no Kafka broker answered. */
    public static final int NO_PROCESS = 4;
    /** {@link #NO_PROCESS} under the name that fits a Kafka cluster: nothing answered at the address. */
    public static final int UNREACHABLE = NO_PROCESS;

    private ExitCodes() {}
}
