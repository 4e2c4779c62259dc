package dev.hde.state;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hde.codec.PageHash;
import dev.hde.codec.block.CodecSpec;
import dev.hde.codec.delta.DeltaMethod;
import dev.hde.codec.region.EncodeSpec;
import dev.hde.codec.region.FrameApplier;
import dev.hde.codec.region.HeapPageStore;
import dev.hde.codec.region.RegionEncoder;
import dev.hde.codec.region.RegionReceiver;
import dev.hde.codec.testing.PagePatterns;
import dev.hde.codec.wire.ControlRequest.Reason;
import dev.hde.codec.wire.FrameFormat;
import dev.hde.codec.wire.FrameType;
import dev.hde.codec.wire.PageUpdateEvent;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The encoder's rules, Flink-free: every check compares what a receiver holds with the producer's
 * memory ({@link Producer}, which keeps it), never with what the encoder believes.
 */
class EventEncoderTest {

    static final int SHIFT = 9;
    static final int PAGE = 1 << SHIFT;
    static final int PAGES = 16;
    static final String KEY = "vm-1/r0000";
    static final long T0 = 1_700_000_000_000L;
    static final EncodeSpec SPEC = EncodeSpec.of(DeltaMethod.XBZRLE, CodecSpec.NONE);
    /** No keyframes but the first and resyncs (no size rule, no age within the tests' times). */
    static final RefreshPolicy ONLY_DELTAS = RefreshPolicy.DEFAULT.withSizeRule(false);

    record Frame(byte[] frame) implements EventEncoder.Rendered {}

    static final EventEncoder.Renderer<Frame> RENDER = (info, pending) -> new Frame(RegionEncoder.render(info, pending, SPEC));

    /** One region's producer: the true memory, its digest, and events numbered 1, 2, … */
    static final class Producer {
        final PagePatterns g;
        byte[][] memory = new byte[PAGES][];
        long sequence;
        long time = T0;

        Producer(long seed) {
            g = new PagePatterns(seed, PAGE);
            for (int i = 0; i < PAGES; i++) {
                memory[i] = i % 5 == 4 ? new byte[PAGE] : g.anyPage();
            }
        }

        long digest() {
            long d = 0;
            for (int i = 0; i < PAGES; i++) {
                d ^= PageHash.of(i, memory[i]);
            }
            return d;
        }

        PageUpdateEvent region() {
            time += 1000;
            return PageUpdateEvent.region(KEY, SHIFT, ++sequence, time, Arrays.stream(memory).map(byte[]::clone).toArray(byte[][]::new))
                    .withDigest(digest());
        }

        /** Changes a few pages and reports them (with a false dirty). */
        PageUpdateEvent pages() {
            time += 1000;
            int a = g.random().nextInt(PAGES);
            int b = (a + 1 + g.random().nextInt(PAGES - 1)) % PAGES;
            memory[a] = g.random().nextInt(4) == 0 ? new byte[PAGE] : edited(memory[a]);
            int[] idx = {Math.min(a, b), Math.max(a, b)};
            byte[][] pages = {memory[idx[0]].clone(), memory[idx[1]].clone()};
            return PageUpdateEvent.pages(KEY, SHIFT, PAGES, ++sequence, time, idx, pages).withDigest(digest());
        }

        /** A heartbeat: no page, the next sequence number, the digest of the memory as it is. */
        PageUpdateEvent heartbeat() {
            time += 1000;
            return PageUpdateEvent.pages(KEY, SHIFT, PAGES, ++sequence, time, new int[0], new byte[0][]).withDigest(digest());
        }

        byte[] edited(byte[] page) {
            byte[] p = page.clone();
            p[g.random().nextInt(PAGE)] ^= (byte) (1 + g.random().nextInt(255));
            return p;
        }
    }

    /** A receiver of one region, checked against the producer's memory. */
    static final class Receiver {
        final RegionReceiver receiver = new RegionReceiver(new FrameApplier());
        final HeapPageStore pages = new HeapPageStore();
        RegionReceiver.State state = RegionReceiver.State.EMPTY;

        RegionReceiver.Outcome take(byte[] frame) {
            RegionReceiver.Step step = receiver.receive(frame, KEY, state, pages);
            state = step.state();
            return step.outcome();
        }

        boolean holds(byte[][] memory) {
            for (int i = 0; i < memory.length; i++) {
                byte[] got = pages.get(i);
                boolean same = got == null ? Arrays.equals(memory[i], new byte[PAGE]) : Arrays.equals(got, memory[i]);
                if (!same) {
                    return false;
                }
            }
            return state.image() != null && state.image().regionPages() == memory.length;
        }
    }

