package dev.hde.operators;

import dev.hde.codec.HdeException;
import dev.hde.state.crdt.BaselineCatalog;
import dev.hde.state.crdt.CatalogDelta;
import dev.hde.state.crdt.CatalogFormat;
import dev.hde.state.crdt.CatalogLimits;
import dev.hde.state.crdt.CatalogSerializer;
import dev.hde.state.crdt.DigestMessage;
import dev.hde.state.crdt.HybridLogicalClock;
import dev.hde.state.crdt.KeyframeInfo;
import dev.hde.state.crdt.MergeReport;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.OperatorStateStore;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.TimeDomain;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.co.KeyedCoProcessFunction;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The catalog merger of one site (docs/crdt.md): keeps this site's replica of the baseline
 * catalog, turns the encoder's baseline events (of every encoder subtask) into catalog writes,
 * merges the catalog messages other sites publish on {@code hde.catalog}, publishes its own
 * deltas, and runs digest anti-entropy.
 *
 * <ul>
 *   <li>Input 1, baseline events: CREATED and REFRESHED put the keyframe under the state key;
 *       DELETED removes this site's keyframes of the key ({@code removeFrom(key, site)}): a delete
 *       at one site says nothing about another site's copy of the region; PRUNED changes nothing:
 *       the encoder forgot an idle region, but its keyframe and the deltas after it are still the
 *       region's history on the frames topic, and a receiver that starts there rebuilds it.
 *   <li>Input 2, catalog records: messages of other sites are merged ({@code HDEC}) or answered on
 *       the next tick ({@code HDEG} digests, the newest per site: the buckets that differ are
 *       re-sent as a REPAIR); this site's own messages are skipped. Malformed messages are counted
 *       and dropped, never fatal.
 *   <li>Output: this site's messages for the catalog topic (record key = site id): the deltas of
 *       local writes joined per {@code publishInterval}, a digest message per
 *       {@code antiEntropyInterval}, repairs, and the whole state per {@code stateInterval}.
 * </ul>
 *
 * <p>One merger per site: both inputs are keyed by one constant key and the operator runs with
 * parallelism 1 (the job pins it). Keyed only so that Flink's timer service (which needs a key
 * context) can drive the intervals; the catalog itself lives in a field and goes into
 * <em>operator</em> state once per checkpoint through {@link CatalogSerializer} (the documented
 * STATE message), together with the deltas not yet published. A keyed {@code ValueState} would,
 * with RocksDB, serialize the whole catalog on every event. The only keyed state is the two timers
 * of the constant key: the processing-time tick and an event-time timer at the end of time, which
 * fires once when a bounded input ends so that a bounded run publishes its last deltas.
 *
 * <p>On every start (fresh, restored, or after a site-id change) the merger first replays the
 * catalog topic as it stands ({@link TopicReplay}), own messages included, so that it never
 * reuses a dot its site already published, then takes baseline events.
 */
