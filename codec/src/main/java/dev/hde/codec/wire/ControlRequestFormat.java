package dev.hde.codec.wire;

import dev.hde.codec.HdeException;
import dev.hde.codec.HdeException.Kind;
import dev.hde.codec.Limits;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/**
 * The control request on the wire (magic "HDEQ", docs/wire-format.md): little-endian, a CRC32C at
 * the end, every length checked against the limits and the bytes present before anything is
 * allocated, as for events and frames.
 */
public final class ControlRequestFormat {

    /** "HDEQ" in ASCII. */
    public static final int MAGIC = 0x51454448;
    public static final int VERSION = 1;
    /** Longest requester name, in UTF-8 bytes. */
    public static final int MAX_REQUESTER_BYTES = 255;

    private ControlRequestFormat() {}

    public static byte[] write(ControlRequest q) {
        byte[] key = q.stateKey().getBytes(StandardCharsets.UTF_8);
        byte[] requester = q.requester().getBytes(StandardCharsets.UTF_8);
        if (requester.length > MAX_REQUESTER_BYTES) {
            throw new IllegalArgumentException("requester name of " + requester.length + " bytes, at most " + MAX_REQUESTER_BYTES);
        }
        WireWriter out = new WireWriter(48 + key.length + requester.length);
        out.u32(MAGIC)
                .u8(VERSION)
                .u8(q.kind().id())
                .u8(q.reason().id())
                .u8(0)
                .varint(key.length)
                .varint64(q.lastGoodSequence())
                .varint64(q.sequence())
                .varint64(q.timeMillis())
                .varint(q.attempt())
                .varint(requester.length)
                .bytes(key)
                .bytes(requester);
        return FrameFormat.finish(out);
    }

    public static ControlRequest read(byte[] bytes, Limits limits) {
        if (bytes == null || bytes.length < 4 + 4 + 4) {
            throw new HdeException(Kind.TRUNCATED, "control request of " + (bytes == null ? 0 : bytes.length) + " bytes is shorter than any");
        }
        if ((int) new WireReader(bytes, 0, 4).u32("magic") != MAGIC) {
            throw new HdeException(Kind.BAD_MAGIC, "not an HDE control request");
        }
        int bodyEnd = bytes.length - 4;
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, bodyEnd);
        if (new WireReader(bytes, bodyEnd, 4).u32("crc") != crc.getValue()) {
            throw new HdeException(Kind.CHECKSUM_MISMATCH, "control request CRC32C does not match (truncated or corrupt)");
        }
        WireReader r = new WireReader(bytes, 4, bodyEnd - 4);
        int version = r.u8("version");
        if (version != VERSION) {
            throw new HdeException(Kind.UNSUPPORTED_VERSION, "control request version " + version + ", this reader knows " + VERSION);
        }
        ControlRequest.Kind kind = ControlRequest.Kind.fromId(r.u8("kind"));
        ControlRequest.Reason reason = ControlRequest.Reason.fromId(r.u8("reason"));
        int flags = r.u8("flags");
        if (flags != 0) {
            throw new HdeException(Kind.UNSUPPORTED_VERSION, "unknown control request flags " + flags);
        }
        int keyLength = r.varint("key length");
        limits.checkKeyBytes(keyLength);
        long lastGood = r.varint64("last good sequence");
        long sequence = r.varint64("sequence");
        long time = r.varint64("time");
        int attempt = r.varint("attempt");
        if (attempt < 1) {
            throw new HdeException(Kind.LENGTH_MISMATCH, "attempt " + attempt + " (they count from 1)");
        }
        int requesterLength = r.varint("requester length");
        if (requesterLength > MAX_REQUESTER_BYTES) {
            throw new HdeException(Kind.LIMIT_EXCEEDED, "requester name of " + requesterLength + " bytes, at most " + MAX_REQUESTER_BYTES);
        }
        int keyAt = r.skip(keyLength, "state key");
        String key = FrameFormat.decodeKey(bytes, keyAt, keyLength);
        int requesterAt = r.skip(requesterLength, "requester");
        String requester = requesterLength == 0 ? "" : FrameFormat.decodeKey(bytes, requesterAt, requesterLength);
        r.expectEnd("control request");
        return new ControlRequest(kind, key, reason, lastGood, sequence, time, attempt, requester);
    }
}
