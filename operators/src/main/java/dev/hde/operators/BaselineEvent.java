package dev.hde.operators;

/** A change in the set of reference images: the encoder's side output for the baseline catalog. */
public class BaselineEvent {

    /** What happened to the region's baseline. */
    public enum Kind {
        CREATED,
        REFRESHED,
        PRUNED,
        DELETED
    }

    public String stateKey;
    public Kind kind;
    /** For CREATED and REFRESHED: why a keyframe was sent (a {@link dev.hde.state.RefreshReason} name). */
    public String reason;
    public long epoch;
    public int regionPages;
    /** Bytes of the keyframe (CREATED, REFRESHED), else 0. */
    public long sizeBytes;
    public long digest;
    /** Producer capture time of the event behind it; processing time for PRUNED. */
    public long timeMillis;

    public BaselineEvent() {}

    public BaselineEvent(String stateKey, Kind kind, String reason, long epoch, int regionPages, long sizeBytes, long digest, long timeMillis) {
        this.stateKey = stateKey;
        this.kind = kind;
        this.reason = reason;
        this.epoch = epoch;
        this.regionPages = regionPages;
        this.sizeBytes = sizeBytes;
        this.digest = digest;
        this.timeMillis = timeMillis;
    }
}
