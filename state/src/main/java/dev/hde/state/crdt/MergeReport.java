package dev.hde.state.crdt;

/**
 * What one merge changed in the visible map: keys that appeared, keys whose winning value
 * changed, keys that disappeared, and keys where concurrent writes met (both sides brought a live
 * write the other had not seen; the register order picked the visible one). The numbers the
 * catalog merger reports as metrics. {@code clockSkewRejected} is 1 when the message's clock was
 * too far ahead to be adopted by the local {@link HybridLogicalClock} (the data is merged anyway).
 */
public record MergeReport(int added, int updated, int removed, int concurrent, int clockSkewRejected) {

    public static final MergeReport NONE = new MergeReport(0, 0, 0, 0, 0);

    public MergeReport(int added, int updated, int removed, int concurrent) {
        this(added, updated, removed, concurrent, 0);
    }

    public MergeReport plus(MergeReport o) {
        return new MergeReport(added + o.added, updated + o.updated, removed + o.removed, concurrent + o.concurrent,
                clockSkewRejected + o.clockSkewRejected);
    }

    /** Keys whose visible value this merge changed. */
    public int changed() {
        return added + updated + removed;
    }
}
