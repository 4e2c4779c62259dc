package dev.hde.state;

/** Why the encoder sends a FULL frame rather than a DELTA. */
public enum RefreshReason {
    /** No reference image yet: a whole region of a key the encoder does not hold (new, pruned or deleted). */
    FIRST,
    /** The producer changed the page size (with a whole region). */
    PAGE_SIZE_CHANGED,
    /** The keyframe is older than the refresh interval (checked when an update arrives; off by default). */
    INTERVAL,
    /** The chain holds the maximum number of deltas (off by default). */
    CHAIN_LENGTH,
    /** The keyframe was smaller than the delta it replaced (the size rule). */
    SIZE,
    /** The deltas since the keyframe added up to more than it (the delta budget; off by default). */
    BUDGET,
    /** The age backstop: the keyframe has deltas on top and is older than the maximum age. */
    AGE,
    /** A whole region answered the encoder's resync request. */
    RESYNC,
    /** A receiver asked for a keyframe (keyframe-request topic). */
    REQUESTED
}
