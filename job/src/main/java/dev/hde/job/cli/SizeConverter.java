package dev.hde.job.cli;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Parses byte sizes such as {@code 4096}, {@code 64K}, {@code 2M}, {@code 2MiB} (binary units). */
public final class SizeConverter implements ITypeConverter<Long> {

    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*([kmg]?)(i?b)?");

    @Override
    public Long convert(String value) {
        Matcher m = SIZE.matcher(value.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new TypeConversionException("not a size: '" + value + "' (examples: 4096, 64K, 2M, 2MiB)");
        }
        long n = Long.parseLong(m.group(1));
        int shift = switch (m.group(2)) {
            case "k" -> 10;
            case "m" -> 20;
            case "g" -> 30;
            default -> 0;
        };
        if (n > (Long.MAX_VALUE >> shift)) {
            throw new TypeConversionException("size too large: " + value);
        }
        return n << shift;
    }

    /** A memory budget: a size of at least 1 MiB. */
    public static final class AtLeastOneMebibyte implements ITypeConverter<Long> {

        @Override
        public Long convert(String value) {
            long n = new SizeConverter().convert(value);
            if (n < 1 << 20) {
                throw new TypeConversionException("'" + value + "' is less than 1MiB");
            }
            return n;
        }
    }
}
