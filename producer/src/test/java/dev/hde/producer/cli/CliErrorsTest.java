package dev.hde.producer.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hde.codec.trace.ImageInputException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.Callable;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/** One way to fail: the handler's lines and exit codes, the ranges, and the Kafka check without a broker. */
class CliErrorsTest {

    @Command(name = "tool", subcommands = Failing.class)
    static final class Tool {}

    @Command(name = "fail")
    static final class Failing implements Callable<Integer> {
        @Option(names = "--count", converter = Ranges.AtLeastOne.class)
        int count = 1;

        @Option(names = "--what")
        String what = "";

        @Option(names = "--verbose")
        boolean verbose;

        @Override
        public Integer call() throws Exception {
            switch (what) {
                case "input" -> throw new UncheckedIOException(new ImageInputException("dir: no such directory"));
                case "user" -> throw new UserError(ExitCodes.NO_PERMISSION, "not allowed\nat all");
                case "sasl" -> throw new RuntimeException("wrapped", new SaslAuthenticationException("bad password"));
                case "bug" -> throw new IllegalStateException("a bug");
                default -> {
                    return 0;
                }
            }
        }
    }

    record Run(int code, String err) {}

    private static Run run(String... args) {
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new Tool());
        cl.setErr(new PrintWriter(err));
        new CliErrors(Set.of("--verbose"), null, java.nio.file.Path.of("/tmp/tool.log")).install(cl);
        return new Run(cl.execute(args), err.toString());
    }

    @Test
    void everyErrorIsOneLineWithItsExitCode() {
        assertThat(run("fail", "--count", "0")).isEqualTo(new Run(2, "tool fail: --count must be at least 1, not 0 (see tool fail --help)\n"));
        assertThat(run("fail", "--what", "input")).isEqualTo(new Run(2, "tool fail: dir: no such directory\n"));
        assertThat(run("fail", "--what", "user")).isEqualTo(new Run(3, "tool fail: not allowed; at all\n"));
        assertThat(run("fail", "--what", "sasl")).isEqualTo(new Run(3, "tool fail: Kafka: refused the credentials: bad password\n"));
        assertThat(run("fial")).isEqualTo(new Run(2, "tool: unknown command 'fial'; the commands are fail (see tool --help)\n"));
        Run bug = run("fail", "--what", "bug");
        assertThat(bug.code()).isEqualTo(1);
        assertThat(bug.err()).isEqualTo("tool fail: failed: IllegalStateException: a bug (stack trace: rerun with --verbose, or see /tmp/tool.log)\n");
    }

    @Test
    void verboseAddsTheStackTrace() {
        Run r = run("fail", "--what", "bug", "--verbose");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).startsWith("tool fail: failed: IllegalStateException: a bug\njava.lang.IllegalStateException: a bug\n\tat ");
    }

    @Test
    void rangesRefuseWhatIsOutside() {
        assertThat(new Ranges.AtLeastOne().convert(" 3")).isEqualTo(3);
        assertThat(new Ranges.Share().convert("0.5")).isEqualTo(0.5);
        assertThat(new Ranges.Port().convert("0")).isZero();
        assertThatThrownBy(() -> new Ranges.Share().convert("1.01")).isInstanceOf(TypeConversionException.class).hasMessage("must be from 0 to 1, not 1.01");
        assertThatThrownBy(() -> new Ranges.Share().convert("NaN")).isInstanceOf(TypeConversionException.class);
        assertThatThrownBy(() -> new Ranges.NonNegative().convert("-1")).hasMessage("must be at least 0, not -1");
        assertThatThrownBy(() -> new Ranges.AtLeastOne().convert("99999999999")).isInstanceOf(TypeConversionException.class);
        assertThatThrownBy(() -> new Ranges.Port().convert("65536")).hasMessage("must be from 0 to 65535, not 65536");
        assertThatThrownBy(() -> new Ranges.Positive().convert("0")).hasMessage("must be above 0, not 0");
    }

    @Test
    void kafkaCheckTellsRefusedFromSilentFromUnknown() throws Exception {
        Properties p = new Properties();
        p.setProperty("bootstrap.servers", "127.0.0.1:1");
        assertThatThrownBy(() -> KafkaConnectivity.check(p, Duration.ofSeconds(5))).isInstanceOfSatisfying(UserError.class, e -> {
            assertThat(e.exitCode()).isEqualTo(ExitCodes.UNREACHABLE);
            assertThat(e.getMessage()).isEqualTo("Kafka at 127.0.0.1:1 (PLAINTEXT): connection refused; is a broker listening there?");
        });
        p.setProperty("bootstrap.servers", "kafka.invalid:9092,127.0.0.1:1");
        assertThatThrownBy(() -> KafkaConnectivity.check(p, Duration.ofSeconds(5))).hasMessage("Kafka at kafka.invalid:9092,127.0.0.1:1 (PLAINTEXT): "
                + "no broker answered: kafka.invalid:9092 unknown host 'kafka.invalid', 127.0.0.1:1 connection refused; is a broker listening there? "
                + "is the host name right?");
        p.setProperty("bootstrap.servers", "kafka");
        assertThatThrownBy(() -> KafkaConnectivity.check(p, Duration.ofSeconds(5))).isInstanceOfSatisfying(UserError.class,
                e -> assertThat(e.exitCode()).isEqualTo(ExitCodes.USAGE));
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            p.setProperty("bootstrap.servers", "127.0.0.1:" + silent.getLocalPort());
            assertThatThrownBy(() -> KafkaConnectivity.check(p, Duration.ofSeconds(1))).isInstanceOfSatisfying(UserError.class, e -> {
                assertThat(e.exitCode()).isEqualTo(ExitCodes.UNREACHABLE);
                assertThat(e.getMessage()).contains("the port accepts connections but no Kafka answered within 1 s");
            });
        }
    }
    @Test
    void usesOfOneTopicAddUpAndKeepWhyItIsWritten() {
        KafkaConnectivity.TopicUse read = KafkaConnectivity.TopicUse.reads("t");
        KafkaConnectivity.TopicUse write = KafkaConnectivity.TopicUse.writes("t", "models in band");
        KafkaConnectivity.TopicUse both = read.and(write);
        assertThat(both.reads()).isTrue();
        assertThat(both.writes()).isTrue();
        assertThat(both.why()).isEqualTo("models in band");
        assertThat(both.and(KafkaConnectivity.TopicUse.writes("t", "frames")).why()).isEqualTo("models in band; frames");
        assertThat(both.and(write).why()).as("the same reason once").isEqualTo("models in band");
        assertThat(KafkaConnectivity.TopicUse.exists("t").and(read)).isEqualTo(read);
    }
}
