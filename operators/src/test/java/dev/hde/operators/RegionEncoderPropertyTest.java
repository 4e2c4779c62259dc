package dev.hde.operators;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hde.codec.Limits;
import dev.hde.codec.Pages;
import dev.hde.codec.block.CodecSpec;
import dev.hde.codec.delta.DeltaMethod;
import dev.hde.codec.region.EncodeSpec;
import dev.hde.codec.region.FrameInfo;
import dev.hde.codec.region.RegionEncoder;
import dev.hde.codec.region.RegionMeta;
import dev.hde.codec.wire.FrameHeader;
import dev.hde.codec.wire.FrameType;
import dev.hde.codec.wire.PageUpdateEvent;
import dev.hde.codec.wire.PageUpdateEventFormat;
import dev.hde.state.RefreshPolicy;
import dev.hde.state.RefreshReason;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.LongStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Random sequences of events over a few keys, with random refresh policies and encode specs, lost
 * events and lost dirty bits, run through the encoder in the Flink harness and checked against an
 * independent model of the producer's memory after every frame: a receiver that is not waiting for
 * a keyframe always holds exactly the producer's memory, every keyframe has the reason the rules
 * give, every resync the reason it should, no frame is missing or extra, and no state or timer
 * outlives its region.
 */
class RegionEncoderPropertyTest {

    static final long T0 = 1_700_000_000_000L;
    static final List<EncodeSpec> ALL_SPECS = List.of(
            EncoderSettings.DEFAULT_SPEC,
            EncodeSpec.of(DeltaMethod.XOR, CodecSpec.LZ4),
            EncodeSpec.of(DeltaMethod.RAW, CodecSpec.NONE),
            EncodeSpec.of(DeltaMethod.DICT, CodecSpec.zstd(1)),
            EncodeSpec.of(DeltaMethod.XBZRLE, CodecSpec.lz4(0)));

    static LongStream seeds() {
        String fixed = System.getProperty("hde.test.seed");
        return fixed != null ? LongStream.of(Long.parseLong(fixed)) : LongStream.rangeClosed(1, Long.getLong("hde.test.seeds", 8));
    }

    /** The test's own account of one key: what the encoder should know, worked out without it. */
    private static final class Expected {
        /** The encoder holds a reference image of the key. */
        boolean exists;
        /** The encoder waits for a whole region (it has state for the key, with or without a reference). */
        boolean awaiting;
        /** The producer's last sequence number (sent or lost). */
        long producerSeq;
        /** The last sequence the encoder applied. */
        long lastSeq;
        long lastActivity;
        long epochStart;
        long lastFullBytes;
        long deltaBytes;
        /** The epoch the encoder's reference is in. */
        long epoch;
        RegionModel model;
    }

    private final Receiver receiver = new Receiver();
    private final Map<String, Expected> keys = new LinkedHashMap<>();
    private final Map<String, List<byte[]>> sent = new LinkedHashMap<>();
    private Random random;
    private long seed;
    private RefreshPolicy policy;
    private List<EncodeSpec> specs;
    private EncoderHarness h;
    private long now = T0;
    private long processing = EncoderHarness.START_PROCESSING_TIME;
    private long watermark = Long.MIN_VALUE;
    private int step;
    private final Map<String, Integer> counts = new LinkedHashMap<>();

