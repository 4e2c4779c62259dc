package dev.hde.job.cli;

import dev.hde.job.kafka.KafkaUnreachableException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code hde} command line. */
@Command(
        name = "hde",
        mixinStandardHelpOptions = true,
        version = "hde 0.1.0",
        description = "Hierarchical delta encoding of VM memory page updates.",
        subcommands = {DemoCommand.class, EncodeCommand.class, DecodeCommand.class, TraceCommand.class, ReplayCommand.class, BenchPipelineCommand.class,
            CommandLine.HelpCommand.class})
public final class HdeCli {

    /** The job's logging configuration (Flink and Kafka at WARN), unless one is given with -Dlog4j2.configurationFile. */
    public static final String LOG_CONFIG = "hde-log4j2.properties";

    public static void main(String[] args) {
        if (System.getProperty("log4j2.configurationFile") == null) {
            System.setProperty("log4j2.configurationFile", LOG_CONFIG);
        }
        System.exit(commandLine().execute(args));
    }

    public static CommandLine commandLine() {
        return withErrorLines(new CommandLine(new HdeCli()).setCaseInsensitiveEnumValuesAllowed(true));
    }

    /** Exit code of a run that could not use the Kafka cluster (wrong address, TLS or credentials). */
    public static final int EXIT_KAFKA_UNREACHABLE = 3;

    /**
     * Errors a person can act on are one line on stderr ({@code hde encode: Kafka at ... refused the
     * credentials: ...}) with their own exit code; any other failure keeps picocli's stack trace.
     */
    static CommandLine withErrorLines(CommandLine cl) {
        return cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            if (ex instanceof KafkaUnreachableException) {
                commandLine.getErr().println(commandLine.getCommandSpec().qualifiedName() + ": " + ex.getMessage());
                commandLine.getErr().flush();
                return EXIT_KAFKA_UNREACHABLE;
            }
            throw ex;
        });
    }
}