    EventEncoder encoder = new EventEncoder(ONLY_DELTAS);
    HeapPageStore reference = new HeapPageStore();
    RegionState state;

    EventEncoder.Outcome<Frame> apply(PageUpdateEvent e) {
        EventEncoder.Outcome<Frame> o = encoder.apply(state, reference, e, RENDER);
        state = o.state();
        return o;
    }

    static byte[] frameOf(EventEncoder.Outcome<Frame> o) {
        if (o instanceof EventEncoder.Emit<Frame> e) {
            return e.frame();
        }
        if (o instanceof EventEncoder.Resync<Frame> r) {
            return r.notice();
        }
        if (o instanceof EventEncoder.Deleted<Frame> d) {
            return d.frame();
        }
        return null;
    }

    @Test
    void aWholeRegionStartsTheRegionAndPartialEventsFollowAsDeltas() {
        Producer p = new Producer(1);
        Receiver r = new Receiver();
        EventEncoder.Outcome<Frame> first = apply(p.region());
        assertThat(first).isInstanceOf(EventEncoder.Emit.class);
        assertThat(((EventEncoder.Emit<Frame>) first).keyframeReason()).isEqualTo(RefreshReason.FIRST);
        assertThat(r.take(frameOf(first))).isEqualTo(RegionReceiver.Outcome.APPLIED);
        assertThat(r.holds(p.memory)).isTrue();
        for (int i = 0; i < 20; i++) {
            EventEncoder.Outcome<Frame> o = apply(p.pages());
            if (o instanceof EventEncoder.Unchanged<Frame>) {
                assertThat(r.holds(p.memory)).isTrue();
                continue;
            }
            EventEncoder.Emit<Frame> e = (EventEncoder.Emit<Frame>) o;
            assertThat(e.keyframeReason()).as("no keyframes by count").isNull();
            assertThat(e.verified()).isTrue();
            assertThat(FrameFormat.parse(e.frame(), dev.hde.codec.Limits.DEFAULT).header().digest()).as("the producer's digest")
                    .isEqualTo(p.digest());
            assertThat(r.take(e.frame())).isEqualTo(RegionReceiver.Outcome.APPLIED);
            assertThat(r.holds(p.memory)).isTrue();
        }
    }

    @Test
    void eventsEncodedAgainWithoutStateNeverRepeatAnEpochTheReceiverHolds() {
        // The first run encodes a whole region and some changes; the receiver applies them all.
        Producer p = new Producer(7);
        Receiver r = new Receiver();
        java.util.List<PageUpdateEvent> events = new java.util.ArrayList<>();
        events.add(p.region());
        for (int i = 0; i < 6; i++) {
            events.add(p.pages());
        }
        long[] clock = {T0 + 60_000};
        encoder = new EventEncoder(ONLY_DELTAS, () -> clock[0]);
        java.util.Set<String> numbers = new java.util.HashSet<>();
        for (PageUpdateEvent e : events) {
            byte[] f = frameOf(apply(e));
            if (f != null) {
                assertThat(r.take(f)).isEqualTo(RegionReceiver.Outcome.APPLIED);
                var h = FrameFormat.parse(f, dev.hde.codec.Limits.DEFAULT).header();
                numbers.add(h.epoch() + "." + h.chainIndex());
            }
        }
        assertThat(r.holds(p.memory)).isTrue();

        // A run without state, later, encodes the same events again (its input resumed from older offsets).
        clock[0] += 5_000;
        state = null;
        reference = new HeapPageStore();
        encoder = new EventEncoder(ONLY_DELTAS, () -> clock[0]);
        for (PageUpdateEvent e : events) {
            byte[] f = frameOf(apply(e));
            if (f != null) {
                var h = FrameFormat.parse(f, dev.hde.codec.Limits.DEFAULT).header();
                assertThat(numbers.add(h.epoch() + "." + h.chainIndex())).as("frame %d.%d repeats one the receiver holds", h.epoch(),
                        h.chainIndex()).isTrue();
                assertThat(r.take(f)).as("%s %d.%d", h.type(), h.epoch(), h.chainIndex()).isEqualTo(RegionReceiver.Outcome.APPLIED);
            }
        }
        assertThat(r.holds(p.memory)).as("the receiver ends at the producer's memory").isTrue();

        // Numbered by capture time alone (a trace's encoder), the same replay repeats epoch and chain: the receiver refuses it.
        Receiver fresh = new Receiver();
        state = null;
        reference = new HeapPageStore();
        encoder = new EventEncoder(ONLY_DELTAS);
        byte[] first = frameOf(apply(events.get(0)));
        assertThat(fresh.take(first)).isEqualTo(RegionReceiver.Outcome.APPLIED);
        assertThat(fresh.take(first)).as("a keyframe of the epoch the receiver holds").isEqualTo(RegionReceiver.Outcome.REFUSED);
    }

