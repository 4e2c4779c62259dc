package dev.hde.producer;

import java.util.Locale;

/** Totals over the rounds of a run. */
public record RunStats(int rounds, long pagesScanned, long pagesRead, long pagesChanged, long events, long deletes, long bytes,
        long unreadablePages, long nanos, long resyncs) {

    public static final RunStats EMPTY = new RunStats(0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

    public RunStats plus(RoundStats r) {
        return new RunStats(rounds + 1, pagesScanned + r.pagesScanned(), pagesRead + r.pagesRead(), pagesChanged + r.pagesChanged(),
                events + r.events(), deletes + r.deletes(), bytes + r.bytes(), unreadablePages + r.unreadablePages(), nanos + r.nanos(),
                resyncs + r.resyncs());
    }

    public String toJson() {
        return String.format(Locale.ROOT,
                "{\"rounds\":%d,\"pages_scanned\":%d,\"pages_changed\":%d,\"bytes\":%d,\"events\":%d,\"deletes\":%d,"
                        + "\"pages_read\":%d,\"unreadable_pages\":%d,\"resyncs\":%d,\"millis\":%d}",
                rounds, pagesScanned, pagesChanged, bytes, events, deletes, pagesRead, unreadablePages, resyncs, nanos / 1_000_000);
    }
}