public class CatalogMergerFunction extends KeyedCoProcessFunction<String, BaselineEvent, CatalogRecord, CatalogRecord>
        implements CheckpointedFunction {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(CatalogMergerFunction.class);

    /** The one key both inputs are keyed by. */
    public static final String KEY = "catalog";

    /** Deltas of local writes are published at the latest when this many are waiting. */
    static final int MAX_PENDING_DELTAS = 1024;

    static final ListStateDescriptor<BaselineCatalog> CATALOG_STATE = new ListStateDescriptor<>("catalog", CatalogSerializer.INSTANCE);
    static final ListStateDescriptor<byte[]> PENDING_STATE =
            new ListStateDescriptor<>("catalog-pending", PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);

    private final CatalogMergerSettings settings;
    private final TopicReplay replay;
    private final FramePartitioner partitioner;

    private transient BaselineCatalog catalog;
    private transient List<CatalogDelta> pending;
    private transient ListState<BaselineCatalog> catalogState;
    private transient ListState<byte[]> pendingState;
    private transient CatalogMetrics metrics;
    /** Processing time of the current callback; before the first one, the system clock. */
    private transient long now;
    private transient boolean haveNow;
    private transient long nextTick;
    private transient long nextDigestAt;
    private transient long nextStateAt;
    private transient long refusedLogged;
    /** Digests of other sites waiting for the next tick, the newest per site (not checkpointed: a lost one is sent again). */
    private transient Map<String, DigestMessage> digestsToAnswer;

    /**
     * @param replay the catalog topic as it stands, merged on every start; null = none
     * @param partitioner the frames-topic partition of a key; null = unknown (-1)
     */
    public CatalogMergerFunction(CatalogMergerSettings settings, TopicReplay replay, FramePartitioner partitioner) {
        this.settings = settings;
        this.replay = replay;
        this.partitioner = partitioner == null ? FramePartitioner.UNKNOWN : partitioner;
    }

    /** The key selector of the baseline events: every event to the one merger. */
    public static KeySelector<BaselineEvent, String> baselineKey() {
        return new ConstantKey<>();
    }

    /** The key selector of the catalog records: every record to the one merger. */
    public static KeySelector<CatalogRecord, String> recordKey() {
        return new ConstantKey<>();
    }

    private static final class ConstantKey<T> implements KeySelector<T, String> {
        private static final long serialVersionUID = 1L;

        @Override
        public String getKey(T value) {
            return KEY;
        }
    }

    // ---------------------------------------------------------------- state

    @Override
    public void initializeState(FunctionInitializationContext context) throws Exception {
        OperatorStateStore store = context.getOperatorStateStore();
        catalogState = store.getListState(CATALOG_STATE);
        pendingState = store.getListState(PENDING_STATE);
        catalog = new BaselineCatalog(settings.site(), settings.bucketCount(), new HybridLogicalClock(this::wallClock));
        pending = new ArrayList<>();
        digestsToAnswer = new TreeMap<>();
        if (!context.isRestored()) {
            return;
        }
        boolean first = true;
        for (BaselineCatalog restored : catalogState.get()) {
            if (restored.bucketCount() != settings.bucketCount()) {
                throw new IllegalStateException("the restored catalog has " + restored.bucketCount() + " buckets, the job is configured with "
                        + settings.bucketCount() + "; every site must keep one bucket count");
            }
            if (first && restored.site().equals(settings.site())) {
                catalog = restored;
                catalog.setWallClock(this::wallClock);
            } else {
                // Another site id (the replica was renamed, e.g. after a restore from an older savepoint): adopt what it knew.
                LOG.info("catalog state of site {} restored into site {}", restored.site(), settings.site());
                catalog.merge(restored.state());
            }
            first = false;
        }
        for (byte[] bytes : pendingState.get()) {
            CatalogDelta d = CatalogFormat.parse(bytes, CatalogLimits.STATE);
            if (d.origin().equals(settings.site()) && d.bucketCount() == settings.bucketCount()) {
                pending.add(d);
            }
        }
    }

    @Override
    public void snapshotState(FunctionSnapshotContext context) throws Exception {
        catalogState.update(List.of(catalog));
        CatalogDelta group = joinPending();
        pendingState.update(group == null ? List.of() : List.of(CatalogFormat.write(group)));
    }

    @Override
    public void open(OpenContext openContext) throws Exception {
        metrics = new CatalogMetrics(getRuntimeContext().getMetricGroup(), () -> catalog.size());
        if (replay != null) {
            long t0 = System.nanoTime();
            long[] counts = new long[2];
            replay.replay(bytes -> {
                counts[0]++;
                if (replayOne(bytes)) {
                    counts[1]++;
                }
            });
            LOG.info("catalog of site {}: replayed {} of {} catalog messages in {} ms; {} keys", settings.site(), counts[1], counts[0],
                    (System.nanoTime() - t0) / 1_000_000, catalog.size());
        }
    }

    /** Merges one message of the replay (own ones too; digests are not answered). */
    private boolean replayOne(byte[] bytes) {
        if (magic(bytes) != CatalogFormat.MAGIC) {
            return false;
        }
        try {
            CatalogDelta d = CatalogFormat.parse(bytes, CatalogLimits.DEFAULT);
            catalog.merge(d);
            metrics.messagesReplayed.inc();
            return true;
        } catch (HdeException | IllegalArgumentException e) {
            refused("replayed", e);
            return false;
        }
    }

    // ---------------------------------------------------------------- inputs

    @Override
    public void processElement1(BaselineEvent e, Context ctx, Collector<CatalogRecord> out) throws Exception {
        arm(ctx);
        metrics.baselineEvents.inc();
        try {
            if (e.kind == null || e.stateKey == null) {
                throw new IllegalArgumentException("baseline event without a kind or key");
            }
            switch (e.kind) {
                case CREATED, REFRESHED -> {
                    KeyframeInfo info = new KeyframeInfo(e.epoch, partitioner.partition(e.stateKey), -1, e.sizeBytes, e.digest,
                            settings.site(), e.timeMillis);
                    pending.add(catalog.put(e.stateKey, info));
                    metrics.keyframesPut.inc();
                }
                case DELETED -> {
                    CatalogDelta d = catalog.removeFrom(e.stateKey, settings.site());
                    if (!d.isEmpty()) {
                        pending.add(d);
                        metrics.localRemoves.inc();
                    }
                }
                case PRUNED -> metrics.prunedKept.inc();
            }
        } catch (IllegalArgumentException ex) {
            // A state key or time the catalog cannot hold (the validator lets none through): count it, go on.
            metrics.baselineEventsRefused.inc();
            refused("baseline event of " + e.stateKey, ex);
        }
        if (pending.size() >= MAX_PENDING_DELTAS) {
            flush(out);
        }
    }

    @Override
    public void processElement2(CatalogRecord r, Context ctx, Collector<CatalogRecord> out) throws Exception {
        arm(ctx);
        if (settings.site().equals(r.site)) {
            metrics.ownMessagesSkipped.inc();
            return;
        }
        byte[] bytes = r.message == null ? new byte[0] : r.message;
        try {
            int magic = magic(bytes);
            if (magic == CatalogFormat.DIGEST_MAGIC) {
                DigestMessage digests = CatalogFormat.parseDigests(bytes, CatalogLimits.DEFAULT);
                if (digests.origin().equals(settings.site())) {
                    metrics.ownMessagesSkipped.inc();
                } else if (digests.bucketCount() != settings.bucketCount()) {
                    throw new HdeException(HdeException.Kind.LENGTH_MISMATCH,
                            "digests of " + digests.bucketCount() + " buckets, this catalog has " + settings.bucketCount());
                } else {
                    metrics.digestsReceived.inc();
                    DigestMessage older = digestsToAnswer.get(digests.origin());
                    if (older == null || digests.clock().compareTo(older.clock()) > 0) {
                        digestsToAnswer.put(digests.origin(), digests);
                    }
                    if (older != null) {
                        metrics.digestsCoalesced.inc();
                    }
                }
                return;
            }
            CatalogDelta d = CatalogFormat.parse(bytes, CatalogLimits.DEFAULT); // refuses anything but HDEC
            if (d.origin().equals(settings.site())) {
                metrics.ownMessagesSkipped.inc();
                return;
            }
            MergeReport report = catalog.merge(d);
            metrics.merged(report, d.kind() != CatalogDelta.Kind.DELTA);
        } catch (HdeException | IllegalArgumentException e) {
            metrics.messagesRefused.inc();
            refused("catalog message of " + r.site, e);
        }
    }

    /**
     * Anti-entropy, receiving side: for each site whose digests arrived since the last tick, re-send
     * our state of every bucket whose digest differs from its newest digest. Answering on the tick,
     * the newest digest per site, keeps a restart that reads hours of old digests back from the
     * topic from answering each of them, whatever the sites' clocks say.
     */
    private void answerDigests(Collector<CatalogRecord> out) {
        for (DigestMessage remote : digestsToAnswer.values()) {
            int[] differ = catalog.differingBuckets(remote);
            if (differ.length == 0) {
                continue;
            }
            int sent = publishBuckets(differ, out);
            if (sent > 0) {
                metrics.repairsSent.inc();
                metrics.bucketsSent.inc(sent);
            }
        }
        digestsToAnswer.clear();
    }

    // ---------------------------------------------------------------- timers

    /** Notes the time and, once per task, starts the tick and the end-of-input timer. */
    private void arm(Context ctx) {
        setNow(ctx.timerService().currentProcessingTime());
        if (nextTick == 0) {
            long t = now();
            nextTick = align(t);
            nextDigestAt = t + settings.antiEntropyInterval().toMillis();
            nextStateAt = t + settings.stateInterval().toMillis();
            ctx.timerService().registerProcessingTimeTimer(nextTick);
            ctx.timerService().registerEventTimeTimer(Long.MAX_VALUE);
        }
    }

    private long align(long t) {
        long p = settings.publishInterval().toMillis();
        return (Math.floorDiv(t, p) + 1) * p;
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<CatalogRecord> out) throws Exception {
        setNow(ctx.timerService().currentProcessingTime());
        long t = now();
        if (ctx.timeDomain() == TimeDomain.EVENT_TIME) {
            // The end of a bounded input: publish everything now, no processing-time timer fires after it.
            flush(out);
            answerDigests(out);
            publishDigest(out);
            if (!settings.stateInterval().isZero()) {
                publishState(out);
            }
            return;
        }
        if (nextTick == 0) {
            // Restored timer, first callback of this task.
            nextDigestAt = t + settings.antiEntropyInterval().toMillis();
            nextStateAt = t + settings.stateInterval().toMillis();
        }
        flush(out);
        answerDigests(out);
        if (t >= nextDigestAt) {
            publishDigest(out);
            nextDigestAt = t + settings.antiEntropyInterval().toMillis();
        }
        if (!settings.stateInterval().isZero() && t >= nextStateAt) {
            publishState(out);
            nextStateAt = t + settings.stateInterval().toMillis();
        }
        if (timestamp >= nextTick) {
            nextTick = align(t);
            ctx.timerService().registerProcessingTimeTimer(nextTick);
        }
    }

    // ---------------------------------------------------------------- publishing

    /** Joins the waiting deltas into one (pairwise, so n deltas cost O(n log n)); null if none. */
    private CatalogDelta joinPending() {
        if (pending.isEmpty()) {
            return null;
        }
        List<CatalogDelta> level = pending;
        while (level.size() > 1) {
            List<CatalogDelta> next = new ArrayList<>((level.size() + 1) / 2);
            for (int i = 0; i < level.size(); i += 2) {
                next.add(i + 1 < level.size() ? level.get(i).join(level.get(i + 1)) : level.get(i));
            }
            level = next;
        }
        CatalogDelta group = level.get(0);
        pending = new ArrayList<>();
        pending.add(group);
        return group;
    }

    private void flush(Collector<CatalogRecord> out) {
        CatalogDelta group = joinPending();
        pending.clear();
        if (group == null || group.isEmpty()) {
            return;
        }
        byte[] bytes = CatalogFormat.write(group);
        if (bytes.length > settings.maxMessageBytes()) {
            // Cannot happen with MAX_PENDING_DELTAS small deltas; if it did, anti-entropy re-sends those buckets.
            metrics.messagesTooLarge.inc();
            LOG.error("catalog delta group of {} bytes is over the limit of {}; left to anti-entropy", bytes.length, settings.maxMessageBytes());
            return;
        }
        emit(bytes, out);
    }

    private void publishDigest(Collector<CatalogRecord> out) {
        emit(CatalogFormat.writeDigests(catalog.digestMessage()), out);
        metrics.antiEntropyRounds.inc();
    }

    private void publishState(Collector<CatalogRecord> out) {
        byte[] state = CatalogFormat.writeState(catalog);
        if (state.length <= settings.maxMessageBytes()) {
            emit(state, out);
        } else {
            int[] all = new int[catalog.bucketCount()];
            Arrays.setAll(all, b -> b);
            publishBuckets(all, out);
        }
        metrics.statesPublished.inc();
    }

    /** Publishes this replica's state of the buckets as REPAIR messages, split so that each fits; returns the buckets sent. */
    private int publishBuckets(int[] ids, Collector<CatalogRecord> out) {
        CatalogDelta d = catalog.bucketDelta(ids);
        if (d.isEmpty()) {
            return 0;
        }
        byte[] bytes = CatalogFormat.write(d);
        if (bytes.length <= settings.maxMessageBytes()) {
            emit(bytes, out);
            return d.buckets().size();
        }
        if (ids.length == 1) {
            metrics.messagesTooLarge.inc();
            LOG.error("catalog bucket {} alone is {} bytes, over the limit of {}: raise the bucket count", ids[0], bytes.length,
                    settings.maxMessageBytes());
            return 0;
        }
        int half = ids.length / 2;
        return publishBuckets(Arrays.copyOfRange(ids, 0, half), out) + publishBuckets(Arrays.copyOfRange(ids, half, ids.length), out);
    }

    private void emit(byte[] bytes, Collector<CatalogRecord> out) {
        out.collect(new CatalogRecord(settings.site(), bytes));
        metrics.messagesPublished.inc();
        metrics.bytesPublished.inc(bytes.length);
    }

    // ---------------------------------------------------------------- helpers

    private void setNow(long processingTime) {
        now = processingTime;
        haveNow = true;
    }

    private long now() {
        return haveNow ? now : System.currentTimeMillis();
    }

    /** The wall clock under the HLC: Flink's processing time (the system clock, or a test's). */
    private long wallClock() {
        return now();
    }

    private static int magic(byte[] b) {
        return b.length < 4 ? 0 : (b[0] & 0xFF) | (b[1] & 0xFF) << 8 | (b[2] & 0xFF) << 16 | (b[3] & 0xFF) << 24;
    }

    private void refused(String what, RuntimeException e) {
        refusedLogged++;
        if (refusedLogged <= 10 || Long.bitCount(refusedLogged) == 1) {
            LOG.warn("catalog of site {}: refused {} ({} so far): {}", settings.site(), what, refusedLogged, e.getMessage());
        }
    }

    /** This site's replica (tests and diagnostics; the operator's thread only). */
    BaselineCatalog catalog() {
        return catalog;
    }

    CatalogMetrics metrics() {
        return metrics;
    }

    int pendingDeltas() {
        return pending.size();
    }
}
