package dev.hde.codec;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/** Small page-level helpers shared by the encoder, the decoder and the digest. */
public final class Pages {

    private static final byte[] ZEROS = new byte[1 << Limits.MAX_PAGE_SHIFT];
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private Pages() {}

    /** True when every byte of {@code page[off, off+len)} is zero. */
    public static boolean isZero(byte[] page, int off, int len) {
        return Arrays.mismatch(page, off, off + len, ZEROS, 0, len) < 0;
    }

    public static boolean isZero(byte[] page) {
        return isZero(page, 0, page.length);
    }

    private static final long LOW_BITS = 0x0101010101010101L;
    private static final long HIGH_BITS = 0x8080808080808080L;
    /** Bytes compared one at a time before {@link #differingRunLength} goes eight at a time. */
    private static final int SCALAR_PREFIX = 8;

    /**
     * How many bytes from the start of {@code a[aOff, aOff+len)} and {@code b[bOff, bOff+len)} differ
     * before the first pair that is equal (0 when the first pair is; {@code len} when none is): the
     * length of a run of changed bytes. Eight bytes at a time: a byte of {@code x = a ^ b} is zero where
     * the two are equal, and {@code (x - 0x01..) & ~x & 0x80..} marks the lowest such byte exactly
     * (a borrow can only mark bytes above it), which in little-endian order is the first in memory.
     * The delta encoders spend most of their own time here on pages rewritten in long runs
     * (docs/benchmarks.md, "Finding runs of changed bytes").
     */
    public static int differingRunLength(byte[] a, int aOff, byte[] b, int bOff, int len) {
        // Most runs in memory are a few bytes (a counter, a pointer's low bytes): those cost no more than a byte loop.
        int i = 0;
        int scalar = Math.min(len, SCALAR_PREFIX);
        while (i < scalar && a[aOff + i] != b[bOff + i]) {
            i++;
        }
        if (i < scalar || i == len) {
            return i;
        }
        for (; i + 8 <= len; i += 8) {
            long x = (long) LONGS.get(a, aOff + i) ^ (long) LONGS.get(b, bOff + i);
            long equalBytes = (x - LOW_BITS) & ~x & HIGH_BITS;
            if (equalBytes != 0) {
                return i + (Long.numberOfTrailingZeros(equalBytes) >>> 3);
            }
        }
        while (i < len && a[aOff + i] != b[bOff + i]) {
            i++;
        }
        return i;
    }

    /** {@code dst[dstOff + i] = a[aOff + i] ^ b[bOff + i]}; a null {@code a} counts as zeros. */
    public static void xor(byte[] a, int aOff, byte[] b, int bOff, byte[] dst, int dstOff, int len) {
        if (a == null) {
            System.arraycopy(b, bOff, dst, dstOff, len);
            return;
        }
        int i = 0;
        for (; i + 8 <= len; i += 8) {
            LONGS.set(dst, dstOff + i, (long) LONGS.get(a, aOff + i) ^ (long) LONGS.get(b, bOff + i));
        }
        for (; i < len; i++) {
            dst[dstOff + i] = (byte) (a[aOff + i] ^ b[bOff + i]);
        }
    }
}
