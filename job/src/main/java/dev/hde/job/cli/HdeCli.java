package dev.hde.job.cli;

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
        return new CommandLine(new HdeCli()).setCaseInsensitiveEnumValuesAllowed(true);
    }
}
