package dev.hde.codec.block;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdDecompressCtx;
import com.github.luben.zstd.ZstdDictContentType;
import com.github.luben.zstd.ZstdException;
import dev.hde.codec.HdeException;
import dev.hde.codec.HdeException.Kind;
import dev.hde.codec.dict.TrainedDictionary;
import dev.hde.codec.wire.WireWriter;
import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Exception;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4SafeDecompressor;

/**
 * Compresses and decompresses one block. Zstd blocks are magicless frames without content size or
 * checksum (the HDE frame carries the length, a CRC32C and the region digest); a dictionary is
 * always raw content, never a trained-dictionary header that page bytes might happen to look like.
 * A {@link TrainedDictionary} goes through the separate {@link #compressTrained} and
 * {@link #decompressTrained}, with zstd's prepared dictionaries.
 *
 * <p>Native contexts are kept per thread: creating a zstd context costs more than compressing a
 * page, and Flink runs each operator subtask on one thread.
 */
public final class BlockCodecs {

    private static final LZ4Factory LZ4_FACTORY = LZ4Factory.fastestInstance();
    private static final LZ4SafeDecompressor LZ4_DECOMPRESSOR = LZ4_FACTORY.safeDecompressor();

    private static final ThreadLocal<ZstdCompressCtx> ZSTD_COMPRESS = ThreadLocal.withInitial(ZstdCompressCtx::new);
    private static final ThreadLocal<ZstdDecompressCtx> ZSTD_DECOMPRESS = ThreadLocal.withInitial(ZstdDecompressCtx::new);

    /** log2 of the match tables zstd's fast levels use with a raw-content dictionary (DICT). */
    static final int DICT_TABLE_LOG = 18;
    /** The highest level given {@link #DICT_TABLE_LOG}: from level 5 on, zstd's own tables are at least as large. */
    static final int DICT_TABLE_MAX_LEVEL = 4;

    /**
     * The shortest match zstd's level 1 looks for. zstd's own tables take 6 bytes above 256 KiB of input
     * and 5 below: memory is aligned 4- and 8-byte fields, and on database pages (tuples of small
     * integers and padding) 6 misses most of what 5 finds. Chosen on the corpus' redis, jvm and qemu
     * images (2 MiB regions, `zstd -b1 -B2MiB --zstd=mml=N`): 5 sends 0.1-2.4 % fewer bytes at 4-7 %
     * less speed, 4 more bytes on two of the three; held out, PostgreSQL sends 21 % fewer (at level 3's
     * bytes within 1 %, at level 1's speed). Encoder-side only: zstd decodes the block as before.
     */
    static final int ZSTD_LEVEL1_MIN_MATCH = 5;

    /** zstd's smallest window. */
    static final int MIN_WINDOW_LOG = 10;
    /** The largest window a DICT block may ask of a decoder: zstd's default decoding limit. */
    static final int MAX_DICT_WINDOW_LOG = 27;

    private BlockCodecs() {}

    /**
     * How many times {@link #compress} codes a block with this spec: twice for LZMA from preset
     * {@code 6} on with a preset dictionary (DICT), which tries two literal codings and keeps the
     * smaller ({@code LzmaBlocks}), once otherwise. For the selector's speed table.
     */
    public static int codingPasses(CodecSpec spec, boolean presetDictionary) {
        return spec.codec() == BlockCodec.LZMA && presetDictionary && spec.level() >= LzmaBlocks.LITERAL_CHOICE_MIN_LEVEL ? 2 : 1;
    }

