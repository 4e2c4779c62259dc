package dev.hde.codec.delta;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.hde.codec.HdeException;
import dev.hde.codec.HdeException.Kind;
import dev.hde.codec.Pages;
import dev.hde.codec.testing.PagePatterns;
import dev.hde.codec.wire.WireWriter;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The SPLIT data block on its own: layout, round trips of every kind of page, and lying sections refused. */
class SplitRunsTest {

    static final int PAGE = 512;

    static byte[] block(byte[][] olds, byte[][] news) {
        WireWriter data = new WireWriter(16);
        SplitRuns.writeBlock(olds, news, news.length, PAGE, data);
        return Arrays.copyOf(data.buffer(), data.position());
    }

    static Kind refused(byte[] data, int count, byte[][] olds) {
        Throwable t = catchThrowable(() -> SplitRuns.decodeBlock(data, count, olds, PAGE));
        assertThat(t).as("a bad split block must be refused with a typed error").isInstanceOf(HdeException.class);
        return ((HdeException) t).kind();
    }

    @Test
    void theDocumentedLayout() {
        byte[] old = new byte[PAGE];
        Arrays.fill(old, (byte) 10);
        byte[] edited = old.clone();
        edited[3] = 12;      // +2
        edited[4] = 9;       // -1
        edited[100] = 11;    // +1
        byte[] rewritten = old.clone();
        for (int i = 0; i < 100; i++) {
            rewritten[200 + i] = (byte) i; // 99 of 100 differ from 10: more than an eighth of the page
        }
        byte[] fresh = new byte[PAGE];
        fresh[0] = 7;
        byte[] data = block(new byte[][] {old, null, old, old}, new byte[][] {edited, fresh, null, rewritten});
        WireWriter expected = new WireWriter(64)
                .u8(SplitRuns.OP_DIFF_RUNS).u8(SplitRuns.OP_RAW).u8(SplitRuns.OP_ZERO).u8(SplitRuns.OP_NEW_RUNS)
                .varint(11).varint(3) // control length, diff length
                // control: page 0: 2 runs (gap 3, len 2), (gap 95, len 1); page 3: 2 runs around the unchanged byte 210
                .varint(2).varint(3).varint(2).varint(95).varint(1)
                .varint(2).varint(200).varint(10).varint(1).varint(89)
                .u8(2).u8(0xFF).u8(1); // diffs
        for (int i = 0; i < 100; i++) {
            if (i != 10) {
                expected.u8(i); // new bytes of page 3's runs
            }
        }
        expected.bytes(fresh);
        assertThat(data).isEqualTo(Arrays.copyOf(expected.buffer(), expected.position()));
        byte[][] back = SplitRuns.decodeBlock(data, 4, new byte[][] {old, null, old, old}, PAGE);
        assertThat(back[0]).isEqualTo(edited);
        assertThat(back[1]).isEqualTo(fresh);
        assertThat(back[2]).isNull();
        assertThat(back[3]).isEqualTo(rewritten);
    }

    @Test
    void randomPagesRoundTripAndTheBlockStaysWithinAPagePlusFourBytesEach() {
        long seed = 0x5EED_0013L;
        SplittableRandom rnd = new SplittableRandom(seed);
        for (int round = 0; round < 200; round++) {
            PagePatterns g = new PagePatterns(rnd.nextLong(), PAGE);
            int count = 1 + rnd.nextInt(12);
            byte[][] olds = new byte[count][];
            byte[][] news = new byte[count][];
            for (int i = 0; i < count; i++) {
                byte[] image = g.image(1);
                olds[i] = rnd.nextInt(8) == 0 ? null : image.clone();
                switch (rnd.nextInt(6)) {
                    case 0 -> g.sparseEdits(image, 0, 1 + rnd.nextInt(40));
                    case 1 -> g.everyOtherByte(image, 0);
                    case 2 -> g.shiftWithinPage(image, 0);
                    case 3 -> image = g.anyPage();
                    case 4 -> image = new byte[PAGE];
                    default -> image[rnd.nextInt(PAGE)] ^= (byte) (1 + rnd.nextInt(255));
                }
                if (olds[i] != null && Arrays.equals(olds[i], image)) {
                    image[0] ^= 1; // listed pages changed
                }
                news[i] = Pages.isZero(image) ? null : image;
            }
            byte[] data = block(olds, news);
            assertThat((long) data.length).as("seed %d round %d", seed, round).isLessThanOrEqualTo((long) count * (PAGE + 4));
            byte[][] back = SplitRuns.decodeBlock(data, count, olds, PAGE);
            for (int i = 0; i < count; i++) {
                assertThat(back[i]).as("seed %d round %d page %d", seed, round, i).isEqualTo(news[i]);
            }
        }
    }

