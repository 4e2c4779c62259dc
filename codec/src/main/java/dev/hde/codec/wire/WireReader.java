package dev.hde.codec.wire;

import dev.hde.codec.HdeException;
import dev.hde.codec.HdeException.Kind;

/**
 * Little-endian reader over a byte range that never reads past its end: running out is a typed
 * {@link Kind#TRUNCATED} error, and a varint longer than its type is {@link Kind#LENGTH_MISMATCH}.
 */
public final class WireReader {

    private final byte[] buf;
    private final int end;
    private int pos;

    public WireReader(byte[] buf, int off, int len) {
        if (off < 0 || len < 0 || off + len > buf.length) {
            throw new IllegalArgumentException("range outside buffer");
        }
        this.buf = buf;
        this.pos = off;
        this.end = off + len;
    }

    public WireReader(byte[] buf) {
        this(buf, 0, buf.length);
    }

    public int position() {
        return pos;
    }

    public int remaining() {
        return end - pos;
    }

    public byte[] buffer() {
        return buf;
    }

    private void need(int n, String what) {
        if (n < 0 || end - pos < n) {
            throw new HdeException(Kind.TRUNCATED, what + " needs " + n + " bytes, " + (end - pos) + " left");
        }
    }

    public int u8(String what) {
        need(1, what);
        return buf[pos++] & 0xFF;
    }

    public int u16(String what) {
        need(2, what);
        int v = (buf[pos] & 0xFF) | (buf[pos + 1] & 0xFF) << 8;
        pos += 2;
        return v;
    }

    /** An unsigned 32-bit value, as a long so that no check can be fooled by a sign. */
    public long u32(String what) {
        need(4, what);
        long v = (buf[pos] & 0xFFL) | (buf[pos + 1] & 0xFFL) << 8 | (buf[pos + 2] & 0xFFL) << 16 | (buf[pos + 3] & 0xFFL) << 24;
        pos += 4;
        return v;
    }

    public long u64(String what) {
        need(8, what);
        long v = 0;
        for (int i = 7; i >= 0; i--) {
            v = v << 8 | (buf[pos + i] & 0xFFL);
        }
        pos += 8;
        return v;
    }

    /** An unsigned LEB128 varint of at most 5 bytes that must fit in 31 bits. */
    public int varint(String what) {
        int v = 0;
        for (int shift = 0; shift < 35; shift += 7) {
            int b = u8(what);
            v |= (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                if (shift == 28 && (b & 0x78) != 0) {
                    break;
                }
                if (b == 0 && shift > 0) {
                    throw notMinimal(what);
                }
                return v;
            }
        }
        throw new HdeException(Kind.LENGTH_MISMATCH, what + ": varint does not fit in 31 bits");
    }

    /** An unsigned LEB128 varint of at most 9 bytes that must fit in 63 bits (never negative). */
    public long varint64(String what) {
        long v = 0;
        for (int shift = 0; shift < 63; shift += 7) {
            int b = u8(what);
            v |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                if (b == 0 && shift > 0) {
                    throw notMinimal(what);
                }
                return v;
            }
        }
        throw new HdeException(Kind.LENGTH_MISMATCH, what + ": varint does not fit in 63 bits");
    }

    /** Every value has one encoding: a varint whose last byte is 0 (after others) could have been shorter. */
    private static HdeException notMinimal(String what) {
        return new HdeException(Kind.LENGTH_MISMATCH, what + ": varint is longer than its value needs (not minimal)");
    }

    /** Skips {@code n} bytes and returns the offset where they start. */
    public int skip(int n, String what) {
        need(n, what);
        int at = pos;
        pos += n;
        return at;
    }

    public void expectEnd(String what) {
        if (pos != end) {
            throw new HdeException(Kind.TRAILING_BYTES, what + ": " + (end - pos) + " unexpected bytes at the end");
        }
    }
}
