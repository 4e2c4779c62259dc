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
