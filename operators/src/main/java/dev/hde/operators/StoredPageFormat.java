package dev.hde.operators;

import dev.hde.codec.HdeException;
import dev.hde.codec.HdeException.Kind;
import dev.hde.codec.Limits;
import dev.hde.codec.block.BlockCodec;
import dev.hde.codec.block.BlockCodecs;
import dev.hde.codec.block.CodecSpec;
import dev.hde.codec.wire.WireWriter;
import java.util.Arrays;

/**
 * How {@link PatchedPageStore} keeps a base page in state: LZ4-compressed when that is smaller, as it
 * is otherwise. Compressed once when the page is written, a page then costs RocksDB nothing to
 * compress when a memtable is flushed or when sorted runs are merged, which it otherwise does for
 * every stored byte at each of those steps (Snappy, Flink's default, gives up quickly on LZ4's
 * output and RocksDB then keeps such a block as it is, so reading it back decompresses nothing but
 * the page), and RocksDB's block cache holds the pages compressed.
 *
 * <pre>
 * a page      exactly its page size (a power of two from 2^9 to 2^16): the page as it is
 * compressed  any other length: one byte, log2 of the page size (0x80 set when the value ends in one
 *             padding byte), then the page as one LZ4 block (padded so that the value's length is
 *             never a page size)
 * </pre>
 *
 * State written before this format holds only whole pages, which read as they are.
 */
final class StoredPageFormat {

    private static final CodecSpec LZ4 = new CodecSpec(BlockCodec.LZ4, 0);
    private static final int PADDED = 0x80;
    private static final ThreadLocal<WireWriter> SCRATCH = ThreadLocal.withInitial(() -> new WireWriter(1 << 12));

    private StoredPageFormat() {}

    /** The value to store for {@code page} (a page of a valid page size): compressed if that is smaller, else the page itself. */
    static byte[] encode(byte[] page) {
        WireWriter out = SCRATCH.get();
        out.rewind(0);
        out.u8(Integer.numberOfTrailingZeros(page.length));
        int n = BlockCodecs.compress(LZ4, page, 0, page.length, null, out);
        int length = 1 + n;
        boolean padded = isPageSize(length);
        if (padded) {
            out.u8(0);
            length++;
        }
        if (length >= page.length) {
            return page;
        }
        byte[] stored = Arrays.copyOf(out.buffer(), length);
        if (padded) {
            stored[0] |= (byte) PADDED;
        }
        return stored;
    }

    /** The page a stored value holds; a value that is neither a page nor a valid compressed page is a typed error. */
    static byte[] decode(byte[] stored) {
        if (isPageSize(stored.length)) {
            return stored;
        }
        if (stored.length < 2) {
            throw new HdeException(Kind.TRUNCATED, "a stored page of " + stored.length + " bytes");
        }
        int header = stored[0] & 0xff;
        int shift = header & ~PADDED;
        if (shift < Limits.MIN_PAGE_SHIFT || shift > Limits.MAX_PAGE_SHIFT) {
            throw new HdeException(Kind.LENGTH_MISMATCH, "a stored page of 2^" + shift + " bytes, outside [2^"
                    + Limits.MIN_PAGE_SHIFT + ", 2^" + Limits.MAX_PAGE_SHIFT + "]");
        }
        int blockLength = stored.length - 1 - ((header & PADDED) != 0 ? 1 : 0);
        byte[] page = new byte[1 << shift];
        BlockCodecs.decompress(BlockCodec.LZ4, stored, 1, blockLength, page, 0, page.length, null);
        return page;
    }

    private static boolean isPageSize(int length) {
        return Integer.bitCount(length) == 1 && length >= 1 << Limits.MIN_PAGE_SHIFT && length <= 1 << Limits.MAX_PAGE_SHIFT;
    }
}
