package dev.hde.state;

/** Why the encoder sends a FULL frame rather than a DELTA. */
public enum RefreshReason {
    /** No reference image yet: first sight of the key, or after it was pruned or deleted. */
    FIRST,
    /** The producer changed the page size. */
    PAGE_SIZE_CHANGED,
    /** The keyframe is older than the refresh interval (checked when an update arrives). */
    INTERVAL,
    /** The chain holds the maximum number of deltas. */
    CHAIN_LENGTH,
    /** The deltas since the keyframe add up to more than a new keyframe would cost. */
    SIZE,
    /** The age timer fired: the keyframe has deltas on top and is older than the maximum age. */
    AGE
}
