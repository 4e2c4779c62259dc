package dev.hde.producer;

import java.util.Locale;

/**
 * What one round did.
 *
 * @param pagesScanned pages of memory the round covered
 * @param pagesRead pages read and hashed (fewer than scanned when soft-dirty bits narrowed the reads)
 * @param pagesChanged pages carried by the round's events (a region's first event carries all its pages)
 * @param events events published, deletes included
 * @param deletes DELETE events (regions gone)
 * @param bytes wire bytes of the events (what goes to Kafka, record keys and headers aside)
 * @param unreadablePages pages that could not be read and were taken as zeros
 * @param nanos the round's time, scan and publishing (acknowledgements included)
 * @param resyncs whole regions this round sends because the encoder asked for them (resync requests taken)
 */
public record RoundStats(int round, long pagesScanned, long pagesRead, long pagesChanged, long events, long deletes, long bytes,
        long unreadablePages, long nanos, long resyncs) {

    /** The round as one JSON line: {@code {"round":…,"pages_scanned":…,"pages_changed":…,"bytes":…,…}}. */
    public String toJson() {
        return String.format(Locale.ROOT,
                "{\"round\":%d,\"pages_scanned\":%d,\"pages_changed\":%d,\"bytes\":%d,\"events\":%d,\"deletes\":%d,"
                        + "\"pages_read\":%d,\"unreadable_pages\":%d,\"resyncs\":%d,\"millis\":%d}",
                round, pagesScanned, pagesChanged, bytes, events, deletes, pagesRead, unreadablePages, resyncs, nanos / 1_000_000);
    }
}
