package dev.hde.codec.wire;

import dev.hde.codec.HdeException;
import dev.hde.codec.HdeException.Kind;
import dev.hde.codec.Limits;
import dev.hde.codec.block.BlockCodec;
import dev.hde.codec.delta.DeltaMethod;
import dev.hde.codec.dict.DictionaryStore;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/**
 * Writes and parses the frame envelope: fixed fields, varint fields, the state key, then the page
 * table and data block (opaque here), then a CRC32C over everything before it. Parsing checks the
 * CRC first, so a flipped bit or a cut frame is refused before any field is believed, and then
 * checks every length against {@link Limits} and against the bytes actually present.
 */
public final class FrameFormat {

    /** "HDEF" in ASCII. */
    public static final int MAGIC = 0x46454448;
    public static final int VERSION = 1;
    private static final int FLAG_TABLE_BITMAP = 1;
    private static final int KNOWN_FLAGS = FLAG_TABLE_BITMAP;
    /** Magic (4) + six one-byte fields + flags + CRC (4): no frame is shorter. */
    public static final int MIN_FRAME_BYTES = 4 + 7 + 4;

    private FrameFormat() {}

    /** Writes the envelope up to and including the key; the caller appends table and data, then {@link #finish}. */
    public static void writeHeader(FrameHeader h, WireWriter out) {
        byte[] key = h.stateKey().getBytes(StandardCharsets.UTF_8);
        out.u32(MAGIC)
                .u8(VERSION)
                .u8(h.type().id())
                .u8(h.method().id())
                .u8(h.codec().id())
                .u8(h.level())
                .u8(h.pageShift())
                .u8(h.tableIsBitmap() ? FLAG_TABLE_BITMAP : 0)
                .varint(key.length)
                .varint(h.regionPages())
                .varint64(h.epoch())
                .varint(h.chainIndex())
                .varint64(h.sourceSequence())
                .varint64(h.captureTimeMillis())
                .varint(h.dictionaryId())
                .varint(h.pageCount())
                .varint(h.dataRawLength())
                .varint(h.dataBlockLength())
                .u64(h.digest())
                .bytes(key);
    }

    /** Appends the CRC32C of everything written so far and returns the finished frame. */
    public static byte[] finish(WireWriter out) {
        CRC32C crc = new CRC32C();
        crc.update(out.buffer(), 0, out.position());
        out.u32(crc.getValue());
        return out.toByteArray();
    }

    /** Joins the envelope written so far and the data block into a finished frame with its CRC32C. */
    public static byte[] assemble(WireWriter head, WireWriter block) {
        int n = head.position() + block.position();
        byte[] frame = new byte[n + 4];
        System.arraycopy(head.buffer(), 0, frame, 0, head.position());
        System.arraycopy(block.buffer(), 0, frame, head.position(), block.position());
        CRC32C crc = new CRC32C();
        crc.update(frame, 0, n);
        WireWriter.putU32(frame, n, crc.getValue());
        return frame;
    }

    /** A parsed envelope: the header and where the page table begins; the data block ends 4 bytes before the end. */
    public record Parsed(FrameHeader header, byte[] bytes, int tableOffset, int dataOffset) {}

    /**
     * Checks the CRC and every length, and locates the table and the data block.
     * The page table's own content is checked by {@link dev.hde.codec.region.PageTable}.
     */
    public static Parsed parse(byte[] frame, Limits limits) {
        return parse(frame, limits, DictionaryStore.NONE);
    }

