package dev.hde.operators;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hde.codec.Limits;
import dev.hde.codec.Pages;
import dev.hde.codec.block.BlockCodec;
import dev.hde.codec.block.CodecSpec;
import dev.hde.codec.delta.DeltaMethod;
import dev.hde.codec.region.EncodeSpec;
import dev.hde.codec.region.FrameInfo;
import dev.hde.codec.region.RegionEncoder;
import dev.hde.codec.wire.ControlRequest;
import dev.hde.codec.wire.ControlRequestFormat;
import dev.hde.codec.wire.FrameHeader;
import dev.hde.codec.wire.FrameType;
import dev.hde.codec.wire.PageUpdateEvent;
import dev.hde.state.RefreshPolicy;
import dev.hde.state.RefreshReason;
import dev.hde.state.RegionState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RegionEncoderFunctionTest {

    static final long T0 = 1_700_000_000_000L;
    static final int SHIFT = 12;
    static final int PS = 1 << SHIFT;
    static final int N = 16;
    static final String KEY = "vm-00/r0000";
    static final String OTHER = "vm-00/r0001";

    /** Nothing refreshes unless a test asks for it. */
    static final RefreshPolicy LAX = new RefreshPolicy(Duration.ofHours(10), 1_000, Duration.ofHours(10), false, Duration.ofHours(1));

    private final List<EncoderHarness> open = new ArrayList<>();
    private final Receiver receiver = new Receiver();
    private final Map<String, RegionModel> models = new HashMap<>();
    private final Random random = new Random(1234);

    @AfterEach
    void closeAll() throws Exception {
        for (EncoderHarness h : open) {
            h.close();
        }
    }

    private EncoderHarness encoder(RefreshPolicy policy) throws Exception {
        return encoder(new EncoderSettings(List.of(EncoderSettings.DEFAULT_SPEC), false, policy, Limits.DEFAULT));
    }

    private EncoderHarness encoder(EncoderSettings settings) throws Exception {
        EncoderHarness h = new EncoderHarness(settings);
        open.add(h);
        return h;
    }

    // ---- events and checks ------------------------------------------------------------------------

    private byte[][] someRegion(int pages, int pageSize) {
        byte[][] out = new byte[pages][];
        for (int i = 0; i < pages; i++) {
            out[i] = TestPages.page(random, pageSize);
        }
        return out;
    }

    private static PageUpdateEvent region(String key, long seq, long time, byte[][] pages) {
        return PageUpdateEvent.region(key, Integer.numberOfTrailingZeros(pages[0].length), seq, time, pages);
    }

    private static PageUpdateEvent pages(String key, long seq, long time, int[] indices, byte[][] pages) {
        return PageUpdateEvent.pages(key, SHIFT, N, seq, time, indices, pages);
    }

    /** A PAGES event that edits {@code count} pages of the modelled region (some become zero, some new). */
    private PageUpdateEvent edit(String key, long seq, long time, int count) {
        RegionModel m = models.get(key);
        int[] indices = random.ints(0, m.regionPages()).distinct().limit(count).sorted().toArray();
        byte[][] pages = new byte[indices.length][];
        for (int i = 0; i < indices.length; i++) {
            byte[] old = m.page(indices[i]);
            int roll = random.nextInt(10);
            pages[i] = roll == 0 ? new byte[m.pageSize()]
                    : roll == 1 || Pages.isZero(old) ? TestPages.text(random, m.pageSize())
                    : TestPages.edited(random, old);
        }
        return PageUpdateEvent.pages(key, m.pageShift, m.regionPages(), seq, time, indices, pages);
    }

    /**
     * The producer's event: laid on the model of its memory (the truth) and sent with the producer's
     * digest; the frames it makes are delivered to the receiver and checked against the model.
     */
    private List<FrameRecord> accept(EncoderHarness h, PageUpdateEvent e) throws Exception {
        PageUpdateEvent withDigest = models.computeIfAbsent(e.stateKey(), k -> new RegionModel(e.pageShift())).applyWithDigest(e);
        List<FrameRecord> frames = h.send(withDigest);
        deliver(frames);
        return frames;
    }

    /** An event the encoder cannot make the producer's state from: one RESYNC frame, the receiver waits on its last good image. */
    private ControlRequest expectResync(EncoderHarness h, PageUpdateEvent e, ControlRequest.Reason reason) throws Exception {
        byte[] before = receiver.image(e.stateKey());
        List<FrameRecord> frames = accept(h, e);
        assertThat(frames).hasSize(1);
        assertThat(header(frames.get(0)).type()).isEqualTo(FrameType.RESYNC);
        assertThat(receiver.waiting(e.stateKey())).isTrue();
        assertThat(receiver.image(e.stateKey())).as("the last good image stays").isEqualTo(before);
        List<ControlRecord> requests = h.resyncRequests();
        assertThat(requests).hasSize(1);
        ControlRequest q = ControlRequestFormat.read(requests.get(0).bytes, Limits.DEFAULT);
        assertThat(q.kind()).isEqualTo(ControlRequest.Kind.RESYNC);
        assertThat(q.stateKey()).isEqualTo(e.stateKey()).isEqualTo(requests.get(0).stateKey);
        assertThat(q.reason()).isEqualTo(reason);
        assertThat(q.sequence()).isEqualTo(e.sequence());
        return q;
    }

    /** Applies frames at the receiver and checks that it holds exactly the model afterwards. */
    private List<FrameHeader> deliver(List<FrameRecord> frames) {
        List<FrameHeader> headers = new ArrayList<>();
        for (FrameRecord f : frames) {
            FrameHeader header = receiver.apply(f);
            headers.add(header);
            if (header.type() == FrameType.DELETE) {
                assertThat(receiver.image(f.stateKey)).isNull();
            } else if (header.type() == FrameType.RESYNC) {
                assertThat(receiver.waiting(f.stateKey)).isTrue();
            } else {
                assertThat(receiver.image(f.stateKey)).as("receiver image of %s after %s %d.%d", f.stateKey, header.type(),
                        header.epoch(), header.chainIndex()).isEqualTo(models.get(f.stateKey).image);
            }
        }
        return headers;
    }

    private static FrameHeader header(FrameRecord f) {
        return dev.hde.codec.wire.FrameFormat.parse(f.bytes, Limits.DEFAULT).header();
    }

    private void assertReferenceIsModel(EncoderHarness h, String key) throws Exception {
        RegionModel m = models.get(key);
        Map<Integer, byte[]> ref = h.referencePages(key);
        Map<Integer, byte[]> expected = new HashMap<>();
        for (int i = 0; i < m.regionPages(); i++) {
            if (!Pages.isZero(m.page(i))) {
                expected.put(i, m.page(i));
            }
        }
        assertThat(ref.keySet()).as("reference pages of %s", key).isEqualTo(expected.keySet());
        for (var e : expected.entrySet()) {
            assertThat(ref.get(e.getKey())).as("reference page %d of %s", e.getKey(), key).isEqualTo(e.getValue());
        }
        // The region's page index (which lookups the encoder skips) is exactly what its state holds.
        RegionState s = h.regionState(key);
        if (s != null) {
            assertThat(s.basePages).as("page index of %s", key).isNotNull();
            assertThat(PatchedPageStoreTest.pagesIn(s.basePages)).as("pages with a base of %s", key).isEqualTo(h.storedPages(key, false));
            assertThat(PatchedPageStoreTest.pagesIn(s.patchedPages)).as("pages with a patch of %s", key).isEqualTo(h.storedPages(key, true));
        }
    }

    private static void assertFull(FrameRecord f, long epoch) {
        FrameHeader h = header(f);
        assertThat(h.type()).isEqualTo(FrameType.FULL);
        assertThat(h.epoch()).isEqualTo(epoch);
        assertThat(h.chainIndex()).isZero();
    }

    private static void assertDelta(FrameRecord f, long epoch, int chain) {
        FrameHeader h = header(f);
        assertThat(h.type()).isEqualTo(FrameType.DELTA);
        assertThat(h.epoch()).isEqualTo(epoch);
        assertThat(h.chainIndex()).isEqualTo(chain);
    }

    private static void assertBaseline(BaselineEvent b, String key, BaselineEvent.Kind kind, RefreshReason reason, long epoch) {
        assertThat(b.stateKey).isEqualTo(key);
        assertThat(b.kind).isEqualTo(kind);
        assertThat(b.reason).isEqualTo(reason == null ? null : reason.name());
        assertThat(b.epoch).isEqualTo(epoch);
    }

    // ---- tests -----------------------------------------------------------------------------------

    @Test
    void aRegionTheEncoderHoldsNothingOfStartsItsEpochNoLowerThanTheProcessingTime() throws Exception {
        // An old event encoded again by a run that started without state: its capture time is an epoch receivers may hold.
        long later = T0 + 3_600_000;
        EncoderHarness h = encoder(LAX);
        h.processingTime(later);
        assertThat(header(accept(h, region(KEY, 1, T0, someRegion(N, PS))).get(0)).epoch()).isEqualTo(later);
        assertThat(h.regionState(KEY).epoch).isEqualTo(later);

        EncoderHarness byCaptureTime = encoder(new EncoderSettings(List.of(EncoderSettings.DEFAULT_SPEC), false, LAX, Limits.DEFAULT)
                .withEpochsAboveClock(false));
        byCaptureTime.processingTime(later);
        assertThat(header(accept(byCaptureTime, region("vm-09/r0000", 1, T0, someRegion(N, PS))).get(0)).epoch()).as("as hde trace numbers it")
                .isEqualTo(T0);
    }

    @Test
    void firstSightIsAFullFrameAndACreatedBaseline() throws Exception {
        EncoderHarness h = encoder(LAX);
        List<FrameRecord> frames = accept(h, region(KEY, 1, T0, someRegion(N, PS)));

        assertThat(frames).hasSize(1);
        FrameRecord f = frames.get(0);
        assertThat(f.stateKey).isEqualTo(KEY);
        FrameHeader hd = header(f);
        assertFull(f, T0); // epochs follow capture time
        assertThat(hd.stateKey()).isEqualTo(KEY);
        assertThat(hd.sourceSequence()).isEqualTo(1);
        assertThat(hd.captureTimeMillis()).isEqualTo(T0);
        assertThat(hd.regionPages()).isEqualTo(N);

        List<BaselineEvent> baselines = h.baselines();
        assertThat(baselines).hasSize(1);
        BaselineEvent b = baselines.get(0);
        assertBaseline(b, KEY, BaselineEvent.Kind.CREATED, RefreshReason.FIRST, T0);
        assertThat(b.regionPages).isEqualTo(N);
        assertThat(b.sizeBytes).isEqualTo(f.bytes.length);
        assertThat(b.digest).isEqualTo(hd.digest());
        assertThat(b.timeMillis).isEqualTo(T0);

        List<PerformanceRecord> perf = h.performance();
        assertThat(perf).hasSize(1);
        assertThat(perf.get(0).frameType).isEqualTo("FULL");
        assertThat(perf.get(0).bytesOut).isEqualTo(f.bytes.length);
        assertThat(perf.get(0).pagesOffered).isEqualTo(N);
        assertThat(perf.get(0).captureTimeMillis).isEqualTo(T0);

        assertReferenceIsModel(h, KEY);
        RegionState s = h.regionState(KEY);
        assertThat(s.epoch).isEqualTo(T0);
        assertThat(s.lastSequence).isEqualTo(1);
        assertThat(s.lastFullBytes).isEqualTo(f.bytes.length);
        EncoderMetrics m = h.metrics();
        assertThat(m.fullFrames.getCount()).isEqualTo(1);
        assertThat(m.baselinesCreated.getCount()).isEqualTo(1);
        assertThat(m.bytesOut.getCount()).isEqualTo(f.bytes.length);
        assertThat(m.bytesIn.getCount()).isEqualTo((long) N * PS);
    }

    @Test
    void laterEventsAreDeltasThatRebuildTheRegionExactly() throws Exception {
        EncoderHarness h = encoder(LAX);
        accept(h, region(KEY, 1, T0, someRegion(N, PS)));
        accept(h, region(OTHER, 1, T0, someRegion(N, PS)));
        h.baselines();
        h.performance();
        for (int i = 1; i <= 12; i++) {
            String key = i % 3 == 0 ? OTHER : KEY;
            List<FrameRecord> frames = accept(h, edit(key, h.regionState(key).lastSequence + 1, T0 + i * 1000L, 1 + i % 5));
            assertThat(frames).hasSize(1);
            FrameHeader hd = header(frames.get(0));
            assertThat(hd.type()).isEqualTo(FrameType.DELTA);
            assertThat(hd.epoch()).isEqualTo(T0);
            assertThat(hd.stateKey()).isEqualTo(key);
            assertThat(hd.method()).isIn(DeltaMethod.XBZRLE, DeltaMethod.RAW);
        }
        assertThat(h.baselines()).isEmpty();
        assertThat(h.performance()).hasSize(12).allSatisfy(p -> assertThat(p.frameType).isEqualTo("DELTA"));
        assertReferenceIsModel(h, KEY);
        assertReferenceIsModel(h, OTHER);
        assertThat(h.regionState(KEY).chainIndex).isEqualTo(8);
        assertThat(h.regionState(OTHER).chainIndex).isEqualTo(4);
        assertThat(h.metrics().deltaFrames.getCount()).isEqualTo(12);
    }

    @Test
    void pagesBecomingZeroAndZeroPagesGettingContent() throws Exception {
        EncoderHarness h = encoder(LAX);
        byte[][] start = someRegion(N, PS);
        start[3] = new byte[PS];
        start[4] = TestPages.text(random, PS);
        accept(h, region(KEY, 1, T0, start));
        List<FrameRecord> frames = accept(h, pages(KEY, 2, T0 + 1, new int[] {3, 4}, new byte[][] {TestPages.sparse(random, PS), new byte[PS]}));
        assertDelta(frames.get(0), T0, 1);
        assertReferenceIsModel(h, KEY);
        assertThat(h.referencePages(KEY)).doesNotContainKey(4).containsKey(3);
    }

    @Test
    void aRegionWhoseProducerSendsNothingForTheQuietTimeIsReportedOnceAndAHeartbeatWakesIt() throws Exception {
        long quiet = Duration.ofMinutes(10).toMillis();
        long idle = Duration.ofHours(1).toMillis();
        EncoderHarness h = encoder(new EncoderSettings(List.of(EncoderSettings.DEFAULT_SPEC), false, LAX, Limits.DEFAULT)
                .withQuietAfter(Duration.ofMillis(quiet)));
        long p0 = EncoderHarness.START_PROCESSING_TIME;
        accept(h, region(KEY, 1, T0, someRegion(N, PS)));
        h.baselines();
        assertThat(h.regionState(KEY).pruneTimer).as("the first deadline is the quiet time").isEqualTo(p0 + quiet);

        h.processingTime(p0 + quiet - 1);
        assertThat(h.metrics().regionsQuiet.getCount()).isZero();
        h.processingTime(p0 + quiet);
        assertThat(h.metrics().regionsQuiet.getCount()).isEqualTo(1);
        assertThat(h.regionState(KEY).quiet).isTrue();
        assertThat(h.regionState(KEY).pruneTimer).as("then the prune deadline").isEqualTo(p0 + idle);
        h.processingTime(p0 + 2 * quiet);
        assertThat(h.metrics().regionsQuiet.getCount()).as("once per quiet spell").isEqualTo(1);
        assertThat(h.baselines()).as("quiet is not pruned").isEmpty();
        assertReferenceIsModel(h, KEY);

        // A heartbeat: the producer is alive after all. The timer comes back to the next quiet deadline.
        long heard = p0 + 2 * quiet + 5;
        h.processingTime(heard);
        assertThat(accept(h, pages(KEY, 2, T0 + 1, new int[0], new byte[0][]))).isEmpty();
        assertThat(h.metrics().regionsAwake.getCount()).isEqualTo(1);
        assertThat(h.regionState(KEY).quiet).isFalse();
        assertThat(h.regionState(KEY).pruneTimer).isEqualTo(heard + quiet);
        assertThat(h.processingTimeTimers()).isEqualTo(1);

        h.processingTime(heard + quiet);
        assertThat(h.metrics().regionsQuiet.getCount()).isEqualTo(2);
        h.processingTime(heard + idle - 1);
        assertThat(h.baselines()).isEmpty();
        h.processingTime(heard + idle);
        assertThat(h.baselines()).extracting(x -> x.kind).containsExactly(BaselineEvent.Kind.PRUNED);
        assertThat(h.keyedStateEntries()).isZero();
        assertThat(h.processingTimeTimers()).isZero();
        assertThat(h.metrics().regionsQuiet.getCount()).isEqualTo(2);
    }

    @Test
    void withQuietReportsOffTheOnlyDeadlineIsThePrune() throws Exception {
        long idle = Duration.ofHours(1).toMillis();
        EncoderHarness h = encoder(new EncoderSettings(List.of(EncoderSettings.DEFAULT_SPEC), false, LAX, Limits.DEFAULT)
                .withQuietAfter(Duration.ZERO));
        long p0 = EncoderHarness.START_PROCESSING_TIME;
        accept(h, region(KEY, 1, T0, someRegion(N, PS)));
        assertThat(h.regionState(KEY).pruneTimer).isEqualTo(p0 + idle);
        h.processingTime(p0 + idle - 1);
        assertThat(h.metrics().regionsQuiet.getCount()).isZero();
        assertThat(h.regionState(KEY).quiet).isFalse();
    }

    @Test
    void aHeartbeatMakesNoFrameButAfterALostEventAsksForTheWholeRegion() throws Exception {
        EncoderHarness h = encoder(LAX);
        byte[][] start = someRegion(N, PS);
        accept(h, region(KEY, 1, T0, start));
        h.baselines();
        h.performance();

        assertThat(accept(h, pages(KEY, 2, T0 + 1, new int[0], new byte[0][]))).as("nothing lost: nothing to send").isEmpty();
        assertThat(h.metrics().heartbeats.getCount()).isEqualTo(1);
        assertThat(h.metrics().resyncRequests.getCount()).isZero();
        assertThat(h.regionState(KEY).lastSequence).isEqualTo(2);

        // Event 3, the region's last change, is lost; the heartbeat after it (4) reveals the gap.
        List<FrameRecord> out = accept(h, pages(KEY, 4, T0 + 3, new int[0], new byte[0][]));
        assertThat(out).hasSize(1);
        assertThat(header(out.get(0)).type()).isEqualTo(FrameType.RESYNC);
        assertThat(h.metrics().heartbeats.getCount()).isEqualTo(2);
        assertThat(h.metrics().sequenceGaps.getCount()).isEqualTo(1);
        assertThat(h.metrics().resyncRequests.getCount()).isEqualTo(1);
    }

    @Test
    void onlyFalseDirtiesMakeNoFrame() throws Exception {
        EncoderHarness h = encoder(LAX);
        byte[][] start = someRegion(N, PS);
        start[2] = new byte[PS];
        accept(h, region(KEY, 1, T0, start));
        h.baselines();
        h.performance();

        // Reported dirty, unchanged: two pages as they are and a zero page that stays zero.
        List<FrameRecord> none = accept(h, pages(KEY, 2, T0 + 1, new int[] {1, 2, 7}, new byte[][] {start[1].clone(), new byte[PS], start[7].clone()}));
        assertThat(none).isEmpty();
        assertThat(h.baselines()).isEmpty();
        assertThat(h.performance()).isEmpty();
        assertThat(h.metrics().unchangedEvents.getCount()).isEqualTo(1);
        assertThat(h.regionState(KEY).lastSequence).as("the event was taken").isEqualTo(2);
        assertThat(h.regionState(KEY).chainIndex).isZero();

        // The next real change is delta 1, and the false-dirty event's sequence was not a gap.
        List<FrameRecord> frames = accept(h, pages(KEY, 3, T0 + 2, new int[] {1}, new byte[][] {TestPages.edited(random, start[1])}));
        assertDelta(frames.get(0), T0, 1);
        assertThat(h.metrics().missingEvents.getCount()).isZero();

        // An event with no pages at all, same region size: nothing to send either.
        assertThat(accept(h, pages(KEY, 4, T0 + 3, new int[0], new byte[0][]))).isEmpty();
    }

    @Test
    void regionGrowingAndShrinkingIsSentAsADelta() throws Exception {
        EncoderHarness h = encoder(LAX);
        accept(h, region(KEY, 1, T0, someRegion(N, PS)));
        // grows by zero pages only: no page listed, still a frame (the region size changed)
        List<FrameRecord> grown = accept(h, PageUpdateEvent.pages(KEY, SHIFT, N + 8, 2, T0 + 1, new int[0], new byte[0][]));
        assertDelta(grown.get(0), T0, 1);
        assertThat(header(grown.get(0)).regionPages()).isEqualTo(N + 8);
        // shrinks, dropping pages that had content
        List<FrameRecord> shrunk = accept(h, PageUpdateEvent.pages(KEY, SHIFT, 5, 3, T0 + 2, new int[] {4},
                new byte[][] {TestPages.random(random, PS)}));
        assertDelta(shrunk.get(0), T0, 2);
        assertReferenceIsModel(h, KEY);
        assertThat(h.referencePages(KEY).keySet()).allSatisfy(i -> assertThat(i).isLessThan(5));
    }

    @Test
    void chainLengthRefresh() throws Exception {
        EncoderHarness h = encoder(LAX.withMaxChain(3));
        accept(h, region(KEY, 1, T0, someRegion(N, PS)));
        List<FrameType> types = new ArrayList<>();
        List<Long> epochs = new ArrayList<>();
        for (int seq = 2; seq <= 9; seq++) {
            List<FrameRecord> frames = accept(h, edit(KEY, seq, T0 + seq, 2));
            assertThat(frames).hasSize(1);
            types.add(header(frames.get(0)).type());
            epochs.add(header(frames.get(0)).epoch());
        }
        assertThat(types).containsExactly(FrameType.DELTA, FrameType.DELTA, FrameType.DELTA, FrameType.FULL,
                FrameType.DELTA, FrameType.DELTA, FrameType.DELTA, FrameType.FULL);
        // seq 5 refreshes at capture time T0 + 5, seq 9 at T0 + 9
        assertThat(epochs).containsExactly(T0, T0, T0, T0 + 5, T0 + 5, T0 + 5, T0 + 5, T0 + 9);
        List<BaselineEvent> b = h.baselines();
        assertThat(b).hasSize(3);
        assertBaseline(b.get(0), KEY, BaselineEvent.Kind.CREATED, RefreshReason.FIRST, T0);
        assertBaseline(b.get(1), KEY, BaselineEvent.Kind.REFRESHED, RefreshReason.CHAIN_LENGTH, T0 + 5);
        assertBaseline(b.get(2), KEY, BaselineEvent.Kind.REFRESHED, RefreshReason.CHAIN_LENGTH, T0 + 9);
        assertThat(h.metrics().baselinesCreated.getCount()).isEqualTo(1);
    }

    @Test
    void chainLengthRefreshEvenWhenTheEventChangesNothing() throws Exception {
        EncoderHarness h = encoder(LAX.withMaxChain(1));
        byte[][] start = someRegion(N, PS);
        accept(h, region(KEY, 1, T0, start));
        accept(h, edit(KEY, 2, T0 + 1, 1));
        h.baselines();
        RegionModel m = models.get(KEY);
        List<FrameRecord> frames = accept(h, pages(KEY, 3, T0 + 2, new int[] {0}, new byte[][] {m.page(0)}));
        assertThat(frames).hasSize(1);
        assertFull(frames.get(0), T0 + 2);
        assertBaseline(h.baselines().get(0), KEY, BaselineEvent.Kind.REFRESHED, RefreshReason.CHAIN_LENGTH, T0 + 2);
    }

    @Test
    void maxChainOneSendsAKeyframeAfterEachDelta() throws Exception {
        EncoderHarness h = encoder(LAX.withMaxChain(1));
        accept(h, region(KEY, 1, T0, someRegion(N, PS)));
        assertDelta(accept(h, edit(KEY, 2, T0 + 2, 2)).get(0), T0, 1);
        assertFull(accept(h, edit(KEY, 3, T0 + 3, 2)).get(0), T0 + 3);
        assertDelta(accept(h, edit(KEY, 4, T0 + 4, 2)).get(0), T0 + 3, 1);
    }

    @Test
    void byDefaultAChainHasNoLimitAndNoInterval() throws Exception {
        EncoderHarness h = encoder(RefreshPolicy.DEFAULT.withSizeRule(false));
        accept(h, region(KEY, 1, T0, someRegion(N, PS)));
        for (int seq = 2; seq <= 60; seq++) {
            assertDelta(accept(h, edit(KEY, seq, T0 + seq * 60_000L, 2)).get(0), T0, seq - 1);
        }
        assertThat(h.baselines()).hasSize(1);
    }

    @Test
    void intervalRefreshUsesCaptureTime() throws Exception {
        EncoderHarness h = encoder(LAX.withInterval(Duration.ofSeconds(10)));
        accept(h, region(KEY, 1, T0, someRegion(N, PS)));
        assertDelta(accept(h, edit(KEY, 2, T0 + 5_000, 2)).get(0), T0, 1);
        // processing time does not matter
        h.processingTime(EncoderHarness.START_PROCESSING_TIME + 3_000_000);
        assertDelta(accept(h, edit(KEY, 3, T0 + 9_999, 2)).get(0), T0, 2);
        assertFull(accept(h, edit(KEY, 4, T0 + 10_000, 2)).get(0), T0 + 10_000);
        assertDelta(accept(h, edit(KEY, 5, T0 + 19_999, 2)).get(0), T0 + 10_000, 1);
        assertFull(accept(h, edit(KEY, 6, T0 + 25_000, 2)).get(0), T0 + 25_000);
        List<BaselineEvent> b = h.baselines();
        assertThat(b).extracting(x -> x.reason).containsExactly("FIRST", "INTERVAL", "INTERVAL");
        assertThat(b).extracting(x -> x.timeMillis).containsExactly(T0, T0 + 10_000, T0 + 25_000);
    }

    /** What the encoder's delta for {@code e} would weigh, worked out from the receiver's copy of the reference. */
    private int predictedDeltaBytes(PageUpdateEvent e, List<EncodeSpec> specs) {
        var pending = RegionEncoder.delta(receiver.meta(e.stateKey()), receiver.store(e.stateKey()), e.toPageUpdate());
        return RegionEncoder.renderSmallest(new FrameInfo(e.stateKey(), e.sequence(), e.captureTimeMillis()), pending, specs).length;
    }

    @Test
    void sizeRuleSendsTheKeyframeWhenItIsTheSmallerFrame() throws Exception {
        EncodeSpec xor = EncodeSpec.of(DeltaMethod.XOR, CodecSpec.zstd(3));
        EncoderHarness h = encoder(new EncoderSettings(List.of(xor), false, LAX.withSizeRule(true), Limits.DEFAULT));
        // 4 random pages, the rest zero: the keyframe costs about 4 pages.
        byte[][] start = new byte[N][];
        for (int i = 0; i < N; i++) {
            start[i] = i < 4 ? TestPages.random(random, PS) : new byte[PS];
        }
        long keyframe = accept(h, region(KEY, 1, T0, start)).get(0).bytes.length;
        h.baselines();
        // Every page becomes the same text: XOR against random pages is random (a delta of over 4 pages), the region itself compresses to almost nothing.
        byte[] text = TestPages.text(random, PS);
        int[] all = new int[N];
        byte[][] pages = new byte[N][];
        for (int i = 0; i < N; i++) {
            all[i] = i;
            pages[i] = text.clone();
        }
        PageUpdateEvent e = pages(KEY, 2, T0 + 1, all, pages);
        int delta = predictedDeltaBytes(e, List.of(xor));
        assertThat(delta).as("the delta is larger than the last keyframe, so the rule compares").isGreaterThan((int) keyframe);
        List<FrameRecord> frames = accept(h, e);
        assertFull(frames.get(0), T0 + 1);
        assertThat(frames.get(0).bytes.length).isLessThan(delta);
        assertBaseline(h.baselines().get(0), KEY, BaselineEvent.Kind.REFRESHED, RefreshReason.SIZE, T0 + 1);
        // An ordinary small delta after it stays a delta.
        assertDelta(accept(h, pages(KEY, 3, T0 + 2, new int[] {3}, new byte[][] {TestPages.edited(random, text)})).get(0), T0 + 1, 1);
    }

    @Test
    void deltaBudgetRefreshesWhenTheDeltasOutweighAKeyframe() throws Exception {
        EncoderHarness h = encoder(LAX.withDeltaBudget(true));
        // A mostly-zero region: its keyframe is small.
        byte[][] start = new byte[N][];
        for (int i = 0; i < N; i++) {
            start[i] = i < 2 ? TestPages.text(random, PS) : new byte[PS];
        }
        FrameRecord first = accept(h, region(KEY, 1, T0, start)).get(0);
        long lastFull = first.bytes.length;
        long sinceFull = 0;
        h.baselines();
        List<FrameType> types = new ArrayList<>();
        for (int seq = 2; seq <= 14; seq++) {
            // One page of incompressible bytes per event: each delta costs about a page.
            int index = 2 + random.nextInt(N - 2);
            PageUpdateEvent e = pages(KEY, seq, T0 + seq, new int[] {index}, new byte[][] {TestPages.random(random, PS)});
            int predicted = predictedDeltaBytes(e, List.of(EncoderSettings.DEFAULT_SPEC));
            List<FrameRecord> frames = accept(h, e);
            assertThat(frames).hasSize(1);
            FrameHeader hd = header(frames.get(0));
            types.add(hd.type());
            if (sinceFull + predicted > lastFull) {
                assertThat(hd.type()).as("seq %d: %d + %d > %d", seq, sinceFull, predicted, lastFull).isEqualTo(FrameType.FULL);
                List<BaselineEvent> b = h.baselines();
                assertBaseline(b.get(0), KEY, BaselineEvent.Kind.REFRESHED, RefreshReason.BUDGET, T0 + seq);
                assertThat(b.get(0).sizeBytes).isEqualTo(frames.get(0).bytes.length);
                lastFull = frames.get(0).bytes.length;
                sinceFull = 0;
            } else {
                assertThat(hd.type()).as("seq %d: %d + %d <= %d", seq, sinceFull, predicted, lastFull).isEqualTo(FrameType.DELTA);
                assertThat(frames.get(0).bytes).hasSize(predicted);
                sinceFull += predicted;
            }
        }
        // The first random page outweighs the tiny keyframe; later keyframes carry the random pages and last longer.
        assertThat(types.get(0)).isEqualTo(FrameType.FULL);
        assertThat(types).contains(FrameType.DELTA);
        assertThat(types.stream().filter(t -> t == FrameType.FULL).count()).isGreaterThanOrEqualTo(2);
    }

    @Test
    void withoutTheSizeRuleLargeDeltasStayDeltas() throws Exception {
        EncoderHarness h = encoder(LAX.withSizeRule(false));
        byte[][] start = new byte[N][];
        for (int i = 0; i < N; i++) {
            start[i] = i < 2 ? TestPages.text(random, PS) : new byte[PS];
        }
        accept(h, region(KEY, 1, T0, start));
        for (int seq = 2; seq <= 8; seq++) {
            List<FrameRecord> frames = accept(h, pages(KEY, seq, T0 + seq, new int[] {2, 3, 4},
                    new byte[][] {TestPages.random(random, PS), TestPages.random(random, PS), TestPages.random(random, PS)}));
            assertDelta(frames.get(0), T0, seq - 1);
        }
    }

    @Test
    void pageSizeChangeStartsANewEpochFromTheNewPagesOnly() throws Exception {
        EncoderHarness h = encoder(LAX);
        accept(h, region(KEY, 1, T0, someRegion(N, PS)));
        accept(h, edit(KEY, 2, T0 + 1, 3));
        h.baselines();
        // 8 KiB pages now
        List<FrameRecord> frames = accept(h, region(KEY, 3, T0 + 2, someRegion(6, 2 * PS)));
        assertThat(frames).hasSize(1);
        assertFull(frames.get(0), T0 + 2);
        assertThat(header(frames.get(0)).pageShift()).isEqualTo(SHIFT + 1);
        assertBaseline(h.baselines().get(0), KEY, BaselineEvent.Kind.REFRESHED, RefreshReason.PAGE_SIZE_CHANGED, T0 + 2);
        assertReferenceIsModel(h, KEY);
        assertThat(h.referencePages(KEY).values()).allSatisfy(p -> assertThat(p).hasSize(2 * PS));

        assertDelta(accept(h, edit(KEY, 4, T0 + 3, 2)).get(0), T0 + 2, 1);

        // Back to 4 KiB with a PAGES event: the old reference is unusable, and a keyframe of just those pages would be forged.
        expectResync(h, PageUpdateEvent.pages(KEY, SHIFT, 10, 5, T0 + 4, new int[] {0, 9},
                new byte[][] {TestPages.text(random, PS), TestPages.sparse(random, PS)}), ControlRequest.Reason.PAGE_SIZE_CHANGED);
        assertThat(h.referencePages(KEY).values()).as("untouched").allSatisfy(p -> assertThat(p).hasSize(2 * PS));
        // The producer answers with the whole region in 4 KiB pages.
        models.put(KEY, new RegionModel(SHIFT));
        List<FrameRecord> whole = accept(h, region(KEY, 6, T0 + 5, someRegion(10, PS)));
        assertFull(whole.get(0), T0 + 5);
        assertThat(receiver.waiting(KEY)).isFalse();
        assertReferenceIsModel(h, KEY);
        assertThat(h.referencePages(KEY).values()).allSatisfy(p -> assertThat(p).hasSize(PS));
    }

    @Test
    void ageTimerRefreshesAKeyframeWithDeltasOnTop() throws Exception {
        EncoderHarness h = encoder(LAX.withMaxAge(Duration.ofSeconds(60)));
        accept(h, region(KEY, 1, T0, someRegion(N, PS)));
        accept(h, region(OTHER, 1, T0, someRegion(N, PS)));
        assertThat(h.eventTimeTimers()).as("a fresh keyframe needs no age timer").isZero();
        accept(h, edit(KEY, 2, T0 + 1_000, 2));
        accept(h, edit(KEY, 3, T0 + 2_000, 2));
        assertThat(h.eventTimeTimers()).isEqualTo(1);
        h.baselines();

        assertThat(h.watermark(T0 + 59_999)).isEmpty();
        List<FrameRecord> frames = h.watermark(T0 + 60_000);
        assertThat(frames).as("only the key with deltas is refreshed").hasSize(1);
        assertThat(frames.get(0).stateKey).isEqualTo(KEY);
        assertFull(frames.get(0), T0 + 60_000);
        assertThat(header(frames.get(0)).sourceSequence()).isEqualTo(3);
        deliver(frames);
        List<BaselineEvent> b = h.baselines();
        assertThat(b).hasSize(1);
        assertBaseline(b.get(0), KEY, BaselineEvent.Kind.REFRESHED, RefreshReason.AGE, T0 + 60_000);
        assertThat(b.get(0).timeMillis).isEqualTo(T0 + 60_000);
        assertThat(b.get(0).sizeBytes).isEqualTo(frames.get(0).bytes.length);
        assertThat(h.performance()).last().satisfies(p -> assertThat(p.frameType).isEqualTo("FULL"));
        assertThat(h.eventTimeTimers()).isZero();
        RegionState s = h.regionState(KEY);
        assertThat(s.epochStartMillis).isEqualTo(T0 + 60_000);
        assertThat(s.chainIndex).isZero();
        assertThat(s.deltaBytesSinceFull).isZero();
        assertThat(s.lastFullBytes).isEqualTo(frames.get(0).bytes.length);
        assertReferenceIsModel(h, KEY);

        // Nothing more while no delta lands on the new keyframe.
        assertThat(h.watermark(T0 + 500_000)).isEmpty();

        // The next delta builds on the refreshed epoch and arms a timer for its age.
        assertDelta(accept(h, edit(KEY, 4, T0 + 500_001, 1)).get(0), T0 + 60_000, 1);
        assertThat(h.eventTimeTimers()).isEqualTo(1);
        assertThat(h.regionState(KEY).ageTimer).isEqualTo(T0 + 120_000);
    }

    @Test
    void ageTimerDoesNothingWithoutDeltas() throws Exception {
        EncoderHarness h = encoder(LAX.withMaxAge(Duration.ofSeconds(60)));
        accept(h, region(KEY, 1, T0, someRegion(N, PS)));
        h.baselines();
        h.performance();
        assertThat(h.watermark(T0 + 10_000_000)).isEmpty();
        assertThat(h.baselines()).isEmpty();
        assertThat(h.performance()).isEmpty();
    }

    @Test
    void aRefreshCancelsThePendingAgeTimer() throws Exception {
        EncoderHarness h = encoder(LAX.withMaxAge(Duration.ofSeconds(60)).withMaxChain(2));
        accept(h, region(KEY, 1, T0, someRegion(N, PS)));
        accept(h, edit(KEY, 2, T0 + 1_000, 1));
        assertThat(h.eventTimeTimers()).isEqualTo(1);
        accept(h, edit(KEY, 3, T0 + 2_000, 1));
        assertFull(accept(h, edit(KEY, 4, T0 + 3_000, 1)).get(0), T0 + 3_000);
        assertThat(h.eventTimeTimers()).isZero();
        assertThat(h.watermark(T0 + 61_000)).isEmpty();
    }

    @Test
    void duplicatesAreDroppedAndGapsCounted() throws Exception {
        EncoderHarness h = encoder(LAX);
        accept(h, region(KEY, 1, T0, someRegion(N, PS)));
        PageUpdateEvent second = edit(KEY, 2, T0 + 1, 2);
        accept(h, second);
        h.performance();

        // The same sequence again (a producer retry), with other content, and an older one: both dropped.
        PageUpdateEvent replay = PageUpdateEvent.pages(KEY, SHIFT, N, 2, T0 + 2, new int[] {0}, new byte[][] {TestPages.random(random, PS)});
        assertThat(h.send(replay)).isEmpty();
        assertThat(h.send(region(KEY, 1, T0 + 3, someRegion(N, PS)))).isEmpty();
        assertThat(h.send(second)).isEmpty();
        assertThat(h.performance()).isEmpty();
        assertThat(h.baselines()).hasSize(1); // only the CREATED one
        assertReferenceIsModel(h, KEY);
        assertThat(h.metrics().duplicates.getCount()).isEqualTo(3);

        // Sequence 3..5 never arrive: the reference is no longer the producer's memory, so 6 makes no delta but a resync.
        ControlRequest q = expectResync(h, edit(KEY, 6, T0 + 4, 2), ControlRequest.Reason.SEQUENCE_GAP);
        assertThat(q.lastGoodSequence()).isEqualTo(2);
        assertThat(h.metrics().missingEvents.getCount()).isEqualTo(3);
        assertThat(h.metrics().sequenceGaps.getCount()).isEqualTo(1);
        assertThat(h.regionState(KEY).lastSequence).as("the last good sequence").isEqualTo(2);
        // Partial events are dropped until the whole region comes: no frame, no request (the retry timer repeats it).
        assertThat(h.send(models.get(KEY).applyWithDigest(edit(KEY, 7, T0 + 5, 2)))).isEmpty();
        assertThat(h.resyncRequests()).isEmpty();
        assertThat(h.metrics().droppedAwaitingResync.getCount()).isEqualTo(1);
        List<FrameRecord> answer = accept(h, region(KEY, 8, T0 + 6, wholeOf(KEY)));
        assertFull(answer.get(0), T0 + 6);
        assertThat(receiver.waiting(KEY)).isFalse();
        assertThat(h.metrics().resyncsAnswered.getCount()).isEqualTo(1);
        assertThat(h.baselines()).last().satisfies(b -> assertThat(b.reason).isEqualTo(RefreshReason.RESYNC.name()));
        assertDelta(accept(h, edit(KEY, 9, T0 + 7, 2)).get(0), T0 + 6, 1);
    }

    /** The modelled region's pages, as the producer sends them whole. */
    private byte[][] wholeOf(String key) {
        RegionModel m = models.get(key);
        byte[][] pages = new byte[m.regionPages()][];
        for (int i = 0; i < pages.length; i++) {
            pages[i] = m.page(i);
        }
        return pages;
    }

    @Test
    void aRestartedProducerSendingWholeRegionsIsAResyncNotLostEvents() throws Exception {
        EncoderHarness h = encoder(LAX);
        accept(h, region(KEY, 1, T0, someRegion(N, PS)));
        accept(h, edit(KEY, 2, T0 + 1, 2));

        // The producer restarted: it numbers events from its start time and sends every region whole.
        List<FrameRecord> frames = accept(h, region(KEY, 1_700_000_000_000_000L, T0 + 2, someRegion(N, PS)));

        assertThat(frames).hasSize(1);
        assertThat(h.metrics().sequenceGaps.getCount()).isEqualTo(1);
        assertThat(h.metrics().producerResyncs.getCount()).isEqualTo(1);
        assertThat(h.metrics().missingEvents.getCount()).isZero();
        assertReferenceIsModel(h, KEY);
    }

    @Test
    void deleteSendsADeleteFrameAndForgetsEverything() throws Exception {
        EncoderHarness h = encoder(LAX.withMaxAge(Duration.ofSeconds(60)));
        accept(h, region(KEY, 1, T0, someRegion(N, PS)));
        accept(h, edit(KEY, 2, T0 + 1, 2)); // arms the age timer
        assertThat(h.eventTimeTimers()).isEqualTo(1);
        assertThat(h.processingTimeTimers()).isEqualTo(1);
        h.baselines();

        List<FrameRecord> frames = h.send(PageUpdateEvent.delete(KEY, SHIFT, 3, T0 + 2));
        assertThat(frames).hasSize(1);
        FrameHeader hd = header(frames.get(0));
        assertThat(hd.type()).isEqualTo(FrameType.DELETE);
        assertThat(hd.epoch()).isEqualTo(T0);
        assertThat(hd.chainIndex()).isEqualTo(2);
        assertThat(hd.sourceSequence()).isEqualTo(3);
        deliver(frames);
        assertThat(receiver.meta(KEY)).isNull();

        List<BaselineEvent> b = h.baselines();
        assertThat(b).hasSize(1);
        assertBaseline(b.get(0), KEY, BaselineEvent.Kind.DELETED, null, T0);
        assertThat(b.get(0).timeMillis).isEqualTo(T0 + 2);

        assertThat(h.keyedStateEntries()).as("no state left").isZero();
        assertThat(h.processingTimeTimers()).as("prune timer deleted").isZero();
        assertThat(h.eventTimeTimers()).as("age timer deleted").isZero();
        assertThat(h.regionState(KEY)).isNull();
        assertThat(h.referencePages(KEY)).isEmpty();
        EncoderMetrics m = h.metrics();
        assertThat(m.deleteFrames.getCount()).isEqualTo(1);
        assertThat(m.baselinesRemoved.getCount()).isEqualTo(1);

        // Nothing fires later.
        assertThat(h.watermark(T0 + 10_000_000)).isEmpty();
        h.processingTime(EncoderHarness.START_PROCESSING_TIME + 100_000_000);
        assertThat(h.baselines()).isEmpty();

        // The key comes back: a keyframe from scratch.
        models.remove(KEY);
        List<FrameRecord> again = accept(h, region(KEY, 4, T0 + 3, someRegion(N, PS)));
        assertFull(again.get(0), T0 + 3);
        assertBaseline(h.baselines().get(0), KEY, BaselineEvent.Kind.CREATED, RefreshReason.FIRST, T0 + 3);
    }

    @Test
    void deleteOfAnUnknownKeyStillSendsADeleteFrame() throws Exception {
        EncoderHarness h = encoder(LAX);
        List<FrameRecord> frames = h.send(PageUpdateEvent.delete(KEY, SHIFT, 1, T0));
        assertThat(frames).hasSize(1);
        assertThat(header(frames.get(0)).type()).isEqualTo(FrameType.DELETE);
        assertThat(h.baselines()).isEmpty();
        assertThat(h.keyedStateEntries()).isZero();
        assertThat(h.processingTimeTimers()).isZero();
    }

    @Test
    void idleRegionsArePrunedWithoutLeaks() throws Exception {
        long idle = Duration.ofHours(1).toMillis();
        EncoderHarness h = encoder(LAX.withMaxAge(Duration.ofHours(5)));
        long p0 = EncoderHarness.START_PROCESSING_TIME;
        accept(h, region(KEY, 1, T0, someRegion(N, PS)));
        accept(h, edit(KEY, 2, T0 + 1, 2)); // arms an age timer too
        long epoch = h.regionState(KEY).epoch;
        long digest = h.regionState(KEY).digest;
        h.baselines();

        h.processingTime(p0 + idle - 1);
        assertThat(h.baselines()).isEmpty();
        assertThat(h.regionState(KEY)).isNotNull();

        h.processingTime(p0 + idle);
        List<BaselineEvent> b = h.baselines();
        assertThat(b).hasSize(1);
        assertBaseline(b.get(0), KEY, BaselineEvent.Kind.PRUNED, null, epoch);
        assertThat(b.get(0).timeMillis).isEqualTo(p0 + idle);
        assertThat(b.get(0).regionPages).isEqualTo(N);
        assertThat(b.get(0).digest).isEqualTo(digest);
        assertThat(h.frames()).as("pruning sends nothing").isEmpty();

        assertThat(h.keyedStateEntries()).isZero();
        assertThat(h.processingTimeTimers()).isZero();
        assertThat(h.eventTimeTimers()).isZero();
        assertThat(h.metrics().baselinesRemoved.getCount()).isEqualTo(1);
        assertThat(h.watermark(T0 + 100_000_000)).isEmpty();
    }

    @Test
    void activityMovesThePruneDeadline() throws Exception {
        long idle = Duration.ofHours(1).toMillis();
        EncoderHarness h = encoder(LAX);
        long p0 = EncoderHarness.START_PROCESSING_TIME;
        accept(h, region(KEY, 1, T0, someRegion(N, PS)));
        h.processingTime(p0 + idle / 2);
        accept(h, edit(KEY, 2, T0 + 1, 2));
        h.baselines();

        // The first deadline passes: the timer re-arms for the later one instead of pruning.
        h.processingTime(p0 + idle);
        assertThat(h.baselines()).isEmpty();
        assertThat(h.processingTimeTimers()).isEqualTo(1);
        assertThat(h.regionState(KEY).pruneTimer).isEqualTo(p0 + idle / 2 + idle);
        assertReferenceIsModel(h, KEY);

        // A false-dirty event counts as activity too.
        h.processingTime(p0 + idle + 10);
        RegionModel m = models.get(KEY);
        assertThat(accept(h, pages(KEY, 3, T0 + 2, new int[] {5}, new byte[][] {m.page(5)}))).isEmpty();

        h.processingTime(p0 + idle / 2 + idle);
        assertThat(h.baselines()).isEmpty();
        h.processingTime(p0 + idle + 10 + idle);
        assertThat(h.baselines()).extracting(x -> x.kind).containsExactly(BaselineEvent.Kind.PRUNED);
        assertThat(h.keyedStateEntries()).isZero();
        assertThat(h.processingTimeTimers()).isZero();
    }

    @Test
    void afterAPruneAPartialEventIsAResyncAndTheWholeRegionAKeyframeOfAHigherEpoch() throws Exception {
        long idle = Duration.ofHours(1).toMillis();
        EncoderHarness h = encoder(LAX.withMaxChain(2));
        accept(h, region(KEY, 1, T0, someRegion(N, PS)));
        for (int seq = 2; seq <= 6; seq++) {
            accept(h, edit(KEY, seq, T0 + seq, 2));
        }
        long oldEpoch = receiver.meta(KEY).epoch();
        assertThat(oldEpoch).isGreaterThan(T0);
        h.processingTime(EncoderHarness.START_PROCESSING_TIME + idle);
        assertThat(h.baselines()).last().satisfies(b -> assertThat(b.kind).isEqualTo(BaselineEvent.Kind.PRUNED));

        // The receiver kept its image; the encoder knows nothing: a PAGES event cannot become a keyframe.
        ControlRequest q = expectResync(h, pages(KEY, 7, T0 + 3_600_000, new int[] {1, 2},
                new byte[][] {TestPages.text(random, PS), TestPages.sparse(random, PS)}), ControlRequest.Reason.NO_REFERENCE);
        assertThat(q.lastGoodSequence()).isZero();
        assertThat(h.referencePages(KEY)).isEmpty();
        assertThat(h.baselines()).isEmpty();
        // The whole region: a keyframe of a higher epoch, which the waiting receiver takes.
        List<FrameRecord> frames = accept(h, region(KEY, 8, T0 + 3_600_001, wholeOf(KEY)));
        assertThat(frames).hasSize(1);
        FrameHeader hd = header(frames.get(0));
        assertThat(hd.type()).isEqualTo(FrameType.FULL);
        assertThat(hd.epoch()).isGreaterThan(oldEpoch);
        assertThat(receiver.meta(KEY).epoch()).as("the receiver took it").isEqualTo(hd.epoch());
        assertThat(receiver.waiting(KEY)).isFalse();
        assertBaseline(h.baselines().get(0), KEY, BaselineEvent.Kind.CREATED, RefreshReason.RESYNC, hd.epoch());
        assertReferenceIsModel(h, KEY);
    }

    @Test
    void anUnansweredResyncRequestIsRepeatedLaterEachTimeAndTheAnswerEndsIt() throws Exception {
        EncoderHarness h = encoder(new EncoderSettings(List.of(EncoderSettings.DEFAULT_SPEC), false, LAX, Limits.DEFAULT)
                .withResyncRetry(Duration.ofSeconds(10)));
        long p0 = EncoderHarness.START_PROCESSING_TIME;
        accept(h, region(KEY, 1, T0, someRegion(N, PS)));
        accept(h, edit(KEY, 2, T0 + 1, 2));
        expectResync(h, edit(KEY, 4, T0 + 3, 2), ControlRequest.Reason.SEQUENCE_GAP);
        assertThat(h.processingTimeTimers()).as("prune and retry").isEqualTo(2);

        h.processingTime(p0 + 9_999);
        assertThat(h.resyncRequests()).isEmpty();
        h.processingTime(p0 + 10_000);
        List<ControlRecord> second = h.resyncRequests();
        assertThat(second).hasSize(1);
        ControlRequest q2 = ControlRequestFormat.read(second.get(0).bytes, Limits.DEFAULT);
        assertThat(q2.attempt()).isEqualTo(2);
        assertThat(q2.reason()).isEqualTo(ControlRequest.Reason.SEQUENCE_GAP);
        assertThat(q2.lastGoodSequence()).isEqualTo(2);
        assertThat(h.frames()).as("a repeat sends no second RESYNC frame").isEmpty();
        // then after twice as long
        h.processingTime(p0 + 10_000 + 19_999);
        assertThat(h.resyncRequests()).isEmpty();
        h.processingTime(p0 + 30_000);
        assertThat(h.resyncRequests()).singleElement()
                .satisfies(r -> assertThat(ControlRequestFormat.read(r.bytes, Limits.DEFAULT).attempt()).isEqualTo(3));
        assertThat(h.metrics().resyncRetries.getCount()).isEqualTo(2);

        accept(h, region(KEY, 5, T0 + 4, wholeOf(KEY)));
        assertThat(h.processingTimeTimers()).as("the retry timer is gone with the wait").isEqualTo(1);
        h.processingTime(p0 + 1_000_000);
        assertThat(h.resyncRequests()).isEmpty();
        assertThat(h.regionState(KEY).awaitingResync()).isFalse();
        assertThat(h.regionState(KEY).resyncTimer).isZero();
    }

    @Test
    void aDigestThatDoesNotMatchTheReferenceIsAResync() throws Exception {
        EncoderHarness h = encoder(LAX);
        accept(h, region(KEY, 1, T0, someRegion(N, PS)));
        // The producer's memory changed in a page it did not report (a lost dirty bit): its digest says so.
        RegionModel m = models.get(KEY);
        System.arraycopy(TestPages.text(random, PS), 0, m.image, 7 * PS, PS);
        expectResync(h, edit(KEY, 2, T0 + 1, 2), ControlRequest.Reason.DIGEST_MISMATCH);
        assertThat(h.metrics().sequenceGaps.getCount()).isZero();
        accept(h, region(KEY, 3, T0 + 2, wholeOf(KEY)));
        assertThat(receiver.image(KEY)).isEqualTo(m.image);
    }

    @Test
    void version1EventsAreStillEncodedAndCountedAsUnverified() throws Exception {
        EncoderHarness h = encoder(LAX);
        byte[][] start = someRegion(N, PS);
        PageUpdateEvent first = region(KEY, 1, T0, start);
        models.computeIfAbsent(KEY, k -> new RegionModel(SHIFT)).apply(first);
        deliver(h.send(first));
        PageUpdateEvent second = edit(KEY, 2, T0 + 1, 2);
        models.get(KEY).apply(second);
        List<FrameRecord> frames = h.send(second);
        deliver(frames);
        assertDelta(frames.get(0), T0, 1);
        assertThat(h.metrics().unverifiedEvents.getCount()).isEqualTo(2);
    }

    @Test
    void aKeyframeRequestGetsAKeyframeFromTheReferenceUnlessANewerOneIsOut() throws Exception {
        EncoderHarness h = encoder(LAX);
        accept(h, region(KEY, 1, T0, someRegion(N, PS)));
        accept(h, edit(KEY, 2, T0 + 1, 2));
        accept(h, edit(KEY, 3, T0 + 2, 2));
        h.baselines();
        // A receiver that failed on frame 3 asks.
        List<FrameRecord> frames = h.send(KEY, ControlRequestFormat.write(ControlRequest.keyframe(KEY, ControlRequest.Reason.RECEIVER_FAILED, 3,
                T0 + 10, "decoder-0")), T0 + 10);
        assertThat(frames).hasSize(1);
        assertFull(frames.get(0), T0 + 10);
        assertThat(header(frames.get(0)).sourceSequence()).isEqualTo(3);
        deliver(frames);
        assertBaseline(h.baselines().get(0), KEY, BaselineEvent.Kind.REFRESHED, RefreshReason.REQUESTED, T0 + 10);
        // A second receiver at the same place: the keyframe it needs is out already.
        assertThat(h.send(KEY, ControlRequestFormat.write(ControlRequest.keyframe(KEY, ControlRequest.Reason.NEW_RECEIVER, 2, T0 + 11, "")),
                T0 + 11)).isEmpty();
        assertThat(h.metrics().keyframeRequestsSkipped.getCount()).isEqualTo(1);
        assertDelta(accept(h, edit(KEY, 4, T0 + 12, 2)).get(0), T0 + 10, 1);
        // Nothing for a key the encoder does not hold, or waits for.
        int held = h.keyedStateEntries(); // KEY's pages, their patches and its region state
        assertThat(held).isEqualTo(3);
        assertThat(h.send(OTHER, ControlRequestFormat.write(ControlRequest.keyframe(OTHER, ControlRequest.Reason.NEW_RECEIVER, 0, T0, "")), T0))
                .isEmpty();
        assertThat(h.keyedStateEntries()).as("no state made for a request").isEqualTo(held);
    }

    @Test
    void aWaitSurvivesARestoreAndSoDoesItsRetryTimer() throws Exception {
        EncoderSettings settings = new EncoderSettings(List.of(EncoderSettings.DEFAULT_SPEC), false, LAX, Limits.DEFAULT)
                .withResyncRetry(Duration.ofSeconds(10));
        EncoderHarness h = encoder(settings);
        accept(h, region(KEY, 1, T0, someRegion(N, PS)));
        expectResync(h, edit(KEY, 3, T0 + 2, 2), ControlRequest.Reason.SEQUENCE_GAP);
        var snapshot = h.harness.snapshot(1, 1);

        EncoderHarness restored = new EncoderHarness(settings, snapshot);
        open.add(restored);
        assertThat(restored.regionState(KEY).awaitingResync()).isTrue();
        assertThat(restored.send(models.get(KEY).applyWithDigest(edit(KEY, 4, T0 + 3, 1)))).as("still dropped").isEmpty();
        restored.processingTime(EncoderHarness.START_PROCESSING_TIME + 10_000);
        assertThat(restored.resyncRequests()).hasSize(1);
        List<FrameRecord> answer = restored.send(models.get(KEY).applyWithDigest(region(KEY, 5, T0 + 4, wholeOf(KEY))));
        assertFull(answer.get(0), T0 + 4);
        deliver(answer);
    }

    @Test
    void compressionDisabledSendsRawUncompressedFrames() throws Exception {
        EncoderHarness h = encoder(new EncoderSettings(List.of(EncoderSettings.DEFAULT_SPEC), true, LAX, Limits.DEFAULT));
        List<FrameRecord> all = new ArrayList<>(accept(h, region(KEY, 1, T0, someRegion(N, PS))));
        for (int seq = 2; seq <= 6; seq++) {
            all.addAll(accept(h, edit(KEY, seq, T0 + seq, 3)));
        }
        assertThat(all).hasSize(6);
        assertThat(all).allSatisfy(f -> {
            FrameHeader hd = header(f);
            assertThat(hd.method()).isEqualTo(DeltaMethod.RAW);
            assertThat(hd.codec()).isEqualTo(BlockCodec.NONE);
        });
        assertThat(h.performance()).allSatisfy(p -> {
            assertThat(p.method).isEqualTo("RAW");
            assertThat(p.codec).isEqualTo("NONE");
        });
    }

    @Test
    void defaultSettingsCompressFramesOfCompressibleMemory() throws Exception {
        EncoderHarness h = encoder(LAX);
        byte[][] text = new byte[N][];
        for (int i = 0; i < N; i++) {
            text[i] = TestPages.text(random, PS);
        }
        FrameRecord full = accept(h, region(KEY, 1, T0, text)).get(0);
        assertThat(header(full).codec()).isEqualTo(BlockCodec.ZSTD);
        assertThat(full.bytes.length).isLessThan(N * PS / 4);
        FrameRecord delta = accept(h, pages(KEY, 2, T0 + 1, new int[] {3}, new byte[][] {TestPages.edited(random, text[3])})).get(0);
        assertThat(header(delta).method()).isEqualTo(DeltaMethod.XBZRLE);
        assertThat(delta.bytes.length).isLessThan(PS / 8);
    }

    @Test
    void severalSpecsKeepTheSmallestFrame() throws Exception {
        List<EncodeSpec> specs = List.of(EncodeSpec.of(DeltaMethod.RAW, CodecSpec.NONE), EncodeSpec.of(DeltaMethod.XOR, CodecSpec.LZ4),
                EncodeSpec.of(DeltaMethod.XBZRLE, CodecSpec.zstd(3)), EncodeSpec.of(DeltaMethod.DICT, CodecSpec.zstd(1)));
        EncoderHarness h = encoder(new EncoderSettings(specs, false, LAX, Limits.DEFAULT));
        accept(h, region(KEY, 1, T0, someRegion(N, PS)));
        for (int seq = 2; seq <= 8; seq++) {
            PageUpdateEvent e = edit(KEY, seq, T0 + seq, 4);
            var pending = RegionEncoder.delta(receiver.meta(KEY), receiver.store(KEY), e.toPageUpdate());
            FrameInfo info = new FrameInfo(KEY, seq, T0 + seq);
            int smallest = specs.stream().mapToInt(s -> RegionEncoder.render(info, pending, s).length).min().orElseThrow();
            List<FrameRecord> frames = accept(h, e);
            assertThat(frames.get(0).bytes).hasSize(smallest);
        }
    }

    @Test
    void selectorModelLandsInBroadcastState() throws Exception {
        EncoderHarness h = encoder(LAX);
        byte[] model1 = SelectorModels.bytes(SelectorModels.favouring(1, T0, "xbzrle+lz4"));
        byte[] model2 = SelectorModels.bytes(SelectorModels.favouring(1, T0 + 1, "xbzrle+lz4"));
        h.harness.processBroadcastElement(model1, 10);
        assertThat(h.harness.getBroadcastState(RegionEncoderFunction.SELECTOR_MODEL).get(RegionEncoderFunction.CURRENT_MODEL)).isEqualTo(model1);
        h.harness.processBroadcastElement(model2, 11);
        var state = h.harness.getBroadcastState(RegionEncoderFunction.SELECTOR_MODEL);
        assertThat(state.get(RegionEncoderFunction.CURRENT_MODEL)).isEqualTo(model2);
        assertThat(state.entries()).hasSize(1);
        assertThat(h.frames()).isEmpty();
        // keyed processing is unaffected
        assertFull(accept(h, region(KEY, 1, T0, someRegion(N, PS))).get(0), T0);
    }

    @Test
    void aRestoredEncoderSendsTheSameFrames() throws Exception {
        EncoderSettings settings = new EncoderSettings(List.of(EncoderSettings.DEFAULT_SPEC), false,
                LAX.withMaxChain(3).withMaxAge(Duration.ofSeconds(30)), Limits.DEFAULT);
        EncoderHarness h = encoder(settings);
        byte[] model = SelectorModels.bytes(SelectorModels.favouring(1, T0, "xbzrle+lz4"));
        h.harness.processBroadcastElement(model, 1);
        accept(h, region(KEY, 1, T0, someRegion(N, PS)));
        accept(h, edit(KEY, 2, T0 + 1, 3));
        accept(h, region(OTHER, 1, T0, someRegion(N, PS)));
        var snapshot = h.harness.snapshot(1, 1);

        List<PageUpdateEvent> next = List.of(edit(KEY, 3, T0 + 2, 2), edit(OTHER, 2, T0 + 3, 2), edit(KEY, 4, T0 + 4, 2),
                edit(KEY, 5, T0 + 5, 2));
        List<byte[]> original = new ArrayList<>();
        for (PageUpdateEvent e : next) {
            accept(h, e).forEach(f -> original.add(f.bytes));
        }
        h.watermark(T0 + 40_000).forEach(f -> original.add(f.bytes));

        EncoderHarness restored = new EncoderHarness(settings, snapshot);
        open.add(restored);
        assertThat(restored.harness.getBroadcastState(RegionEncoderFunction.SELECTOR_MODEL).get(RegionEncoderFunction.CURRENT_MODEL))
                .isEqualTo(model);
        List<byte[]> replayed = new ArrayList<>();
        for (PageUpdateEvent e : next) {
            restored.send(e).forEach(f -> replayed.add(f.bytes));
        }
        restored.watermark(T0 + 40_000).forEach(f -> replayed.add(f.bytes));

        assertThat(replayed).hasSameSizeAs(original);
        for (int i = 0; i < original.size(); i++) {
            assertThat(replayed.get(i)).as("frame %d", i).isEqualTo(original.get(i));
        }
        // chain positions 2, -, FULL (chain length 3 reached), ... and the age refresh of OTHER
        assertThat(original).hasSizeGreaterThanOrEqualTo(5);
    }

    /**
     * "Bad input never stops the job": the validator lets any capture time through (a varint64 up to
     * 2^63 - 1), so the encoder must not fail on one. Near the end of the long range the epoch
     * arithmetic overflows: {@code previous + 1} in {@code nextEpoch} and {@code epochStart + maxAge}
     * in {@code armAgeTimer}. The encoder then throws (IllegalArgumentException from
     * {@link RegionEncoder#full} or from a negative varint), which fails the task, and fails it again
     * on every replay of the same record.
     */
    @Test
    void captureTimesAtTheEndOfTimeDoNotStopTheJob() throws Exception {
        long last = dev.hde.codec.wire.PageUpdateEventFormat.MAX_CAPTURE_TIME_MILLIS;
        byte[][] start = someRegion(N, PS);
        PageUpdateEvent first = region(KEY, 1, last - 10, start);
        PageUpdateEvent second = pages(KEY, 2, last - 9, new int[] {1}, new byte[][] {TestPages.random(random, PS)});
        PageUpdateEvent atEnd = region(KEY, 1, last, start);
        PageUpdateEvent afterEnd = pages(KEY, 2, last, new int[] {1}, new byte[][] {TestPages.random(random, PS)});
        PageUpdateEvent beyond = pages(KEY, 3, Long.MAX_VALUE, new int[] {1}, new byte[][] {TestPages.random(random, PS)});

        // The validator takes capture times up to the end of year 9999 and dead-letters later ones ...
        var validator = org.apache.flink.streaming.util.ProcessFunctionTestHarnesses.forProcessFunction(new PageUpdateValidator(Limits.DEFAULT));
        try {
            for (PageUpdateEvent e : List.of(first, second, atEnd, afterEnd, beyond)) {
                validator.processElement(new SourceRecord(e.stateKey().getBytes(java.nio.charset.StandardCharsets.UTF_8),
                        dev.hde.codec.wire.PageUpdateEventFormat.write(e), "t", 0, e.sequence()), 0);
            }
            assertThat(validator.extractOutputValues()).hasSize(4);
            assertThat(validator.getSideOutput(PageUpdateValidator.DEAD_LETTERS))
                    .singleElement()
                    .satisfies(r -> assertThat(r.getValue().reason).isEqualTo("LIMIT_EXCEEDED"));
        } finally {
            validator.close();
        }

        // ... and the encoder takes the latest accepted ones without failing: the age timer's due time
        // saturates instead of overflowing, and a refresh after the latest epoch still moves it forward.
        var soft = new org.assertj.core.api.SoftAssertions();
        EncoderHarness age = encoder(LAX.withMaxAge(Duration.ofMinutes(15)));
        age.send(first);
        age.send(second);
        soft.assertThatCode(() -> age.watermark(T0)).as("the age timer of a keyframe at %d", last - 10).doesNotThrowAnyException();

        EncoderHarness chain = encoder(LAX.withMaxChain(1));
        chain.send(atEnd);
        soft.assertThatCode(() -> chain.send(afterEnd)).as("a keyframe after epoch %d", last).doesNotThrowAnyException();
        soft.assertAll();
    }
}
