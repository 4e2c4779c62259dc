package dev.hde.codec.delta;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.hde.codec.HdeException;
import dev.hde.codec.HdeException.Kind;
import dev.hde.codec.testing.PagePatterns;
import dev.hde.codec.wire.WireReader;
import dev.hde.codec.wire.WireWriter;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class XbzrleTest {

    static final HexFormat HEX = HexFormat.of();

    static byte[] encode(byte[] old, byte[] page) {
        WireWriter out = new WireWriter(16);
        int n = Xbzrle.encode(old, 0, page, 0, page.length, out);
        if (n < 0) {
            assertThat(out.position()).as("nothing written when giving up").isZero();
            return null;
        }
        assertThat(out.position()).isEqualTo(n);
        return out.toByteArray();
    }

    static byte[] decode(byte[] old, byte[] encoded) {
        byte[] page = old.clone();
        Xbzrle.decode(new WireReader(encoded), encoded.length, page, page.length);
        return page;
    }

    static HdeException.Kind decodeFailure(byte[] old, byte[] encoded) {
        Throwable t = catchThrowable(() -> decode(old, encoded));
        assertThat(t).as("decoding %s must fail with a typed error", HEX.formatHex(encoded)).isInstanceOf(HdeException.class);
        return ((HdeException) t).kind();
    }

    static byte[] bytes(int... v) {
        byte[] b = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            b[i] = (byte) v[i];
        }
        return b;
    }

    @Test
    void identicalPagesEncodeToNothing() {
        byte[] page = new PagePatterns(1, 4096).heapPage();
        assertThat(encode(page, page.clone())).isEmpty();
        assertThat(decode(page, new byte[0])).isEqualTo(page);
    }

    @Test
    void knownEncodings() {
        byte[] old = new byte[64];
        // one changed byte at 0: (zrun 0, nzrun 1, byte)
        assertThat(encode(old, with(old, 0, 0xAA))).containsExactly(0x00, 0x01, 0xAA);
        // a run of three at 10, another byte at 20: trailing unchanged bytes are implied
        byte[] p = with(with(with(with(old, 10, 1), 11, 2), 12, 3), 20, 9);
        assertThat(encode(old, p)).containsExactly(bytes(10, 3, 1, 2, 3, 7, 1, 9));
        // the last byte changed
        assertThat(encode(old, with(old, 63, 5))).containsExactly(bytes(63, 1, 5));
    }

    @Test
    void varintBoundariesOfRunLengths() {
        byte[] old = new byte[65536];
        // zero run of 127 fits one byte, 128 needs two
        assertThat(encode(old, with(old, 127, 0x55))).containsExactly(bytes(0x7f, 0x01, 0x55));
        assertThat(encode(old, with(old, 128, 0x55))).containsExactly(bytes(0x80, 0x01, 0x01, 0x55));
        // 16383 is the largest two-byte varint, 16384 needs three
        assertThat(encode(old, with(old, 16383, 0x55))).containsExactly(bytes(0xff, 0x7f, 0x01, 0x55));
        assertThat(encode(old, with(old, 16384, 0x55))).containsExactly(bytes(0x80, 0x80, 0x01, 0x01, 0x55));
        // the longest zero run in a 64 KiB page
        assertThat(encode(old, with(old, 65535, 0x55))).containsExactly(bytes(0xff, 0xff, 0x03, 0x01, 0x55));

        // changed runs of 127 and 128 bytes
        byte[] p127 = old.clone();
        Arrays.fill(p127, 1000, 1127, (byte) 7);
        byte[] e127 = encode(old, p127);
        assertThat(Arrays.copyOf(e127, 3)).containsExactly(bytes(0xe8, 0x07, 0x7f));
        assertThat(e127).hasSize(3 + 127);
        byte[] p128 = old.clone();
        Arrays.fill(p128, 1000, 1128, (byte) 7);
        byte[] e128 = encode(old, p128);
        assertThat(Arrays.copyOf(e128, 4)).containsExactly(bytes(0xe8, 0x07, 0x80, 0x01));
        assertThat(e128).hasSize(4 + 128);
        for (byte[] p : new byte[][] {p127, p128}) {
            assertThat(decode(old, encode(old, p))).isEqualTo(p);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {512, 4096, 65536})
    void everyOtherByteChangedOverflowsToMinusOne(int pageSize) {
        byte[] old = new PagePatterns(pageSize, pageSize).textPage();
        byte[] page = old.clone();
        for (int i = 0; i < pageSize; i += 2) {
            page[i] ^= 0x20;
        }
        WireWriter out = new WireWriter(8);
        out.u32(0xdeadbeefL); // something already in the buffer must survive the give-up
        assertThat(Xbzrle.encode(old, 0, page, 0, pageSize, out)).isEqualTo(-1);
        assertThat(out.position()).isEqualTo(4);
        assertThat(new WireReader(out.toByteArray()).u32("kept")).isEqualTo(0xdeadbeefL);
    }

    @Test
    void completelyDifferentPageOverflows() {
        PagePatterns g = new PagePatterns(5, 4096);
        assertThat(encode(g.randomPage(), g.randomPage())).isNull();
    }

    @Test
    void encodingIsAlwaysSmallerThanThePageOrGivesUp() {
        // The size check gives up conservatively (worst-case varints) and never returns >= page size.
        int pageSize = 512;
        for (int changes = 0; changes <= pageSize; changes += 7) {
            for (int rep = 0; rep < 5; rep++) {
                long seed = changes * 31L + rep;
                SplittableRandom rnd = new SplittableRandom(seed);
                byte[] old = new PagePatterns(seed, pageSize).anyPage();
                byte[] page = old.clone();
                for (int k = 0; k < changes; k++) {
                    int at = rnd.nextInt(pageSize);
                    page[at] = (byte) (page[at] + 1 + rnd.nextInt(255));
                }
                byte[] e = encode(old, page);
                if (e != null) {
                    assertThat(e.length).as("seed %d", seed).isLessThan(pageSize);
                    assertThat(decode(old, e)).as("seed %d", seed).isEqualTo(page);
                }
            }
        }
    }

    @Test
    void randomEditsRoundTrip() {
        for (int run = 0; run < 400; run++) {
            long seed = 0xB2B2L * 1000 + run;
            SplittableRandom rnd = new SplittableRandom(seed);
            int pageSize = 1 << (9 + rnd.nextInt(4));
            PagePatterns g = new PagePatterns(rnd.nextLong(), pageSize);
            byte[] old = g.anyPage();
            byte[] image = old.clone();
            switch (rnd.nextInt(4)) {
                case 0 -> g.sparseEdits(image, 0, 1 + rnd.nextInt(40));
                case 1 -> g.shiftWithinPage(image, 0);
                case 2 -> g.everyOtherByte(image, 0);
                default -> g.rewritePage(image, 0, g.anyPage());
            }
            // encode at an offset inside larger buffers, as the encoder does
            byte[] oldBuf = new byte[pageSize + 3];
            byte[] newBuf = new byte[pageSize + 5];
            System.arraycopy(old, 0, oldBuf, 3, pageSize);
            System.arraycopy(image, 0, newBuf, 5, pageSize);
            WireWriter out = new WireWriter(4);
            out.u8(0x77);
            int n = Xbzrle.encode(oldBuf, 3, newBuf, 5, pageSize, out);
            if (n < 0) {
                assertThat(out.position()).as("seed %d", seed).isEqualTo(1);
                continue;
            }
            assertThat(n).as("seed %d", seed).isLessThan(pageSize);
            byte[] buf = out.toByteArray();
            WireReader in = new WireReader(buf, 1, buf.length - 1);
            byte[] page = old.clone();
            Xbzrle.decode(in, n, page, pageSize);
            assertThat(in.remaining()).isZero();
            assertThat(page).as("seed %d", seed).isEqualTo(image);
        }
    }

    @Test
    void decodeRefusesRunsThatLeaveThePage() {
        byte[] old = new byte[64];
        assertThat(decodeFailure(old, bytes(60, 5, 1, 2, 3, 4, 5))).isEqualTo(Kind.LENGTH_MISMATCH); // 60 + 5 > 64
        assertThat(decodeFailure(old, bytes(64, 1, 9))).isEqualTo(Kind.LENGTH_MISMATCH); // starts at the end
        assertThat(decodeFailure(old, bytes(0, 0x41, 1))).isEqualTo(Kind.LENGTH_MISMATCH); // 65 new bytes
        // two runs that fit alone but not together
        assertThat(decodeFailure(old, bytes(30, 1, 1, 30, 4, 1, 2, 3, 4))).isEqualTo(Kind.LENGTH_MISMATCH);
        // a zero run near 2^31 must not overflow into a small index
        assertThat(decodeFailure(old, bytes(0xff, 0xff, 0xff, 0xff, 0x07, 1, 1))).isEqualTo(Kind.LENGTH_MISMATCH);
    }

    @Test
    void decodeRefusesEmptyRuns() {
        assertThat(decodeFailure(new byte[64], bytes(3, 0))).isEqualTo(Kind.LENGTH_MISMATCH);
    }

    @Test
    void decodeRefusesRunsLongerThanTheEncoding() {
        byte[] old = new byte[64];
        assertThat(decodeFailure(old, bytes(0, 4, 1, 2))).isEqualTo(Kind.TRUNCATED);
        assertThat(decodeFailure(old, bytes(0))).isEqualTo(Kind.TRUNCATED); // zero run without its pair
        assertThat(decodeFailure(old, bytes(0x80))).isEqualTo(Kind.TRUNCATED); // cut varint
    }

    @Test
    void decodeRefusesOversizedVarints() {
        assertThat(decodeFailure(new byte[64], bytes(0x80, 0x80, 0x80, 0x80, 0x80, 0x01, 1, 1))).isEqualTo(Kind.LENGTH_MISMATCH);
    }

    @Test
    void decodeDoesNotReadPastItsLength() {
        // Encoded length 3 inside a longer buffer: the bytes after it belong to the next page.
        byte[] buf = bytes(0, 1, 0xAA, 0, 1, 0xBB);
        byte[] page = new byte[16];
        WireReader in = new WireReader(buf);
        Xbzrle.decode(in, 3, page, page.length);
        assertThat(in.position()).isEqualTo(3);
        assertThat(page[0]).isEqualTo((byte) 0xAA);
        assertThat(page[1]).isZero();
        // A pair whose varint straddles the end of its encoding is refused.
        byte[] straddle = bytes(0, 0x81, 0x01, 1);
        Throwable t = catchThrowable(() -> Xbzrle.decode(new WireReader(straddle), 2, new byte[512], 512));
        assertThat(t).isInstanceOf(HdeException.class);
    }

    @Test
    void everyTruncationOfARealEncodingIsRefusedOrShort() {
        PagePatterns g = new PagePatterns(99, 512);
        byte[] old = g.heapPage();
        byte[] img = old.clone();
        g.sparseEdits(img, 0, 12);
        byte[] e = encode(old, img);
        assertThat(e).isNotNull();
        for (int cut = 0; cut < e.length; cut++) {
            byte[] prefix = Arrays.copyOf(e, cut);
            Throwable t = catchThrowable(() -> decode(old, prefix));
            if (t == null) {
                // A prefix that ends on a pair boundary is a valid encoding of fewer edits.
                assertThat(decode(old, prefix)).as("cut %d", cut).isNotEqualTo(img);
            } else {
                assertThat(t).as("cut %d", cut).isInstanceOf(HdeException.class);
            }
        }
        assertThatThrownBy(() -> Xbzrle.decode(new WireReader(e), e.length + 1, old.clone(), 512)).isInstanceOf(HdeException.class);
    }

    static byte[] with(byte[] b, int at, int v) {
        byte[] c = b.clone();
        c[at] = (byte) v;
        return c;
    }
}
