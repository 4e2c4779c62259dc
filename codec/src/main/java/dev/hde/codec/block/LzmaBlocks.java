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

    /**
     * From this preset level on, a block with a preset dictionary (DICT: whole pages against the old
     * pages) is coded twice, with LZMA's default literal coding (lc=3 lp=0 pb=2: a literal's context is
     * the previous byte's top bits, as in text) and word-aligned (lc=0 lp=3 pb=3: its position in an
     * 8-byte word), and the smaller is kept. On the corpus' DICT blocks at preset 6 (docs/benchmarks.md,
     * "LZMA's literal coding on whole pages") aligned sends 7.4 % fewer bytes on redis and 3.5 % on
     * PostgreSQL, 1.6 % more on guest memory and 4.7 % more on a JVM heap, and no cheaper trial decided
     * well on all four (one at preset 0 on the block's first 256 KiB lost 2.8 % on the heap, one at the
     * block's own preset 0.5 %). It doubles the time of these blocks, which only the slow presets make;
     * below this level the default is kept. The properties travel in the stream's first chunk, so
     * decoders take either.
     */
    static final int LITERAL_CHOICE_MIN_LEVEL = 6;

    static int compress(int level, byte[] src, int off, int len, byte[] presetDict, WireWriter out) {
        boolean hasDict = presetDict != null && presetDict.length > 0;
        int start = out.position();
        encode(options(level, len, presetDict, false), src, off, len, new Sink(out));
        if (hasDict && level >= LITERAL_CHOICE_MIN_LEVEL) {
            WireWriter aligned = new WireWriter(out.position() - start);
            encode(options(level, len, presetDict, true), src, off, len, new Sink(aligned));
            if (aligned.position() < out.position() - start) {
                out.rewind(start);
                out.bytes(aligned.buffer(), 0, aligned.position());
            }
        }
        return out.position() - start;
    }

    private static LZMA2Options options(int level, int len, byte[] presetDict, boolean alignedLiterals) {
        try {
            LZMA2Options options = new LZMA2Options(level);
            if (level == 9) {
                // xz's -9e: presets 6..9 differ only in dictionary size, which the block's own length sets here.
                options.setNiceLen(LZMA2Options.NICE_LEN_MAX);
                options.setDepthLimit(512);
            }
            if (alignedLiterals) {
                options.setLcLp(0, 3);
                options.setPb(3);
            }
            options.setDictSize(dictionarySize(len, presetDict));
            if (presetDict != null && presetDict.length > 0) {
                options.setPresetDict(presetDict);
            }
            return options;
        } catch (UnsupportedOptionsException e) {
            throw new IllegalArgumentException("lzma level " + level + ": " + e.getMessage(), e);
        }
    }

    private static void encode(LZMA2Options options, byte[] src, int off, int len, OutputStream sink) {
        try {
            FinishableOutputStream lzma = options.getOutputStream(new FinishableWrapperOutputStream(sink), CACHE);
            lzma.write(src, off, len);
            lzma.finish();
        } catch (IOException e) {
            throw new IllegalStateException("writing to memory failed", e);
        }
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