    @Test
    void aPageWithTooManyRunsGoesRaw() {
        byte[] old = new byte[PAGE];
        byte[] page = new byte[PAGE];
        for (int i = 0; i < PAGE; i += 2) {
            page[i] = 1; // every other byte: 256 runs of one byte, more than the page in control and bytes
        }
        byte[] data = block(new byte[][] {old}, new byte[][] {page});
        assertThat(data[0]).isEqualTo((byte) SplitRuns.OP_RAW);
        assertThat(data).hasSize(1 + 1 + 1 + PAGE);
    }

    @Test
    void lyingSectionsAreRefused() {
        byte[] old = new PagePatterns(3, PAGE).textPage();
        byte[] edited = old.clone();
        edited[7] ^= 0x55;
        edited[300] ^= 0x11;
        byte[][] olds = {old, null};
        byte[] fresh = new PagePatterns(4, PAGE).heapPage();
        byte[] good = block(olds, new byte[][] {edited, fresh});
        assertThat(SplitRuns.decodeBlock(good, 2, olds, PAGE)[0]).isEqualTo(edited);
        // layout of good: ops(2) ctl-len diff-len control(runs 2: 7,1 292,1: 6 bytes) diffs(2) raw(512)
        int ctl = good[2];
        int dif = good[3];
        assertThat(ctl).isEqualTo(6);
        assertThat(dif).isEqualTo(2);

        assertThat(refused(set(good, 0, 7), 2, olds)).isEqualTo(Kind.UNKNOWN_METHOD);
        assertThat(refused(set(good, 0, 3), 2, olds)).isEqualTo(Kind.UNKNOWN_METHOD); // XBZRLE's op has no place here
        assertThat(refused(set(good, 2, ctl + 1), 2, olds)).isIn(Kind.LENGTH_MISMATCH, Kind.TRUNCATED); // control runs into the diffs
        assertThat(refused(set(good, 2, ctl - 1), 2, olds)).isIn(Kind.LENGTH_MISMATCH, Kind.TRUNCATED); // control one short
        assertThat(refused(set(good, 3, dif + 1), 2, olds)).isEqualTo(Kind.LENGTH_MISMATCH);            // diff length lies
        assertThat(refused(set(good, 3, dif - 1), 2, olds)).isEqualTo(Kind.LENGTH_MISMATCH);
        assertThat(refused(set(good, 3, 0x7F), 2, olds)).isIn(Kind.LENGTH_MISMATCH, Kind.TRUNCATED);
        assertThat(refused(set(good, 4, 0), 2, olds)).isEqualTo(Kind.LENGTH_MISMATCH);              // zero runs
        assertThat(refused(set(good, 6, 0), 2, olds)).isEqualTo(Kind.LENGTH_MISMATCH);              // empty run
        byte[] huge = Arrays.copyOf(good, good.length);
        huge[5] = (byte) 0xFF; // first gap becomes a longer varint: the run leaves the page or the control section
        assertThat(refused(huge, 2, olds)).isIn(Kind.LENGTH_MISMATCH, Kind.TRUNCATED);
        assertThat(refused(Arrays.copyOf(good, good.length - 1), 2, olds)).isIn(Kind.LENGTH_MISMATCH, Kind.TRUNCATED);
        assertThat(refused(Arrays.copyOf(good, good.length + 1), 2, olds)).isEqualTo(Kind.LENGTH_MISMATCH);
        assertThat(refused(good, 3, new byte[3][])).isIn(Kind.LENGTH_MISMATCH, Kind.UNKNOWN_METHOD, Kind.TRUNCATED);
        assertThat(refused(new byte[] {1}, 0, new byte[0][])).isEqualTo(Kind.LENGTH_MISMATCH);
        // a lying control length of 2^31 - 1 is refused before anything is allocated from it
        WireWriter lie = new WireWriter(16).u8(SplitRuns.OP_DIFF_RUNS).varint(Integer.MAX_VALUE).varint(0);
        assertThat(refused(Arrays.copyOf(lie.buffer(), lie.position()), 1, new byte[][] {old})).isEqualTo(Kind.TRUNCATED);
        // every truncation of a real block
        for (int cut = 0; cut < good.length; cut++) {
            assertThat(refused(Arrays.copyOf(good, cut), 2, olds)).as("cut at %d", cut).isIn(Kind.LENGTH_MISMATCH, Kind.TRUNCATED);
        }
    }

    static byte[] set(byte[] b, int at, int value) {
        byte[] c = b.clone();
        c[at] = (byte) value;
        return c;
    }
}
