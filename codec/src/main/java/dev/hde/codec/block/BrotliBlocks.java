package dev.hde.codec.block;

import com.aayushatharva.brotli4j.Brotli4jLoader;
import com.aayushatharva.brotli4j.decoder.DecoderJNI;
import com.aayushatharva.brotli4j.encoder.Encoder;
import com.aayushatharva.brotli4j.encoder.EncoderJNI;
import com.aayushatharva.brotli4j.encoder.PreparedDictionary;
import dev.hde.codec.HdeException;
import dev.hde.codec.HdeException.Kind;
import dev.hde.codec.wire.WireWriter;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Brotli blocks (codec 4): one RFC 7932 stream with a window no larger than the block needs. A DICT
 * block's history (the listed pages' old content) is attached on both sides as Brotli's raw compound
 * dictionary (brotli 1.1's {@code BrotliEncoderAttachPreparedDictionary} / {@code
 * BrotliDecoderAttachDictionary}): it reads as if it came just before the block's first byte
 * (docs/wire-format.md). Decoding writes into the frame's checked length and refuses a stream that
 * would give more, less, or leaves bytes after its end.
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
        return compress(quality, src, off, len, null, out);
    }

    /** @param history the bytes the stream may refer back to before its first byte (a DICT block's old pages), or null */
    static int compress(int quality, byte[] src, int off, int len, byte[] history, WireWriter out) {
        ensureLoaded();
        if (history == null || history.length == 0) {
            byte[] c;
            try {
                c = Encoder.compress(src, off, len, new Encoder.Parameters().setQuality(quality).setWindow(windowLog(len)));
            } catch (IOException e) {
                throw new IllegalStateException("brotli quality " + quality + " failed on " + len + " bytes", e);
            }
            out.bytes(c, 0, c.length);
            return c.length;
        }
        // The prepared dictionary and the encoder are native memory: both are released here, whatever happens.
        PreparedDictionary prepared = Encoder.prepareDictionary(direct(history, 0, history.length), 0);
        EncoderJNI.Wrapper w = null;
        try {
            w = new EncoderJNI.Wrapper(Math.max(1, len), quality, windowLog(len), Encoder.Mode.GENERIC);
            if (!w.attachDictionary(prepared.getData())) {
                throw new IllegalStateException("brotli would not take a history of " + history.length + " bytes");
            }
            w.getInputBuffer().put(src, off, len);
            w.push(EncoderJNI.Operation.FINISH, len);
            int start = out.position();
            while (true) {
                if (!w.isSuccess()) {
                    throw new IllegalStateException("brotli quality " + quality + " failed on " + len + " bytes with a history");
                }
                if (w.hasMoreOutput()) {
                    ByteBuffer chunk = w.pull();
                    int n = chunk.remaining();
                    int at = out.reserve(n);
                    chunk.get(out.buffer(), at, n);
                } else if (w.isFinished()) {
                    return out.position() - start;
                } else {
                    w.push(EncoderJNI.Operation.FINISH, 0);
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("brotli encoder could not start", e);
        } finally {
            if (w != null) {
                w.destroy();
            }
            close(prepared);
        }
    }

    private static void close(PreparedDictionary prepared) {
        if (prepared instanceof AutoCloseable c) {
            try {
                c.close();
            } catch (Exception e) {
                throw new IllegalStateException("brotli could not free a prepared dictionary", e);
            }
        }
    }

    /** A direct copy: brotli's native side reads the dictionary in place for as long as the coder lives. */
    private static ByteBuffer direct(byte[] b, int off, int len) {
        ByteBuffer d = ByteBuffer.allocateDirect(len);
        d.put(b, off, len).flip();
        return d;
    }

    static void decompress(byte[] src, int off, int len, byte[] dst, int dstOff, int expectedLen) {
        decompress(src, off, len, dst, dstOff, expectedLen, null);
    }

    /** @param history what the stream was made with as its history (a DICT block's old pages), or null */
    static void decompress(byte[] src, int off, int len, byte[] dst, int dstOff, int expectedLen, byte[] history) {
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
        // Kept referenced until the decoder is destroyed: the native side reads it in place.
        ByteBuffer attached = history == null || history.length == 0 ? null : direct(history, 0, history.length);
        try {
            if (attached != null && !d.attachDictionary(attached)) {
                throw new HdeException(Kind.CODEC_FAILURE, "brotli decoder would not take a history of " + history.length + " bytes");
            }
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
            java.lang.ref.Reference.reachabilityFence(attached);
        }
    }
}
