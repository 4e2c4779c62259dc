package dev.hde.job.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code hde} command line. */
@Command(
        name = "hde",
        mixinStandardHelpOptions = true,
        version = "hde 0.1.0",
        description = "Hierarchical delta encoding of VM memory page updates.",
        subcommands = {TraceCommand.class, DemoCommand.class, CommandLine.HelpCommand.class})
public final class HdeCli {

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    public static CommandLine commandLine() {
        return new CommandLine(new HdeCli()).setCaseInsensitiveEnumValuesAllowed(true);
    }
}
