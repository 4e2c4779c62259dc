package dev.hde.operators;

import dev.hde.codec.HdeException;
import dev.hde.codec.Limits;
import dev.hde.codec.wire.PageUpdateEventFormat;
import java.nio.charset.StandardCharsets;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Lets well-formed page-update events through and sends everything else, with its reason, to the
 * dead-letter side output. Never throws for bad input: one bad record must not stop the job.
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
        PageUpdateEventFormat.Checked event;
        try {
            event = PageUpdateEventFormat.check(record.value, limits);
        } catch (HdeException e) {
            refuse(record, e.kind().name(), e.getMessage(), ctx);
            return;
        }
        if (record.key != null && !event.stateKey().equals(new String(record.key, StandardCharsets.UTF_8))) {
            refuse(record, KEY_MISMATCH, "record key differs from the event's state key " + event.stateKey(), ctx);
            return;
        }
        accepted.inc();
        out.collect(new ValidEvent(event.stateKey(), record.value));
    }

    private void refuse(SourceRecord record, String reason, String detail, Context ctx) {
        refused.inc();
        ctx.output(DEAD_LETTERS, new DeadLetter(record, reason, detail));
    }
}
