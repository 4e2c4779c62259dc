package dev.hde.producer.cli;

/**
 * An error a person can act on: its message is one line that says what is wrong (and, where it
 * helps, what to do), and it carries the exit code of the command ({@link ExitCodes}). The
 * command lines' {@link CliErrors} handler prints the message without a stack trace.
 */
public class UserError extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int exitCode;

    public UserError(int exitCode, String message) {
        this(exitCode, message, null);
    }

    public UserError(int exitCode, String message, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    /** Bad usage or input ({@link ExitCodes#USAGE}). */
    public static UserError usage(String message) {
        return new UserError(ExitCodes.USAGE, message);
    }

    public int exitCode() {
        return exitCode;
    }
}