    /**
     * Appends the compressed form of {@code src[off, off+len)} to {@code out} and returns its length.
     *
     * @param dict raw-content dictionary (zstd; for lzma, the preset dictionary; for brotli, the compound dictionary), or null
     */
    public static int compress(CodecSpec spec, byte[] src, int off, int len, byte[] dict, WireWriter out) {
        if (dict != null && spec.codec() != BlockCodec.ZSTD && spec.codec() != BlockCodec.LZMA && spec.codec() != BlockCodec.BROTLI) {
            throw new IllegalArgumentException("a dictionary needs zstd, lzma or brotli, not " + spec);
        }
        switch (spec.codec()) {
            case NONE -> {
                out.bytes(src, off, len);
                return len;
            }
            case LZ4 -> {
                LZ4Compressor c = spec.level() == 0 ? LZ4_FACTORY.fastCompressor() : LZ4_FACTORY.highCompressor(spec.level());
                int max = c.maxCompressedLength(len);
                int at = out.reserve(max);
                int n = c.compress(src, off, len, out.buffer(), at, max);
                out.reserve(n - max); // give back the unused tail
                return n;
            }
            case ZSTD -> {
                ZstdCompressCtx ctx = ZSTD_COMPRESS.get();
                ctx.reset();
                ctx.setLevel(spec.level());
                if (spec.level() == 1) {
                    ctx.setMinMatch(ZSTD_LEVEL1_MIN_MATCH);
                }
                ctx.setMagicless(true);
                ctx.setContentSize(false);
                ctx.setChecksum(false);
                ctx.setDictID(false);
                if (dict != null && dict.length > 0) {
                    ctx.loadDict(dict, ZstdDictContentType.RAW_CONTENT);
                    // A page's old self is a dictionary's length back: the window must reach over the whole dictionary
                    // (level 1's default 512 KiB finds nothing of a 2 MiB region). Capped at 2^27, what zstd decoders
                    // accept by default; one-shot decoding into the frame's checked length allocates no window.
                    int needed = 64 - Long.numberOfLeadingZeros(Math.max(1L, (long) dict.length + len - 1));
                    ctx.setWindowLog(Math.max(MIN_WINDOW_LOG, Math.min(MAX_DICT_WINDOW_LOG, needed)));
                    if (spec.level() <= DICT_TABLE_MAX_LEVEL) {
                        // The fast levels' match tables (2^16-2^17 entries at level 3) are too small for a dictionary of
                        // hundreds of pages: most of a page's old self is no longer indexed when its turn comes. 2^18 each
                        // sends 20-31% fewer DICT bytes on heap and key-value pages; the balanced preset's speed did not
                        // move measurably (docs/benchmarks.md). Encoder-side only: the frame and its decoding do not change.
                        ctx.setHashLog(DICT_TABLE_LOG);
                        ctx.setChainLog(DICT_TABLE_LOG);
                    }
                }
                int max = (int) Math.min(Integer.MAX_VALUE - 16, Zstd.compressBound(len));
                int at = out.reserve(max);
                int n = ctx.compressByteArray(out.buffer(), at, max, src, off, len);
                out.reserve(n - max);
                return n;
            }
            case LZMA -> {
                return LzmaBlocks.compress(spec.level(), src, off, len, dict, out);
            }
            case BROTLI -> {
                return BrotliBlocks.compress(spec.level(), src, off, len, dict, out);
            }
            default -> throw new IllegalStateException();
        }
    }

    /**
     * As {@link #compress} for zstd with a trained dictionary (its prepared form for the level).
     * The block needs that dictionary to decode: the frame names it in its dictionary id.
     */
    public static int compressTrained(CodecSpec spec, byte[] src, int off, int len, TrainedDictionary dict, WireWriter out) {
        if (spec.codec() != BlockCodec.ZSTD) {
            throw new IllegalArgumentException("a trained dictionary needs zstd, not " + spec);
        }
        ZstdCompressCtx ctx = ZSTD_COMPRESS.get();
        ctx.reset();
        ctx.setLevel(spec.level());
        ctx.setMagicless(true);
        ctx.setContentSize(false);
        ctx.setChecksum(false);
        ctx.setDictID(false);
        ctx.loadDict(dict.compressor(spec.level()));
        int max = (int) Math.min(Integer.MAX_VALUE - 16, Zstd.compressBound(len));
        int at = out.reserve(max);
        int n;
        try {
            n = ctx.compressByteArray(out.buffer(), at, max, src, off, len);
        } finally {
            ctx.reset(); // drop the reference to the shared dictionary
        }
        out.reserve(n - max);
        return n;
    }

    /** As {@link #decompress} for a zstd block made with a trained dictionary. */
    public static void decompressTrained(BlockCodec codec, byte[] src, int off, int len, byte[] dst, int dstOff, int expectedLen,
            TrainedDictionary dict) {
        if (codec != BlockCodec.ZSTD) {
            throw new HdeException(Kind.UNKNOWN_DICTIONARY, "a " + codec + " block takes no trained dictionary");
        }
        checkOneZstdFrame(src, off, len);
        ZstdDecompressCtx ctx = ZSTD_DECOMPRESS.get();
        ctx.reset();
        ctx.setMagicless(true);
        ctx.loadDict(dict.decompressor());
        int n;
        try {
            n = ctx.decompressByteArray(dst, dstOff, expectedLen, src, off, len);
        } catch (ZstdException e) {
            throw new HdeException(Kind.CODEC_FAILURE, "zstd block is corrupt or needs another dictionary: " + e.getMessage(), e);
        } finally {
            ctx.reset();
        }
        if (n != expectedLen) {
            throw new HdeException(Kind.LENGTH_MISMATCH, "zstd block gave " + n + " bytes, expected " + expectedLen);
        }
    }

