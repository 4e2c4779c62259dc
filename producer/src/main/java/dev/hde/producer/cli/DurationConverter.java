package dev.hde.producer.cli;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Durations: {@code 500ms}, {@code 10s}, {@code 5m}, {@code 1h} or ISO-8601 ({@code PT10S}); a bare number is seconds. */
public final class DurationConverter implements ITypeConverter<Duration> {

    private static final Pattern SIMPLE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|min|h)?");

    @Override
    public Duration convert(String value) {
        Matcher m = SIMPLE.matcher(value.trim().toLowerCase(Locale.ROOT));
        if (m.matches()) {
            double n = Double.parseDouble(m.group(1));
            String unit = m.group(2) == null ? "s" : m.group(2);
            double ms = switch (unit) {
                case "ms" -> n;
                case "s" -> n * 1e3;
                case "m", "min" -> n * 60e3;
                default -> n * 3600e3;
            };
            return Duration.ofNanos(Math.round(ms * 1e6));
        }
        try {
            return Duration.parse(value.trim().toUpperCase(Locale.ROOT));
        } catch (RuntimeException e) {
            throw new TypeConversionException("not a duration: '" + value + "' (examples: 500ms, 1s, 5m, PT10S)");
        }
    }

    public static String format(Duration d) {
        long ms = d.toMillis();
        if (ms != 0 && ms % 60_000 == 0) {
            return ms / 60_000 + "m";
        }
        if (ms % 1000 == 0) {
            return ms / 1000 + "s";
        }
        return ms + "ms";
    }

    /** A duration above zero (a timeout). */
    public static final class Positive implements ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            Duration d = new DurationConverter().convert(value);
            if (d.isZero() || d.isNegative()) {
                throw new TypeConversionException("must be longer than 0, not " + value.trim());
            }
            return d;
        }
    }
}
