package dev.hde.operators;

import dev.hde.state.crdt.MergeReport;
import java.util.function.IntSupplier;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.MetricGroup;

/** The catalog merger's Flink metrics (docs/crdt.md lists them); counts since the task started. */
final class CatalogMetrics {

    // Local writes, from the encoder's baseline events.
    final Counter baselineEvents;
    final Counter keyframesPut;
    final Counter localRemoves;
    final Counter prunedKept;
    final Counter baselineEventsRefused;
    // Messages of other sites.
    final Counter merges;
    final Counter keysAdded;
    final Counter keysUpdated;
    final Counter keysRemoved;
    final Counter concurrentUpdatesResolved;
    final Counter clockSkewRejected;
    final Counter messagesRefused;
    final Counter ownMessagesSkipped;
    final Counter messagesReplayed;
    // Anti-entropy.
    final Counter antiEntropyRounds;
    final Counter digestsReceived;
    final Counter digestsCoalesced;
    final Counter repairsSent;
    final Counter bucketsSent;
    final Counter keysRepaired;
    // Publishing.
    final Counter messagesPublished;
    final Counter bytesPublished;
    final Counter statesPublished;
    final Counter messagesTooLarge;

    CatalogMetrics(MetricGroup group, IntSupplier size) {
        baselineEvents = group.counter("baselineEvents");
        keyframesPut = group.counter("keyframesPut");
        localRemoves = group.counter("localRemoves");
        prunedKept = group.counter("prunedKept");
        baselineEventsRefused = group.counter("baselineEventsRefused");
        merges = group.counter("catalogMerges");
        keysAdded = group.counter("keysAdded");
        keysUpdated = group.counter("keysUpdated");
        keysRemoved = group.counter("keysRemoved");
        concurrentUpdatesResolved = group.counter("concurrentUpdatesResolved");
        clockSkewRejected = group.counter("clockSkewRejected");
        messagesRefused = group.counter("catalogMessagesRefused");
        ownMessagesSkipped = group.counter("ownMessagesSkipped");
        messagesReplayed = group.counter("catalogMessagesReplayed");
        antiEntropyRounds = group.counter("antiEntropyRounds");
        digestsReceived = group.counter("digestsReceived");
        digestsCoalesced = group.counter("digestsCoalesced");
        repairsSent = group.counter("repairsSent");
        bucketsSent = group.counter("repairBucketsSent");
        keysRepaired = group.counter("keysRepaired");
        messagesPublished = group.counter("catalogMessagesPublished");
        bytesPublished = group.counter("catalogBytesPublished");
        statesPublished = group.counter("catalogStatesPublished");
        messagesTooLarge = group.counter("catalogMessagesTooLarge");
        group.gauge("catalogSize", (Gauge<Integer>) size::getAsInt);
    }

    void merged(MergeReport r, boolean repair) {
        merges.inc();
        keysAdded.inc(r.added());
        keysUpdated.inc(r.updated());
        keysRemoved.inc(r.removed());
        concurrentUpdatesResolved.inc(r.concurrent());
        clockSkewRejected.inc(r.clockSkewRejected());
        if (repair) {
            keysRepaired.inc(r.changed());
        }
    }
}
