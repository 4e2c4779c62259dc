package dev.hde.job.cli;

import dev.hde.job.config.HdeJobConfig;
import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** {@code in-band} or {@code on-arrival} (either case, {@code _} for {@code -} too). */
public final class SelectorModelsConverter implements ITypeConverter<HdeJobConfig.SelectorModels> {

    @Override
    public HdeJobConfig.SelectorModels convert(String value) {
        return switch (value.trim().toLowerCase(Locale.ROOT).replace('_', '-')) {
            case "in-band" -> HdeJobConfig.SelectorModels.IN_BAND;
            case "on-arrival" -> HdeJobConfig.SelectorModels.ON_ARRIVAL;
            default -> throw new TypeConversionException("in-band or on-arrival, not '" + value + "'");
        };
    }
}
