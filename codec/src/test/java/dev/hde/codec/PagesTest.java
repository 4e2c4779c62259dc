package dev.hde.codec;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PagesTest {

    /** The byte-at-a-time definition {@link Pages#differingRunLength} must agree with. */
    private static int differingRunLengthByteByByte(byte[] a, int aOff, byte[] b, int bOff, int len) {
        int i = 0;
        while (i < len && a[aOff + i] != b[bOff + i]) {
            i++;
        }
        return i;
    }

    @Test
    void differingRunLengthAgreesWithTheByteByByteDefinition() {
        for (long seed = 1; seed <= 300; seed++) {
            SplittableRandom random = new SplittableRandom(seed);
            int size = 1 + random.nextInt(200);
            byte[] a = new byte[size];
            random.nextBytes(a);
            byte[] b = a.clone();
            // Runs of changed bytes of every length, with bytes that differ by one bit (whose xor borrows nothing) and
            // by all of them (0xFF: the borrow of x - 0x01.. runs through them), and equal bytes at every lane of a long.
            int changes = random.nextInt(size + 1);
            for (int c = 0; c < changes; c++) {
                int at = random.nextInt(size);
                int kind = random.nextInt(3);
                b[at] = (byte) (kind == 0 ? a[at] ^ 0x01 : kind == 1 ? a[at] ^ 0xFF : a[at] ^ (1 + random.nextInt(255)));
            }
            if (random.nextBoolean()) {
                b[random.nextInt(size)] = a[random.nextInt(size)]; // maybe equal again, maybe not
            }
            int aOff = random.nextInt(size);
            int bOff = random.nextBoolean() ? aOff : random.nextInt(size);
            int len = Math.min(size - aOff, size - bOff);
            len = len == 0 ? 0 : random.nextInt(len + 1);
            assertThat(Pages.differingRunLength(a, aOff, b, bOff, len))
                    .as("seed %d: a[%d..] against b[%d..], %d bytes", seed, aOff, bOff, len)
                    .isEqualTo(differingRunLengthByteByByte(a, aOff, b, bOff, len));
        }
    }

    @Test
    void differingRunLengthStopsAtTheFirstEqualByteOfEachLane() {
        byte[] a = new byte[24];
        for (int equalAt = 0; equalAt < 24; equalAt++) {
            byte[] b = new byte[24];
            java.util.Arrays.fill(b, (byte) 0xFF); // x = 0xFF everywhere: the borrow of x - 0x01.. runs through every byte
            b[equalAt] = 0;
            assertThat(Pages.differingRunLength(a, 0, b, 0, 24)).as("equal byte at %d", equalAt).isEqualTo(equalAt);
            if (equalAt + 1 < 24) {
                b[equalAt + 1] = 0; // two equal bytes in a row: still the first
                assertThat(Pages.differingRunLength(a, 0, b, 0, 24)).as("equal bytes at %d, %d", equalAt, equalAt + 1).isEqualTo(equalAt);
            }
        }
        byte[] b = new byte[24];
        java.util.Arrays.fill(b, (byte) 1);
        assertThat(Pages.differingRunLength(a, 0, b, 0, 24)).as("every byte differs").isEqualTo(24);
        assertThat(Pages.differingRunLength(a, 0, a, 0, 24)).as("none differs").isZero();
    }
}
