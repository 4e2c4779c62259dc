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

    public static void main(String[] args) {
        System.exit(run(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args));
    }

    /** Runs the command line with these streams; returns the exit code ({@link ExitCodes}). */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cli = new CommandLine(new ProducerCli());
        cli.setOut(out);
        cli.setErr(err);
        cli.setCaseInsensitiveEnumValuesAllowed(true);
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
