package dev.hde.producer.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.TypeConversionException;

class ConvertersTest {

    @Test
    void sizes() {
        SizeConverter c = new SizeConverter();
        assertThat(c.convert("4096")).isEqualTo(4096);
        assertThat(c.convert("4K")).isEqualTo(4096);
        assertThat(c.convert("2MiB")).isEqualTo(2 << 20);
        assertThat(c.convert("1g")).isEqualTo(1L << 30);
        assertThat(SizeConverter.format(2 << 20)).isEqualTo("2MiB");
        assertThat(SizeConverter.format(4100)).isEqualTo("4100B");
        assertThatThrownBy(() -> c.convert("lots")).isInstanceOf(TypeConversionException.class);
    }

    @Test
    void durations() {
        DurationConverter c = new DurationConverter();
        assertThat(c.convert("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(c.convert("1.5s")).isEqualTo(Duration.ofMillis(1500));
        assertThat(c.convert("2")).isEqualTo(Duration.ofSeconds(2));
        assertThat(c.convert("5m")).isEqualTo(Duration.ofMinutes(5));
        assertThat(c.convert("PT10S")).isEqualTo(Duration.ofSeconds(10));
        assertThatThrownBy(() -> c.convert("soon")).isInstanceOf(TypeConversionException.class);
    }
}