    private String ctx() {
        return "seed " + seed + ", step " + step + ", policy " + policy + ", specs " + specs;
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void decodedImagesAlwaysEqualTheModel(long seed) throws Exception {
        this.seed = seed;
        random = new Random(seed);
        int interval = 2_000 + random.nextInt(60_000);
        int maxAge = 1_000 + random.nextInt(random.nextBoolean() ? interval : 90_000); // often below the interval, so it matters
        policy = new RefreshPolicy(random.nextInt(3) == 0 ? Duration.ZERO : Duration.ofMillis(interval),
                random.nextInt(4) == 0 ? 0 : 1 + random.nextInt(7), Duration.ofMillis(maxAge), random.nextBoolean(),
                Duration.ofMillis(10_000 + random.nextInt(120_000)), random.nextBoolean());
        List<EncodeSpec> chosen = new ArrayList<>();
        for (EncodeSpec s : ALL_SPECS) {
            if (random.nextInt(3) == 0) {
                chosen.add(s);
            }
        }
        if (chosen.isEmpty()) {
            chosen.add(ALL_SPECS.get(random.nextInt(ALL_SPECS.size())));
        }
        EncoderSettings settings = new EncoderSettings(chosen, random.nextInt(5) == 0, policy, Limits.DEFAULT);
        specs = settings.effectiveSpecs();
        for (int k = 0; k < 3; k++) {
            keys.put(String.format("vm-%02d/r%04d", k, k * 7), new Expected());
        }
        try (EncoderHarness harness = new EncoderHarness(settings)) {
            h = harness;
            for (step = 0; step < 250; step++) {
                int roll = random.nextInt(100);
                if (roll < 70) {
                    event();
                } else if (roll < 76) {
                    duplicate();
                } else if (roll < 88) {
                    advanceWatermark();
                } else {
                    advanceProcessingTime();
                }
            }
            // Delete everything: nothing may stay behind.
            for (String key : keys.keySet()) {
                Expected x = keys.get(key);
                sendAndCheck(PageUpdateEvent.delete(key, 12, ++x.producerSeq, ++now), x);
            }
            assertThat(h.keyedStateEntries()).as(ctx()).isZero();
            assertThat(h.processingTimeTimers()).as(ctx()).isZero();
            assertThat(h.eventTimeTimers()).as(ctx()).isZero();
        }
        if (policy.maxChain() != 1) {
            assertThat(counts.getOrDefault("DELTA", 0)).as("%s: the run exercised deltas (%s)", ctx(), counts).isPositive();
        }
        assertThat(counts.keySet()).as("%s: the run exercised resyncs (%s)", ctx(), counts).anyMatch(k -> k.startsWith("RESYNC_"));
    }

    // ---- steps -----------------------------------------------------------------------------------

    private void event() throws Exception {
        String key = randomKey();
        Expected x = keys.get(key);
        now += 1 + random.nextInt(3_000);
        if (x.producerSeq == 0) {
            x.producerSeq = random.nextInt(100);
        }
        if (x.model != null && random.nextInt(12) == 0) {
            lostChange(x); // an event lost on the way: the producer's memory moved on, its sequence too
            x.producerSeq++;
        }
        if (x.model != null && random.nextInt(40) == 0) {
            lostChange(x); // a dirty page the producer missed: same sequence, only its digest tells
        }
        long seq = ++x.producerSeq;
        int roll = random.nextInt(100);
        if (roll < 4) {
            sendAndCheck(PageUpdateEvent.delete(key, 12, seq, now), x);
            return;
        }
        int shift = x.model == null ? 12 : x.model.pageShift;
        if (roll < 9) {
            shift = 11 + random.nextInt(3); // may or may not change the page size
        }
        int ps = 1 << shift;
        int currentPages = x.model == null || x.model.pageShift != shift ? 0 : x.model.regionPages();
        int regionPages = currentPages == 0 || random.nextInt(12) == 0 ? 4 + random.nextInt(20) : currentPages;
        // A whole region: now and then, first for a new region most of the time, and for a resync request most of the time.
        if (roll < 16 || currentPages == 0 && random.nextInt(4) > 0 || x.awaiting && random.nextInt(3) > 0) {
            byte[][] pages = new byte[regionPages][];
            for (int i = 0; i < regionPages; i++) {
                pages[i] = i < currentPages && random.nextInt(3) > 0 ? x.model.page(i) : TestPages.page(random, ps);
            }
            sendAndCheck(PageUpdateEvent.region(key, shift, seq, now, pages), x);
            return;
        }
        int count = random.nextInt(20) == 0 ? 0 : 1 + random.nextInt(Math.min(6, regionPages));
        int[] indices = random.ints(0, regionPages).distinct().limit(count).sorted().toArray();
        byte[][] pages = new byte[indices.length][];
        for (int i = 0; i < indices.length; i++) {
            byte[] old = indices[i] < currentPages ? x.model.page(indices[i]) : new byte[ps];
            int r = random.nextInt(100);
            if (r < 25) {
                pages[i] = old.clone(); // false dirty
            } else if (r < 38) {
                pages[i] = new byte[ps];
            } else if (r < 75 && !Pages.isZero(old)) {
                pages[i] = TestPages.edited(random, old);
            } else {
                pages[i] = TestPages.page(random, ps);
            }
        }
        sendAndCheck(PageUpdateEvent.pages(key, shift, regionPages, seq, now, indices, pages), x);
    }

    /** Changes a page of the producer's memory without telling the encoder. */
    private void lostChange(Expected x) {
        if (x.model.regionPages() == 0) {
            return;
        }
        int i = random.nextInt(x.model.regionPages());
        byte[] page = TestPages.page(random, x.model.pageSize());
        System.arraycopy(page, 0, x.model.image, i * x.model.pageSize(), x.model.pageSize());
    }

    /** Re-sends one of the key's earlier events: the encoder must drop it. */
    private void duplicate() throws Exception {
        String key = randomKey();
        Expected x = keys.get(key);
        List<byte[]> history = sent.get(key);
        if (!x.exists || history == null || history.isEmpty()) {
            return;
        }
        byte[] old = history.get(random.nextInt(history.size()));
        PageUpdateEvent e = PageUpdateEventFormat.parse(old, Limits.DEFAULT);
        if (e.sequence() > x.lastSeq) {
            return;
        }
        long before = h.metrics().duplicates.getCount();
        assertThat(h.send(key, old, now)).as("%s: duplicate %s", ctx(), e).isEmpty();
        assertThat(h.baselines()).as(ctx()).isEmpty();
        assertThat(h.metrics().duplicates.getCount()).isEqualTo(before + 1);
    }

    private void advanceWatermark() throws Exception {
        long w = now - random.nextInt(2_000);
        if (w <= watermark) {
            return;
        }
        watermark = w;
        List<FrameRecord> frames = h.watermark(w);
        List<BaselineEvent> baselines = h.baselines();
        h.performance();
        assertThat(baselines).as(ctx()).hasSameSizeAs(frames);
        for (int i = 0; i < frames.size(); i++) {
            FrameRecord f = frames.get(i);
            Expected x = keys.get(f.stateKey);
            RegionMeta before = receiver.meta(f.stateKey);
            assertThat(x.exists).as(ctx()).isTrue();
            assertThat(x.awaiting).as("%s: no keyframe of a region that waits for a whole one", ctx()).isFalse();
            assertThat(before.chainIndex()).as("%s: an age refresh needs deltas on the keyframe", ctx()).isPositive();
            long due = x.epochStart + policy.maxAge().toMillis();
            assertThat(due).as(ctx()).isLessThanOrEqualTo(w);
            FrameHeader hd = apply(f, x);
            assertThat(hd.type()).as(ctx()).isEqualTo(FrameType.FULL);
            assertThat(hd.epoch()).as(ctx()).isEqualTo(Math.max(before.epoch() + 1, due));
            assertThat(baselines.get(i).reason).as(ctx()).isEqualTo(RefreshReason.AGE.name());
            assertThat(baselines.get(i).kind).as(ctx()).isEqualTo(BaselineEvent.Kind.REFRESHED);
            x.epochStart = due;
            x.epoch = hd.epoch();
            x.lastFullBytes = f.bytes.length;
            x.deltaBytes = 0;
            count("AGE");
        }
        checkAgeRule();
    }

    private void advanceProcessingTime() throws Exception {
        long idle = policy.idleTimeout().toMillis();
        processing += random.nextInt(4) == 0 ? random.nextLong(idle * 3 / 2) : random.nextLong(idle / 4);
        Set<String> expectPruned = new HashSet<>();
        for (var e : keys.entrySet()) {
            if ((e.getValue().exists || e.getValue().awaiting) && e.getValue().lastActivity + policy.idleTimeout().toMillis() <= processing) {
                expectPruned.add(e.getKey());
            }
        }
        assertThat(h.processingTime(processing)).as(ctx()).isEmpty();
        // Unanswered resync requests are repeated: only for regions that wait.
        for (ControlRecord r : h.resyncRequests()) {
            assertThat(keys.get(r.stateKey).awaiting).as("%s: a repeated request for %s", ctx(), r.stateKey).isTrue();
            count("RESYNC_REPEATED");
        }
        List<BaselineEvent> baselines = h.baselines();
        assertThat(baselines).as(ctx()).allSatisfy(b -> assertThat(b.kind).isEqualTo(BaselineEvent.Kind.PRUNED));
        // a region that waited without a reference had no baseline to remove
        assertThat(baselines.stream().map(b -> b.stateKey).toList()).as(ctx())
                .containsExactlyInAnyOrderElementsOf(expectPruned.stream().filter(k -> keys.get(k).exists).toList());
        for (String key : expectPruned) {
            Expected x = keys.get(key);
            x.exists = false;
            x.awaiting = false;
            x.lastSeq = 0;
            assertThat(h.regionState(key)).as(ctx()).isNull();
            assertThat(h.referencePages(key)).as(ctx()).isEmpty();
            count("PRUNED");
        }
    }

    /** Once the watermark has passed, every region with deltas on a keyframe older than the maximum age has been refreshed. */
    private void checkAgeRule() throws Exception {
        for (var e : keys.entrySet()) {
            Expected x = e.getValue();
            if (x.exists && !x.awaiting && receiver.meta(e.getKey()) != null && receiver.meta(e.getKey()).chainIndex() > 0
                    && watermark != Long.MIN_VALUE) {
                assertThat(x.epochStart + policy.maxAge().toMillis()).as("%s: %s has an overdue keyframe", ctx(), e.getKey())
                        .isGreaterThan(watermark);
            }
        }
    }

    // ---- the oracle -------------------------------------------------------------------------------

    private void sendAndCheck(PageUpdateEvent original, Expected x) throws Exception {
        String key = original.stateKey();
        boolean newShift = x.model == null || x.model.pageShift != original.pageShift();
        if (original.kind() != dev.hde.codec.wire.EventKind.DELETE) {
            if (newShift) {
                x.model = new RegionModel(original.pageShift());
            }
        }
        // The producer lays the event on its memory and sends it with its digest.
        PageUpdateEvent e = original.kind() == dev.hde.codec.wire.EventKind.DELETE ? original.withDigest(0) : x.model.applyWithDigest(original);
        sent.computeIfAbsent(key, k -> new ArrayList<>()).add(PageUpdateEventFormat.write(e));
        x.lastActivity = processing;
        if (e.kind() == dev.hde.codec.wire.EventKind.DELETE) {
            List<FrameRecord> frames = h.send(e);
            assertThat(frames).as(ctx()).hasSize(1);
            apply(frames.get(0), x);
            List<BaselineEvent> b = h.baselines();
            if (x.exists) {
                assertThat(b).as(ctx()).singleElement().satisfies(be -> assertThat(be.kind).isEqualTo(BaselineEvent.Kind.DELETED));
            } else {
                assertThat(b).as(ctx()).isEmpty();
            }
            h.performance();
            h.resyncRequests();
            x.exists = false;
            x.awaiting = false;
            x.lastSeq = 0;
            x.model = null;
            assertThat(h.regionState(key)).as(ctx()).isNull();
            assertThat(h.referencePages(key)).as(ctx()).isEmpty();
            count("DELETE");
            return;
        }

        RegionMeta meta = x.exists ? receiverMeta(key, x) : null;
        boolean whole = e.kind() == dev.hde.codec.wire.EventKind.REGION;
        // What the rules say, worked out without the encoder: first whether it can make the producer's state at all.
        String resync = null;
        RefreshReason reason = null;
        boolean dropped = false;
        if (whole && (!x.exists || x.awaiting || meta.pageShift() != e.pageShift())) {
            reason = x.awaiting ? RefreshReason.RESYNC : x.exists ? RefreshReason.PAGE_SIZE_CHANGED : RefreshReason.FIRST;
        } else if (!whole && x.awaiting) {
            dropped = true;
        } else if (!whole && !x.exists) {
            resync = "NO_REFERENCE";
        } else if (!whole && e.sequence() != x.lastSeq + 1) {
            resync = "SEQUENCE_GAP";
        } else if (!whole && meta.pageShift() != e.pageShift()) {
            resync = "PAGE_SIZE_CHANGED";
        } else if (policy.maxChain() > 0 && meta.chainIndex() >= policy.maxChain()) {
            reason = RefreshReason.CHAIN_LENGTH;
        } else if (!policy.interval().isZero() && e.captureTimeMillis() - x.epochStart >= policy.interval().toMillis()) {
            reason = RefreshReason.INTERVAL;
        } else if (meta.chainIndex() > 0 && e.captureTimeMillis() - x.epochStart >= policy.maxAge().toMillis()) {
            reason = RefreshReason.AGE;
        }
        byte[] predictedDelta = null;
        boolean unchanged = false;
        boolean policyPath = resync == null && !dropped && x.exists && !x.awaiting && meta.pageShift() == e.pageShift();
        if (policyPath && !referenceIsProducers(key, x, e)) {
            resync = "DIGEST_MISMATCH";
            reason = null;
        } else if (policyPath && reason == null) {
            var pending = RegionEncoder.delta(meta, receiver.store(key), e.toPageUpdate());
            unchanged = pending.count() == 0 && pending.removedFrom() == pending.removedTo() && e.regionPages() == meta.regionPages();
            if (!unchanged) {
                predictedDelta = specs.size() == 1
                        ? RegionEncoder.render(new FrameInfo(key, e.sequence(), e.captureTimeMillis()), pending, specs.get(0))
                        : RegionEncoder.renderSmallest(new FrameInfo(key, e.sequence(), e.captureTimeMillis()), pending, specs);
                if (policy.sizeRule() && x.lastFullBytes > 0 && predictedDelta.length > x.lastFullBytes) {
                    // the size rule: the keyframe is sent when it is the smaller frame
                    var full = RegionEncoder.full(meta, Math.max(x.epoch + 1, e.captureTimeMillis()), e.pageShift(), receiver.store(key),
                            e.toPageUpdate());
                    FrameInfo fi = new FrameInfo(key, e.sequence(), e.captureTimeMillis());
                    byte[] keyframe = specs.size() == 1 ? RegionEncoder.render(fi, full, specs.get(0)) : RegionEncoder.renderSmallest(fi, full, specs);
                    if (keyframe.length < predictedDelta.length) {
                        reason = RefreshReason.SIZE;
                    }
                } else if (policy.deltaBudget() && x.lastFullBytes > 0 && x.deltaBytes + predictedDelta.length > x.lastFullBytes) {
                    reason = RefreshReason.BUDGET;
                }
            }
        }

        long epochBefore = x.exists ? x.epoch : 0;
        List<FrameRecord> frames = h.send(e);
        List<BaselineEvent> baselines = h.baselines();
        List<PerformanceRecord> perf = h.performance();
        List<ControlRecord> requests = h.resyncRequests();

        if (dropped) {
            assertThat(frames).as("%s: a partial event while waiting for a whole region", ctx()).isEmpty();
            assertThat(requests).as(ctx()).isEmpty();
            count("DROPPED");
            return;
        }
        if (resync != null) {
            assertThat(frames).as("%s: %s makes a RESYNC frame only", ctx(), resync).hasSize(1);
            FrameHeader hd = apply(frames.get(0), x);
            assertThat(hd.type()).as(ctx()).isEqualTo(FrameType.RESYNC);
            assertThat(hd.epoch()).as(ctx()).isEqualTo(x.exists ? x.epoch : 0);
            String expected = resync;
            assertThat(requests).as(ctx()).singleElement()
                    .satisfies(r -> assertThat(dev.hde.codec.wire.ControlRequestFormat.read(r.bytes, Limits.DEFAULT).reason().name())
                            .isEqualTo(expected));
            assertThat(baselines).as(ctx()).isEmpty();
            x.awaiting = true;
            count("RESYNC_" + resync);
            assertReferenceUnchangedOrAbsent(key, x);
            return;
        }
        assertThat(requests).as(ctx()).isEmpty();
        x.lastSeq = e.sequence();
        if (unchanged) {
            assertThat(frames).as("%s: only false dirties, no frame", ctx()).isEmpty();
            assertThat(baselines).as(ctx()).isEmpty();
            count("UNCHANGED");
        } else {
            assertThat(frames).as("%s: %s", ctx(), e).hasSize(1);
            assertThat(perf).as(ctx()).hasSize(1);
            FrameRecord f = frames.get(0);
            assertThat(perf.get(0).bytesOut).isEqualTo(f.bytes.length);
            FrameHeader hd = apply(f, x);
            assertThat(hd.digest()).as("%s: the frame carries the producer's digest", ctx()).isEqualTo(x.model.digest());
            if (reason == null) {
                assertThat(hd.type()).as(ctx()).isEqualTo(FrameType.DELTA);
                assertThat(f.bytes).as(ctx()).isEqualTo(predictedDelta);
                assertThat(hd.chainIndex()).as(ctx()).isEqualTo(meta.chainIndex() + 1);
                if (policy.maxChain() > 0) {
                    assertThat(hd.chainIndex()).as(ctx()).isLessThanOrEqualTo(policy.maxChain());
                }
                assertThat(baselines).as(ctx()).isEmpty();
                x.deltaBytes += f.bytes.length;
                count("DELTA");
            } else {
                assertThat(hd.type()).as("%s: expected a keyframe for %s", ctx(), reason).isEqualTo(FrameType.FULL);
                assertThat(hd.epoch()).as(ctx()).isEqualTo(Math.max(epochBefore + 1, e.captureTimeMillis()));
                assertThat(baselines).as(ctx()).hasSize(1);
                BaselineEvent b = baselines.get(0);
                assertThat(b.reason).as(ctx()).isEqualTo(reason.name());
                assertThat(b.kind).as(ctx()).isEqualTo(x.exists ? BaselineEvent.Kind.REFRESHED : BaselineEvent.Kind.CREATED);
                assertThat(b.epoch).isEqualTo(hd.epoch());
                assertThat(b.digest).isEqualTo(hd.digest());
                assertThat(b.sizeBytes).isEqualTo(f.bytes.length);
                x.epochStart = e.captureTimeMillis();
                x.lastFullBytes = f.bytes.length;
                x.deltaBytes = 0;
                count(reason.name());
            }
            x.epoch = hd.epoch();
        }
        x.exists = true;
        x.awaiting = false;
        assertReferenceIsModel(key, x);
    }

    /** The receiver's metadata; while in sync it is the encoder's too. */
    private RegionMeta receiverMeta(String key, Expected x) {
        RegionMeta m = receiver.meta(key);
        assertThat(m).as("%s: the receiver holds what the encoder holds", ctx()).isNotNull();
        assertThat(m.epoch()).as(ctx()).isEqualTo(x.epoch);
        return m;
    }

    /** Whether the encoder's reference (= the receiver's image) with the event's pages laid on is the producer's memory. */
    private boolean referenceIsProducers(String key, Expected x, PageUpdateEvent e) {
        var pending = RegionEncoder.delta(receiver.meta(key), receiver.store(key), e.toPageUpdate());
        return pending.after().digest() == x.model.digest();
    }

    private void assertReferenceUnchangedOrAbsent(String key, Expected x) throws Exception {
        Map<Integer, byte[]> ref = h.referencePages(key);
        if (!x.exists) {
            assertThat(ref).as("%s: nothing stored from a partial event", ctx()).isEmpty();
            return;
        }
        byte[] image = receiver.image(key);
        RegionMeta m = receiver.meta(key);
        for (int i = 0; i < m.regionPages(); i++) {
            byte[] page = java.util.Arrays.copyOfRange(image, i * m.pageSize(), (i + 1) * m.pageSize());
            if (Pages.isZero(page)) {
                assertThat(ref).as(ctx()).doesNotContainKey(i);
            } else {
                assertThat(ref.get(i)).as("%s: the reference is still what the receiver holds", ctx()).isEqualTo(page);
            }
        }
    }

    private FrameHeader apply(FrameRecord f, Expected x) {
        FrameHeader hd;
        try {
            hd = receiver.apply(f);
        } catch (RuntimeException ex) {
            throw new AssertionError(ctx() + ": the receiver refused a frame of " + f.stateKey + ": " + ex.getMessage(), ex);
        }
        if (hd.type() == FrameType.DELETE) {
            assertThat(receiver.image(f.stateKey)).as(ctx()).isNull();
        } else if (hd.type() == FrameType.RESYNC) {
            assertThat(receiver.waiting(f.stateKey)).as(ctx()).isTrue();
        } else {
            assertThat(receiver.image(f.stateKey)).as("%s: receiver image of %s after %s %d.%d", ctx(), f.stateKey, hd.type(), hd.epoch(),
                    hd.chainIndex()).isEqualTo(x.model.image);
        }
        return hd;
    }

    private void assertReferenceIsModel(String key, Expected x) throws Exception {
        Map<Integer, byte[]> ref = h.referencePages(key);
        int n = 0;
        for (int i = 0; i < x.model.regionPages(); i++) {
            byte[] page = x.model.page(i);
            if (Pages.isZero(page)) {
                assertThat(ref).as("%s: zero page %d stored", ctx(), i).doesNotContainKey(i);
            } else {
                assertThat(ref.get(i)).as("%s: reference page %d of %s", ctx(), i, key).isEqualTo(page);
                n++;
            }
        }
        assertThat(ref).as("%s: reference of %s has pages past the region", ctx(), key).hasSize(n);
    }

    private String randomKey() {
        List<String> all = new ArrayList<>(keys.keySet());
        return all.get(random.nextInt(all.size()));
    }

    private void count(String what) {
        counts.merge(what, 1, Integer::sum);
    }
}