    @Test
    void aPartialEventOfARegionTheEncoderDoesNotHoldIsAResyncNeverAKeyframe() {
        Producer p = new Producer(2);
        Receiver r = new Receiver();
        r.take(frameOf(apply(p.region())));
        r.take(frameOf(apply(p.pages())));
        // The encoder loses its state (a restart without it, a prune).
        state = null;
        reference.clear();
        PageUpdateEvent next = p.pages();
        EventEncoder.Outcome<Frame> o = apply(next);
        assertThat(o).isInstanceOf(EventEncoder.Resync.class);
        EventEncoder.Resync<Frame> rs = (EventEncoder.Resync<Frame>) o;
        assertThat(rs.reason()).isEqualTo(Reason.NO_REFERENCE);
        assertThat(FrameFormat.parse(rs.notice(), dev.hde.codec.Limits.DEFAULT).header().type()).isEqualTo(FrameType.RESYNC);
        assertThat(FrameFormat.parse(rs.notice(), dev.hde.codec.Limits.DEFAULT).header().epoch()).isZero();
        assertThat(reference.size()).as("nothing stored from a partial event").isZero();
        assertThat(r.take(rs.notice())).isEqualTo(RegionReceiver.Outcome.WAITING);
        assertThat(r.state.current()).isFalse();
        // More partial events are dropped until the whole region comes.
        assertThat(apply(p.pages())).isInstanceOf(EventEncoder.Dropped.class);
        assertThat(apply(p.pages())).isInstanceOf(EventEncoder.Dropped.class);
        assertThat(state.resyncAttempts).isEqualTo(1);
        EventEncoder.Outcome<Frame> answer = apply(p.region());
        assertThat(((EventEncoder.Emit<Frame>) answer).keyframeReason()).isEqualTo(RefreshReason.RESYNC);
        assertThat(r.take(frameOf(answer))).isEqualTo(RegionReceiver.Outcome.APPLIED);
        assertThat(r.holds(p.memory)).isTrue();
        assertThat(r.state.current()).isTrue();
        // and deltas again
        EventEncoder.Outcome<Frame> after = apply(p.pages());
        if (after instanceof EventEncoder.Emit<Frame> e) {
            assertThat(e.keyframeReason()).isNull();
            r.take(e.frame());
        }
        assertThat(r.holds(p.memory)).isTrue();
    }

    @Test
    void aLostEventIsAResyncAndTheReceiverKeepsItsLastGoodImage() {
        Producer p = new Producer(3);
        Receiver r = new Receiver();
        r.take(frameOf(apply(p.region())));
        byte[] second = frameOf(apply(p.pages()));
        if (second != null) {
            r.take(second);
        }
        byte[][] lastGood = Arrays.stream(p.memory).map(byte[]::clone).toArray(byte[][]::new);
        p.pages(); // lost on the way
        EventEncoder.Outcome<Frame> o = apply(p.pages());
        assertThat(o).isInstanceOf(EventEncoder.Resync.class);
        EventEncoder.Resync<Frame> rs = (EventEncoder.Resync<Frame>) o;
        assertThat(rs.reason()).isEqualTo(Reason.SEQUENCE_GAP);
        assertThat(rs.lastGoodSequence()).isEqualTo(2);
        assertThat(r.take(rs.notice())).isEqualTo(RegionReceiver.Outcome.WAITING);
        assertThat(r.holds(lastGood)).as("the last good image, not a guess").isTrue();
        r.take(frameOf(apply(p.region())));
        assertThat(r.holds(p.memory)).isTrue();
    }

