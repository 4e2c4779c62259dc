package dev.hde.operators;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hde.codec.HdeException;
import dev.hde.codec.Limits;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** A base page as stored: the page it was, never longer than it, and never a length a raw page could have unless it is the page. */
class StoredPageFormatTest {

    /** A page of {@code size} bytes whose first {@code randomBytes} are random and the rest a repeated word. */
    private static byte[] page(SplittableRandom r, int size, int randomBytes) {
        byte[] p = new byte[size];
        long word = r.nextLong();
        for (int i = 0; i < size; i++) {
            p[i] = i < randomBytes ? (byte) r.nextInt(256) : (byte) (word >>> (8 * (i & 7)));
        }
        return p;
    }

    private static boolean isPageSize(int length) {
        return Integer.bitCount(length) == 1 && length >= 1 << Limits.MIN_PAGE_SHIFT && length <= 1 << Limits.MAX_PAGE_SHIFT;
    }

    @Test
    void everyPageSizeAndCompressibilityRoundTripsInAtMostThePagesBytes() {
        long seed = new SplittableRandom().nextLong();
        SplittableRandom r = new SplittableRandom(seed);
        for (int n = 0; n < 3_000; n++) {
            int size = 1 << (Limits.MIN_PAGE_SHIFT + r.nextInt(Limits.MAX_PAGE_SHIFT - Limits.MIN_PAGE_SHIFT + 1));
            byte[] page = page(r, size, r.nextInt(size + 1));
            if (r.nextInt(10) == 0) {
                Arrays.fill(page, (byte) 0); // zero pages are never stored, but the format takes them
            }
            byte[] stored = StoredPageFormat.encode(page);
            String at = "seed " + seed + ", case " + n + ", page of " + size;
            assertThat(stored.length).as(at).isLessThanOrEqualTo(size);
            if (isPageSize(stored.length)) {
                assertThat(stored).as(at + ": a value of a page's length is the page").isEqualTo(page);
            }
            assertThat(StoredPageFormat.decode(stored)).as(at).isEqualTo(page);
        }
    }

    @Test
    void aCompressedPageOfAPageSizedLengthIsPaddedAndStillReadsBack() {
        SplittableRandom r = new SplittableRandom(3);
        int padded = 0;
        for (int randomBytes = 0; randomBytes < 4096 && padded < 3; randomBytes++) {
            byte[] page = page(r, 4096, randomBytes);
            byte[] stored = StoredPageFormat.encode(page);
            if ((stored[0] & 0x80) != 0 && stored.length < 4096) {
                padded++;
                assertThat(isPageSize(stored.length - 1)).as("%d bytes: one past a page size", stored.length).isTrue();
                assertThat(StoredPageFormat.decode(stored)).isEqualTo(page);
            }
        }
        assertThat(padded).as("pages whose compressed form would be a page size long").isPositive();
    }

    @Test
    void aWholePageReadsAsItIs() {
        byte[] page = page(new SplittableRandom(4), 8192, 8192);
        assertThat(StoredPageFormat.encode(page)).as("incompressible: stored as it is").isSameAs(page);
        assertThat(StoredPageFormat.decode(page)).isSameAs(page);
    }

    @Test
    void aValueThatIsNeitherAPageNorACompressedOneIsATypedError() {
        byte[] stored = StoredPageFormat.encode(page(new SplittableRandom(5), 4096, 100));
        assertThat(stored.length).isLessThan(1024);
        assertThatThrownBy(() -> StoredPageFormat.decode(new byte[] {12})).isInstanceOf(HdeException.class)
                .extracting(e -> ((HdeException) e).kind()).isEqualTo(HdeException.Kind.TRUNCATED);
        byte[] badSize = stored.clone();
        badSize[0] = 20;
        assertThatThrownBy(() -> StoredPageFormat.decode(badSize)).isInstanceOf(HdeException.class)
                .extracting(e -> ((HdeException) e).kind()).isEqualTo(HdeException.Kind.LENGTH_MISMATCH);
        byte[] wrongSize = stored.clone();
        wrongSize[0] = 13; // says 8 KiB: the block holds 4 KiB
        assertThatThrownBy(() -> StoredPageFormat.decode(wrongSize)).isInstanceOf(HdeException.class);
        assertThatThrownBy(() -> StoredPageFormat.decode(Arrays.copyOf(stored, stored.length - 5))).isInstanceOf(HdeException.class);
    }
}
