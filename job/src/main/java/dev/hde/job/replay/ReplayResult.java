package dev.hde.job.replay;

/**
 * One partial result of the replay (a Flink POJO), collected to the client and summed there into
 * the report: the totals of one configuration in one time bucket for one state key
 * ({@link #TOTALS}), how often the adaptive selector chose a choice ({@link #CHOICES}), or an input
 * record that was refused ({@link #REFUSED}).
 */
public class ReplayResult {

    public static final String TOTALS = "totals";
    public static final String CHOICES = "choices";
    public static final String REFUSED = "refused";

    public String kind;
    /** Configuration name ({@code xbzrle+zstd-3}, {@code xbzrle+zstd-3/chain-5}, {@code adaptive-hybrid}). */
    public String config;
    public String stateKey;
    public long bucket;

    public long frames;
    public long fullFrames;
    public long deltaFrames;
    public long deleteFrames;
    /** Events taken (duplicates and events that changed nothing included). */
    public long events;
    /** Page bytes of the frames every configuration without refresh sends (the common input: what changed). */
    public long inputBytes;
    /** Page bytes this configuration's frames carried (more with extra keyframes). */
    public long pageBytes;
    public long wireBytes;
    /** Real encode time: working out the frame (shared diff included) and rendering it. */
    public long encodeNanos;
    /** Real decode time: the receiver applying and checking the frame. */
    public long decodeNanos;
    /** Modelled times from the fixed speed table ({@link dev.hde.codec.select.ModelledSpeeds#CALIBRATED}). */
    public double tableEncodeNanos;
    public double tableDecodeNanos;
    /** Adaptive: the wire bytes the selector recorded (must equal the re-rendered frames'). */
    public long expectedWireBytes;
    public long explorations;

    /** {@link #CHOICES}: frames; {@link #REFUSED}: records. */
    public long count;
    /** {@link #CHOICES}: the choice; {@link #REFUSED}: the reason. */
    public String detail;

    public long failures;
    /** The first failure, with its region and event. */
    public String failure;

    public ReplayResult() {}

    static ReplayResult totals(String config, String stateKey, long bucket) {
        ReplayResult r = new ReplayResult();
        r.kind = TOTALS;
        r.config = config;
        r.stateKey = stateKey;
        r.bucket = bucket;
        return r;
    }

    static ReplayResult choices(String config, long bucket, String choice, long count) {
        ReplayResult r = new ReplayResult();
        r.kind = CHOICES;
        r.config = config;
        r.bucket = bucket;
        r.detail = choice;
        r.count = count;
        return r;
    }

    static ReplayResult refused(String reason, String detail) {
        ReplayResult r = new ReplayResult();
        r.kind = REFUSED;
        r.config = "";
        r.detail = reason;
        r.failure = detail;
        r.count = 1;
        return r;
    }

    /** Adds {@code o}'s sums to this one (the first failure message is kept). */
    void add(ReplayResult o) {
        frames += o.frames;
        fullFrames += o.fullFrames;
        deltaFrames += o.deltaFrames;
        deleteFrames += o.deleteFrames;
        events += o.events;
        inputBytes += o.inputBytes;
        pageBytes += o.pageBytes;
        wireBytes += o.wireBytes;
        encodeNanos += o.encodeNanos;
        decodeNanos += o.decodeNanos;
        tableEncodeNanos += o.tableEncodeNanos;
        tableDecodeNanos += o.tableDecodeNanos;
        expectedWireBytes += o.expectedWireBytes;
        explorations += o.explorations;
        count += o.count;
        failures += o.failures;
        if (failure == null) {
            failure = o.failure;
        }
    }
}
