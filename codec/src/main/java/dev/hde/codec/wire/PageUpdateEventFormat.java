package dev.hde.codec.wire;

import dev.hde.codec.HdeException;
import dev.hde.codec.HdeException.Kind;
import dev.hde.codec.Limits;
import dev.hde.codec.region.PageTable;
import dev.hde.codec.PageHash;
import java.nio.charset.StandardCharsets;
import java.util.OptionalLong;
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
    /** The version written when the event carries the producer's digest; version 1 (no digest) is still read and written without one. */
    public static final int VERSION = 2;
    public static final int VERSION_WITHOUT_DIGEST = 1;
    /** The last millisecond of the year 9999: later capture times are refused, so epochs and timers built on them cannot overflow. */
    public static final long MAX_CAPTURE_TIME_MILLIS = 253_402_300_799_999L;

    private PageUpdateEventFormat() {}

    public static byte[] write(PageUpdateEvent e) {
        byte[] key = e.stateKey().getBytes(StandardCharsets.UTF_8);
        int pageSize = e.pageSize();
        WireWriter out = new WireWriter(32 + key.length + e.indices().length * (pageSize + 2));
        out.u32(MAGIC)
                .u8(e.hasDigest() ? VERSION : VERSION_WITHOUT_DIGEST)
                .u8(e.kind().id())
                .u8(e.pageShift())
                .u8(0)
                .varint(key.length)
                .varint(e.regionPages())
                .varint64(e.sequence())
                .varint64(e.captureTimeMillis())
                .varint(e.indices().length);
        if (e.hasDigest()) {
            out.u64(e.digest().getAsLong());
        }
        out.bytes(key);
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
            long captureTimeMillis, int[] indices, int pagesOffset, OptionalLong digest) {}

    /**
     * Checks an event as {@link #parse} does, without copying its pages: what a validator needs to
     * route or refuse a record.
     */
    public static Checked check(byte[] bytes, Limits limits) {
        if (bytes.length < 4 + 4 + 4) { // magic, the four one-byte fields, the CRC
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
        if (version != VERSION && version != VERSION_WITHOUT_DIGEST) {
            throw new HdeException(Kind.UNSUPPORTED_VERSION, "event version " + version + ", this reader knows "
                    + VERSION_WITHOUT_DIGEST + " and " + VERSION);
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
        OptionalLong digest = version == VERSION ? OptionalLong.of(r.u64("digest")) : OptionalLong.empty();
        int keyAt = r.skip(keyLength, "state key");
        String key = FrameFormat.decodeKey(bytes, keyAt, keyLength);
        int pageSize = 1 << pageShift;
        switch (kind) {
            case DELETE -> {
                if (pageCount != 0 || regionPages != 0) {
                    throw new HdeException(Kind.LENGTH_MISMATCH, "a DELETE event carries no pages");
                }
                if (digest.isPresent() && digest.getAsLong() != 0) {
                    throw new HdeException(Kind.DIGEST_MISMATCH, "a DELETE event's digest must be 0");
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
        return new Checked(kind, key, pageShift, regionPages, sequence, time, indices, r.position(), digest);
    }

    /**
     * For a REGION event with a digest (version 2): checks that the digest is the region digest of
     * the pages the event carries, so an event that contradicts itself is refused
     * ({@link Kind#DIGEST_MISMATCH}) before anyone builds a keyframe from it. O(region): REGION
     * events only; a PAGES event's digest can only be checked against the region it updates.
     */
    public static void checkRegionDigest(byte[] bytes, Checked c) {
        if (c.kind() != EventKind.REGION || c.digest().isEmpty()) {
            return;
        }
        int pageSize = 1 << c.pageShift();
        long digest = 0;
        for (int i = 0; i < c.indices().length; i++) {
            digest ^= PageHash.of(i, bytes, c.pagesOffset() + i * pageSize, pageSize);
        }
        if (digest != c.digest().getAsLong()) {
            throw new HdeException(Kind.DIGEST_MISMATCH, String.format(
                    "REGION event of %s: its pages have digest %016x, the event says %016x", c.stateKey(), digest, c.digest().getAsLong()));
        }
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
                c.indices(), pages, c.digest());
    }
}
