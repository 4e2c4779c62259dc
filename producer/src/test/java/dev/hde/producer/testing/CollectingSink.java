package dev.hde.producer.testing;

import dev.hde.codec.wire.EventKind;
import dev.hde.codec.wire.PageUpdateEvent;
import dev.hde.producer.EventSink;
import dev.hde.producer.RegionImages;
import java.util.ArrayList;
import java.util.List;

/** Keeps every event (and applies it to a {@link RegionImages} model, as a reader of the topic would). */
public final class CollectingSink implements EventSink {

    public final List<PageUpdateEvent> events = new ArrayList<>();
    public final RegionImages model = new RegionImages();
    private int mark;

    @Override
    public void publish(PageUpdateEvent event, byte[] wire) {
        events.add(event);
        model.apply(wire);
    }

    /** The events since the last call. */
    public List<PageUpdateEvent> drain() {
        List<PageUpdateEvent> out = new ArrayList<>(events.subList(mark, events.size()));
        mark = events.size();
        return out;
    }

    public static long count(List<PageUpdateEvent> events, EventKind kind) {
        return events.stream().filter(e -> e.kind() == kind).count();
    }
}