    /**
     * As {@link #parse(byte[], Limits)} for a reader that holds trained dictionaries: a frame with a
     * dictionary id is accepted only when {@code dictionaries} has that dictionary (and the frame is
     * one that can use one: a FULL or DELTA frame with codec zstd and a method other than DICT);
     * otherwise it is refused with {@link Kind#UNKNOWN_DICTIONARY}.
     */
    public static Parsed parse(byte[] frame, Limits limits, DictionaryStore dictionaries) {
        if (frame.length < MIN_FRAME_BYTES) {
            throw new HdeException(Kind.TRUNCATED, "frame of " + frame.length + " bytes is shorter than any frame");
        }
        int bodyEnd = frame.length - 4;
        WireReader magic = new WireReader(frame, 0, 4);
        if ((int) magic.u32("magic") != MAGIC) {
            throw new HdeException(Kind.BAD_MAGIC, "not an HDE frame");
        }
        CRC32C crc = new CRC32C();
        crc.update(frame, 0, bodyEnd);
        long stored = new WireReader(frame, bodyEnd, 4).u32("crc");
        if (stored != crc.getValue()) {
            throw new HdeException(Kind.CHECKSUM_MISMATCH, "frame CRC32C does not match (truncated or corrupt frame)");
        }
        WireReader r = new WireReader(frame, 4, bodyEnd - 4);
        int version = r.u8("version");
        if (version != VERSION) {
            throw new HdeException(Kind.UNSUPPORTED_VERSION, "frame version " + version + ", this reader knows " + VERSION);
        }
        FrameType type = FrameType.fromId(r.u8("type"));
        DeltaMethod method = DeltaMethod.fromId(r.u8("method"));
        BlockCodec codec = BlockCodec.fromId(r.u8("codec"));
        int level = (byte) r.u8("level");
        int pageShift = r.u8("page shift");
        limits.checkPageShift(pageShift);
        int flags = r.u8("flags");
        if ((flags & ~KNOWN_FLAGS) != 0) {
            throw new HdeException(Kind.UNSUPPORTED_VERSION, "unknown frame flags " + flags);
        }
        int keyLength = r.varint("key length");
        limits.checkKeyBytes(keyLength);
        int regionPages = r.varint("region pages");
        limits.checkRegion(regionPages, pageShift);
        long epoch = r.varint64("epoch");
        int chainIndex = r.varint("chain index");
        long sourceSequence = r.varint64("source sequence");
        long captureTime = r.varint64("capture time");
        int dictionaryId = r.varint("dictionary id");
        if (dictionaryId != 0) {
            if (!type.carriesPages() || codec != BlockCodec.ZSTD || method == DeltaMethod.DICT) {
                throw new HdeException(Kind.UNKNOWN_DICTIONARY, "dictionary " + dictionaryId + " on a " + type + " frame with "
                        + method + " and " + codec + ", which take no trained dictionary");
            }
            if (dictionaries.byId(dictionaryId) == null) {
                throw new HdeException(Kind.UNKNOWN_DICTIONARY, "dictionary " + dictionaryId + " is not known to this reader");
            }
        }
        int pageCount = r.varint("page count");
        if (pageCount > regionPages) {
            throw new HdeException(Kind.LENGTH_MISMATCH, pageCount + " pages listed in a region of " + regionPages);
        }
        int dataRaw = r.varint("data length");
        long maxDataRaw = maxDataRawLength(pageCount, pageShift);
        if (dataRaw > maxDataRaw) {
            throw new HdeException(Kind.LENGTH_MISMATCH, "data of " + dataRaw + " bytes for " + pageCount + " pages (at most " + maxDataRaw + ")");
        }
        int dataBlock = r.varint("data block length");
        long digest = r.u64("digest");
        int keyAt = r.skip(keyLength, "state key");
        String key = decodeKey(frame, keyAt, keyLength);
        boolean bitmap = (flags & FLAG_TABLE_BITMAP) != 0;
        int tableOffset = r.position();
        int tableBytes = bitmap ? bitmapBytes(regionPages) : -1;
        if (type.carriesPages() && !bitmap) {
            // Gap list: its length is only known by reading it, which PageTable does within the space left.
            tableBytes = r.remaining() - dataBlock;
            if (tableBytes < 0) {
                throw new HdeException(Kind.TRUNCATED, "data block of " + dataBlock + " bytes does not fit in the frame");
            }
        } else if (!type.carriesPages()) {
            tableBytes = 0;
            if (pageCount != 0 || dataRaw != 0 || dataBlock != 0 || bitmap) {
                throw new HdeException(Kind.LENGTH_MISMATCH, "a " + type + " frame carries no pages");
            }
        }
        r.skip(tableBytes, "page table");
        int dataOffset = r.skip(dataBlock, "data block");
        r.expectEnd("frame");
        FrameHeader h = new FrameHeader(type, method, codec, level, pageShift, key, regionPages, epoch, chainIndex,
                sourceSequence, captureTime, dictionaryId, pageCount, bitmap, dataRaw, dataBlock, digest);
        return new Parsed(h, frame, tableOffset, dataOffset);
    }

    /**
     * The method, codec and level of a frame this process wrote, read from their fixed offsets
     * without a CRC check: for metrics and performance records, never for decoding.
     */
    public record Choice(DeltaMethod method, BlockCodec codec, int level) {
        @Override
        public String toString() {
            String m = method.name().toLowerCase(java.util.Locale.ROOT);
            return switch (codec) {
                case NONE -> m + "+none";
                case LZ4 -> m + (level == 0 ? "+lz4" : "+lz4hc-" + level);
                case ZSTD -> m + "+zstd-" + level;
                case LZMA -> m + "+lzma-" + level;
                case BROTLI -> m + "+brotli-" + level;
            };
        }
    }

    public static Choice choiceOf(byte[] frame) {
        return new Choice(DeltaMethod.fromId(frame[6] & 0xFF), BlockCodec.fromId(frame[7] & 0xFF), frame[8]);
    }

    /** One op byte per page plus, at worst, a whole page and a 3-byte varint (XBZRLE never exceeds a page). */
    public static long maxDataRawLength(int pageCount, int pageShift) {
        return (long) pageCount * (1 + 3 + (1L << pageShift));
    }

    public static int bitmapBytes(int regionPages) {
        return (regionPages + 7) >>> 3;
    }

    static String decodeKey(byte[] buf, int off, int len) {
        var decoder = StandardCharsets.UTF_8.newDecoder();
        try {
            return decoder.decode(java.nio.ByteBuffer.wrap(buf, off, len)).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new HdeException(Kind.BAD_KEY, "state key is not valid UTF-8");
        }
    }
}
