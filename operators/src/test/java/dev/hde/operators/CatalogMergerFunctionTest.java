package dev.hde.operators;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hde.state.crdt.BaselineCatalog;
import dev.hde.state.crdt.CatalogDelta;
import dev.hde.state.crdt.CatalogFormat;
import dev.hde.state.crdt.CatalogLimits;
import dev.hde.state.crdt.HybridLogicalClock;
import dev.hde.state.crdt.KeyframeInfo;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.co.KeyedCoProcessOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class CatalogMergerFunctionTest {

    static final long T0 = 1_760_000_000_000L;
    static final String A = "site-a";
    static final String B = "site-b";
    static final Duration TICK = Duration.ofSeconds(1);
    static final Duration ANTI_ENTROPY = Duration.ofSeconds(10);

    private final List<Merger> open = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (Merger m : open) {
            m.harness.close();
        }
    }

    static CatalogMergerSettings settings(String site) {
        return CatalogMergerSettings.of(site).withIntervals(TICK, ANTI_ENTROPY, Duration.ZERO);
    }

    /** A merger in the keyed two-input harness, its outputs drained step by step. */
    final class Merger {
        final CatalogMergerFunction function;
        final KeyedTwoInputStreamOperatorTestHarness<String, BaselineEvent, CatalogRecord, CatalogRecord> harness;

        Merger(CatalogMergerSettings s, TopicReplay replay, OperatorSubtaskState restore) throws Exception {
            this(s, replay, restore, T0);
        }

        Merger(CatalogMergerSettings s, TopicReplay replay, OperatorSubtaskState restore, long startTime) throws Exception {
            function = new CatalogMergerFunction(s, replay, key -> key.length() % 4);
            if (restore == null) {
                harness = ProcessFunctionTestHarnesses.forKeyedCoProcessFunction(function, CatalogMergerFunction.baselineKey(),
                        CatalogMergerFunction.recordKey(), Types.STRING);
            } else {
                harness = new KeyedTwoInputStreamOperatorTestHarness<>(new KeyedCoProcessOperator<>(function),
                        CatalogMergerFunction.baselineKey(), CatalogMergerFunction.recordKey(), Types.STRING, 1, 1, 0);
                harness.setup();
                harness.initializeState(restore);
                harness.open();
            }
            harness.setProcessingTime(startTime);
            open.add(this);
        }

        Merger(CatalogMergerSettings s) throws Exception {
            this(s, null, null);
        }

        void baseline(BaselineEvent e) throws Exception {
            harness.processElement1(e, e.timeMillis);
        }

        void receive(String site, byte[] message) throws Exception {
            harness.processElement2(new CatalogRecord(site, message), T0);
        }

        void receiveAll(List<byte[]> messages, String site) throws Exception {
            for (byte[] m : messages) {
                receive(site, m);
            }
        }

        /** Advances processing time (firing the tick) and returns what was published since the last call. */
        List<byte[]> advance(long millis) throws Exception {
            harness.setProcessingTime(harness.getProcessingTime() + millis);
            return published();
        }

        List<byte[]> published() {
            List<byte[]> out = new ArrayList<>();
            for (Object o : harness.getOutput()) {
                if (o instanceof StreamRecord<?> r) {
                    CatalogRecord c = (CatalogRecord) r.getValue();
                    assertThat(c.site).isEqualTo(function.catalog().site());
                    out.add(c.message);
                }
            }
            harness.getOutput().clear();
            return out;
        }

        BaselineCatalog catalog() {
            return function.catalog();
        }

        CatalogMetrics metrics() {
            return function.metrics();
        }
    }

    static BaselineEvent created(String key, long epoch) {
        return new BaselineEvent(key, BaselineEvent.Kind.CREATED, "NEW", epoch, 16, 1000 + epoch % 100, epoch * 31, epoch);
    }

    static BaselineEvent refreshed(String key, long epoch) {
        return new BaselineEvent(key, BaselineEvent.Kind.REFRESHED, "CHAIN", epoch, 16, 2000, epoch * 31, epoch);
    }

    static BaselineEvent deleted(String key, long epoch) {
        return new BaselineEvent(key, BaselineEvent.Kind.DELETED, null, epoch, 0, 0, 0, epoch + 1);
    }

    static BaselineEvent pruned(String key, long epoch) {
        return new BaselineEvent(key, BaselineEvent.Kind.PRUNED, null, epoch, 16, 0, epoch * 31, T0);
    }

    static boolean isDigest(byte[] m) {
        return (m[3] & 0xFF) == 'G';
    }

    static List<byte[]> catalogMessages(List<byte[]> messages) {
        return messages.stream().filter(m -> !isDigest(m)).toList();
    }

    static List<byte[]> digests(List<byte[]> messages) {
        return messages.stream().filter(CatalogMergerFunctionTest::isDigest).toList();
    }

    /** A replica that merged every catalog message: what another site learns from them. */
    static BaselineCatalog reader(String site, List<byte[]> messages) {
        BaselineCatalog c = new BaselineCatalog(site, BaselineCatalog.DEFAULT_BUCKETS, new HybridLogicalClock(() -> T0));
        for (byte[] m : catalogMessages(messages)) {
            c.merge(CatalogFormat.parse(m, CatalogLimits.DEFAULT));
        }
        return c;
    }

    // ---------------------------------------------------------------- local writes

    @Test
    void baselineEventsOfAllSubtasksBecomeOneDeltaGroupPerTick() throws Exception {
        Merger a = new Merger(settings(A));
        a.baseline(created("vm-01/r0000", T0 - 5000));
        a.baseline(created("vm-01/r0001", T0 - 4000));
        a.baseline(created("vm-02/r0000", T0 - 3000));
        a.baseline(refreshed("vm-01/r0000", T0 - 2000));
        a.baseline(deleted("vm-01/r0001", T0 - 4000));
        a.baseline(pruned("vm-02/r0000", T0 - 3000));
        assertThat(a.published()).as("nothing before the tick").isEmpty();
        assertThat(a.function.pendingDeltas()).isEqualTo(5);

        List<byte[]> out = a.advance(TICK.toMillis());
        assertThat(out).hasSize(1);
        CatalogDelta group = CatalogFormat.parse(out.get(0), CatalogLimits.DEFAULT);
        assertThat(group.kind()).isEqualTo(CatalogDelta.Kind.DELTA);
        assertThat(group.origin()).isEqualTo(A);

        BaselineCatalog b = reader(B, out);
        assertThat(b.toMap()).isEqualTo(a.catalog().toMap());
        assertThat(b.toMap().keySet()).containsExactly("vm-01/r0000", "vm-02/r0000"); // deleted gone, pruned kept
        KeyframeInfo info = b.get("vm-01/r0000");
        assertThat(info).isEqualTo(new KeyframeInfo(T0 - 2000, "vm-01/r0000".length() % 4, -1, 2000, (T0 - 2000) * 31, A, T0 - 2000));
        assertThat(info.hasPosition()).isFalse();

        CatalogMetrics m = a.metrics();
        assertThat(m.baselineEvents.getCount()).isEqualTo(6);
        assertThat(m.keyframesPut.getCount()).isEqualTo(4);
        assertThat(m.localRemoves.getCount()).isEqualTo(1);
        assertThat(m.prunedKept.getCount()).isEqualTo(1);
        assertThat(m.messagesPublished.getCount()).isEqualTo(1);
        assertThat(a.advance(TICK.toMillis())).as("nothing new, nothing sent").isEmpty();
    }

    @Test
    void manyWritesArePublishedBeforeTheTickOnceEnoughWait() throws Exception {
        Merger a = new Merger(settings(A));
        for (int i = 0; i < CatalogMergerFunction.MAX_PENDING_DELTAS; i++) {
            a.baseline(created(String.format("vm-%02d/r%04d", i % 7, i), T0 - 10_000 + i));
        }
        List<byte[]> out = a.published();
        assertThat(out).hasSize(1);
        assertThat(reader(B, out).size()).isEqualTo(CatalogMergerFunction.MAX_PENDING_DELTAS);
    }

    @Test
    void aDeleteRemovesOnlyThisSitesKeyframe() throws Exception {
        Merger a = new Merger(settings(A));
        BaselineCatalog b = new BaselineCatalog(B, BaselineCatalog.DEFAULT_BUCKETS, new HybridLogicalClock(() -> T0));
        // Site b holds a newer keyframe of the key (the VM moved there); a still had an older one.
        a.receive(B, CatalogFormat.write(b.put("vm-07/r0001", new KeyframeInfo(T0, -1, -1, 10, 1, B, T0))));
        a.baseline(created("vm-07/r0001", T0 - 60_000));
        assertThat(a.catalog().get("vm-07/r0001").site()).isEqualTo(B);

        a.baseline(deleted("vm-07/r0001", T0 - 60_000));
        assertThat(a.catalog().get("vm-07/r0001").site()).as("b's keyframe survives a's delete").isEqualTo(B);
        a.baseline(deleted("vm-07/r0001", T0 - 60_000));
        assertThat(a.metrics().localRemoves.getCount()).isEqualTo(1);

        // A key only a has: the delete removes it, everywhere the delta goes.
        a.baseline(created("vm-07/r0002", T0 - 1000));
        a.advance(TICK.toMillis());
        a.baseline(deleted("vm-07/r0002", T0 - 1000));
        List<byte[]> out = a.advance(TICK.toMillis());
        b.merge(CatalogFormat.parse(catalogMessages(out).get(0), CatalogLimits.DEFAULT));
        assertThat(a.catalog().contains("vm-07/r0002")).isFalse();
        assertThat(b.contains("vm-07/r0002")).isFalse();
    }

    // ---------------------------------------------------------------- other sites

    @Test
    void mergesOtherSitesMessagesSkipsItsOwnAndCountsConcurrentUpdates() throws Exception {
        Merger a = new Merger(settings(A));
        BaselineCatalog b = new BaselineCatalog(B, BaselineCatalog.DEFAULT_BUCKETS, new HybridLogicalClock(() -> T0 + 5));
        a.baseline(created("vm-01/r0000", T0 - 100));
        // b wrote the same key without having seen a's write: concurrent; the later epoch wins everywhere.
        byte[] fromB = CatalogFormat.write(b.put("vm-01/r0000", new KeyframeInfo(T0 - 50, 2, -1, 77, 9, B, T0 - 50)));
        a.receive(B, fromB);
        assertThat(a.catalog().get("vm-01/r0000").site()).isEqualTo(B);
        assertThat(a.metrics().concurrentUpdatesResolved.getCount()).isEqualTo(1);
        assertThat(a.metrics().merges.getCount()).isEqualTo(1);
        a.receive(B, fromB);
        assertThat(a.metrics().merges.getCount()).as("a duplicate merges, changes nothing").isEqualTo(2);

        // Its own messages (by record key or by origin) are skipped: it holds them already.
        BaselineCatalog ghost = new BaselineCatalog(A, BaselineCatalog.DEFAULT_BUCKETS, new HybridLogicalClock(() -> T0));
        byte[] own = CatalogFormat.write(ghost.put("vm-09/r0009", new KeyframeInfo(5, -1, -1, 1, 1, A, 5)));
        a.receive(A, own);
        a.receive("mislabelled", own);
        assertThat(a.catalog().contains("vm-09/r0009")).isFalse();
        assertThat(a.metrics().ownMessagesSkipped.getCount()).isEqualTo(2);
        assertThat(a.catalog().size()).isEqualTo(1);
    }

    @Test
    void malformedMessagesAreCountedAndDroppedNeverFatal() throws Exception {
        Merger a = new Merger(settings(A));
        a.baseline(created("vm-01/r0000", T0 - 100));
        BaselineCatalog b = new BaselineCatalog(B, BaselineCatalog.DEFAULT_BUCKETS, new HybridLogicalClock(() -> T0));
        byte[] good = CatalogFormat.write(b.put("vm-02/r0000", new KeyframeInfo(T0, -1, -1, 1, 1, B, T0)));
        byte[] corrupt = good.clone();
        corrupt[corrupt.length / 2] ^= 0x10;
        BaselineCatalog other = new BaselineCatalog(B, 8, new HybridLogicalClock(() -> T0));
        byte[] otherBuckets = CatalogFormat.write(other.put("vm-03/r0000", new KeyframeInfo(T0, -1, -1, 1, 1, B, T0)));
        byte[] otherDigests = CatalogFormat.writeDigests(other.digestMessage());

        a.receive(B, "not a catalog message".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        a.receive(B, new byte[0]);
        a.receive(B, null);
        a.receive(B, corrupt);
        a.receive(B, java.util.Arrays.copyOf(good, good.length - 3));
        a.receive(B, otherBuckets);
        a.receive(B, otherDigests);
        assertThat(a.metrics().messagesRefused.getCount()).isEqualTo(7);
        assertThat(a.catalog().toMap().keySet()).containsExactly("vm-01/r0000");

        a.receive(B, good);
        assertThat(a.catalog().toMap().keySet()).containsExactly("vm-01/r0000", "vm-02/r0000");
    }

    // ---------------------------------------------------------------- anti-entropy

    @Test
    void digestExchangeRepairsALostDelta() throws Exception {
        Merger a = new Merger(settings(A));
        Merger b = new Merger(settings(B));
        for (int i = 0; i < 6; i++) {
            a.baseline(created("vm-01/r000" + i, T0 - 1000 + i));
        }
        List<byte[]> first = a.advance(TICK.toMillis());
        a.baseline(created("vm-05/r0000", T0 - 10));
        a.baseline(refreshed("vm-01/r0003", T0 - 5));
        List<byte[]> lost = a.advance(TICK.toMillis());
        assertThat(lost).hasSize(1);
        b.baseline(created("vm-08/r0000", T0 - 20));
        b.advance(TICK.toMillis());
        b.advance(TICK.toMillis());
        b.receiveAll(first, A); // the second delta of a never arrives at b
        assertThat(b.catalog().contains("vm-05/r0000")).isFalse();
        assertThat(b.catalog().get("vm-01/r0003").epoch()).isEqualTo(T0 - 997);

        // The anti-entropy interval passes: both publish digests.
        List<byte[]> fromA = a.advance(ANTI_ENTROPY.toMillis());
        List<byte[]> fromB = b.advance(ANTI_ENTROPY.toMillis());
        assertThat(digests(fromA)).hasSize(1);
        assertThat(digests(fromB)).hasSize(1);
        assertThat(a.metrics().antiEntropyRounds.getCount()).isEqualTo(1);

        // On their next tick, a answers b's digest with a's state of the buckets that differ, b answers a's with its own.
        a.receiveAll(digests(fromB), B);
        b.receiveAll(digests(fromA), A);
        assertThat(a.published()).isEmpty();
        List<byte[]> repairFromA = a.advance(TICK.toMillis());
        List<byte[]> repairFromB = b.advance(TICK.toMillis());
        assertThat(repairFromA).hasSize(1);
        assertThat(CatalogFormat.parse(repairFromA.get(0), CatalogLimits.DEFAULT).kind()).isEqualTo(CatalogDelta.Kind.REPAIR);
        assertThat(a.metrics().repairsSent.getCount()).isEqualTo(1);
        assertThat(a.metrics().bucketsSent.getCount()).isBetween(1L, 3L);
        b.receiveAll(repairFromA, A);
        a.receiveAll(repairFromB, B);

        assertThat(b.catalog().contains("vm-05/r0000")).isTrue();
        assertThat(b.catalog().get("vm-01/r0003").epoch()).isEqualTo(T0 - 5);
        assertThat(b.metrics().keysRepaired.getCount()).isEqualTo(2);
        assertThat(a.catalog().digests()).isEqualTo(b.catalog().digests());
        assertThat(a.catalog().sameContent(b.catalog())).isTrue();
        assertThat(a.catalog().toMap()).hasSize(8);

        // The next round finds nothing to repair.
        List<byte[]> again = a.advance(ANTI_ENTROPY.toMillis());
        b.receiveAll(digests(again), A);
        assertThat(b.advance(TICK.toMillis())).isEmpty();
        assertThat(b.metrics().digestsReceived.getCount()).isEqualTo(2);
    }

    @Test
    void aSiteThatHeardNothingIsFilledByRepairsAndABurstOfOldDigestsIsAnsweredOnce() throws Exception {
        Merger a = new Merger(settings(A));
        for (int i = 0; i < 40; i++) {
            a.baseline(created(String.format("vm-%02d/r%04d", i / 8, i % 8), T0 - 1000 + i));
        }
        List<byte[]> fromA = a.advance(ANTI_ENTROPY.toMillis()); // its deltas are lost; its digest arrives
        Merger c = new Merger(settings("site-c"));
        c.receiveAll(digests(fromA), A);
        List<byte[]> fromC = c.advance(ANTI_ENTROPY.toMillis());
        assertThat(catalogMessages(fromC)).as("an empty replica has nothing to re-send").isEmpty();
        List<byte[]> digestsOfC = digests(fromC);
        assertThat(digestsOfC).hasSize(1);
        a.receiveAll(digestsOfC, "site-c");
        List<byte[]> repair = a.advance(TICK.toMillis());
        assertThat(repair).hasSize(1);
        c.receiveAll(repair, A);
        assertThat(c.catalog().sameContent(a.catalog())).isTrue();
        assertThat(c.metrics().keysRepaired.getCount()).isEqualTo(40);

        // A restart reads many old digests of one site back from the topic in one go: only the newest is answered.
        for (int i = 0; i < 10; i++) {
            a.receiveAll(digestsOfC, "site-c");
        }
        assertThat(a.advance(TICK.toMillis())).hasSize(1);
        assertThat(a.metrics().repairsSent.getCount()).isEqualTo(2);
        assertThat(a.metrics().digestsCoalesced.getCount()).isEqualTo(9);
        assertThat(a.metrics().digestsReceived.getCount()).isEqualTo(11);
    }

    @Test
    void largeRepairsAndStatesAreSplitByBuckets() throws Exception {
        CatalogMergerSettings s = settings(A).withIntervals(TICK, ANTI_ENTROPY, Duration.ofSeconds(5)).withMaxMessageBytes(1024);
        Merger a = new Merger(s);
        for (int i = 0; i < 200; i++) {
            a.baseline(created(String.format("vm-%02d/r%04d", i / 16, i % 16), T0 - 1000 + i));
            if (i % 5 == 4) {
                a.advance(TICK.toMillis()); // small groups: 200 deltas in one group would not fit in 1 KiB
            }
        }
        a.published();
        List<byte[]> out = a.advance(5000);
        assertThat(out).allSatisfy(m -> assertThat(m.length).isLessThanOrEqualTo(1024));
        List<byte[]> states = catalogMessages(out);
        assertThat(states.size()).isGreaterThan(5);
        assertThat(states).allSatisfy(m -> assertThat(CatalogFormat.parse(m, CatalogLimits.DEFAULT).kind()).isEqualTo(CatalogDelta.Kind.REPAIR));
        assertThat(reader(B, states).sameContent(a.catalog())).isTrue();
        assertThat(a.metrics().statesPublished.getCount()).isGreaterThanOrEqualTo(1);
        assertThat(a.metrics().messagesTooLarge.getCount()).isZero();
    }

    // ---------------------------------------------------------------- state, timers, start

    @Test
    void snapshotAndRestoreKeepTheCatalogTheUnpublishedDeltasAndTheClockAndNothingElse() throws Exception {
        Merger a = new Merger(settings(A));
        a.baseline(created("vm-01/r0000", T0 - 500));
        a.advance(TICK.toMillis());
        a.baseline(created("vm-01/r0001", T0 - 400));
        a.receive(B, CatalogFormat.write(new BaselineCatalog(B, BaselineCatalog.DEFAULT_BUCKETS, new HybridLogicalClock(() -> T0))
                .put("vm-02/r0000", new KeyframeInfo(T0, -1, -1, 3, 3, B, T0))));

        // Keyed state: only the two timers of the one key; the catalog is operator state.
        assertThat(a.harness.numKeyedStateEntries()).isZero();
        assertThat(a.harness.numProcessingTimeTimers()).isEqualTo(1);
        assertThat(a.harness.numEventTimeTimers()).isEqualTo(1);
        for (int i = 0; i < 50; i++) {
            a.baseline(created("vm-03/r" + i, T0 - 300 + i));
            a.advance(TICK.toMillis());
        }
        assertThat(a.harness.numProcessingTimeTimers()).as("one tick timer, however long it runs").isEqualTo(1);
        assertThat(a.harness.numEventTimeTimers()).isEqualTo(1);
        a.baseline(created("vm-04/r0000", T0 - 200)); // not yet published when the snapshot is taken

        OperatorSubtaskState snapshot = a.harness.snapshot(1, T0 + 60_000);
        BaselineCatalog before = a.catalog().copy();

        long time = a.harness.getProcessingTime();
        Merger restored = new Merger(settings(A), null, snapshot, time);
        assertThat(restored.catalog().sameContent(before)).isTrue();
        assertThat(restored.catalog().clock().current()).isEqualTo(before.clock().current());
        assertThat(restored.function.pendingDeltas()).isEqualTo(1);
        List<byte[]> out = restored.advance(TICK.toMillis());
        assertThat(catalogMessages(out)).hasSize(1);
        assertThat(reader(B, out).toMap().keySet()).containsExactly("vm-04/r0000");
        assertThat(restored.harness.numProcessingTimeTimers()).isEqualTo(1);

        // Restored under another site id: the new replica adopts what the old one knew.
        Merger renamed = new Merger(settings("site-a2"), null, snapshot, time);
        assertThat(renamed.catalog().site()).isEqualTo("site-a2");
        assertThat(renamed.catalog().toMap()).isEqualTo(before.toMap());
        assertThat(renamed.function.pendingDeltas()).isZero();
    }

    @Test
    void aFreshStartReplaysTheTopicSoItNeverReusesADot() throws Exception {
        CatalogMergerSettings one = settings(A).withBucketCount(1);
        Merger first = new Merger(one);
        first.baseline(created("vm-01/r0000", T0 - 100));
        List<byte[]> topic = new ArrayList<>(first.advance(TICK.toMillis()));

        // Without the replay a fresh replica of site a hands out dot a:1 again, and a reader that saw the first write drops the second.
        Merger amnesiac = new Merger(one, null, null);
        amnesiac.baseline(created("vm-02/r0000", T0 - 50));
        BaselineCatalog reader = new BaselineCatalog(B, 1, new HybridLogicalClock(() -> T0));
        merge(reader, topic);
        merge(reader, amnesiac.advance(TICK.toMillis()));
        assertThat(reader.contains("vm-02/r0000")).as("the reused dot hides the new write").isFalse();

        Merger replayed = new Merger(one, sink -> topic.forEach(sink::accept), null);
        assertThat(replayed.catalog().contains("vm-01/r0000")).isTrue();
        replayed.baseline(created("vm-02/r0000", T0 - 50));
        BaselineCatalog reader2 = new BaselineCatalog(B, 1, new HybridLogicalClock(() -> T0));
        merge(reader2, topic);
        merge(reader2, replayed.advance(TICK.toMillis()));
        assertThat(reader2.toMap().keySet()).containsExactly("vm-01/r0000", "vm-02/r0000");
        assertThat(replayed.metrics().messagesReplayed.getCount()).isEqualTo(1);
    }

    private static void merge(BaselineCatalog c, List<byte[]> messages) {
        for (byte[] m : catalogMessages(messages)) {
            c.merge(CatalogFormat.parse(m, CatalogLimits.DEFAULT));
        }
    }

    @Test
    void theEndOfABoundedInputPublishesDeltasDigestAndState() throws Exception {
        Merger a = new Merger(settings(A).withIntervals(TICK, ANTI_ENTROPY, Duration.ofMinutes(10)));
        a.baseline(created("vm-01/r0000", T0 - 100));
        a.baseline(created("vm-01/r0001", T0 - 90));
        a.harness.processBothWatermarks(new Watermark(Long.MAX_VALUE));
        List<byte[]> out = a.published();
        assertThat(digests(out)).hasSize(1);
        List<CatalogDelta.Kind> kinds = catalogMessages(out).stream().map(m -> CatalogFormat.parse(m, CatalogLimits.DEFAULT).kind()).toList();
        assertThat(kinds).containsExactly(CatalogDelta.Kind.DELTA, CatalogDelta.Kind.STATE);
        assertThat(reader(B, out).sameContent(a.catalog())).isTrue();
    }

    @Test
    void settingsAreChecked() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> CatalogMergerSettings.of("has space"))
                .isInstanceOf(IllegalArgumentException.class);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> settings(A).withBucketCount(5000))
                .isInstanceOf(IllegalArgumentException.class);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> settings(A).withIntervals(Duration.ZERO, ANTI_ENTROPY, Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
