package dev.hde.producer.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;

/** {@code hde-producer}: the hypervisor-side producer of page-update events. */
@Command(name = "hde-producer", mixinStandardHelpOptions = true, versionProvider = ProducerCli.Version.class, usageHelpAutoWidth = true,
        description = {
            "Captures memory, finds the pages that changed since the last round and publishes them as page-update events "
                    + "(record key = state key <vm id>/<region>) to the encoder job's Kafka topic (default hde.page-updates), "
                    + "with an idempotent producer and acks=all. --dry-run publishes nothing and prints one JSON line per round.",
            ""},
        subcommands = {CaptureCommand.class, ImagesCommand.class, SyntheticCommand.class, BenchCommand.class, HelpCommand.class})
public final class ProducerCli {

    /** The options that print stack traces (and, for the source commands, the Kafka client's log) on the terminal. */
    static final java.util.Set<String> VERBOSE = java.util.Set.of("-v", "--verbose");

    public static void main(String[] args) {
        java.nio.file.Path log = LogFiles.settle("hde-producer", args);
        if (java.util.Arrays.stream(args).noneMatch(VERBOSE::contains) && System.getProperty("org.slf4j.simpleLogger.logFile") == null) {
            try {
                java.nio.file.Files.createDirectories(log.getParent());
                System.setProperty("org.slf4j.simpleLogger.logFile", log.toString()); // the Kafka client's warnings: not on the terminal
            } catch (java.io.IOException e) {
                // no log directory: the warnings stay on stderr
            }
        }
        int code = run(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args);
        try {
            if (java.nio.file.Files.size(log) == 0) {
                java.nio.file.Files.delete(log); // nothing was logged: no empty file left behind
            }
        } catch (java.io.IOException e) {
            // not made, or already gone
        }
        System.exit(code);
    }

    /** Runs the command line with these streams; returns the exit code ({@link ExitCodes}). */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cli = new CommandLine(new ProducerCli());
        cli.setOut(out);
        cli.setErr(err);
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        String log = System.getProperty("org.slf4j.simpleLogger.logFile");
        new CliErrors(VERBOSE, null, log == null || log.startsWith("System.") ? null : java.nio.file.Path.of(log)).install(cli);
        return cli.execute(args);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = ProducerCli.class.getPackage().getImplementationVersion();
            return new String[] {"hde-producer " + (v == null ? "(development build)" : v)};
        }
    }
}
