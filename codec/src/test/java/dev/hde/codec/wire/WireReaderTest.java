package dev.hde.codec.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.hde.codec.HdeException;
import dev.hde.codec.HdeException.Kind;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Varints: every value has exactly one encoding, the shortest; any other is refused. */
class WireReaderTest {

    private static byte[] bytes(int... b) {
        byte[] out = new byte[b.length];
        for (int i = 0; i < b.length; i++) {
            out[i] = (byte) b[i];
        }
        return out;
    }

    private static HdeException refusal(Runnable r) {
        return (HdeException) catchThrowable(r::run);
    }

    @Test
    void minimalVarintsReadBackAndLongerOnesAreRefused() {
        long seed = System.nanoTime();
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < 2_000; i++) {
            int v = random.nextInt(4) == 0 ? random.nextInt(300) : random.nextInt(Integer.MAX_VALUE);
            long w = random.nextLong(Long.MAX_VALUE);
            WireWriter out = new WireWriter(32).varint(v).varint64(w);
            WireReader in = new WireReader(Arrays.copyOf(out.buffer(), out.position()), 0, out.position());
            assertThat(in.varint("v")).as("seed %d", seed).isEqualTo(v);
            assertThat(in.varint64("w")).as("seed %d", seed).isEqualTo(w);
        }
        assertThat(new WireReader(bytes(0x00), 0, 1).varint("zero")).isZero();
        // 1 written in two and in five bytes; 0 in two: the same values, longer than needed
        for (byte[] padded : new byte[][] {bytes(0x81, 0x00), bytes(0x81, 0x80, 0x80, 0x80, 0x00), bytes(0x80, 0x00)}) {
            assertThat(refusal(() -> new WireReader(padded, 0, padded.length).varint("n")).kind()).isEqualTo(Kind.LENGTH_MISMATCH);
            assertThat(refusal(() -> new WireReader(padded, 0, padded.length).varint64("n")).kind()).isEqualTo(Kind.LENGTH_MISMATCH);
        }
        // more than 31 bits, and a sixth byte
        assertThat(refusal(() -> new WireReader(bytes(0xFF, 0xFF, 0xFF, 0xFF, 0x0F), 0, 5).varint("n")).kind()).isEqualTo(Kind.LENGTH_MISMATCH);
        assertThat(refusal(() -> new WireReader(bytes(0x80, 0x80, 0x80, 0x80, 0x80, 0x01), 0, 6).varint("n")).kind())
                .isEqualTo(Kind.LENGTH_MISMATCH);
    }
}
