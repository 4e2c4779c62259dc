package dev.hde.codec.region;

import dev.hde.codec.HdeException;
import dev.hde.codec.HdeException.Kind;
import dev.hde.codec.wire.FrameFormat;
import dev.hde.codec.wire.WireReader;
import dev.hde.codec.wire.WireWriter;

/**
 * The list of page indices a frame carries, in increasing order, written as whichever is smaller:
 * a bitmap over the region or the gaps between indices as varints (first index, then
 * {@code index - previous - 1}).
 */
public final class PageTable {

    private PageTable() {}

    /** True when the bitmap form is no larger than the gap list for these indices. */
    public static boolean preferBitmap(int[] indices, int count, int regionPages) {
        long gapBytes = 0;
        int prev = -1;
        for (int i = 0; i < count; i++) {
            gapBytes += varintSize(indices[i] - prev - 1);
            prev = indices[i];
        }
        return FrameFormat.bitmapBytes(regionPages) <= gapBytes;
    }

    public static void write(int[] indices, int count, int regionPages, boolean bitmap, WireWriter out) {
        if (bitmap) {
            int at = out.reserve(FrameFormat.bitmapBytes(regionPages));
            byte[] b = out.buffer();
            java.util.Arrays.fill(b, at, at + FrameFormat.bitmapBytes(regionPages), (byte) 0);
            for (int i = 0; i < count; i++) {
                b[at + (indices[i] >>> 3)] |= (byte) (1 << (indices[i] & 7));
            }
        } else {
            int prev = -1;
            for (int i = 0; i < count; i++) {
                out.varint(indices[i] - prev - 1);
                prev = indices[i];
            }
        }
    }

    /** Reads exactly {@code tableBytes} bytes holding exactly {@code pageCount} indices below {@code regionPages}. */
    public static int[] read(byte[] buf, int off, int tableBytes, int pageCount, int regionPages, boolean bitmap) {
        int[] indices = new int[pageCount]; // pageCount was checked against regionPages and the limits
        int n = 0;
        if (bitmap) {
            if (tableBytes != FrameFormat.bitmapBytes(regionPages)) {
                throw new HdeException(Kind.LENGTH_MISMATCH, "bitmap of " + tableBytes + " bytes for " + regionPages + " pages");
            }
            for (int byteIx = 0; byteIx < tableBytes; byteIx++) {
                int bits = buf[off + byteIx] & 0xFF;
                while (bits != 0) {
                    int page = byteIx * 8 + Integer.numberOfTrailingZeros(bits);
                    bits &= bits - 1;
                    if (page >= regionPages) {
                        throw new HdeException(Kind.PAGE_INDEX_OUT_OF_RANGE, "bitmap marks page " + page + " of " + regionPages);
                    }
                    if (n == pageCount) {
                        throw new HdeException(Kind.LENGTH_MISMATCH, "bitmap marks more than " + pageCount + " pages");
                    }
                    indices[n++] = page;
                }
            }
        } else {
            WireReader r = new WireReader(buf, off, tableBytes);
            long prev = -1;
            while (n < pageCount) {
                long page = prev + 1 + r.varint("page index gap");
                if (page >= regionPages) {
                    throw new HdeException(Kind.PAGE_INDEX_OUT_OF_RANGE, "page " + page + " of " + regionPages);
                }
                indices[n++] = (int) page;
                prev = page;
            }
            r.expectEnd("page table");
        }
        if (n != pageCount) {
            throw new HdeException(Kind.LENGTH_MISMATCH, "page table lists " + n + " pages, header says " + pageCount);
        }
        return indices;
    }

    static int varintSize(int v) {
        return v < 1 << 7 ? 1 : v < 1 << 14 ? 2 : v < 1 << 21 ? 3 : v < 1 << 28 ? 4 : 5;
    }
}
