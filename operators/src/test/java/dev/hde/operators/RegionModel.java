package dev.hde.operators;

import dev.hde.codec.wire.PageUpdateEvent;
import java.util.Arrays;

/**
 * What the encoder should hold as the reference image of one region, computed independently of
 * it: page updates laid onto a flat image, resized with the region.
 */
final class RegionModel {

    int pageShift;
    byte[] image = new byte[0];

    RegionModel(int pageShift) {
        this.pageShift = pageShift;
    }

    int pageSize() {
        return 1 << pageShift;
    }

    int regionPages() {
        return image.length / pageSize();
    }

    /** Lays the event's pages on the image; a new page size starts from an empty region. */
    void apply(PageUpdateEvent e) {
        if (e.pageShift() != pageShift) {
            pageShift = e.pageShift();
            image = new byte[0];
        }
        int ps = pageSize();
        image = Arrays.copyOf(image, e.regionPages() * ps);
        for (int i = 0; i < e.indices().length; i++) {
            System.arraycopy(e.pages()[i], 0, image, e.indices()[i] * ps, ps);
        }
    }

    byte[] page(int index) {
        return Arrays.copyOfRange(image, index * pageSize(), (index + 1) * pageSize());
    }
}
