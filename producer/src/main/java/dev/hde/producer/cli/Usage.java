package dev.hde.producer.cli;

import java.util.function.Supplier;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/** Settings made from options: their refusals ({@link IllegalArgumentException}) are usage errors of the command. */
public final class Usage {

    private Usage() {}

    /** Builds with {@code build}; an {@link IllegalArgumentException} becomes a usage error (exit code 2, its message on one line). */
    public static <T> T check(CommandSpec spec, Supplier<T> build) {
        try {
            return build.get();
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage() == null ? e.toString() : e.getMessage(), e);
        }
    }
}
