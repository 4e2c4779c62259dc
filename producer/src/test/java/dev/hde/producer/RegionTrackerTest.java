package dev.hde.producer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hde.codec.wire.EventKind;
import dev.hde.codec.wire.PageUpdateEvent;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import org.junit.jupiter.api.Test;

class RegionTrackerTest {

    private static final int PAGE = 4096;

    private final List<PageUpdateEvent> events = new ArrayList<>();
    private final RegionImages model = new RegionImages();
    private final RegionTracker tracker = new RegionTracker(12, 100, 3, () -> 1234L); // chunks of 3 pages: runs split across reads

    private RegionTracker.Result scan(byte[] memory, int pages, BitSet candidates) throws Exception {
        ByteBuffer whole = ByteBuffer.wrap(memory);
        return tracker.scan("vm/r0", pages, (first, count) -> whole.slice(first * PAGE, count * PAGE), candidates, e -> {
            events.add(e);
            model.apply(e);
        });
    }

    private static byte[] memory(int pages) {
        byte[] m = new byte[pages * PAGE];
        for (int p = 0; p < pages; p++) {
            m[p * PAGE] = (byte) (p + 1);
        }
        return m;
    }

    @Test
    void firstScanIsARegionEventThenOnlyChangedPagesThenNothing() throws Exception {
        byte[] m = memory(10);
        assertThat(scan(m, 10, null)).isEqualTo(new RegionTracker.Result(10, 10, true));
        assertThat(events.get(0).kind()).isEqualTo(EventKind.REGION);
        assertThat(events.get(0).sequence()).isEqualTo(100);
        assertThat(events.get(0).captureTimeMillis()).isEqualTo(1234L);

        m[2 * PAGE + 5] = 9;
        m[3 * PAGE + 4095] = 9;
        m[9 * PAGE] = 0;
        assertThat(scan(m, 10, null)).isEqualTo(new RegionTracker.Result(10, 3, true));
        PageUpdateEvent e = events.get(1);
        assertThat(e.kind()).isEqualTo(EventKind.PAGES);
        assertThat(e.indices()).containsExactly(2, 3, 9);
        assertThat(e.sequence()).isEqualTo(101);
        assertThat(model.image("vm/r0")).isEqualTo(m);

        assertThat(scan(m, 10, null)).isEqualTo(new RegionTracker.Result(10, 0, false));
        assertThat(events).hasSize(2);
    }

    @Test
    void growingAndShrinkingRegionsSendTheNewPageCount() throws Exception {
        byte[] m = memory(12);
        scan(m, 8, null);
        // Grown by 4 pages: the non-zero new pages are sent; zero new pages are implied.
        m[10 * PAGE] = 0;
        scan(m, 12, null);
        PageUpdateEvent grown = events.get(1);
        assertThat(grown.regionPages()).isEqualTo(12);
        assertThat(grown.indices()).containsExactly(8, 9, 11);
        assertThat(model.image("vm/r0")).isEqualTo(m);

        // Shrunk: an event with the smaller page count, even with no page changed.
        scan(m, 5, null);
        PageUpdateEvent shrunk = events.get(2);
        assertThat(shrunk.regionPages()).isEqualTo(5);
        assertThat(shrunk.indices()).isEmpty();
        assertThat(model.image("vm/r0")).isEqualTo(java.util.Arrays.copyOf(m, 5 * PAGE));

        // Grown again: the pages that come back are compared with zeros, not with what they were.
        scan(m, 7, null);
        assertThat(events.get(3).indices()).containsExactly(5, 6);
        assertThat(model.image("vm/r0")).isEqualTo(java.util.Arrays.copyOf(m, 7 * PAGE));
    }

    @Test
    void candidatesLimitWhatIsReadButNewPagesAreAlwaysRead() throws Exception {
        byte[] m = memory(10);
        scan(m, 8, null);
        m[1 * PAGE + 1] = 1;
        m[6 * PAGE + 1] = 1;
        BitSet dirty = new BitSet();
        dirty.set(1);
        dirty.set(4); // reported but unchanged: read, not sent
        RegionTracker.Result r = scan(m, 10, dirty);
        assertThat(r.pagesRead()).isEqualTo(4); // 1, 4 and the new 8, 9
        assertThat(events.get(1).indices()).containsExactly(1, 8, 9);
        // Page 6 changed without a soft-dirty bit: not seen until a full scan.
        assertThat(scan(m, 10, null).pagesChanged()).isEqualTo(1);
        assertThat(model.image("vm/r0")).isEqualTo(m);
    }

    @Test
    void deletesAreSequencedAndAKeyThatComesBackStartsWithAWholeRegion() throws Exception {
        byte[] m = memory(4);
        scan(m, 4, null);
        assertThat(tracker.delete("vm/r0", events::add)).isTrue();
        assertThat(tracker.delete("vm/r0", events::add)).isFalse();
        assertThat(events.get(1).kind()).isEqualTo(EventKind.DELETE);
        assertThat(events.get(1).sequence()).isEqualTo(101);
        scan(m, 4, null);
        assertThat(events.get(2).kind()).isEqualTo(EventKind.REGION);
        assertThat(events.get(2).sequence()).isEqualTo(102);
        assertThat(tracker.keys()).containsExactly("vm/r0");
    }