    @Test
    void aHeartbeatAfterALostLastChangeAsksForTheWholeRegionAndOneAfterNoLossSendsNothing() {
        Producer p = new Producer(8);
        Receiver r = new Receiver();
        r.take(frameOf(apply(p.region())));
        EventEncoder.Outcome<Frame> quiet = apply(p.heartbeat());
        assertThat(quiet).as("nothing lost: nothing to send").isInstanceOf(EventEncoder.Unchanged.class);
        assertThat(((EventEncoder.Unchanged<Frame>) quiet).verified()).isTrue();
        assertThat(r.holds(p.memory)).isTrue();

        p.pages(); // the region's last change, lost on the way; then it stays quiet
        assertThat(r.holds(p.memory)).as("behind the producer, and only a later event can tell").isFalse();
        EventEncoder.Outcome<Frame> o = apply(p.heartbeat());
        assertThat(o).isInstanceOf(EventEncoder.Resync.class);
        assertThat(((EventEncoder.Resync<Frame>) o).reason()).isEqualTo(Reason.SEQUENCE_GAP);
        assertThat(r.take(frameOf(o))).isEqualTo(RegionReceiver.Outcome.WAITING);
        assertThat(apply(p.heartbeat())).as("heartbeats while waiting change nothing").isInstanceOf(EventEncoder.Dropped.class);
        r.take(frameOf(apply(p.region())));
        assertThat(r.holds(p.memory)).isTrue();
        assertThat(apply(p.heartbeat())).isInstanceOf(EventEncoder.Unchanged.class);
    }

    @Test
    void aReferenceThatIsNotTheProducersMemoryIsCaughtByTheDigest() {
        Producer p = new Producer(4);
        Receiver r = new Receiver();
        r.take(frameOf(apply(p.region())));
        // The producer changes a page and does not report it (a missed dirty bit): same sequence order, no gap.
        p.memory[3] = p.edited(p.memory[3]);
        EventEncoder.Outcome<Frame> o = apply(p.pages());
        assertThat(o).isInstanceOf(EventEncoder.Resync.class);
        assertThat(((EventEncoder.Resync<Frame>) o).reason()).isEqualTo(Reason.DIGEST_MISMATCH);
        r.take(frameOf(o));
        r.take(frameOf(apply(p.region())));
        assertThat(r.holds(p.memory)).isTrue();
    }

    @Test
    void aWholeRegionThatContradictsItsDigestMakesNoKeyframe() {
        Producer p = new Producer(5);
        PageUpdateEvent bad = p.region().withDigest(p.digest() ^ 1);
        EventEncoder.Outcome<Frame> o = apply(bad);
        assertThat(o).isInstanceOf(EventEncoder.Resync.class);
        assertThat(reference.size()).isZero();
        assertThat(((EventEncoder.Emit<Frame>) apply(p.region())).keyframeReason()).isEqualTo(RefreshReason.RESYNC);
    }

    @Test
    void duplicatesAreIgnoredAndVersion1EventsAreMarkedUnverified() {
        Producer p = new Producer(6);
        PageUpdateEvent region = p.region();
        apply(region);
        assertThat(apply(region)).isInstanceOf(EventEncoder.Duplicate.class);
        PageUpdateEvent v1 = p.pages();
        v1 = new PageUpdateEvent(v1.kind(), v1.stateKey(), v1.pageShift(), v1.regionPages(), v1.sequence(), v1.captureTimeMillis(),
                v1.indices(), v1.pages());
        assertThat(((EventEncoder.Emit<Frame>) apply(v1)).verified()).isFalse();
    }

    @Test
    void aKeyframeOnRequestComesFromTheVerifiedReferenceInOneScan() {
        Producer p = new Producer(7);
        Receiver late = new Receiver();
        apply(p.region());
        for (int i = 0; i < 5; i++) {
            apply(p.pages());
        }
        int[] scans = {0};
        HeapPageStore counted = reference;
        dev.hde.codec.region.PageStore once = new dev.hde.codec.region.PageStore() {
            public byte[] get(int index) {
                throw new AssertionError("a keyframe reads no page by index");
            }

            public void put(int index, byte[] page) {
                counted.put(index, page);
            }

            public void remove(int index) {
                counted.remove(index);
            }

            public void clear() {
                counted.clear();
            }

            public void forEach(PageVisitor v) {
                scans[0]++;
                counted.forEach(v);
            }
        };
        EventEncoder.Outcome<Frame> k = encoder.keyframe(KEY, state, once, p.time, RefreshReason.REQUESTED, RENDER);
        assertThat(scans[0]).isEqualTo(1);
        assertThat(late.take(frameOf(k))).isEqualTo(RegionReceiver.Outcome.APPLIED);
        assertThat(late.holds(p.memory)).isTrue();
        // none while the encoder waits for a whole region
        p.pages();
        apply(p.pages());
        assertThat(encoder.keyframe(KEY, state, reference, p.time, RefreshReason.REQUESTED, RENDER)).isInstanceOf(EventEncoder.NoKeyframe.class);
    }

