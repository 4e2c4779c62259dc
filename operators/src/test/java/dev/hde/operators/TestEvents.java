package dev.hde.operators;

import dev.hde.codec.Pages;
import dev.hde.codec.wire.PageUpdateEvent;
import java.util.Random;

/** Page-update events of text-like regions for encoder tests: a whole region, then edits of what it holds. */
final class TestEvents {

    private TestEvents() {}

    /** A whole region of {@code pages} text pages of {@code 1 << shift} bytes, captured at {@code time}. */
    static PageUpdateEvent textRegion(Random r, String key, int shift, int pages, long seq, long time) {
        byte[][] content = new byte[pages][];
        for (int i = 0; i < pages; i++) {
            content[i] = TestPages.text(r, 1 << shift);
        }
        return PageUpdateEvent.region(key, shift, seq, time, content);
    }

    /** {@code count} distinct pages of the region {@code m} holds, edited (new text where a page is zero). */
    static PageUpdateEvent edits(Random r, RegionModel m, String key, int shift, long seq, long time, int count) {
        int[] indices = r.ints(0, m.regionPages()).distinct().limit(count).sorted().toArray();
        byte[][] pages = new byte[indices.length][];
        for (int i = 0; i < indices.length; i++) {
            byte[] old = m.page(indices[i]);
            pages[i] = Pages.isZero(old) ? TestPages.text(r, 1 << shift) : TestPages.edited(r, old);
        }
        return PageUpdateEvent.pages(key, shift, m.regionPages(), seq, time, indices, pages);
    }
}
