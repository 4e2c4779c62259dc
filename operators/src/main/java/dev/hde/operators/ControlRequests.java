package dev.hde.operators;

import dev.hde.codec.wire.ControlRequestFormat;

/** Tells a control request ({@code HDEQ}) from a page-update event in the encoder's keyed input, by its magic. */
final class ControlRequests {

    private ControlRequests() {}

    static boolean isControlRequest(byte[] b) {
        return b != null && b.length >= 4
                && ((b[0] & 0xFF) | (b[1] & 0xFF) << 8 | (b[2] & 0xFF) << 16 | (b[3] & 0xFF) << 24) == ControlRequestFormat.MAGIC;
    }
}