    /**
     * Decompresses {@code src[off, off+len)} into exactly {@code expectedLen} bytes at {@code dst[dstOff]};
     * the caller sized {@code dst} from a length it checked. Any other outcome is a typed error.
     */
    public static void decompress(BlockCodec codec, byte[] src, int off, int len, byte[] dst, int dstOff, int expectedLen, byte[] dict) {
        switch (codec) {
            case NONE -> {
                if (len != expectedLen) {
                    throw new HdeException(Kind.LENGTH_MISMATCH, "stored block of " + len + " bytes, expected " + expectedLen);
                }
                System.arraycopy(src, off, dst, dstOff, len);
            }
            case LZ4 -> {
                if (dict != null) {
                    throw new HdeException(Kind.CODEC_FAILURE, "lz4 blocks take no dictionary");
                }
                int n;
                try {
                    n = LZ4_DECOMPRESSOR.decompress(src, off, len, dst, dstOff, expectedLen);
                } catch (LZ4Exception e) {
                    throw new HdeException(Kind.CODEC_FAILURE, "lz4 block is corrupt: " + e.getMessage(), e);
                }
                if (n != expectedLen) {
                    throw new HdeException(Kind.LENGTH_MISMATCH, "lz4 block gave " + n + " bytes, expected " + expectedLen);
                }
            }
            case ZSTD -> {
                checkOneZstdFrame(src, off, len);
                ZstdDecompressCtx ctx = ZSTD_DECOMPRESS.get();
                ctx.reset();
                ctx.setMagicless(true);
                if (dict != null && dict.length > 0) {
                    ctx.loadDict(dict, ZstdDictContentType.RAW_CONTENT);
                }
                int n;
                try {
                    n = ctx.decompressByteArray(dst, dstOff, expectedLen, src, off, len);
                } catch (ZstdException e) {
                    throw new HdeException(Kind.CODEC_FAILURE, "zstd block is corrupt: " + e.getMessage(), e);
                }
                if (n != expectedLen) {
                    throw new HdeException(Kind.LENGTH_MISMATCH, "zstd block gave " + n + " bytes, expected " + expectedLen);
                }
            }
            case LZMA -> LzmaBlocks.decompress(src, off, len, dst, dstOff, expectedLen, dict);
            case BROTLI -> BrotliBlocks.decompress(src, off, len, dst, dstOff, expectedLen, dict);
            default -> throw new IllegalStateException();
        }
    }

    /**
     * A zstd data block is exactly one magicless zstd frame without a content size, a checksum or a
     * dictionary id (docs/wire-format.md): its header is refused otherwise ({@code CODEC_FAILURE}),
     * and bytes after the frame's last block are {@code TRAILING_BYTES} (a second frame, even an
     * empty one, would otherwise be decompressed silently). Reads only the frame and block headers.
     */
    static void checkOneZstdFrame(byte[] src, int off, int len) {
        if (len < 1) {
            throw new HdeException(Kind.CODEC_FAILURE, "empty zstd block");
        }
        int fhd = src[off] & 0xFF;
        if ((fhd >> 6) != 0 || (fhd & 0x20) != 0) {
            throw new HdeException(Kind.CODEC_FAILURE, "zstd frame header has a content size (the frame's data length says it)");
        }
        if ((fhd & 0x08) != 0) {
            throw new HdeException(Kind.CODEC_FAILURE, "zstd frame header has its reserved bit set");
        }
        if ((fhd & 0x04) != 0) {
            throw new HdeException(Kind.CODEC_FAILURE, "zstd frame has a checksum (the HDE frame's CRC32C and region digest check it)");
        }
        if ((fhd & 0x03) != 0) {
            throw new HdeException(Kind.CODEC_FAILURE, "zstd frame header names a dictionary id (the HDE frame's dictionary id does)");
        }
        int pos = off + 2; // the descriptor and the window descriptor (not single-segment)
        int end = off + len;
        while (true) {
            if (pos + 3 > end) {
                throw new HdeException(Kind.CODEC_FAILURE, "zstd block is cut short");
            }
            int header = (src[pos] & 0xFF) | (src[pos + 1] & 0xFF) << 8 | (src[pos + 2] & 0xFF) << 16;
            pos += 3;
            int type = (header >> 1) & 3;
            int size = header >>> 3;
            pos += switch (type) {
                case 0, 2 -> size; // raw, compressed
                case 1 -> 1; // RLE: one byte repeated
                default -> throw new HdeException(Kind.CODEC_FAILURE, "zstd block of the reserved type");
            };
            if (pos > end) {
                throw new HdeException(Kind.CODEC_FAILURE, "zstd block is cut short");
            }
            if ((header & 1) != 0) {
                break;
            }
        }
        if (pos != end) {
            throw new HdeException(Kind.TRAILING_BYTES, (end - pos) + " bytes after the zstd frame (a data block is one frame)");
        }
    }
}
