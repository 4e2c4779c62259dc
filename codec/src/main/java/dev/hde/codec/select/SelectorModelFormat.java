package dev.hde.codec.select;

import dev.hde.codec.HdeException;
import dev.hde.codec.HdeException.Kind;
import dev.hde.codec.block.BlockCodec;
import dev.hde.codec.block.CodecSpec;
import dev.hde.codec.delta.DeltaMethod;
import dev.hde.codec.region.EncodeSpec;
import dev.hde.codec.wire.WireReader;
import dev.hde.codec.wire.WireWriter;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.CRC32C;

/**
 * The selector model's binary form (magic "HDES", version 2): the value of the compacted topic
 * {@code hde.selector-model}. Little-endian, varints as in docs/wire-format.md, a CRC32C of every
 * byte before it at the end; the layout is in docs/selector.md.
 *
 * <p>Each model has exactly one encoding (cells in key order, no empty cell), so equal models are
 * equal bytes. The reader checks the CRC before believing any field, checks the cell count against
 * its limit and the bytes present before allocating, and refuses every deviation (unknown method,
 * codec or flag, a level the codec does not have, cells out of order or repeated, sums that cannot
 * be) with a typed {@link HdeException}.
 */
public final class SelectorModelFormat {

    /** "HDES" in ASCII, little-endian. */
    public static final int MAGIC = 0x53454448;
    /** 2: cells carry the priors' predictions beside the actual sums (version 1, never published by a job, is refused). */
    public static final int VERSION = 2;
    /** The kinds scheme: 1 = {@link DataFeatures#kind()}, entropy (3 bands) x changed share (3 bands). */
    public static final int KIND_SCHEME = 1;
    /** Cells a reader accepts by default: 9 kinds x 455 choices. */
    public static final int DEFAULT_MAX_CELLS = 4096;
    private static final int FLAG_TRAINED = 1;
    /** magic, version, scheme, flags, generation, asOf, cell count, crc. */
    static final int MIN_MODEL_BYTES = 4 + 1 + 1 + 1 + 1 + 1 + 1 + 4;
    /** kind, method, codec, level, flags, ten 1-byte varints. */
    static final int MIN_CELL_BYTES = 5 + 10;

    private SelectorModelFormat() {}

    public static byte[] write(SelectorModel m) {
        WireWriter out = new WireWriter(32 + 40 * m.cells().size());
        out.u32(MAGIC).u8(VERSION).u8(KIND_SCHEME).u8(0).varint64(m.generation()).varint64(m.asOfMillis()).varint(m.cells().size());
        for (Map.Entry<SelectorModel.Key, Aggregate> e : m.cells().entrySet()) {
            EncodeChoice c = e.getKey().choice();
            Aggregate a = e.getValue();
            out.u8(e.getKey().kind())
                    .u8(c.method().id())
                    .u8(c.codec().codec().id())
                    .u8(c.codec().level())
                    .u8(c.trainedDictionary() ? FLAG_TRAINED : 0)
                    .varint64(a.count())
                    .varint64(a.bytesIn())
                    .varint64(a.bytesOut())
                    .varint64(a.expectedBytesOut())
                    .varint64(a.encodeNanos())
                    .varint64(a.expectedEncodeNanos())
                    .varint64(a.decodeCount())
                    .varint64(a.decodeBytes())
                    .varint64(a.decodeNanos())
                    .varint64(a.expectedDecodeNanos());
        }
        CRC32C crc = new CRC32C();
        crc.update(out.buffer(), 0, out.position());
        out.u32(crc.getValue());
        return out.toByteArray();
    }

    public static SelectorModel read(byte[] bytes) {
        return read(bytes, DEFAULT_MAX_CELLS);
    }

