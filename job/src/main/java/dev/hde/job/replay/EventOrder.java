package dev.hde.job.replay;

import dev.hde.codec.Limits;
import dev.hde.codec.wire.PageUpdateEventFormat;
import dev.hde.operators.ValidEvent;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** A region's buffered events in the producer's sequence order (stable for equal sequences: those are duplicates). */
final class EventOrder {

    private EventOrder() {}

    private record Entry(long sequence, int arrival, byte[] bytes) {}

    static List<byte[]> inSequence(Iterable<ValidEvent> events, Limits limits) {
        List<Entry> entries = new ArrayList<>();
        for (ValidEvent e : events) {
            entries.add(new Entry(PageUpdateEventFormat.check(e.bytes, limits).sequence(), entries.size(), e.bytes));
        }
        entries.sort(Comparator.comparingLong(Entry::sequence).thenComparingInt(Entry::arrival));
        List<byte[]> out = new ArrayList<>(entries.size());
        for (Entry e : entries) {
            out.add(e.bytes());
        }
        return out;
    }
}
