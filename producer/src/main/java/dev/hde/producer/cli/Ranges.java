package dev.hde.producer.cli;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Numbers checked when the command line is parsed, so that {@code --vms -1} or
 * {@code --dirty-rate 2} is a usage error (exit code 2, one line) before anything runs. Use as
 * {@code @Option(..., converter = Ranges.AtLeastOne.class)}; the field may be the primitive or
 * its box.
 */
public final class Ranges {

    private Ranges() {}

    static long whole(String value) {
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw new TypeConversionException("must be a whole number, not '" + value + "'");
        }
    }

    static double real(String value) {
        try {
            double d = Double.parseDouble(value.trim());
            if (Double.isNaN(d) || Double.isInfinite(d)) {
                throw new NumberFormatException();
            }
            return d;
        } catch (NumberFormatException e) {
            throw new TypeConversionException("must be a number, not '" + value + "'");
        }
    }

    static long within(String value, long min, long max) {
        long v = whole(value);
        if (v < min || v > max) {
            throw new TypeConversionException(max == Integer.MAX_VALUE || max == Long.MAX_VALUE
                    ? "must be at least " + min + ", not " + value.trim()
                    : "must be from " + min + " to " + max + ", not " + value.trim());
        }
        return v;
    }

    /** A count of 1 or more (VMs, regions, pages, partitions, parallelism, a process id). */
    public static final class AtLeastOne implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String value) {
            return (int) within(value, 1, Integer.MAX_VALUE);
        }
    }

    /** A count of 0 or more (rounds where 0 means "until stopped", restart attempts, a period where 0 means never). */
    public static final class NonNegative implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String value) {
            return (int) within(value, 0, Integer.MAX_VALUE);
        }
    }

    /** A {@code long} of 1 or more (a first sequence number, a generation). */
    public static final class AtLeastOneLong implements ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            return within(value, 1, Long.MAX_VALUE);
        }
    }

    /** A TCP port, 0 (any free one) to 65535. */
    public static final class Port implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String value) {
            return (int) within(value, 0, 65_535);
        }
    }

    /** A Kafka replication factor, 1 to 32767. */
    public static final class ReplicationFactor implements ITypeConverter<Short> {
        @Override
        public Short convert(String value) {
            return (short) within(value, 1, Short.MAX_VALUE);
        }
    }

    /** A share of something, from 0 to 1 (a dirty rate, an exploration rate). */
    public static final class Share implements ITypeConverter<Double> {
        @Override
        public Double convert(String value) {
            double d = real(value);
            if (d < 0 || d > 1) {
                throw new TypeConversionException("must be from 0 to 1, not " + value.trim());
            }
            return d;
        }
    }

    /** A number above 0 (seconds to measure for). */
    public static final class Positive implements ITypeConverter<Double> {
        @Override
        public Double convert(String value) {
            double d = real(value);
            if (d <= 0) {
                throw new TypeConversionException("must be above 0, not " + value.trim());
            }
            return d;
        }
    }

    /** A number of 0 or more (a rate where 0 means no limit). */
    public static final class NonNegativeReal implements ITypeConverter<Double> {
        @Override
        public Double convert(String value) {
            double d = real(value);
            if (d < 0) {
                throw new TypeConversionException("must be 0 or more, not " + value.trim());
            }
            return d;
        }
    }
}
