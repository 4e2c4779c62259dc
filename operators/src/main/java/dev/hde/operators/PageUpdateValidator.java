package dev.hde.operators;

import dev.hde.codec.HdeException;
import dev.hde.codec.Limits;
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
 */
public class PageUpdateValidator extends ProcessFunction<SourceRecord, ValidEvent> {

    private static final long serialVersionUID = 1L;

    public static final OutputTag<DeadLetter> DEAD_LETTERS = new OutputTag<>("dead-letters", TypeInformation.of(DeadLetter.class));

    /** Reason for a record whose Kafka key is not the state key inside the event. */
    public static final String KEY_MISMATCH = HdeException.Kind.KEY_MISMATCH.name();

    private final Limits limits;
    private transient Counter accepted;
    private transient Counter refused;

    public PageUpdateValidator(Limits limits) {
        this.limits = limits;
    }

    @Override
    public void open(OpenContext openContext) {
        accepted = getRuntimeContext().getMetricGroup().counter("eventsAccepted");
        refused = getRuntimeContext().getMetricGroup().counter("eventsDeadLettered");
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
        String stateKey;
        try {
            stateKey = ControlRequests.isControlRequest(record.value) ? keyframeRequestKey(record.value) : eventKey(record.value);
        } catch (HdeException e) {
            refuse(record, e.kind().name(), e.getMessage(), ctx);
            return;
        }
        if (!stateKey.equals(new String(record.key, StandardCharsets.UTF_8))) {
            refuse(record, KEY_MISMATCH, "record key differs from the state key " + stateKey, ctx);
            return;
        }
        accepted.inc();
        out.collect(new ValidEvent(stateKey, record.value));
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