    /** The region digest of a flat image, computed here from the bytes (the truth the events must carry). */
    private static long digestOf(byte[] image, int pages) {
        long d = 0;
        for (int i = 0; i < pages; i++) {
            d ^= dev.hde.codec.PageHash.of(i, image, i * PAGE, PAGE);
        }
        return d;
    }

    @Test
    void everyEventCarriesTheRegionDigestOfTheMemoryAfterIt() throws Exception {
        byte[] m = memory(10);
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(17);
        int pages = 10;
        scan(m, pages, null);
        for (int round = 0; round < 40; round++) {
            int p = rnd.nextInt(12);
            if (rnd.nextInt(5) == 0) {
                pages = 4 + rnd.nextInt(8); // the region grows or shrinks
            }
            if (p < pages) {
                java.util.Arrays.fill(m, p * PAGE, p * PAGE + 64, rnd.nextInt(3) == 0 ? 0 : (byte) (1 + rnd.nextInt(255)));
                if (rnd.nextInt(4) == 0) {
                    java.util.Arrays.fill(m, p * PAGE, (p + 1) * PAGE, (byte) 0); // a page that becomes zero
                }
            }
            scan(m, pages, null);
            PageUpdateEvent last = events.get(events.size() - 1);
            assertThat(last.digest()).as("round %d", round).hasValue(digestOf(m, pages));
            assertThat(tracker.digest("vm/r0")).hasValue(digestOf(m, pages));
        }
        assertThat(events.get(0).digest()).hasValue(digestOf(memory(10), 10));
    }

    @Test
    void aRegionAskedForWholeIsReadAndSentWholeOnItsNextScan() throws Exception {
        byte[] m = memory(6);
        scan(m, 6, null);
        assertThat(tracker.requestWhole("vm/r9")).as("a key it does not hold").isFalse();
        assertThat(tracker.requestWhole("vm/r0")).isTrue();
        m[2 * PAGE] = 77;
        BitSet onlyOne = new BitSet();
        onlyOne.set(5); // soft-dirty bits would read one page: a whole region reads all
        RegionTracker.Result r = scan(m, 6, onlyOne);
        assertThat(r.pagesRead()).isEqualTo(6);
        PageUpdateEvent whole = events.get(1);
        assertThat(whole.kind()).isEqualTo(EventKind.REGION);
        assertThat(whole.sequence()).isEqualTo(101);
        assertThat(whole.digest()).hasValue(digestOf(m, 6));
        assertThat(tracker.wholeRequested("vm/r0")).isFalse();
        // and back to partial events
        m[3 * PAGE] = 5;
        scan(m, 6, null);
        assertThat(events.get(2).kind()).isEqualTo(EventKind.PAGES);
        assertThat(model.image("vm/r0")).isEqualTo(m);
    }

    @Test
    void aQuietRegionSendsAnEmptyEventWithItsNextSequenceAndDigestOncePerHeartbeat() throws Exception {
        long[] now = {10_000};
        RegionTracker beating = new RegionTracker(12, 100, 3, () -> now[0]).heartbeat(java.time.Duration.ofSeconds(30));
        byte[] m = memory(6);
        ByteBuffer whole = ByteBuffer.wrap(m);
        RegionTracker.PageReader reader = (first, count) -> whole.slice(first * PAGE, count * PAGE);
        beating.scan("vm/r0", 6, reader, null, events::add);
        now[0] += 29_999;
        assertThat(beating.scan("vm/r0", 6, reader, null, events::add).emitted()).as("not yet due").isFalse();
        now[0] += 1;
        assertThat(beating.scan("vm/r0", 6, reader, null, events::add)).isEqualTo(new RegionTracker.Result(6, 0, true));
        PageUpdateEvent beat = events.get(1);
        assertThat(beat.kind()).isEqualTo(EventKind.PAGES);
        assertThat(beat.indices()).isEmpty();
        assertThat(beat.sequence()).isEqualTo(101);
        assertThat(beat.captureTimeMillis()).isEqualTo(40_000);
        assertThat(beat.digest()).hasValue(digestOf(m, 6));
        // A change restarts the wait: the next heartbeat is due 30 s after it, not after the last heartbeat.
        now[0] += 10_000;
        m[PAGE] = 42;
        beating.scan("vm/r0", 6, reader, null, events::add);
        assertThat(events.get(2).indices()).containsExactly(1);
        now[0] += 29_000;
        assertThat(beating.scan("vm/r0", 6, reader, null, events::add).emitted()).isFalse();
        now[0] += 1_000;
        assertThat(beating.scan("vm/r0", 6, reader, null, events::add).emitted()).isTrue();
        assertThat(events.get(3).sequence()).isEqualTo(103);
        assertThat(events.get(3).digest()).hasValue(digestOf(m, 6));
    }

    @Test
    void withoutAHeartbeatAQuietRegionNeverSendsAnything() throws Exception {
        long[] now = {0};
        RegionTracker silent = new RegionTracker(12, 1, 3, () -> now[0]);
        byte[] m = memory(4);
        ByteBuffer whole = ByteBuffer.wrap(m);
        silent.scan("vm/r0", 4, (first, count) -> whole.slice(first * PAGE, count * PAGE), null, events::add);
        now[0] = Long.MAX_VALUE / 2;
        assertThat(silent.scan("vm/r0", 4, (first, count) -> whole.slice(first * PAGE, count * PAGE), null, events::add).emitted()).isFalse();
        assertThat(events).hasSize(1);
    }
}
