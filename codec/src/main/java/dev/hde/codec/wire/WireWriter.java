package dev.hde.codec.wire;

import java.util.Arrays;

/** Growable little-endian byte sink: the writing half of {@link WireReader}. */
public final class WireWriter {

    private byte[] buf;
    private int pos;

    public WireWriter(int initialCapacity) {
        buf = new byte[Math.max(16, initialCapacity)];
    }

    public int position() {
        return pos;
    }

    public byte[] buffer() {
        return buf;
    }

    /** Makes room for {@code n} more bytes and returns the offset they start at. */
    public int reserve(int n) {
        ensure(n);
        int at = pos;
        pos += n;
        return at;
    }

    /** Forgets everything written after {@code position}. */
    public void rewind(int position) {
        if (position < 0 || position > pos) {
            throw new IllegalArgumentException("rewind to " + position + " from " + pos);
        }
        pos = position;
    }

    private void ensure(int n) {
        if (buf.length - pos < n) {
            long want = Math.max((long) buf.length * 2, (long) pos + n);
            if (want > Integer.MAX_VALUE - 8) {
                throw new IllegalStateException("buffer over 2 GiB");
            }
            buf = Arrays.copyOf(buf, (int) want);
        }
    }

    public WireWriter u8(int v) {
        ensure(1);
        buf[pos++] = (byte) v;
        return this;
    }

    public WireWriter u16(int v) {
        ensure(2);
        buf[pos++] = (byte) v;
        buf[pos++] = (byte) (v >>> 8);
        return this;
    }

    public WireWriter u32(long v) {
        ensure(4);
        putU32(buf, pos, v);
        pos += 4;
        return this;
    }

    public WireWriter u64(long v) {
        ensure(8);
        for (int i = 0; i < 8; i++) {
            buf[pos++] = (byte) (v >>> (8 * i));
        }
        return this;
    }

    public WireWriter varint(int v) {
        if (v < 0) {
            throw new IllegalArgumentException("negative varint " + v);
        }
        ensure(5);
        while ((v & ~0x7F) != 0) {
            buf[pos++] = (byte) ((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        buf[pos++] = (byte) v;
        return this;
    }

    public WireWriter varint64(long v) {
        if (v < 0) {
            throw new IllegalArgumentException("negative varint " + v);
        }
        ensure(9);
        while ((v & ~0x7FL) != 0) {
            buf[pos++] = (byte) ((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        buf[pos++] = (byte) v;
        return this;
    }

    public WireWriter bytes(byte[] src, int off, int len) {
        ensure(len);
        System.arraycopy(src, off, buf, pos, len);
        pos += len;
        return this;
    }

    public WireWriter bytes(byte[] src) {
        return bytes(src, 0, src.length);
    }

    public static void putU32(byte[] b, int at, long v) {
        b[at] = (byte) v;
        b[at + 1] = (byte) (v >>> 8);
        b[at + 2] = (byte) (v >>> 16);
        b[at + 3] = (byte) (v >>> 24);
    }

    public byte[] toByteArray() {
        return Arrays.copyOf(buf, pos);
    }
}
