package dev.hde.operators;

import dev.hde.codec.HdeException;
import dev.hde.codec.Limits;
import dev.hde.codec.select.SelectorModelFormat;
import dev.hde.codec.wire.ControlRequest;
import dev.hde.codec.wire.ControlRequestFormat;
import dev.hde.codec.wire.PageUpdateEventFormat;
import java.nio.charset.StandardCharsets;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Lets well-formed page-update events (and receivers' keyframe requests) through and sends everything
 * else, with its reason, to the dead-letter side output: bad bytes, a record without a key or whose
 * key is not the state key inside it, a whole region whose pages do not have the digest it carries.
 * Never throws for bad input: one bad record must not stop the job.
 *
 * <p>A selector model in the topic (record key {@value SelectorModelMarkers#RECORD_KEY}, written by
 * the selector trainer when models go in band) is checked and, when the validator is built with the
 * encoder's key groups, sent on as one copy per encoder subtask (the encoder runs at this operator's
 * parallelism: the job gives both the same) or, if so built, per key group ({@link SelectorModelMarkers});
 * without key groups it is counted ({@code selectorModelMarkersSkipped}) and dropped: a job that does
 * not choose in band has no use for it, and it is not a bad record.
 */
public class PageUpdateValidator extends ProcessFunction<SourceRecord, ValidEvent> {

    private static final long serialVersionUID = 1L;

    public static final OutputTag<DeadLetter> DEAD_LETTERS = new OutputTag<>("dead-letters", TypeInformation.of(DeadLetter.class));

    /** Reason for a record whose Kafka key is not the state key inside the event. */
    public static final String KEY_MISMATCH = HdeException.Kind.KEY_MISMATCH.name();

    private final Limits limits;
    /** The encoder's key groups (its max parallelism) when models go in band; 0: markers are dropped. */
    private final int markerKeyGroups;
    /** The topic models in band come in (its partitions are the ones events carry); null: any. */
    private final String pageUpdatesTopic;
    /** Whether a model goes to each key group rather than to each encoder subtask. */
    private final boolean copyPerKeyGroup;
    private transient String[] markerKeys;
    private transient Counter accepted;
    private transient Counter refused;
    private transient Counter markersForwarded;
    private transient Counter markersSkipped;

    public PageUpdateValidator(Limits limits) {
        this(limits, 0, null);
    }

    /**
     * @param markerKeyGroups the encoder's max parallelism, to send each selector-model marker to every key group; 0 = drop markers
     * @param pageUpdatesTopic the only topic a model in band may come in (a model on another topic, such as the
     *     keyframe requests beside it, is a dead letter: its partition says nothing of the events'); null = any
     */
    public PageUpdateValidator(Limits limits, int markerKeyGroups, String pageUpdatesTopic) {
        this(limits, markerKeyGroups, pageUpdatesTopic, false);
    }

    /**
     * @param copyPerKeyGroup send each model to every key group (for an encoder whose parallelism may differ
     *     from this operator's) instead of to every encoder subtask, assumed to be as many as this operator's
     */
    public PageUpdateValidator(Limits limits, int markerKeyGroups, String pageUpdatesTopic, boolean copyPerKeyGroup) {
        if (markerKeyGroups < 0) {
            throw new IllegalArgumentException("key groups " + markerKeyGroups);
        }
        this.limits = limits;
        this.markerKeyGroups = markerKeyGroups;
        this.pageUpdatesTopic = pageUpdatesTopic;
        this.copyPerKeyGroup = copyPerKeyGroup;
    }

    @Override
    public void open(OpenContext openContext) {
        accepted = getRuntimeContext().getMetricGroup().counter("eventsAccepted");
        refused = getRuntimeContext().getMetricGroup().counter("eventsDeadLettered");
        markersForwarded = getRuntimeContext().getMetricGroup().counter("selectorModelMarkers");
        markersSkipped = getRuntimeContext().getMetricGroup().counter("selectorModelMarkersSkipped");
        if (markerKeyGroups > 0) { // found once, not on the first marker
            int parallelism = getRuntimeContext().getTaskInfo().getNumberOfParallelSubtasks();
            markerKeys = copyPerKeyGroup || parallelism > markerKeyGroups ? SelectorModelMarkers.keysPerKeyGroup(markerKeyGroups)
                    : SelectorModelMarkers.keysPerSubtask(markerKeyGroups, parallelism);
        }
    }

    @Override
    public void processElement(SourceRecord record, Context ctx, Collector<ValidEvent> out) {
        if (record.value == null) {
            refuse(record, HdeException.Kind.TRUNCATED.name(), "record has no value", ctx);
            return;
        }
        if (record.key == null) {
            // The record key decides the partition, so a keyless record may sit on another partition than its region's other events.
            refuse(record, KEY_MISMATCH, "record has no key; the key must be the event's state key", ctx);
            return;
        }
        if (SelectorModelMarkers.isMarkerRecordKey(record.key)) {
            marker(record, ctx, out);
            return;
        }
        String stateKey;
        boolean request = ControlRequests.isControlRequest(record.value);
        try {
            stateKey = request ? keyframeRequestKey(record.value) : eventKey(record.value);
        } catch (HdeException e) {
            refuse(record, e.kind().name(), e.getMessage(), ctx);
            return;
        }
        if (!stateKey.equals(new String(record.key, StandardCharsets.UTF_8))) {
            refuse(record, KEY_MISMATCH, "record key differs from the state key " + stateKey, ctx);
            return;
        }
        if (SelectorModelMarkers.isMarkerStateKey(stateKey)) {
            refuse(record, KEY_MISMATCH, "state key " + stateKey + " is reserved (" + SelectorModelMarkers.STATE_KEY_PREFIX + "…)", ctx);
            return;
        }
        accepted.inc();
        // A request's partition is of another topic: the models in band of its key's own partition apply.
        out.collect(new ValidEvent(stateKey, record.value, request ? -1 : record.partition));
    }

    /** A selector model in the topic: one copy per encoder subtask (or key group), in the partition's order, or dropped. */
    private void marker(SourceRecord record, Context ctx, Collector<ValidEvent> out) {
        if (pageUpdatesTopic != null && !pageUpdatesTopic.equals(record.topic)) {
            refuse(record, KEY_MISMATCH, "a selector model on topic " + record.topic + ": models in band come only in " + pageUpdatesTopic, ctx);
            return;
        }
        try {
            SelectorModelFormat.read(record.value);
        } catch (HdeException e) {
            refuse(record, e.kind().name(), "a selector model in the topic that does not parse: " + e.getMessage(), ctx);
            return;
        } catch (IllegalArgumentException e) {
            refuse(record, HdeException.Kind.LIMIT_EXCEEDED.name(), "a selector model in the topic that does not parse: " + e.getMessage(), ctx);
            return;
        }
        if (markerKeyGroups == 0) {
            markersSkipped.inc();
            return;
        }
        for (String key : markerKeys) {
            out.collect(new ValidEvent(key, record.value, record.partition));
        }
        markersForwarded.inc();
    }

    /** Checks a page-update event (and a whole region's digest against its pages) and returns its state key. */
    private String eventKey(byte[] value) {
        PageUpdateEventFormat.Checked event = PageUpdateEventFormat.check(value, limits);
        PageUpdateEventFormat.checkRegionDigest(value, event);
        return event.stateKey();
    }

    /** Checks a receiver's keyframe request (the keyframe-request topic joins the page updates) and returns its state key. */
    private String keyframeRequestKey(byte[] value) {
        ControlRequest q = ControlRequestFormat.read(value, limits);
        if (q.kind() != ControlRequest.Kind.KEYFRAME) {
            throw new HdeException(HdeException.Kind.UNKNOWN_TYPE, "a " + q.kind() + " request among the encoder's input: only KEYFRAME requests go there");
        }
        return q.stateKey();
    }

    private void refuse(SourceRecord record, String reason, String detail, Context ctx) {
        refused.inc();
        ctx.output(DEAD_LETTERS, new DeadLetter(record, reason, detail));
    }
}
