package dev.hde.producer.cli;

import dev.hde.producer.EventSink;
import dev.hde.producer.ProducerLoop;
import dev.hde.producer.RoundStats;
import dev.hde.producer.RunStats;
import java.io.PrintWriter;
import java.util.Locale;

/**
 * The terminal output of a run: one JSON line per round on stdout ({@code --dry-run}, {@code --json}),
 * a progress line on stderr (rewritten in place on a terminal, every 10 s otherwise), and the
 * statistics at the end.
 */
final class Progress implements ProducerLoop.Listener {

    private final PrintWriter out;
    private final PrintWriter err;
    private final boolean json;
    private final boolean showProgress;
    private final boolean terminal;
    private final EventSink sink;
    private final long start = System.nanoTime();
    private long lastLine;
    private boolean lineOpen;

    Progress(PrintWriter out, PrintWriter err, boolean json, boolean quiet, EventSink sink) {
        this.out = out;
        this.err = err;
        this.json = json;
        this.terminal = System.console() != null;
        // On a terminal the JSON lines are the progress; a progress line between them would garble both.
        this.showProgress = !quiet && !(json && terminal);
        this.sink = sink;
    }

    @Override
    public void roundDone(RoundStats r, RunStats total) {
        if (json) {
            out.println(r.toJson());
            out.flush();
        }
        if (!showProgress) {
            return;
        }
        long now = System.nanoTime();
        if (!terminal && now - lastLine < 10_000_000_000L && r.round() > 0) {
            return;
        }
        lastLine = now;
        double seconds = (now - start) / 1e9;
        String line = String.format(Locale.ROOT,
                "round %d: %,d pages scanned, %,d changed, %s in %,d events; total %s, %.1f MB/s%s%s",
                r.round(), r.pagesScanned(), r.pagesChanged(), mb(r.bytes()), r.events(), mb(total.bytes()),
                seconds > 0 ? total.bytes() / 1e6 / seconds : 0.0,
                sink.inFlightBytes() > 0 ? ", " + mb(sink.inFlightBytes()) + " in flight" : "",
                total.unreadablePages() > 0 ? String.format(Locale.ROOT, ", %,d pages unreadable", total.unreadablePages()) : "");
        if (terminal) {
            err.print("\r" + line + "\033[K");
            lineOpen = true;
        } else {
            err.println("hde-producer: " + line);
        }
        err.flush();
    }

    /** Ends an open progress line before other output. */
    void endLine() {
        if (lineOpen) {
            err.println();
            lineOpen = false;
        }
    }

    /** The statistics of the run. */
    void summary(RunStats t, boolean dryRun, int pageSize) {
        endLine();
        double seconds = (System.nanoTime() - start) / 1e9;
        err.printf(Locale.ROOT,
                "hde-producer: %d rounds in %.1f s: %,d pages scanned (%.1f MiB), %,d pages read, %,d pages changed, "
                        + "%,d bytes %s in %,d events (%,d deletes, %,d whole regions resent on request), %,d unreadable pages; %.1f MB/s%n",
                t.rounds(), seconds, t.pagesScanned(), t.pagesScanned() * (double) pageSize / 1048576.0, t.pagesRead(),
                t.pagesChanged(), t.bytes(), dryRun ? "prepared (dry run: nothing published)" : "sent", t.events(), t.deletes(),
                t.resyncs(), t.unreadablePages(), seconds > 0 ? t.bytes() / 1e6 / seconds : 0.0);
        err.flush();
    }

    private static String mb(long bytes) {
        return String.format(Locale.ROOT, "%.1f MB", bytes / 1e6);
    }
}
