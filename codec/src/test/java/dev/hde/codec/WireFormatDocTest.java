package dev.hde.codec;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** docs/wire-format.md's table of refusals names exactly the error kinds the codec has. */
class WireFormatDocTest {

    @Test
    void theRefusalTableListsEveryKindAndNoOther() throws Exception {
        String doc = Files.readString(Path.of("..", "docs", "wire-format.md"));
        int start = doc.indexOf("## Which error each refusal raises");
        assertThat(start).as("the section of refusals").isPositive();
        String section = doc.substring(start, doc.indexOf("\n## ", start + 1));
        Set<String> documented = new LinkedHashSet<>();
        Matcher m = Pattern.compile("(?m)^\\| `([A-Z_]+)` \\|").matcher(section);
        while (m.find()) {
            documented.add(m.group(1));
        }
        Set<String> kinds = new LinkedHashSet<>(Arrays.stream(HdeException.Kind.values()).map(Enum::name).toList());
        assertThat(documented).containsExactlyInAnyOrderElementsOf(kinds);
    }
}