    @Test
    void theSizeRuleAndTheAgeBackstopMakeKeyframes() {
        encoder = new EventEncoder(RefreshPolicy.DEFAULT.withMaxAge(Duration.ofSeconds(30)));
        Producer p = new Producer(8);
        Receiver r = new Receiver();
        r.take(frameOf(apply(p.region())));
        boolean age = false;
        for (int i = 0; i < 40; i++) {
            if (apply(p.pages()) instanceof EventEncoder.Emit<Frame> e) {
                r.take(e.frame());
                age |= e.keyframeReason() == RefreshReason.AGE;
            }
            assertThat(r.holds(p.memory)).isTrue();
        }
        assertThat(age).isTrue();
    }

    @Test
    void aDeleteEndsTheRegion() {
        Producer p = new Producer(9);
        Receiver r = new Receiver();
        r.take(frameOf(apply(p.region())));
        EventEncoder.Outcome<Frame> d = apply(PageUpdateEvent.delete(KEY, SHIFT, ++p.sequence, p.time + 1).withDigest(0));
        assertThat(d.state()).isNull();
        assertThat(reference.size()).isZero();
        assertThat(r.take(frameOf(d))).isEqualTo(RegionReceiver.Outcome.APPLIED);
        assertThat(r.state.deleted()).isTrue();
    }

    /**
     * The property: whatever is lost on the way (events dropped, the encoder's state lost, a
     * receiver's frame lost), a receiver that reports a region current holds exactly the producer's
     * memory as of the frame's event; and once the producer answers every request, every region is
     * current and exact.
     */
    @Test
    void neverSilentlyWrongUnderLossAndStateLoss() {
        long base = Long.getLong("hde.test.seed", 0x5EED_0009L);
        for (int run = 0; run < 60; run++) {
            long seed = base + run;
            try {
                propertyRun(seed);
            } catch (AssertionError e) {
                throw new AssertionError("seed " + seed + " (-Dhde.test.seed=" + seed + "): " + e.getMessage(), e);
            }
        }
    }

    private void propertyRun(long seed) {
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(seed);
        encoder = new EventEncoder(rnd.nextBoolean() ? RefreshPolicy.DEFAULT : RefreshPolicy.DEFAULT.withMaxAge(Duration.ofSeconds(5 + rnd.nextInt(20))));
        state = null;
        reference = new HeapPageStore();
        Producer p = new Producer(seed);
        Receiver r = new Receiver();
        boolean wholeAsked = true; // a producer sends the whole region first
        for (int step = 0; step < 200; step++) {
            int roll = rnd.nextInt(100);
            if (roll < 4) {
                state = null; // the encoder's state is lost
                reference.clear();
            }
            PageUpdateEvent e = wholeAsked || roll >= 96 ? p.region() : p.pages();
            wholeAsked = false;
            if (rnd.nextInt(100) < 5) {
                continue; // the event is lost on the way to the encoder
            }
            EventEncoder.Outcome<Frame> o = apply(e);
            if (o instanceof EventEncoder.Resync<Frame> rs) {
                wholeAsked = rnd.nextInt(4) != 0; // the producer answers on its next round, or misses the request (a retry asks again)
                if (!wholeAsked) {
                    wholeAsked = rnd.nextInt(3) == 0;
                }
            } else if (o instanceof EventEncoder.Dropped<Frame>) {
                wholeAsked = rnd.nextInt(3) == 0; // the retry timer asks again
            }
            byte[] frame = frameOf(o);
            if (frame == null) {
                continue;
            }
            RegionReceiver.Outcome got = r.take(frame);
            assertThat(got).as("step %d: the receiver refuses nothing the encoder makes (%s)", step, r.state.error())
                    .isIn(RegionReceiver.Outcome.APPLIED, RegionReceiver.Outcome.WAITING);
            if (r.state.current()) {
                assertThat(r.holds(p.memory)).as("step %d: a receiver that reports the region current holds the producer's memory", step)
                        .isTrue();
            }
        }
        // The producer answers: the whole region, then a few more updates.
        byte[] whole = frameOf(apply(p.region())); // none when the encoder holds it in sync and nothing changed
        if (whole != null) {
            r.take(whole);
        }
        for (int i = 0; i < 3; i++) {
            byte[] f = frameOf(apply(p.pages()));
            if (f != null) {
                r.take(f);
            }
        }
        assertThat(r.state.current()).isTrue();
        assertThat(r.holds(p.memory)).isTrue();
    }
}
