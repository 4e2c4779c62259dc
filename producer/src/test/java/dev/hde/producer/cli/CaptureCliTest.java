package dev.hde.producer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hde.producer.testing.ChildProcess;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code hde-producer capture} as a newcomer runs it, on a process the test started. */
class CaptureCliTest {

    private static final Pattern ROUND = Pattern.compile(
            "\\{\"round\":(\\d+),\"pages_scanned\":(\\d+),\"pages_changed\":(\\d+),\"bytes\":(\\d+),\"events\":\\d+,\"deletes\":\\d+,"
                    + "\"pages_read\":\\d+,\"unreadable_pages\":\\d+,\"resyncs\":\\d+,\"millis\":\\d+}");

    private static ChildProcess child;

    @BeforeAll
    static void start() throws Exception {
        child = ChildProcess.start(4L << 20);
    }

    @AfterAll
    static void stop() {
        if (child != null) {
            child.close();
        }
    }

    private record Run(int code, String out, String err) {}

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = ProducerCli.run(new PrintWriter(out), new PrintWriter(err), args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void dryRunOnAProcessWithTheDefaultSelectionPrintsOneJsonLinePerRound() {
        Run r = run("capture", "--pid", Integer.toString(child.pid()), "--dry-run", "--rounds", "3", "--interval", "100ms");
        assertThat(r.code()).as(r.err()).isZero();
        List<String> lines = r.out().lines().toList();
        assertThat(lines).hasSize(3);
        for (int i = 0; i < 3; i++) {
            Matcher m = ROUND.matcher(lines.get(i));
            assertThat(m.matches()).as(lines.get(i)).isTrue();
            assertThat(m.group(1)).isEqualTo(Integer.toString(i));
            // A JVM: its heap, stacks and our 4 MiB file at least.
            assertThat(Long.parseLong(m.group(2))).isGreaterThan(1024);
        }
        Matcher first = ROUND.matcher(lines.get(0));
        assertThat(first.matches()).isTrue();
        assertThat(first.group(3)).isEqualTo(first.group(2)); // round 0 sends every page
        assertThat(r.err()).contains("process " + child.pid()).contains("soft-dirty").contains("3 rounds")
                .contains("dry run: nothing published");
    }

    @Test
    void theMappingOfTheFileAloneIsFourMiB() {
        Run r = run("capture", "-p", Integer.toString(child.pid()), "--name", child.nameRegex(), "--dry-run", "-n", "2", "-i", "0", "-q");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out().lines().toList()).hasSize(2).allMatch(l -> l.contains("\"pages_scanned\":1024,"));
        assertThat(r.out().lines().toList().get(1)).contains("\"pages_changed\":0,\"bytes\":0,");
    }

    @Test
    void listMarksTheSelectedMappings() {
        Run r = run("capture", "--pid", Integer.toString(child.pid()), "--list", "--name", child.nameRegex());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("* ").contains(child.file().toString()).contains("1 of ");
    }

    @Test
    void noSuchProcessExitsWith4AndSaysSo() {
        Run r = run("capture", "--pid", "2147483646", "--dry-run", "-n", "1");
        assertThat(r.code()).isEqualTo(ExitCodes.NO_PROCESS);
        assertThat(r.err()).contains("no process 2147483646");
    }

    @Test
    void aSelectionThatMatchesNothingListsTheMappings() {
        Run r = run("capture", "--pid", Integer.toString(child.pid()), "--name", "no-such-mapping", "--dry-run", "-n", "1");
        assertThat(r.code()).isEqualTo(ExitCodes.NO_PROCESS);
        assertThat(r.err()).contains("matches the selection").contains("[heap]").contains("--name REGEX");
    }

    @Test
    void badArgumentsAreUsageErrors() {
        assertThat(run("capture", "--dry-run").code()).isEqualTo(ExitCodes.USAGE); // no --pid
        assertThat(run("capture", "--pid", "1", "--region-size", "3000", "--dry-run").code()).isEqualTo(ExitCodes.USAGE);
        assertThat(run("capture", "--pid", "1", "--region-size", "512MiB", "--dry-run").code()).isEqualTo(ExitCodes.USAGE);
        assertThat(run("capture", "--pid", "1", "--interval", "soon", "--dry-run").code()).isEqualTo(ExitCodes.USAGE);
        assertThat(run("capture", "--pid", "1", "--soft-dirty", "maybe", "--dry-run").code()).isEqualTo(ExitCodes.USAGE);
        assertThat(run("images", "/no/such/dir", "--dry-run").code()).isEqualTo(ExitCodes.FAILED);
    }
}
