package dev.hde.producer.cli;

import dev.hde.codec.trace.ImageInputException;
import java.io.FileNotFoundException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * The one way a command of {@code hde} or {@code hde-producer} fails: one line on stderr,
 * {@code <command>: <what is wrong>}, and an exit code ({@link ExitCodes}): 2 for bad usage or
 * input, 3 when something is not allowed, 4 when nothing is there, 1 for a failed check or an
 * unexpected failure. A stack trace is printed only with {@code --verbose}; an unexpected
 * failure's trace also goes to the log file, whose path the line names. Commands throw
 * ({@link UserError}, picocli's {@code ParameterException}, or the typed exceptions below);
 * they do not catch and print.
 */
public final class CliErrors implements IExecutionExceptionHandler, IParameterExceptionHandler {

    /** The logger of unexpected failures: routed to the log file only (never the terminal). */
    public static final String LOGGER = "hde.cli.errors";

    private static final Logger LOG = LoggerFactory.getLogger(LOGGER);
    private static final Pattern INVALID_VALUE = Pattern.compile("Invalid value for (?:option|positional parameter at index \\d+(?: \\(\\S+\\))?) '?([^':]+?)'?: (.*)", Pattern.DOTALL);

    private final Set<String> verboseNames;
    private final Function<Throwable, UserError> classifier;
    private final Path logFile;

    /**
     * @param verboseNames the options that ask for stack traces (e.g. {@code --verbose})
     * @param classifier   the command line's own mapping of exceptions to user errors (null when it has none)
     * @param logFile      where the Java, Flink and Kafka logs go, named in the line of an unexpected failure (null: not named)
     */
    public CliErrors(Set<String> verboseNames, Function<Throwable, UserError> classifier, Path logFile) {
        this.verboseNames = Set.copyOf(verboseNames);
        this.classifier = classifier;
        this.logFile = logFile;
    }

    /** Makes this the handler of parse and execution errors of {@code cl} and all its subcommands. */
    public CommandLine install(CommandLine cl) {
        return cl.setParameterExceptionHandler(this).setExecutionExceptionHandler(this);
    }

    @Override
    public int handleParseException(ParameterException ex, String[] args) {
        CommandLine cl = ex.getCommandLine();
        String name = cl.getCommandSpec().qualifiedName();
        cl.getErr().println(name + ": " + usageLine(ex) + " (see " + name + " --help)");
        if (verbose(args)) {
            ex.printStackTrace(cl.getErr());
        }
        cl.getErr().flush();
        return cl.getCommandSpec().exitCodeOnInvalidInput();
    }

    @Override
    public int handleExecutionException(Exception ex, CommandLine cl, ParseResult parseResult) {
        String name = cl.getCommandSpec().qualifiedName();
        boolean verbose = verbose(parseResult.originalArgs().toArray(String[]::new));
        UserError known = classify(ex);
        int code;
        String line;
        if (known != null) {
            code = known.exitCode();
            line = name + ": " + oneLine(known.getMessage());
        } else {
            code = ExitCodes.FAILED;
            line = name + ": " + unexpected(ex);
            if (!verbose) {
                LOG.error(line, ex);
                line += " (stack trace: rerun with --verbose" + (logFile == null ? "" : ", or see " + logFile) + ")";
            }
        }
        cl.getErr().println(line);
        if (verbose) {
            ex.printStackTrace(cl.getErr());
        }
        cl.getErr().flush();
        return code;
    }

    private boolean verbose(String[] args) {
        return args != null && Arrays.stream(args).anyMatch(verboseNames::contains);
    }

    /** The user error this exception is (or is caused by), or null when it is unexpected. */
    UserError classify(Throwable ex) {
        for (Throwable t : causes(ex)) {
            if (t instanceof UserError u) {
                return u;
            }
        }
        if (classifier != null) {
            UserError u = classifier.apply(ex);
            if (u != null) {
                return u;
            }
        }
        for (Throwable t : causes(ex)) {
            if (t instanceof ImageInputException) {
                return new UserError(ExitCodes.USAGE, t.getMessage(), t);
            }
            if (t instanceof NoSuchFileException e) {
                return new UserError(ExitCodes.USAGE, e.getFile() + ": no such file or directory", t);
            }
            if (t instanceof AccessDeniedException e) {
                return new UserError(ExitCodes.NO_PERMISSION, e.getFile() + ": permission denied", t);
            }
            if (t instanceof FileNotFoundException) {
                return new UserError(ExitCodes.USAGE, t.getMessage(), t);
            }
            UserError kafka = KafkaConnectivity.explainFailure(t);
            if (kafka != null) {
                return new UserError(kafka.exitCode(), "Kafka: " + kafka.getMessage(), t);
            }
        }
        return null;
    }

    /** {@code the Flink job failed: Root: message} or {@code Class: message}: what went wrong, on one line. */
    static String unexpected(Throwable ex) {
        List<Throwable> chain = causes(ex);
        Throwable root = chain.get(chain.size() - 1);
        boolean flinkJob = chain.stream().anyMatch(t -> t.getClass().getName().equals("org.apache.flink.runtime.client.JobExecutionException"));
        return (flinkJob ? "the Flink job failed: " : "failed: ") + oneLine(describe(root));
    }

    private static String describe(Throwable t) {
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getClass().getSimpleName() + ": " + t.getMessage();
    }

    /** The exception and its causes, outermost first (a cycle ends the list). */
    public static List<Throwable> causes(Throwable ex) {
        java.util.ArrayList<Throwable> chain = new java.util.ArrayList<>();
        for (Throwable t = ex; t != null && !chain.contains(t); t = t.getCause()) {
            chain.add(t);
        }
        return chain;
    }

    /** picocli's message, made one line: {@code --vms must be at least 1, not -1}; unknown options with their likely meaning. */
    static String usageLine(ParameterException ex) {
        String msg = ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getMessage();
        Matcher m = INVALID_VALUE.matcher(msg);
        if (m.matches()) {
            String what = m.group(2);
            msg = m.group(1) + (what.startsWith("must ") ? " " : ": ") + what;
        }
        if (ex instanceof UnmatchedArgumentException u && !u.getCommandLine().getSubcommands().isEmpty() && !u.getUnmatched().isEmpty()
                && !u.getUnmatched().get(0).startsWith("-")) {
            return "unknown command '" + u.getUnmatched().get(0) + "'; the commands are "
                    + String.join(", ", u.getCommandLine().getSubcommands().keySet());
        }
        if (ex instanceof UnmatchedArgumentException u && !u.getSuggestions().isEmpty()) {
            msg += "; did you mean " + String.join(" or ", u.getSuggestions().subList(0, Math.min(3, u.getSuggestions().size()))) + "?";
        }
        return oneLine(msg);
    }

    /** Joins the lines of a message (some libraries' messages have several). */
    public static String oneLine(String s) {
        return s == null ? "" : s.strip().replaceAll("\\s*\\R\\s*", "; ");
    }
}
