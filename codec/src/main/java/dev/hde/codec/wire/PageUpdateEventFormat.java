package dev.hde.codec.wire;

import dev.hde.codec.HdeException;
import dev.hde.codec.HdeException.Kind;
import dev.hde.codec.Limits;
import dev.hde.codec.region.PageTable;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/**
 * The page-update event on the wire (see docs/wire-format.md): magic "HDEU", version, kind, page
 * shift, flags, varint fields, the state key, the page indices as gaps (PAGES only), the pages,
 * and a CRC32C. {@link #parse} refuses anything malformed with a typed error whose kind is the
 * dead-letter reason, and allocates nothing it has not checked against the limits and the bytes present.
 */
public final class PageUpdateEventFormat {

    /** "HDEU" in ASCII. */
    public static final int MAGIC = 0x55454448;
    public static final int VERSION = 1;
    /** The last millisecond of the year 9999: later capture times are refused, so epochs and timers built on them cannot overflow. */
    public static final long MAX_CAPTURE_TIME_MILLIS = 253_402_300_799_999L;

    private PageUpdateEventFormat() {}

    public static byte[] write(PageUpdateEvent e) {
        byte[] key = e.stateKey().getBytes(StandardCharsets.UTF_8);
        int pageSize = e.pageSize();
        WireWriter out = new WireWriter(32 + key.length + e.indices().length * (pageSize + 2));
        out.u32(MAGIC)
                .u8(VERSION)
                .u8(e.kind().id())
                .u8(e.pageShift())
                .u8(0)
                .varint(key.length)
                .varint(e.regionPages())
                .varint64(e.sequence())
                .varint64(e.captureTimeMillis())
                .varint(e.indices().length)
                .bytes(key);
        if (e.kind() == EventKind.PAGES) {
            PageTable.write(e.indices(), e.indices().length, e.regionPages(), false, out);
        }
        for (byte[] page : e.pages()) {
            if (page.length != pageSize) {
                throw new IllegalArgumentException("page of " + page.length + " bytes, expected " + pageSize);
            }
            out.bytes(page);
        }
        return FrameFormat.finish(out);
    }

    /** An event whose every field and length has been checked; its pages are still in the buffer. */
    public record Checked(EventKind kind, String stateKey, int pageShift, int regionPages, long sequence,
            long captureTimeMillis, int[] indices, int pagesOffset) {}

    /**
     * Checks an event as {@link #parse} does, without copying its pages: what a validator needs to
     * route or refuse a record.
     */
    public static Checked check(byte[] bytes, Limits limits) {
        if (bytes.length < 4 + 4 + 4) {
            throw new HdeException(Kind.TRUNCATED, "event of " + bytes.length + " bytes is shorter than any event");
        }
        if ((int) new WireReader(bytes, 0, 4).u32("magic") != MAGIC) {
            throw new HdeException(Kind.BAD_MAGIC, "not an HDE page-update event");
        }
        int bodyEnd = bytes.length - 4;
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, bodyEnd);
        if (new WireReader(bytes, bodyEnd, 4).u32("crc") != crc.getValue()) {
            throw new HdeException(Kind.CHECKSUM_MISMATCH, "event CRC32C does not match (truncated or corrupt event)");
        }
        WireReader r = new WireReader(bytes, 4, bodyEnd - 4);
        int version = r.u8("version");
        if (version != VERSION) {
            throw new HdeException(Kind.UNSUPPORTED_VERSION, "event version " + version + ", this reader knows " + VERSION);
        }
        EventKind kind = EventKind.fromId(r.u8("kind"));
        int pageShift = r.u8("page shift");
        limits.checkPageShift(pageShift);
        int flags = r.u8("flags");
        if (flags != 0) {
            throw new HdeException(Kind.UNSUPPORTED_VERSION, "unknown event flags " + flags);
        }
        int keyLength = r.varint("key length");
        limits.checkKeyBytes(keyLength);
        int regionPages = r.varint("region pages");
        limits.checkRegion(regionPages, pageShift);
        long sequence = r.varint64("sequence");
        long time = r.varint64("capture time");
        if (time > MAX_CAPTURE_TIME_MILLIS) {
            throw new HdeException(Kind.LIMIT_EXCEEDED, "capture time " + time + " ms is after the year 9999");
        }
        int pageCount = r.varint("page count");
        int keyAt = r.skip(keyLength, "state key");
        String key = FrameFormat.decodeKey(bytes, keyAt, keyLength);
        int pageSize = 1 << pageShift;
        switch (kind) {
            case DELETE -> {
                if (pageCount != 0 || regionPages != 0) {
                    throw new HdeException(Kind.LENGTH_MISMATCH, "a DELETE event carries no pages");
                }
            }
            case REGION -> {
                if (pageCount != regionPages) {
                    throw new HdeException(Kind.LENGTH_MISMATCH, "REGION event with " + pageCount + " of " + regionPages + " pages");
                }
            }
            case PAGES -> {
                if (pageCount > regionPages) {
                    throw new HdeException(Kind.LENGTH_MISMATCH, pageCount + " pages in a region of " + regionPages);
                }
            }
        }
        long pageBytes = (long) pageCount * pageSize;
        int[] indices;
        if (kind == EventKind.PAGES) {
            // The gaps take at least one byte each, so pageCount is bounded by the bytes present before we allocate.
            if (pageCount > r.remaining()) {
                throw new HdeException(Kind.TRUNCATED, pageCount + " page indices cannot fit in " + r.remaining() + " bytes");
            }
            int tableBytes = (int) (r.remaining() - pageBytes);
            if (tableBytes < 0) {
                throw new HdeException(Kind.LENGTH_MISMATCH, pageCount + " pages of " + pageSize + " bytes do not fit in the event");
            }
            int at = r.skip(tableBytes, "page indices");
            indices = PageTable.read(bytes, at, tableBytes, pageCount, regionPages, false);
        } else {
            indices = new int[pageCount];
            java.util.Arrays.setAll(indices, i -> i);
        }
        if (r.remaining() != pageBytes) {
            throw new HdeException(r.remaining() < pageBytes ? Kind.TRUNCATED : Kind.TRAILING_BYTES,
                    pageCount + " pages need " + pageBytes + " bytes, " + r.remaining() + " present");
        }
        return new Checked(kind, key, pageShift, regionPages, sequence, time, indices, r.position());
    }

    public static PageUpdateEvent parse(byte[] bytes, Limits limits) {
        Checked c = check(bytes, limits);
        int pageSize = 1 << c.pageShift();
        int pageCount = c.indices().length;
        byte[][] pages = new byte[pageCount][];
        for (int i = 0; i < pageCount; i++) {
            int at = c.pagesOffset() + i * pageSize;
            pages[i] = java.util.Arrays.copyOfRange(bytes, at, at + pageSize);
        }
        return new PageUpdateEvent(c.kind(), c.stateKey(), c.pageShift(), c.regionPages(), c.sequence(), c.captureTimeMillis(),
                c.indices(), pages);
    }
}
