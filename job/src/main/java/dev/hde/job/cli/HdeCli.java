package dev.hde.job.cli;

import dev.hde.producer.cli.CliErrors;
import dev.hde.producer.cli.ExitCodes;
import dev.hde.producer.cli.LogFiles;
import java.util.Arrays;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** The {@code hde} command line. */
@Command(
        name = "hde",
        mixinStandardHelpOptions = true,
        version = "hde 0.1.0",
        description = "Hierarchical delta encoding of VM memory page updates.",
        footer = {"", "Exit codes: 0 done, 1 a check failed (or the run failed), 2 bad usage or input, 3 Kafka refused the credentials or TLS,",
            "4 no Kafka broker answered. Every mistake we know of, with its message: docs/cli.md."},
        subcommands = {DemoCommand.class, EncodeCommand.class, DecodeCommand.class, TraceCommand.class, ReplayCommand.class, BenchPipelineCommand.class, ChaosCommand.class,
            CommandLine.HelpCommand.class})
public final class HdeCli {

    /** The job's logging configuration (Flink and Kafka to the log file), unless one is given with -Dlog4j2.configurationFile. */
    public static final String LOG_CONFIG = "hde-log4j2.properties";

    /** The option that prints stack traces of errors (and Flink's and Kafka's warnings) on the terminal. */
    public static final String VERBOSE = "--verbose";

    @Option(names = VERBOSE, scope = ScopeType.INHERIT,
            description = "Print the stack trace of an error, and Flink's and Kafka's own warnings, on the terminal (default: in the log file).")
    boolean verbose;

    public static void main(String[] args) {
        LogFiles.settle("hde", args);
        if (System.getProperty("log4j2.configurationFile") == null) {
            System.setProperty("log4j2.configurationFile", LOG_CONFIG);
        }
        if (Arrays.asList(args).contains(VERBOSE)) {
            System.setProperty("hde.console.level", "WARN");
        }
        System.exit(commandLine().execute(args));
    }

    public static CommandLine commandLine() {
        return withErrorLines(new CommandLine(new HdeCli()).setCaseInsensitiveEnumValuesAllowed(true));
    }

    /** Exit code of a run that Kafka refused: wrong credentials or an untrusted certificate ({@link ExitCodes#NO_PERMISSION}). */
    public static final int EXIT_KAFKA_UNREACHABLE = ExitCodes.NO_PERMISSION;

    /** Every error is one line on stderr with its exit code ({@link CliErrors}); a stack trace only with --verbose. */
    static CommandLine withErrorLines(CommandLine cl) {
        return new CliErrors(Set.of(VERBOSE), null, JobLogFile.path()).install(cl);
    }
}
