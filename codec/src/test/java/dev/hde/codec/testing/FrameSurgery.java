package dev.hde.codec.testing;

import dev.hde.codec.Limits;
import dev.hde.codec.block.BlockCodec;
import dev.hde.codec.delta.DeltaMethod;
import dev.hde.codec.wire.FrameFormat;
import dev.hde.codec.wire.FrameHeader;
import dev.hde.codec.wire.FrameType;
import dev.hde.codec.wire.WireWriter;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.function.UnaryOperator;
import java.util.zip.CRC32C;

/**
 * Builds frames and events that lie with a valid CRC: edits a field (or any byte) and recomputes
 * the CRC32C, so the test reaches the check behind the checksum.
 */
public final class FrameSurgery {

    /** Offsets of the fixed one-byte fields of a frame. */
    public static final int VERSION_AT = 4;
    public static final int TYPE_AT = 5;
    public static final int METHOD_AT = 6;
    public static final int CODEC_AT = 7;
    public static final int LEVEL_AT = 8;
    public static final int PAGE_SHIFT_AT = 9;
    public static final int FLAGS_AT = 10;

    private FrameSurgery() {}

    /** Returns a copy whose last four bytes are the CRC32C of everything before them. */
    public static byte[] withCrc(byte[] bytes) {
        byte[] out = bytes.clone();
        CRC32C crc = new CRC32C();
        crc.update(out, 0, out.length - 4);
        WireWriter.putU32(out, out.length - 4, crc.getValue());
        return out;
    }

    /** A copy with {@code bytes[at] = value} and a fixed CRC. */
    public static byte[] setByte(byte[] bytes, int at, int value) {
        byte[] out = bytes.clone();
        out[at] = (byte) value;
        return withCrc(out);
    }

    /** A body (everything before the CRC) followed by its CRC. */
    public static byte[] seal(byte[] body) {
        byte[] out = Arrays.copyOf(body, body.length + 4);
        return withCrc(out);
    }

    /** Everything before the CRC. */
    public static byte[] body(byte[] bytes) {
        return Arrays.copyOf(bytes, bytes.length - 4);
    }

    /** A frame with the given header, raw table bytes and data block, and a valid CRC. */
    public static byte[] build(FrameHeader h, byte[] table, byte[] dataBlock) {
        WireWriter out = new WireWriter(64 + table.length + dataBlock.length);
        FrameFormat.writeHeader(h, out);
        out.bytes(table).bytes(dataBlock);
        return FrameFormat.finish(out);
    }

    /** Rewrites a genuine frame with its header edited, keeping its table and data block. */
    public static byte[] editHeader(byte[] frame, UnaryOperator<FrameHeader> edit) {
        return editHeader(frame, dev.hde.codec.dict.DictionaryStore.NONE, edit);
    }

    /** As {@link #editHeader(byte[], UnaryOperator)} for a frame that may name a dictionary of {@code store}. */
    public static byte[] editHeader(byte[] frame, dev.hde.codec.dict.DictionaryStore store, UnaryOperator<FrameHeader> edit) {
        FrameFormat.Parsed p = FrameFormat.parse(frame, Limits.DEFAULT, store);
        byte[] table = Arrays.copyOfRange(frame, p.tableOffset(), p.dataOffset());
        byte[] data = Arrays.copyOfRange(frame, p.dataOffset(), frame.length - 4);
        return build(edit.apply(p.header()), table, data);
    }

    public static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }

    /** A mutable copy of a {@link FrameHeader}, to change one field of a record with seventeen. */
    public static final class Header {
        public FrameType type;
        public DeltaMethod method;
        public BlockCodec codec;
        public int level;
        public int pageShift;
        public String stateKey;
        public int regionPages;
        public long epoch;
        public int chainIndex;
        public long sourceSequence;
        public long captureTimeMillis;
        public int dictionaryId;
        public int pageCount;
        public boolean tableIsBitmap;
        public int dataRawLength;
        public int dataBlockLength;
        public long digest;

        public static Header of(FrameHeader h) {
            Header b = new Header();
            b.type = h.type();
            b.method = h.method();
            b.codec = h.codec();
            b.level = h.level();
            b.pageShift = h.pageShift();
            b.stateKey = h.stateKey();
            b.regionPages = h.regionPages();
            b.epoch = h.epoch();
            b.chainIndex = h.chainIndex();
            b.sourceSequence = h.sourceSequence();
            b.captureTimeMillis = h.captureTimeMillis();
            b.dictionaryId = h.dictionaryId();
            b.pageCount = h.pageCount();
            b.tableIsBitmap = h.tableIsBitmap();
            b.dataRawLength = h.dataRawLength();
            b.dataBlockLength = h.dataBlockLength();
            b.digest = h.digest();
            return b;
        }

        public FrameHeader build() {
            return new FrameHeader(type, method, codec, level, pageShift, stateKey, regionPages, epoch, chainIndex,
                    sourceSequence, captureTimeMillis, dictionaryId, pageCount, tableIsBitmap, dataRawLength,
                    dataBlockLength, digest);
        }
    }

    /** Rewrites a genuine frame with some header fields changed, keeping its table and data block. */
    public static byte[] edit(byte[] frame, java.util.function.Consumer<Header> change) {
        return edit(frame, dev.hde.codec.dict.DictionaryStore.NONE, change);
    }

    /** As {@link #edit(byte[], java.util.function.Consumer)} for a frame that may name a dictionary of {@code store}. */
    public static byte[] edit(byte[] frame, dev.hde.codec.dict.DictionaryStore store, java.util.function.Consumer<Header> change) {
        return editHeader(frame, store, h -> {
            Header b = Header.of(h);
            change.accept(b);
            return b.build();
        });
    }
}
