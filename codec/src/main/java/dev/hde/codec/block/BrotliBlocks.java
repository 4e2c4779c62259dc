package dev.hde.codec.block;

import com.aayushatharva.brotli4j.Brotli4jLoader;
import com.aayushatharva.brotli4j.decoder.DecoderJNI;
import com.aayushatharva.brotli4j.encoder.Encoder;
import dev.hde.codec.HdeException;
import dev.hde.codec.HdeException.Kind;
import dev.hde.codec.wire.WireWriter;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Brotli blocks (codec 4): one RFC 7932 stream with a window no larger than the block needs, no
 * dictionary. Decoding writes into the frame's checked length and refuses a stream that would give
 * more, less, or leaves bytes after its end.
 */
final class BrotliBlocks {

    /** Brotli's smallest and largest standard window (log2 bytes); large-window streams are refused by the decoder. */
    static final int MIN_WINDOW_LOG = 10;
    static final int MAX_WINDOW_LOG = 24;

    private BrotliBlocks() {}

    private static void ensureLoaded() {
        if (!Brotli4jLoader.isAvailable()) {
            throw new HdeException(Kind.CODEC_FAILURE, "brotli is not available on this platform: " + Brotli4jLoader.getUnavailabilityCause());
        }
    }

    /** The window a block of {@code len} bytes needs: matches never reach further back than its start. */
    static int windowLog(int len) {
        int needed = 64 - Long.numberOfLeadingZeros(Math.max(1L, (long) len - 1));
        return Math.max(MIN_WINDOW_LOG, Math.min(MAX_WINDOW_LOG, needed));
    }

    static int compress(int quality, byte[] src, int off, int len, WireWriter out) {
        ensureLoaded();
        byte[] c;
        try {
            c = Encoder.compress(src, off, len, new Encoder.Parameters().setQuality(quality).setWindow(windowLog(len)));
        } catch (IOException e) {
            throw new IllegalStateException("brotli quality " + quality + " failed on " + len + " bytes", e);
        }
        out.bytes(c, 0, c.length);
        return c.length;
    }

    static void decompress(byte[] src, int off, int len, byte[] dst, int dstOff, int expectedLen) {
        ensureLoaded();
        if (len < 1) {
            throw new HdeException(Kind.CODEC_FAILURE, "empty brotli block");
        }
        DecoderJNI.Wrapper d;
        try {
            d = new DecoderJNI.Wrapper(len);
        } catch (IOException e) {
            throw new HdeException(Kind.CODEC_FAILURE, "brotli decoder could not start: " + e.getMessage(), e);
        }
        try {
            d.getInputBuffer().put(src, off, len);
            d.push(len);
            int got = 0;
            while (true) {
                switch (d.getStatus()) {
                    case DONE -> {
                        if (got != expectedLen) {
                            throw new HdeException(Kind.LENGTH_MISMATCH, "brotli block gave " + got + " bytes, expected " + expectedLen);
                        }
                        return;
                    }
                    case OK -> d.push(0);
                    case NEEDS_MORE_OUTPUT -> {
                        // Never more than the frame's checked length is asked for; a stream that wants more is refused.
                        if (got == expectedLen) {
                            throw new HdeException(Kind.LENGTH_MISMATCH, "brotli block gives more than " + expectedLen + " bytes");
                        }
                        ByteBuffer chunk = d.pull(expectedLen - got);
                        int n = chunk.remaining();
                        if (n > expectedLen - got) {
                            throw new HdeException(Kind.LENGTH_MISMATCH, "brotli block gives more than " + expectedLen + " bytes");
                        }
                        chunk.get(dst, dstOff + got, n);
                        got += n;
                    }
                    case NEEDS_MORE_INPUT -> {
                        d.push(0);
                        if (d.getStatus() == DecoderJNI.Status.NEEDS_MORE_INPUT) {
                            throw new HdeException(Kind.CODEC_FAILURE, "brotli block is cut short");
                        }
                    }
                    default -> throw new HdeException(Kind.CODEC_FAILURE, "brotli block is corrupt or has bytes after its end");
                }
            }
        } finally {
            d.destroy();
        }
    }
}
