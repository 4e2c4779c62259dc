package dev.hde.codec.dict;

import dev.hde.codec.HdeException;
import dev.hde.codec.HdeException.Kind;
import dev.hde.codec.wire.WireReader;
import dev.hde.codec.wire.WireWriter;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/**
 * The dictionary record (magic "HDED", version 1) that carries one {@link TrainedDictionary} on the
 * compacted dictionary topic (record key: the id in decimal). Little-endian, varints as in
 * docs/wire-format.md, a CRC32C of every byte before it at the end; see docs/selector.md.
 *
 * <p>The reader checks the CRC before believing any field, checks every length against the limit
 * and the bytes present before allocating, and recomputes the id from the content: a record whose
 * id does not name its bytes is refused ({@code CHECKSUM_MISMATCH}).
 */
public final class DictionaryFormat {

    /** "HDED" in ASCII, little-endian. */
    public static final int MAGIC = 0x44454448;
    public static final int VERSION = 1;
    /** The largest dictionary a reader accepts by default (zstd dictionaries are typically 16..128 KiB). */
    public static final int DEFAULT_MAX_CONTENT_BYTES = 1 << 20;
    /** magic, version, type, flags, id, generation, created, class length, content length, 1-byte class, 1-byte content, crc. */
    static final int MIN_RECORD_BYTES = 4 + 1 + 1 + 1 + 4 + 1 + 1 + 1 + 1 + 1 + 1 + 4;

    private DictionaryFormat() {}

    public static byte[] write(TrainedDictionary d) {
        byte[] cls = d.vmClass().getBytes(StandardCharsets.UTF_8);
        byte[] content = d.contentUnsafe();
        WireWriter out = new WireWriter(40 + cls.length + content.length);
        out.u32(MAGIC)
                .u8(VERSION)
                .u8(d.type().id())
                .u8(0)
                .u32(d.id())
                .varint64(d.generation())
                .varint64(d.createdMillis())
                .varint(cls.length)
                .varint(content.length)
                .bytes(cls)
                .bytes(content);
        CRC32C crc = new CRC32C();
        crc.update(out.buffer(), 0, out.position());
        out.u32(crc.getValue());
        return out.toByteArray();
    }

    public static TrainedDictionary read(byte[] record) {
        return read(record, DEFAULT_MAX_CONTENT_BYTES);
    }

    /** Reads one record; every way it can be wrong is a typed {@link HdeException}. */
    public static TrainedDictionary read(byte[] record, int maxContentBytes) {
        if (record.length < MIN_RECORD_BYTES) {
            throw new HdeException(Kind.TRUNCATED, "dictionary record of " + record.length + " bytes is shorter than any record");
        }
        if ((int) new WireReader(record, 0, 4).u32("magic") != MAGIC) {
            throw new HdeException(Kind.BAD_MAGIC, "not an HDE dictionary record");
        }
        int bodyEnd = record.length - 4;
        CRC32C crc = new CRC32C();
        crc.update(record, 0, bodyEnd);
        if (new WireReader(record, bodyEnd, 4).u32("crc") != crc.getValue()) {
            throw new HdeException(Kind.CHECKSUM_MISMATCH, "dictionary record CRC32C does not match (truncated or corrupt record)");
        }
        WireReader r = new WireReader(record, 4, bodyEnd - 4);
        int version = r.u8("version");
        if (version != VERSION) {
            throw new HdeException(Kind.UNSUPPORTED_VERSION, "dictionary record version " + version + ", this reader knows " + VERSION);
        }
        TrainedDictionary.Type type = TrainedDictionary.Type.fromId(r.u8("type"));
        int flags = r.u8("flags");
        if (flags != 0) {
            throw new HdeException(Kind.UNSUPPORTED_VERSION, "unknown dictionary record flags " + flags);
        }
        long id = r.u32("id");
        if (id == 0 || id > Integer.MAX_VALUE) {
            throw new HdeException(Kind.UNKNOWN_DICTIONARY, "dictionary id " + id + " outside 1..2^31-1");
        }
        long generation = r.varint64("generation");
        if (generation < 1) {
            throw new HdeException(Kind.LENGTH_MISMATCH, "dictionary generation 0");
        }
        long created = r.varint64("created");
        int classLength = r.varint("class length");
        if (classLength < 1 || classLength > TrainedDictionary.MAX_CLASS_BYTES) {
            throw new HdeException(Kind.BAD_KEY, "VM class of " + classLength + " bytes outside [1, " + TrainedDictionary.MAX_CLASS_BYTES + "]");
        }
        int contentLength = r.varint("content length");
        if (contentLength < 1 || contentLength > maxContentBytes) {
            throw new HdeException(Kind.LIMIT_EXCEEDED, "dictionary of " + contentLength + " bytes outside [1, " + maxContentBytes + "]");
        }
        if (r.remaining() != (long) classLength + contentLength) {
            throw new HdeException(r.remaining() < (long) classLength + contentLength ? Kind.TRUNCATED : Kind.TRAILING_BYTES,
                    "dictionary record has " + r.remaining() + " bytes for a class of " + classLength + " and content of " + contentLength);
        }
        int classAt = r.skip(classLength, "class");
        String vmClass;
        try {
            vmClass = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(record, classAt, classLength))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new HdeException(Kind.BAD_KEY, "VM class is not valid UTF-8");
        }
        int contentAt = r.skip(contentLength, "content");
        r.expectEnd("dictionary record");
        byte[] content = java.util.Arrays.copyOfRange(record, contentAt, contentAt + contentLength);
        if (type == TrainedDictionary.Type.ZSTD && !TrainedDictionary.hasZstdMagic(content)) {
            throw new HdeException(Kind.UNKNOWN_DICTIONARY, "zstd dictionary without the zstd dictionary magic");
        }
        int derived = TrainedDictionary.deriveId(vmClass, generation, type, content);
        if (derived != id) {
            throw new HdeException(Kind.CHECKSUM_MISMATCH, "dictionary id " + id + " does not name this content (it derives " + derived + ")");
        }
        return TrainedDictionary.trusted((int) id, vmClass, generation, type, created, content);
    }
}
