package dev.hde.codec.block;

import dev.hde.codec.HdeException;
import dev.hde.codec.HdeException.Kind;
import dev.hde.codec.wire.WireWriter;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import org.tukaani.xz.ArrayCache;
import org.tukaani.xz.BasicArrayCache;
import org.tukaani.xz.FinishableOutputStream;
import org.tukaani.xz.FinishableWrapperOutputStream;
import org.tukaani.xz.LZMA2InputStream;
import org.tukaani.xz.LZMA2Options;
import org.tukaani.xz.LZMAInputStream;
import org.tukaani.xz.UnsupportedOptionsException;

/**
 * LZMA blocks: a raw LZMA2 stream (the chunked form of LZMA that xz uses, without the xz container:
 * its first chunk carries the lc/lp/pb properties, incompressible chunks are stored, and a 0x00
 * control byte ends it) that decodes to exactly the frame's data length. The dictionary size is not
 * sent: both sides take {@code max(4096, data length + preset dictionary length)}, so a frame can make
 * a receiver allocate no more than its checked lengths allow. An optional preset dictionary (the DICT
 * method's old pages) is the history the stream starts with, as zstd's raw-content dictionary is.
 * (LZMA2, not raw LZMA1: the Java implementation does not round-trip LZMA1 with a preset dictionary.)
 *
 * <p>LZMA codes literals with the byte at the last match distance as context and keeps the last four
 * distances, which is what makes it strong on binary deltas (the reason xdelta3 -9 with its LZMA
 * secondary compressor beats zstd -19 on database pages). It is slow: the selector and the presets
 * use it where the link pays for it.
 */
final class LzmaBlocks {

    /** Match finder tables and dictionaries are reused between blocks (soft references, any thread). */
    private static final ArrayCache CACHE = BasicArrayCache.getInstance();

    private LzmaBlocks() {}

    static int dictionarySize(int dataLength, byte[] presetDict) {
        long n = (long) dataLength + (presetDict == null ? 0 : presetDict.length);
        return (int) Math.max(4096, Math.min(n, LZMAInputStream.DICT_SIZE_MAX));
    }

    static int compress(int level, byte[] src, int off, int len, byte[] presetDict, WireWriter out) {
        int start = out.position();
        try {
            LZMA2Options options = new LZMA2Options(level);
            if (level == 9) {
                // xz's -9e: presets 6..9 differ only in dictionary size, which the block's own length sets here.
                options.setNiceLen(LZMA2Options.NICE_LEN_MAX);
                options.setDepthLimit(512);
            }
            options.setDictSize(dictionarySize(len, presetDict));
            if (presetDict != null && presetDict.length > 0) {
                options.setPresetDict(presetDict);
            }
            FinishableOutputStream lzma = options.getOutputStream(new FinishableWrapperOutputStream(new Sink(out)), CACHE);
            lzma.write(src, off, len);
            lzma.finish();
        } catch (UnsupportedOptionsException e) {
            throw new IllegalArgumentException("lzma level " + level + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new IllegalStateException("writing to memory failed", e);
        }
        return out.position() - start;
    }

    static void decompress(byte[] src, int off, int len, byte[] dst, int dstOff, int expectedLen, byte[] presetDict) {
        ByteArrayInputStream in = new ByteArrayInputStream(src, off, len);
        try (LZMA2InputStream lzma = new LZMA2InputStream(in, dictionarySize(expectedLen, presetDict),
                presetDict != null && presetDict.length > 0 ? presetDict : null)) {
            int n = lzma.readNBytes(dst, dstOff, expectedLen);
            if (n != expectedLen || lzma.read() != -1) {
                throw new HdeException(Kind.LENGTH_MISMATCH, "lzma block gave " + (n == expectedLen ? "more than " : n + " bytes, not ")
                        + expectedLen + " bytes");
            }
        } catch (HdeException e) {
            throw e;
        } catch (IOException | RuntimeException e) { // a corrupt stream, whatever the decoder makes of it
            throw new HdeException(Kind.CODEC_FAILURE, "lzma block is corrupt: " + e.getMessage(), e);
        }
        if (in.available() != 0) {
            throw new HdeException(Kind.LENGTH_MISMATCH, in.available() + " bytes after the end of the lzma stream");
        }
    }

    /** Appends to a {@link WireWriter}. */
    private static final class Sink extends OutputStream {
        private final WireWriter out;

        Sink(WireWriter out) {
            this.out = out;
        }

        @Override
        public void write(int b) {
            out.u8(b);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            out.bytes(b, off, len);
        }
    }
}
