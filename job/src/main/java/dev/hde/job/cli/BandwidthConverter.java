package dev.hde.job.cli;

import java.math.BigDecimal;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Parses link bandwidths in bit/s with decimal units: {@code 1000000}, {@code 100M}, {@code 2.5G}, {@code 10Gbit/s}, {@code 1gbps}. */
public final class BandwidthConverter implements ITypeConverter<Long> {

    private static final Pattern RATE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([kmgt]?)\\s*(bit/s|bps|b/s)?");

    @Override
    public Long convert(String value) {
        Matcher m = RATE.matcher(value.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new TypeConversionException("not a bandwidth: '" + value + "' (examples: 100M, 2.5G, 10Gbit/s)");
        }
        long unit = switch (m.group(2)) {
            case "k" -> 1_000L;
            case "m" -> 1_000_000L;
            case "g" -> 1_000_000_000L;
            case "t" -> 1_000_000_000_000L;
            default -> 1L;
        };
        try {
            return new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(unit)).longValueExact();
        } catch (ArithmeticException e) {
            throw new TypeConversionException("not a whole number of bit/s: " + value);
        }
    }
}
