package dev.hde.producer;

import dev.hde.codec.Limits;
import dev.hde.codec.wire.EventKind;
import dev.hde.codec.wire.PageUpdateEvent;
import dev.hde.codec.wire.PageUpdateEventFormat;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * What a reader of the page-update topic knows after applying the events in order: each state
 * key's region, page by page (pages never written are zeros). Tests (and the job's end-to-end test)
 * use it as the model to compare captured memory and decoded frames with. It refuses events out of
 * order: each key's sequence numbers must increase.
 */
public final class RegionImages {

    private static final class Image {
        byte[][] pages = new byte[0][];
        int pageSize;
        long sequence;
    }

    private final Map<String, Image> images = new LinkedHashMap<>();
    private final Map<String, Long> lastSequence = new LinkedHashMap<>();
    private long gaps;

    /** Parses (checking CRC and limits) and applies an event in the wire format. */
    public PageUpdateEvent apply(byte[] wire) {
        PageUpdateEvent e = PageUpdateEventFormat.parse(wire, Limits.DEFAULT);
        apply(e);
        return e;
    }

    public void apply(PageUpdateEvent e) {
        Long last = lastSequence.get(e.stateKey());
        if (last != null && e.sequence() <= last) {
            throw new IllegalStateException(e.stateKey() + ": event " + e.sequence() + " after " + last + " (out of order or duplicate)");
        }
        if (last != null && e.sequence() != last + 1) {
            gaps++;
        }
        lastSequence.put(e.stateKey(), e.sequence());
        if (e.kind() == EventKind.DELETE) {
            images.remove(e.stateKey());
            return;
        }
        Image image = images.computeIfAbsent(e.stateKey(), k -> new Image());
        if (e.kind() == EventKind.REGION || image.pageSize != e.pageSize()) {
            image.pages = new byte[0][];
            image.pageSize = e.pageSize();
        }
        int old = image.pages.length;
        image.pages = Arrays.copyOf(image.pages, e.regionPages());
        for (int i = old; i < image.pages.length; i++) {
            image.pages[i] = new byte[e.pageSize()];
        }
        for (int j = 0; j < e.indices().length; j++) {
            image.pages[e.indices()[j]] = e.pages()[j].clone();
        }
        image.sequence = e.sequence();
    }

    /** The keys held now (deleted ones are gone), sorted. */
    public Set<String> keys() {
        return new TreeSet<>(images.keySet());
    }

    public boolean holds(String key) {
        return images.containsKey(key);
    }

    /** The region's pages end to end; null when the key is not held. */
    public byte[] image(String key) {
        Image image = images.get(key);
        if (image == null) {
            return null;
        }
        byte[] out = new byte[image.pages.length * image.pageSize];
        for (int i = 0; i < image.pages.length; i++) {
            System.arraycopy(image.pages[i], 0, out, i * image.pageSize, image.pageSize);
        }
        return out;
    }

    public int regionPages(String key) {
        Image image = images.get(key);
        return image == null ? 0 : image.pages.length;
    }

    /** The last sequence number applied for the key (also after its DELETE); 0 when none. */
    public long lastSequence(String key) {
        return lastSequence.getOrDefault(key, 0L);
    }

    /** How many times a key's sequence jumped by more than one (events missing, or a restarted producer). */
    public long gaps() {
        return gaps;
    }
}