    public static SelectorModel read(byte[] bytes, int maxCells) {
        if (bytes.length < MIN_MODEL_BYTES) {
            throw new HdeException(Kind.TRUNCATED, "selector model of " + bytes.length + " bytes is shorter than any model");
        }
        if ((int) new WireReader(bytes, 0, 4).u32("magic") != MAGIC) {
            throw new HdeException(Kind.BAD_MAGIC, "not an HDE selector model");
        }
        int bodyEnd = bytes.length - 4;
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, bodyEnd);
        if (new WireReader(bytes, bodyEnd, 4).u32("crc") != crc.getValue()) {
            throw new HdeException(Kind.CHECKSUM_MISMATCH, "selector model CRC32C does not match (truncated or corrupt model)");
        }
        WireReader r = new WireReader(bytes, 4, bodyEnd - 4);
        int version = r.u8("version");
        if (version != VERSION) {
            throw new HdeException(Kind.UNSUPPORTED_VERSION, "selector model version " + version + ", this reader knows " + VERSION);
        }
        int scheme = r.u8("kind scheme");
        if (scheme != KIND_SCHEME) {
            throw new HdeException(Kind.UNSUPPORTED_VERSION, "kind scheme " + scheme + ", this reader knows " + KIND_SCHEME);
        }
        int flags = r.u8("flags");
        if (flags != 0) {
            throw new HdeException(Kind.UNSUPPORTED_VERSION, "unknown selector model flags " + flags);
        }
        long generation = r.varint64("generation");
        long asOf = r.varint64("as of");
        int n = r.varint("cell count");
        if (n > maxCells) {
            throw new HdeException(Kind.LIMIT_EXCEEDED, n + " cells, the limit is " + maxCells);
        }
        if ((long) n * MIN_CELL_BYTES > r.remaining()) {
            throw new HdeException(Kind.TRUNCATED, n + " cells cannot fit in " + r.remaining() + " bytes");
        }
        TreeMap<SelectorModel.Key, Aggregate> cells = new TreeMap<>();
        SelectorModel.Key previous = null;
        for (int i = 0; i < n; i++) {
            int kind = r.u8("kind");
            if (kind >= DataFeatures.KINDS) {
                throw new HdeException(Kind.LENGTH_MISMATCH, "kind " + kind + " outside [0, " + DataFeatures.KINDS + ")");
            }
            DeltaMethod method = DeltaMethod.fromId(r.u8("method"));
            BlockCodec codec = BlockCodec.fromId(r.u8("codec"));
            int level = (byte) r.u8("level");
            int cellFlags = r.u8("cell flags");
            if ((cellFlags & ~FLAG_TRAINED) != 0) {
                throw new HdeException(Kind.UNSUPPORTED_VERSION, "unknown cell flags " + cellFlags);
            }
            EncodeChoice choice;
            try {
                choice = new EncodeChoice(EncodeSpec.of(method, new CodecSpec(codec, level)), (cellFlags & FLAG_TRAINED) != 0);
            } catch (IllegalArgumentException e) {
                throw new HdeException(Kind.UNKNOWN_CODEC, "cell " + i + ": " + e.getMessage());
            }
            SelectorModel.Key key = new SelectorModel.Key(kind, choice);
            if (previous != null && previous.compareTo(key) >= 0) {
                throw new HdeException(Kind.LENGTH_MISMATCH, "cell " + i + " (" + kind + ", " + choice + ") is out of order or repeated");
            }
            previous = key;
            long count = r.varint64("count");
            long bytesIn = r.varint64("bytes in");
            long bytesOut = r.varint64("bytes out");
            long expectedBytesOut = r.varint64("expected bytes out");
            long encodeNanos = r.varint64("encode nanos");
            long expectedEncodeNanos = r.varint64("expected encode nanos");
            long decodeCount = r.varint64("decode count");
            long decodeBytes = r.varint64("decode bytes");
            long decodeNanos = r.varint64("decode nanos");
            long expectedDecodeNanos = r.varint64("expected decode nanos");
            if (count == 0 && decodeCount == 0) {
                throw new HdeException(Kind.LENGTH_MISMATCH, "cell " + i + " has no records");
            }
            if (bytesIn < 0 || bytesOut < 0 || expectedBytesOut < 0 || encodeNanos < 0 || expectedEncodeNanos < 0 || decodeBytes < 0
                    || decodeNanos < 0 || expectedDecodeNanos < 0 || count < 0 || decodeCount < 0) {
                throw new HdeException(Kind.LENGTH_MISMATCH, "cell " + i + ": a sum above 2^63-1");
            }
            cells.put(key, new Aggregate(count, bytesIn, bytesOut, expectedBytesOut, encodeNanos, expectedEncodeNanos, decodeCount, decodeBytes,
                    decodeNanos, expectedDecodeNanos));
        }
        r.expectEnd("selector model");
        return new SelectorModel(generation, asOf, cells);
    }
}
