package dev.hde.job.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hde.producer.cli.ProducerCli;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/** What the README and docs/configuration.md say about the command lines is what they do. */
class DocsAreTrueTest {

    private static final Path ROOT = Path.of("..");

    private static String read(String file) throws Exception {
        return Files.readString(ROOT.resolve(file));
    }

    /** Each row of docs/configuration.md with a flag and a single default: the flag's --help says the same default. */
    @Test
    void defaultsInConfigurationMdAreTheDefaultsInHelp() throws Exception {
        CommandLine hde = HdeCli.commandLine();
        Pattern row = Pattern.compile("(?m)^\\| [^|]* \\| `(--[a-z-]+)`([^|]*) \\| `([^`]+)` \\|");
        Matcher m = row.matcher(read("docs/configuration.md"));
        List<String> wrong = new ArrayList<>();
        int compared = 0;
        while (m.find()) {
            String flag = m.group(1);
            String documented = m.group(3);
            List<String> commands = m.group(2).contains("(encode)") ? List.of("encode")
                    : m.group(2).contains("(decode)") ? List.of("decode") : List.of("encode", "decode", "replay");
            for (String command : commands) {
                OptionSpec o = hde.getSubcommands().get(command).getCommandSpec().findOption(flag);
                if (o == null) {
                    continue;
                }
                String help = String.join(" ", o.description()).replace("${DEFAULT-VALUE}", String.valueOf(o.defaultValue()));
                Matcher d = Pattern.compile("\\(default: ([^)]+)\\)").matcher(help);
                if (d.find()) {
                    compared++;
                    // the help's default may say more ("0 = no limit", "hde-encoder for encode, hde-decoder for decode")
                    if (!Pattern.compile("(^|[ ,])" + Pattern.quote(documented) + "($|[ ,;])").matcher(d.group(1).trim()).find()) {
                        wrong.add("hde " + command + " " + flag + ": --help says " + d.group(1).trim() + ", docs/configuration.md " + documented);
                    }
                }
            }
        }
        assertThat(compared).as("rows compared").isGreaterThan(10);
        assertThat(wrong).isEmpty();
    }

    @Test
    void theReadmeSaysWhichOperatorsAreBuilt() throws Exception {
        String row = read("README.md").lines().filter(l -> l.startsWith("| `operators` |")).findFirst().orElseThrow();
        assertThat(row).doesNotContain("not built");
        for (String built : List.of("SelectorTrainerFunction:selector trainer", "DictionaryTrainerFunction:dictionary trainer",
                "CatalogMergerFunction:catalog merger", "PageUpdateValidator:validator")) {
            String[] p = built.split(":");
            Class.forName("dev.hde.operators." + p[0]);
            assertThat(row).as("README's operators row names the built %s", p[1]).contains(p[1]);
        }
    }

    /** The README's commands are commands, and every command of both command lines is in the README. */
    @Test
    void theReadmeNamesEveryCommandAndOnlyCommands() throws Exception {
        String readme = read("README.md");
        Set<String> hde = new LinkedHashSet<>(HdeCli.commandLine().getSubcommands().keySet());
        Set<String> producer = new LinkedHashSet<>(new CommandLine(new ProducerCli()).getSubcommands().keySet());
        hde.remove("help");
        producer.remove("help");
        checkCommands(readme, "bin/hde ", hde);
        checkCommands(readme, "bin/hde-producer ", producer);
        for (String c : hde) {
            assertThat(readme).as("README mentions hde %s", c).contains("`" + c + "`");
        }
        for (String c : List.of("capture", "images", "synthetic")) {
            assertThat(readme).contains("bin/hde-producer " + c);
        }
    }

    private static void checkCommands(String text, String prefix, Set<String> commands) {
        Matcher m = Pattern.compile(Pattern.quote(prefix) + "([a-z][a-z-]*)").matcher(text);
        while (m.find()) {
            assertThat(commands).as("'%s%s' in the README", prefix, m.group(1)).contains(m.group(1));
        }
    }

    /** The JSON line of a producer round, as the READMEs show it, has the fields the producer prints, in order. */
    @Test
    void theProducersJsonLineInTheReadmesIsWhatItPrints() throws Exception {
        StringWriter out = new StringWriter();
        int code = ProducerCli.run(new PrintWriter(out), new PrintWriter(new StringWriter()), "synthetic", "--dry-run", "--rounds", "1", "--vms", "1",
                "--regions", "1", "--region-pages", "4");
        assertThat(code).isZero();
        List<String> printed = keys(out.toString().strip());
        for (String file : List.of("README.md", "producer/README.md")) {
            Matcher m = Pattern.compile("(?m)^\\{\"round\":.*\\}$").matcher(read(file));
            int lines = 0;
            while (m.find()) {
                lines++;
                assertThat(keys(m.group())).as("%s: %s", file, m.group()).isEqualTo(printed);
            }
            assertThat(lines).as("JSON lines in %s", file).isPositive();
        }
    }

    private static List<String> keys(String json) {
        List<String> keys = new ArrayList<>();
        Matcher m = Pattern.compile("\"([a-z_]+)\":").matcher(json);
        while (m.find()) {
            keys.add(m.group(1));
        }
        return keys;
    }
}
