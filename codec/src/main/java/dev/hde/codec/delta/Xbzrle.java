package dev.hde.codec.delta;

import dev.hde.codec.HdeException;
import dev.hde.codec.HdeException.Kind;
import dev.hde.codec.Pages;
import dev.hde.codec.wire.WireReader;
import dev.hde.codec.wire.WireWriter;
import java.util.Arrays;

/**
 * QEMU's XBZRLE page delta: pairs of (run of unchanged bytes, run of changed bytes followed by the
 * new bytes), lengths as unsigned LEB128 varints, the trailing unchanged run left out. As in QEMU
 * the encoding gives up (returns -1) as soon as it would not be smaller than the page, and the
 * caller sends the page raw.
 */
public final class Xbzrle {

    private Xbzrle() {}

    /**
     * Appends the XBZRLE encoding of {@code page} against {@code old} (both {@code len} bytes) to
     * {@code out}, or writes nothing and returns -1 when it would need {@code len} bytes or more.
     */
    public static int encode(byte[] old, int oldOff, byte[] page, int pageOff, int len, WireWriter out) {
        int start = out.position();
        int i = 0;
        while (i < len) {
            int zrun = Arrays.mismatch(old, oldOff + i, oldOff + len, page, pageOff + i, pageOff + len);
            if (zrun < 0) {
                break; // trailing unchanged bytes are implied
            }
            i += zrun;
            int nzrun = Pages.differingRunLength(old, oldOff + i, page, pageOff + i, len - i);
            // Worst-case size of this pair is 3 + 3 + nzrun; stop before it could reach a page.
            if (out.position() - start + 6 + nzrun >= len) {
                out.rewind(start);
                return -1;
            }
            out.varint(zrun).varint(nzrun).bytes(page, pageOff + i, nzrun);
            i += nzrun;
        }
        int n = out.position() - start;
        if (n >= len) {
            out.rewind(start);
            return -1;
        }
        return n;
    }

    /**
     * Applies an encoding read from {@code in} (exactly {@code encodedLen} bytes) to {@code page},
     * which holds the old content on entry. Runs that leave the page are a typed error.
     */
    public static void decode(WireReader in, int encodedLen, byte[] page, int len) {
        int end = in.position() + encodedLen;
        int i = 0;
        while (in.position() < end) {
            int zrun = in.varint("xbzrle zero run");
            int nzrun = in.varint("xbzrle run");
            if (nzrun == 0 || (long) i + zrun + nzrun > len) {
                throw new HdeException(Kind.LENGTH_MISMATCH, "xbzrle run leaves the page");
            }
            i += zrun;
            if (in.position() + nzrun > end) {
                throw new HdeException(Kind.TRUNCATED, "xbzrle run longer than its encoding");
            }
            int at = in.skip(nzrun, "xbzrle bytes");
            System.arraycopy(in.buffer(), at, page, i, nzrun);
            i += nzrun;
        }
        if (in.position() != end) {
            throw new HdeException(Kind.LENGTH_MISMATCH, "xbzrle encoding overran its length");
        }
    }
}
