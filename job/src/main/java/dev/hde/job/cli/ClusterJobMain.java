package dev.hde.job.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The entry class of the cluster job jar ({@code hde-job.jar}): {@code flink run hde-job.jar encode ...},
 * {@code flink run -d ...}, a jar run through Flink's REST API and the Kubernetes operator's
 * {@code jarURI} all start here. The same {@code encode} and {@code decode} commands as the
 * {@code hde} CLI, on the environment of the cluster they are submitted to.
 *
 * <p>Unlike {@link HdeCli} it never calls {@code System.exit} (in application mode and for REST
 * submissions {@code main} runs inside the JobManager): a failure is thrown to Flink as it is, a
 * non-zero exit code becomes an exception naming it.
 */
@Command(name = "hde-job", mixinStandardHelpOptions = true, version = "hde 0.1.0",
        description = "HDE on a Flink cluster: flink run hde-job.jar encode|decode [OPTIONS]",
        subcommands = {EncodeCommand.class, DecodeCommand.class, CommandLine.HelpCommand.class})
public final class ClusterJobMain {

    public static void main(String[] args) throws Exception {
        run(args);
    }

    /** Runs one command; throws its failure, or an {@link IllegalStateException} for a non-zero exit code. */
    static void run(String... args) throws Exception {
        Exception[] failure = new Exception[1];
        CommandLine cl = new CommandLine(new ClusterJobMain())
                .setCaseInsensitiveEnumValuesAllowed(true)
                .setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
                    failure[0] = ex;
                    return commandLine.getCommandSpec().exitCodeOnExecutionException();
                });
        int code = cl.execute(args);
        if (failure[0] != null) {
            throw failure[0];
        }
        if (code != 0) {
            throw new IllegalStateException("hde-job " + (args.length == 0 ? "" : args[0]) + ": exit code " + code + " (see the output above)");
        }
    }
}
