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

    /** The producer's region digest of the image (what its events carry). */
    long digest() {
        long d = 0;
        for (int i = 0; i < regionPages(); i++) {
            d ^= dev.hde.codec.PageHash.of(i, image, i * pageSize(), pageSize());
        }
        return d;
    }

    /** Lays the event on the image and returns it with the producer's digest after it (a version 2 event). */
    PageUpdateEvent applyWithDigest(PageUpdateEvent e) {
        apply(e);
        return e.withDigest(e.kind() == dev.hde.codec.wire.EventKind.DELETE ? 0 : digest());
    }

    byte[] page(int index) {
        return Arrays.copyOfRange(image, index * pageSize(), (index + 1) * pageSize());
    }
}
