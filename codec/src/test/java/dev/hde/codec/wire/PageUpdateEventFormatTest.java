package dev.hde.codec.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.hde.codec.HdeException;
import dev.hde.codec.HdeException.Kind;
import dev.hde.codec.Limits;
import dev.hde.codec.testing.FrameSurgery;
import dev.hde.codec.testing.PagePatterns;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PageUpdateEventFormatTest {

    static final Limits LIMITS = Limits.DEFAULT;

    /** A random event; most carry a digest (version 2), a REGION event the true digest of its pages, the rest version 1. */
    static PageUpdateEvent randomEvent(long seed) {
        PageUpdateEvent e = randomEventWithoutDigest(seed);
        SplittableRandom rnd = new SplittableRandom(~seed);
        if (rnd.nextInt(4) == 0) {
            return e;
        }
        return switch (e.kind()) {
            case DELETE -> e.withDigest(0);
            case REGION -> e.withDigest(digestOf(e.pages()));
            case PAGES -> e.withDigest(rnd.nextLong());
        };
    }

    static long digestOf(byte[][] pages) {
        long d = 0;
        for (int i = 0; i < pages.length; i++) {
            d ^= dev.hde.codec.PageHash.of(i, pages[i]);
        }
        return d;
    }

    static PageUpdateEvent randomEventWithoutDigest(long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        int shift = 9 + rnd.nextInt(4);
        PagePatterns g = new PagePatterns(rnd.nextLong(), 1 << shift);
        String key = "vm-" + rnd.nextInt(1000) + "/r" + rnd.nextInt(10_000) + (rnd.nextInt(4) == 0 ? "/é✓" : "");
        long seq = rnd.nextInt(3) == 0 ? Long.MAX_VALUE - rnd.nextInt(10) : rnd.nextLong(1L << 40);
        long time = 1_600_000_000_000L + rnd.nextLong(1L << 36);
        switch (rnd.nextInt(5)) {
            case 0 -> {
                int n = rnd.nextInt(20);
                byte[][] pages = new byte[n][];
                for (int i = 0; i < n; i++) {
                    pages[i] = g.anyPage();
                }
                return PageUpdateEvent.region(key, shift, seq, time, pages);
            }
            case 1 -> {
                return PageUpdateEvent.delete(key, shift, seq, time);
            }
            default -> {
                int regionPages = 1 + rnd.nextInt(rnd.nextBoolean() ? 40 : 300_000 / 8);
                int n = Math.min(regionPages, rnd.nextInt(12));
                int[] idx = rnd.ints(n * 3L, 0, regionPages).distinct().limit(n).sorted().toArray();
                byte[][] pages = new byte[idx.length][];
                for (int i = 0; i < idx.length; i++) {
                    pages[i] = g.anyPage();
                }
                return PageUpdateEvent.pages(key, shift, regionPages, seq, time, idx, pages);
            }
        }
    }

    static Kind kind(byte[] bytes) {
        return kind(bytes, LIMITS);
    }

    static Kind kind(byte[] bytes, Limits limits) {
        Throwable t = catchThrowable(() -> PageUpdateEventFormat.parse(bytes, limits));
        assertThat(t).as("parse must refuse %s", FrameSurgery.hex(Arrays.copyOf(bytes, Math.min(bytes.length, 40))))
                .isInstanceOf(HdeException.class);
        return ((HdeException) t).kind();
    }

    /** An event body (no CRC) written field by field, for malformed events. */
    static WireWriter header(int version, int kind, int shift, int flags, int keyLen, int regionPages, long seq, long time, int count) {
        return new WireWriter(64).u32(PageUpdateEventFormat.MAGIC).u8(version).u8(kind).u8(shift).u8(flags)
                .varint(keyLen).varint(regionPages).varint64(seq).varint64(time).varint(count);
    }

    static byte[] seal(WireWriter w) {
        return FrameFormat.finish(w);
    }

    static final byte[] KEY = "vm-1/r0".getBytes(StandardCharsets.UTF_8);

    static byte[] pagesEvent() {
        PagePatterns g = new PagePatterns(3, 512);
        return PageUpdateEventFormat.write(PageUpdateEvent.pages("vm-1/r0", 9, 10, 5, 6, new int[] {2, 7}, new byte[][] {g.textPage(), g.heapPage()}));
    }

    // ------------------------------------------------------------------ round trips

    @Test
    void randomEventsRoundTrip() {
        for (int i = 0; i < 300; i++) {
            long seed = 0xE7E7L + i;
            PageUpdateEvent e = randomEvent(seed);
            byte[] bytes = PageUpdateEventFormat.write(e);
            PageUpdateEvent back = PageUpdateEventFormat.parse(bytes, LIMITS);
            assertThat(back).as("seed %d: %s", seed, e).isEqualTo(e);
            assertThat(PageUpdateEventFormat.write(back)).as("seed %d", seed).isEqualTo(bytes);
            if (e.kind() != EventKind.DELETE) {
                assertThat(back.toPageUpdate().indices()).isEqualTo(e.indices());
                assertThat(back.toPageUpdate().regionPages()).isEqualTo(e.regionPages());
            }
        }
    }

    @Test
    void boundaryValuesRoundTrip() {
        byte[] big = new PagePatterns(1, 1 << 16).randomPage();
        int mostPages = (int) Math.min(LIMITS.maxRegionPages(), LIMITS.maxRegionBytes() >> 16);
        PageUpdateEvent e = PageUpdateEvent.pages("k", 16, mostPages, Long.MAX_VALUE, 0,
                new int[] {0, mostPages - 1}, new byte[][] {big, big});
        assertThat(PageUpdateEventFormat.parse(PageUpdateEventFormat.write(e), LIMITS)).isEqualTo(e);
        PageUpdateEvent over = PageUpdateEvent.pages("k", 16, mostPages + 1, 1, 0, new int[] {0}, new byte[][] {big});
        assertThat(kind(PageUpdateEventFormat.write(over), LIMITS)).isEqualTo(Kind.LIMIT_EXCEEDED);
        String longKey = "x".repeat(LIMITS.maxKeyBytes());
        PageUpdateEvent k = PageUpdateEvent.delete(longKey, 12, 0, 0);
        assertThat(PageUpdateEventFormat.parse(PageUpdateEventFormat.write(k), LIMITS)).isEqualTo(k);
        PageUpdateEvent empty = PageUpdateEvent.region("k", 12, 1, 1, new byte[0][]);
        assertThat(PageUpdateEventFormat.parse(PageUpdateEventFormat.write(empty), LIMITS)).isEqualTo(empty);
        PageUpdateEvent none = PageUpdateEvent.pages("k", 12, 7, 1, 1, new int[0], new byte[0][]);
        assertThat(PageUpdateEventFormat.parse(PageUpdateEventFormat.write(none), LIMITS)).isEqualTo(none);
    }

    @Test
    void everyBitFlipAndEveryTruncationIsRefused() {
        for (int i = 0; i < 6; i++) {
            long seed = 0xF1F1L + i;
            PageUpdateEvent e = randomEvent(seed);
            if (e.pages().length > 3) {
                continue; // keep it quick
            }
            byte[] bytes = PageUpdateEventFormat.write(e);
            for (int bit = 0; bit < bytes.length * 8; bit++) {
                byte[] bad = bytes.clone();
                bad[bit >>> 3] ^= (byte) (1 << (bit & 7));
                kind(bad);
            }
            for (int len = 0; len < bytes.length; len++) {
                kind(Arrays.copyOf(bytes, len));
            }
        }
    }

    /** A flipped bit behind a valid CRC: refused with a typed error, or parsed into a well-formed event. */
    @Test
    void bitFlipsBehindAValidCrcNeverEscapeAsOtherExceptions() {
        byte[] bytes = pagesEvent();
        for (int bit = 0; bit < (bytes.length - 4) * 8; bit++) {
            byte[] bad = bytes.clone();
            bad[bit >>> 3] ^= (byte) (1 << (bit & 7));
            byte[] sealed = FrameSurgery.withCrc(bad);
            Throwable t = catchThrowable(() -> {
                PageUpdateEvent e = PageUpdateEventFormat.parse(sealed, LIMITS);
                assertThat(e.indices()).hasSameSizeAs(e.pages());
                for (int i = 0; i < e.indices().length; i++) {
                    assertThat(e.indices()[i]).isBetween(0, e.regionPages() - 1);
                    assertThat(i == 0 || e.indices()[i] > e.indices()[i - 1]).isTrue();
                    assertThat(e.pages()[i]).hasSize(e.pageSize());
                }
            });
            if (t != null && !(t instanceof HdeException)) {
                throw new AssertionError("bit " + bit + ": " + t, t);
            }
        }
    }

    // ------------------------------------------------------------------ each malformed case

    @Test
    void badMagic() {
        byte[] b = pagesEvent();
        b[0] ^= 1;
        assertThat(kind(b)).isEqualTo(Kind.BAD_MAGIC);
        // a frame is not an event
        byte[] frame = seal(new WireWriter(32).u32(FrameFormat.MAGIC).u8(1).u8(1).u8(12).u8(0).varint(1).varint(0)
                .varint64(0).varint64(0).varint(0).u8('k'));
        assertThat(kind(frame)).isEqualTo(Kind.BAD_MAGIC);
    }

    @Test
    void crcMismatch() {
        byte[] b = pagesEvent();
        b[b.length - 1] ^= 0x10;
        assertThat(kind(b)).isEqualTo(Kind.CHECKSUM_MISMATCH);
        byte[] c = pagesEvent();
        c[30] ^= 0x10;
        assertThat(kind(c)).isEqualTo(Kind.CHECKSUM_MISMATCH);
    }

    @Test
    void unsupportedVersion() {
        assertThat(kind(FrameSurgery.setByte(pagesEvent(), 4, 3))).isEqualTo(Kind.UNSUPPORTED_VERSION);
        assertThat(kind(FrameSurgery.setByte(pagesEvent(), 4, 0))).isEqualTo(Kind.UNSUPPORTED_VERSION);
        assertThat(kind(FrameSurgery.setByte(pagesEvent(), 4, 255))).isEqualTo(Kind.UNSUPPORTED_VERSION);
    }

    @Test
    void unknownKind() {
        assertThat(kind(FrameSurgery.setByte(pagesEvent(), 5, 0))).isEqualTo(Kind.UNKNOWN_TYPE);
        assertThat(kind(FrameSurgery.setByte(pagesEvent(), 5, 4))).isEqualTo(Kind.UNKNOWN_TYPE);
        assertThat(kind(FrameSurgery.setByte(pagesEvent(), 5, 0xff))).isEqualTo(Kind.UNKNOWN_TYPE);
    }

    @Test
    void unknownFlags() {
        assertThat(kind(FrameSurgery.setByte(pagesEvent(), 7, 1))).isEqualTo(Kind.UNSUPPORTED_VERSION);
    }

    @Test
    void pageShiftOverOrUnderTheLimit() {
        assertThat(kind(FrameSurgery.setByte(pagesEvent(), 6, 17))).isEqualTo(Kind.LIMIT_EXCEEDED);
        assertThat(kind(FrameSurgery.setByte(pagesEvent(), 6, 8))).isEqualTo(Kind.LIMIT_EXCEEDED);
        assertThat(kind(FrameSurgery.setByte(pagesEvent(), 6, 255))).isEqualTo(Kind.LIMIT_EXCEEDED);
        // a receiver configured for 4 KiB pages at most
        byte[] e64k = PageUpdateEventFormat.write(PageUpdateEvent.delete("k", 16, 1, 1));
        assertThat(kind(e64k, new Limits(12, 1000, 100))).isEqualTo(Kind.LIMIT_EXCEEDED);
    }

    @Test
    void regionOverTheLimit() {
        byte[] b = seal(header(1, EventKind.PAGES.id(), 12, 0, 1, LIMITS.maxRegionPages() + 1, 0, 0, 0).u8('k'));
        assertThat(kind(b)).isEqualTo(Kind.LIMIT_EXCEEDED);
        byte[] huge = seal(header(1, EventKind.PAGES.id(), 12, 0, 1, Integer.MAX_VALUE, 0, 0, 0).u8('k'));
        assertThat(kind(huge)).isEqualTo(Kind.LIMIT_EXCEEDED);
        byte[] small = PageUpdateEventFormat.write(PageUpdateEvent.pages("k", 9, 11, 0, 0, new int[0], new byte[0][]));
        assertThat(kind(small, new Limits(16, 10, 100))).isEqualTo(Kind.LIMIT_EXCEEDED);
    }

    @Test
    void truncated() {
        byte[] full = pagesEvent();
        assertThat(kind(new byte[0])).isEqualTo(Kind.TRUNCATED);
        assertThat(kind(Arrays.copyOf(full, 11))).isEqualTo(Kind.TRUNCATED);
        // cut anywhere else: the CRC no longer matches
        assertThat(kind(Arrays.copyOf(full, full.length - 1))).isEqualTo(Kind.CHECKSUM_MISMATCH);
        // cut with a valid CRC: the lengths do not add up
        for (int cut = 12; cut < full.length; cut++) {
            byte[] body = Arrays.copyOf(full, cut - 4);
            assertThat(kind(FrameSurgery.seal(body))).as("body cut to %d bytes", cut - 4)
                    .isIn(Kind.TRUNCATED, Kind.LENGTH_MISMATCH, Kind.BAD_KEY, Kind.PAGE_INDEX_OUT_OF_RANGE, Kind.TRAILING_BYTES);
        }
        // the last page one byte short (the index list comes up short first)
        byte[] body = FrameSurgery.body(full);
        assertThat(kind(FrameSurgery.seal(Arrays.copyOf(body, body.length - 1)))).isEqualTo(Kind.TRUNCATED);
        // one page short: the page bytes no longer fit beside the index list
        assertThat(kind(FrameSurgery.seal(Arrays.copyOf(body, body.length - 512)))).isEqualTo(Kind.LENGTH_MISMATCH);
        // a REGION event one page short
        byte[] region = FrameSurgery.body(PageUpdateEventFormat.write(PageUpdateEvent.region("k", 9, 1, 1, new byte[][] {new byte[512], new byte[512]})));
        assertThat(kind(FrameSurgery.seal(Arrays.copyOf(region, region.length - 512)))).isEqualTo(Kind.TRUNCATED);
        // a header cut in the middle of a varint
        byte[] cutVarint = seal(new WireWriter(16).u32(PageUpdateEventFormat.MAGIC).u8(1).u8(1).u8(12).u8(0).u8(0x81));
        assertThat(kind(cutVarint)).isEqualTo(Kind.TRUNCATED);
        // more page indices announced than bytes present
        byte[] manyIdx = seal(header(1, EventKind.PAGES.id(), 9, 0, 1, 1000, 0, 0, 900).u8('k').u8(0).u8(0));
        assertThat(kind(manyIdx)).isEqualTo(Kind.TRUNCATED);
    }

    @Test
    void trailingBytes() {
        byte[] body = FrameSurgery.body(pagesEvent());
        byte[] longer = Arrays.copyOf(body, body.length + 1);
        assertThat(kind(FrameSurgery.seal(longer))).isEqualTo(Kind.TRAILING_BYTES);
        byte[] region = FrameSurgery.body(PageUpdateEventFormat.write(PageUpdateEvent.region("k", 9, 1, 1, new byte[][] {new byte[512]})));
        assertThat(kind(FrameSurgery.seal(Arrays.copyOf(region, region.length + 3)))).isEqualTo(Kind.TRAILING_BYTES);
        byte[] delete = FrameSurgery.body(PageUpdateEventFormat.write(PageUpdateEvent.delete("k", 9, 1, 1)));
        assertThat(kind(FrameSurgery.seal(Arrays.copyOf(delete, delete.length + 1)))).isEqualTo(Kind.TRAILING_BYTES);
    }

    @Test
    void pageCountOverRegionPages() {
        byte[] b = seal(header(1, EventKind.PAGES.id(), 9, 0, KEY.length, 2, 0, 0, 3).bytes(KEY).u8(0).u8(0).u8(0)
                .bytes(new byte[3 * 512]));
        assertThat(kind(b)).isEqualTo(Kind.LENGTH_MISMATCH);
        // REGION must carry every page; DELETE none
        byte[] region = seal(header(1, EventKind.REGION.id(), 9, 0, KEY.length, 3, 0, 0, 2).bytes(KEY).bytes(new byte[2 * 512]));
        assertThat(kind(region)).isEqualTo(Kind.LENGTH_MISMATCH);
        byte[] delete = seal(header(1, EventKind.DELETE.id(), 9, 0, KEY.length, 0, 0, 0, 1).bytes(KEY).bytes(new byte[512]));
        assertThat(kind(delete)).isEqualTo(Kind.LENGTH_MISMATCH);
        byte[] deleteWithRegion = seal(header(1, EventKind.DELETE.id(), 9, 0, KEY.length, 4, 0, 0, 0).bytes(KEY));
        assertThat(kind(deleteWithRegion)).isEqualTo(Kind.LENGTH_MISMATCH);
    }

    @Test
    void pageIndexOutOfRange() {
        // region of 4 pages, one page at index 4
        byte[] b = seal(header(1, EventKind.PAGES.id(), 9, 0, KEY.length, 4, 0, 0, 1).bytes(KEY).varint(4).bytes(new byte[512]));
        assertThat(kind(b)).isEqualTo(Kind.PAGE_INDEX_OUT_OF_RANGE);
        // the gaps add up past the region: 1, then 1 + 2 + 1 = 4
        byte[] gaps = seal(header(1, EventKind.PAGES.id(), 9, 0, KEY.length, 4, 0, 0, 2).bytes(KEY).varint(1).varint(2)
                .bytes(new byte[2 * 512]));
        assertThat(kind(gaps)).isEqualTo(Kind.PAGE_INDEX_OUT_OF_RANGE);
        // a gap near 2^31 does not wrap around
        byte[] wrap = seal(header(1, EventKind.PAGES.id(), 9, 0, KEY.length, 4, 0, 0, 2).bytes(KEY).varint(3)
                .varint(Integer.MAX_VALUE).bytes(new byte[2 * 512]));
        assertThat(kind(wrap)).isEqualTo(Kind.PAGE_INDEX_OUT_OF_RANGE);
    }

    /**
     * Indices are written as gaps ({@code index - previous - 1}, unsigned), so a decreasing or
     * repeated index cannot be expressed on the wire: the writer refuses it, and every gap list a
     * reader accepts is strictly increasing (checked over random gap lists here).
     */
    @Test
    void decreasingIndices() {
        byte[][] two = {new byte[512], new byte[512]};
        assertThatThrownBy(() -> PageUpdateEventFormat.write(PageUpdateEvent.pages("k", 9, 10, 0, 0, new int[] {5, 3}, two)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PageUpdateEventFormat.write(PageUpdateEvent.pages("k", 9, 10, 0, 0, new int[] {4, 4}, two)))
                .isInstanceOf(IllegalArgumentException.class);
        SplittableRandom rnd = new SplittableRandom(77);
        for (int i = 0; i < 200; i++) {
            int n = 1 + rnd.nextInt(5);
            WireWriter w = header(1, EventKind.PAGES.id(), 9, 0, KEY.length, 16, 0, 0, n).bytes(KEY);
            for (int k = 0; k < n; k++) {
                w.varint(rnd.nextInt(6));
            }
            w.bytes(new byte[n * 512]);
            byte[] b = seal(w);
            Throwable t = catchThrowable(() -> {
                PageUpdateEvent e = PageUpdateEventFormat.parse(b, LIMITS);
                for (int k = 1; k < e.indices().length; k++) {
                    assertThat(e.indices()[k]).isGreaterThan(e.indices()[k - 1]);
                }
            });
            if (t != null) {
                assertThat(t).isInstanceOf(HdeException.class);
                assertThat(((HdeException) t).kind()).isEqualTo(Kind.PAGE_INDEX_OUT_OF_RANGE);
            }
        }
    }

    @Test
    void keyTooLongEmptyOrInvalidUtf8() {
        byte[] longKey = PageUpdateEventFormat.write(PageUpdateEvent.delete("x".repeat(101), 12, 1, 1));
        assertThat(kind(longKey, new Limits(16, 1000, 100))).isEqualTo(Kind.BAD_KEY);
        byte[] tooLongForDefault = seal(header(1, EventKind.DELETE.id(), 12, 0, LIMITS.maxKeyBytes() + 1, 0, 0, 0, 0)
                .bytes(new byte[LIMITS.maxKeyBytes() + 1]));
        assertThat(kind(tooLongForDefault)).isEqualTo(Kind.BAD_KEY);
        byte[] hugeKeyLength = seal(header(1, EventKind.DELETE.id(), 12, 0, Integer.MAX_VALUE, 0, 0, 0, 0));
        assertThat(kind(hugeKeyLength)).isEqualTo(Kind.BAD_KEY);
        byte[] empty = seal(header(1, EventKind.DELETE.id(), 12, 0, 0, 0, 0, 0, 0));
        assertThat(kind(empty)).isEqualTo(Kind.BAD_KEY);
        for (byte[] bad : new byte[][] {{(byte) 0xff}, {(byte) 0xc3}, {'a', (byte) 0x80}, {(byte) 0xed, (byte) 0xa0, (byte) 0x80}}) {
            byte[] b = seal(header(1, EventKind.DELETE.id(), 12, 0, bad.length, 0, 0, 0, 0).bytes(bad));
            assertThat(kind(b)).as("key %s", FrameSurgery.hex(bad)).isEqualTo(Kind.BAD_KEY);
        }
        // the key length runs past the end
        byte[] past = seal(header(1, EventKind.DELETE.id(), 12, 0, 50, 0, 0, 0, 0).u8('k'));
        assertThat(kind(past)).isEqualTo(Kind.TRUNCATED);
    }

    @Test
    void oversizedVarints() {
        // a 6-byte region varint, and a 5-byte one over 31 bits
        byte[] six = seal(new WireWriter(32).u32(PageUpdateEventFormat.MAGIC).u8(1).u8(1).u8(12).u8(0).varint(1)
                .u8(0x80).u8(0x80).u8(0x80).u8(0x80).u8(0x80).u8(0x00).varint64(0).varint64(0).varint(0).u8('k'));
        assertThat(kind(six)).isEqualTo(Kind.LENGTH_MISMATCH);
        byte[] over31 = seal(new WireWriter(32).u32(PageUpdateEventFormat.MAGIC).u8(1).u8(1).u8(12).u8(0).varint(1)
                .u8(0x80).u8(0x80).u8(0x80).u8(0x80).u8(0x08).varint64(0).varint64(0).varint(0).u8('k'));
        assertThat(kind(over31)).isEqualTo(Kind.LENGTH_MISMATCH);
        // a sequence number of 10 varint bytes (over 63 bits)
        WireWriter w = new WireWriter(32).u32(PageUpdateEventFormat.MAGIC).u8(1).u8(3).u8(12).u8(0).varint(1).varint(0);
        for (int i = 0; i < 9; i++) {
            w.u8(0xff);
        }
        byte[] seq = seal(w.u8(0x01).varint64(0).varint(0).u8('k'));
        assertThat(kind(seq)).isEqualTo(Kind.LENGTH_MISMATCH);
    }

    // ------------------------------------------------------------------ version 2: the producer's digest

    @Test
    void versionFollowsTheDigest() {
        byte[] v1 = pagesEvent();
        assertThat(v1[4]).isEqualTo((byte) PageUpdateEventFormat.VERSION_WITHOUT_DIGEST);
        assertThat(PageUpdateEventFormat.parse(v1, LIMITS).hasDigest()).isFalse();
        PageUpdateEvent e = PageUpdateEventFormat.parse(v1, LIMITS).withDigest(0x0123_4567_89AB_CDEFL);
        byte[] v2 = PageUpdateEventFormat.write(e);
        assertThat(v2[4]).isEqualTo((byte) PageUpdateEventFormat.VERSION);
        assertThat(v2).hasSize(v1.length + 8);
        PageUpdateEvent back = PageUpdateEventFormat.parse(v2, LIMITS);
        assertThat(back.digest()).hasValue(0x0123_4567_89AB_CDEFL);
        assertThat(back).isEqualTo(e);
        assertThat(PageUpdateEventFormat.check(v2, LIMITS).digest()).hasValue(0x0123_4567_89AB_CDEFL);
    }

    @Test
    void aWholeRegionMustHaveTheDigestOfItsPages() {
        PagePatterns g = new PagePatterns(11, 512);
        byte[][] pages = {g.textPage(), new byte[512], g.heapPage(), g.randomPage()};
        PageUpdateEvent region = PageUpdateEvent.region("vm-1/r0", 9, 4, 5, pages);
        byte[] good = PageUpdateEventFormat.write(region.withDigest(digestOf(pages)));
        PageUpdateEventFormat.checkRegionDigest(good, PageUpdateEventFormat.check(good, LIMITS));
        for (long wrong : new long[] {0, digestOf(pages) ^ 1, digestOf(new byte[][] {pages[0], pages[2], pages[1], pages[3]})}) {
            byte[] bad = PageUpdateEventFormat.write(region.withDigest(wrong));
            assertThatThrownBy(() -> PageUpdateEventFormat.checkRegionDigest(bad, PageUpdateEventFormat.check(bad, LIMITS)))
                    .isInstanceOf(HdeException.class)
                    .satisfies(t -> assertThat(((HdeException) t).kind()).isEqualTo(Kind.DIGEST_MISMATCH));
        }
        // a version 1 region and a PAGES event are not checked here (a PAGES digest needs the region it updates)
        byte[] v1 = PageUpdateEventFormat.write(region);
        PageUpdateEventFormat.checkRegionDigest(v1, PageUpdateEventFormat.check(v1, LIMITS));
        byte[] pagesV2 = PageUpdateEventFormat.write(PageUpdateEventFormat.parse(pagesEvent(), LIMITS).withDigest(42));
        PageUpdateEventFormat.checkRegionDigest(pagesV2, PageUpdateEventFormat.check(pagesV2, LIMITS));
    }

    @Test
    void aDeleteCarriesDigestZero() {
        byte[] ok = PageUpdateEventFormat.write(PageUpdateEvent.delete("vm-1/r0", 12, 3, 4).withDigest(0));
        assertThat(PageUpdateEventFormat.parse(ok, LIMITS).digest()).hasValue(0);
        byte[] bad = PageUpdateEventFormat.write(PageUpdateEvent.delete("vm-1/r0", 12, 3, 4).withDigest(7));
        assertThat(kind(bad)).isEqualTo(Kind.DIGEST_MISMATCH);
    }

    @Test
    void aVersion2EventCutInItsDigestIsRefused() {
        // header fields, then only 3 of the digest's 8 bytes and no key: nothing is read past the bytes present
        byte[] cut = seal(header(2, EventKind.DELETE.id(), 12, 0, 1, 0, 0, 0, 0).u8(1).u8(2).u8(3));
        assertThat(kind(cut)).isEqualTo(Kind.TRUNCATED);
        // the whole digest, no key
        byte[] noKey = seal(header(2, EventKind.DELETE.id(), 12, 0, 1, 0, 0, 0, 0).u64(0));
        assertThat(kind(noKey)).isEqualTo(Kind.TRUNCATED);
    }

    @Test
    void writerRefusesPagesOfTheWrongSize() {
        assertThatThrownBy(() -> PageUpdateEventFormat.write(PageUpdateEvent.pages("k", 12, 4, 0, 0, new int[] {1}, new byte[][] {new byte[512]})))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
