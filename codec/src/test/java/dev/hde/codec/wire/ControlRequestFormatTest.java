package dev.hde.codec.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.hde.codec.HdeException;
import dev.hde.codec.HdeException.Kind;
import dev.hde.codec.Limits;
import dev.hde.codec.region.FrameInfo;
import dev.hde.codec.region.RegionEncoder;
import dev.hde.codec.testing.FrameSurgery;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ControlRequestFormatTest {

    static ControlRequest random(long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        ControlRequest.Reason[] reasons = ControlRequest.Reason.values();
        String key = "vm-" + rnd.nextInt(100) + "/r" + rnd.nextInt(10_000) + (rnd.nextBoolean() ? "/é" : "");
        String requester = rnd.nextInt(3) == 0 ? "" : "encoder-" + rnd.nextInt(64);
        ControlRequest.Kind kind = rnd.nextBoolean() ? ControlRequest.Kind.RESYNC : ControlRequest.Kind.KEYFRAME;
        return new ControlRequest(kind, key, reasons[rnd.nextInt(reasons.length)], rnd.nextLong(1L << 62), rnd.nextLong(1L << 62),
                1_700_000_000_000L + rnd.nextLong(1L << 30), 1 + rnd.nextInt(1000), requester);
    }

    static Kind kind(byte[] bytes) {
        Throwable t = catchThrowable(() -> ControlRequestFormat.read(bytes, Limits.DEFAULT));
        assertThat(t).as("read must refuse %s", FrameSurgery.hex(Arrays.copyOf(bytes, Math.min(bytes.length, 40))))
                .isInstanceOf(HdeException.class);
        return ((HdeException) t).kind();
    }

    @Test
    void randomRequestsRoundTrip() {
        for (int i = 0; i < 300; i++) {
            long seed = 0xC0DEL + i;
            ControlRequest q = random(seed);
            byte[] bytes = ControlRequestFormat.write(q);
            assertThat(ControlRequestFormat.read(bytes, Limits.DEFAULT)).as("seed %d", seed).isEqualTo(q);
        }
    }

    @Test
    void everyBitFlipAndEveryTruncationIsRefused() {
        for (int i = 0; i < 4; i++) {
            byte[] bytes = ControlRequestFormat.write(random(0xF00L + i));
            for (int bit = 0; bit < bytes.length * 8; bit++) {
                byte[] bad = bytes.clone();
                bad[bit >>> 3] ^= (byte) (1 << (bit & 7));
                kind(bad);
            }
            for (int len = 0; len < bytes.length; len++) {
                kind(Arrays.copyOf(bytes, len));
            }
            byte[] longer = Arrays.copyOf(FrameSurgery.body(bytes), bytes.length + 1);
            assertThat(kind(FrameSurgery.withCrc(longer))).isEqualTo(Kind.TRAILING_BYTES);
        }
    }

    @Test
    void unknownVersionKindReasonAndFlagsAreRefused() {
        byte[] b = ControlRequestFormat.write(random(1));
        assertThat(kind(FrameSurgery.setByte(b, 4, 2))).isEqualTo(Kind.UNSUPPORTED_VERSION);
        assertThat(kind(FrameSurgery.setByte(b, 5, 3))).isEqualTo(Kind.UNKNOWN_TYPE);
        assertThat(kind(FrameSurgery.setByte(b, 6, 0))).isEqualTo(Kind.UNKNOWN_TYPE);
        assertThat(kind(FrameSurgery.setByte(b, 6, 99))).isEqualTo(Kind.UNKNOWN_TYPE);
        assertThat(kind(FrameSurgery.setByte(b, 7, 1))).isEqualTo(Kind.UNSUPPORTED_VERSION);
        byte[] frame = RegionEncoder.delete(new FrameInfo("k", 1, 1), null);
        assertThat(kind(frame)).as("a frame is not a control request").isEqualTo(Kind.BAD_MAGIC);
    }

    @Test
    void lengthsAreCheckedBeforeAnythingIsBelieved() {
        // a key length of 2^31 - 1 and a requester length of 2^31 - 1: refused by the limits, nothing allocated
        byte[] hugeKey = FrameFormat.finish(new WireWriter(32).u32(ControlRequestFormat.MAGIC).u8(1).u8(1).u8(1).u8(0)
                .varint(Integer.MAX_VALUE).varint64(0).varint64(0).varint64(0).varint(1).varint(0));
        assertThat(kind(hugeKey)).isEqualTo(Kind.BAD_KEY);
        byte[] hugeRequester = FrameFormat.finish(new WireWriter(32).u32(ControlRequestFormat.MAGIC).u8(1).u8(1).u8(1).u8(0)
                .varint(1).varint64(0).varint64(0).varint64(0).varint(1).varint(Integer.MAX_VALUE).u8('k'));
        assertThat(kind(hugeRequester)).isEqualTo(Kind.LIMIT_EXCEEDED);
        byte[] attemptZero = FrameFormat.finish(new WireWriter(32).u32(ControlRequestFormat.MAGIC).u8(1).u8(1).u8(1).u8(0)
                .varint(1).varint64(0).varint64(0).varint64(0).varint(0).varint(0).u8('k'));
        assertThat(kind(attemptZero)).isEqualTo(Kind.LENGTH_MISMATCH);
    }

    @Test
    void writerRefusesWhatReadersWouldRefuse() {
        assertThatThrownBy(() -> ControlRequestFormat.write(ControlRequest.keyframe("k", ControlRequest.Reason.OPERATOR, 0, 0, "x".repeat(256))))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ControlRequest.resync("k", ControlRequest.Reason.SEQUENCE_GAP, 0, 0, 0, 0, ""))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ControlRequest.resync("k", ControlRequest.Reason.SEQUENCE_GAP, -1, 0, 0, 1, ""))
                .isInstanceOf(IllegalArgumentException.class);
    }

}
