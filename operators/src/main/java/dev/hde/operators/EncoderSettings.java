package dev.hde.operators;

import dev.hde.codec.Limits;
import dev.hde.codec.block.CodecSpec;
import dev.hde.codec.delta.DeltaMethod;
import dev.hde.codec.region.EncodeSpec;
import dev.hde.codec.select.SelectorConfig;
import dev.hde.state.RefreshPolicy;
import java.io.Serializable;
import java.time.Duration;
import java.util.List;

/**
 * How the encoder chooses and works: the fixed choices it renders each frame with (keeping the
 * smallest), or no compression at all, or the adaptive selector; its refresh policy and input limits.
 *
 * @param selector the adaptive selector's configuration (network link, candidates, exploration, seed),
 *     or null for the fixed choices of {@code specs}. Ignored when compression is disabled.
 * @param epochsAboveClock a region the encoder holds nothing of starts its epoch no lower than the
 *     processing time (the default): a run started without state, which encodes again the events
 *     after the last committed offsets, never repeats an epoch receivers hold. Off, epochs follow
 *     capture time alone, as {@code hde trace} numbers them (frame-for-frame comparisons).
 * @param modelsInBand the adaptive selector chooses each frame with the model the key's partition of
 *     the page-updates topic has brought so far ({@link SelectorModelMarkers}), not with the newest
 *     model that reached the subtask: the same frames after a restore as in a failure-free run.
 * @param quietAfter a region that has had no event of its producer (no change, no heartbeat) for this
 *     long (processing time) is reported quiet, once per quiet spell: its producer has probably
 *     stopped, and receivers hold its image as of its last frame. Zero: never reported.
 */
public record EncoderSettings(List<EncodeSpec> specs, boolean compressionDisabled, RefreshPolicy policy, Limits limits,
        SelectorConfig selector, Duration resyncRetry, boolean epochsAboveClock, boolean modelsInBand, Duration quietAfter)
        implements Serializable {

    /** An unanswered resync request is repeated after this long, then after twice as long each time, up to {@link #MAX_RESYNC_RETRY}. */
    public static final Duration DEFAULT_RESYNC_RETRY = Duration.ofSeconds(30);
    public static final Duration MAX_RESYNC_RETRY = Duration.ofMinutes(10);
    /** Ten of {@code hde-producer}'s heartbeats (60 s): a producer that sends nothing for that long is not just quiet. */
    public static final Duration DEFAULT_QUIET_AFTER = Duration.ofMinutes(10);

    /** What the disabled mode sends: the changed pages as they are. */
    public static final EncodeSpec UNCOMPRESSED = EncodeSpec.of(DeltaMethod.RAW, CodecSpec.NONE);

    /** XBZRLE then zstd level 3: the best fixed choice on real memory so far (docs/benchmarks.md). */
    public static final EncodeSpec DEFAULT_SPEC = EncodeSpec.of(DeltaMethod.XBZRLE, CodecSpec.zstd(3));

    public static final EncoderSettings DEFAULT = new EncoderSettings(List.of(DEFAULT_SPEC), false, RefreshPolicy.DEFAULT, Limits.DEFAULT);

    public EncoderSettings {
        if (resyncRetry == null || resyncRetry.isNegative() || resyncRetry.isZero()) {
            throw new IllegalArgumentException("the resync retry interval must be positive");
        }
        if (quietAfter == null || quietAfter.isNegative()) {
            throw new IllegalArgumentException("the quiet time must be zero (off) or positive");
        }
        specs = List.copyOf(specs);
        if (specs.isEmpty()) {
            throw new IllegalArgumentException("at least one encode spec");
        }
    }

    /** Fixed choices (no adaptive selector). */
    public EncoderSettings(List<EncodeSpec> specs, boolean compressionDisabled, RefreshPolicy policy, Limits limits) {
        this(specs, compressionDisabled, policy, limits, null);
    }

    public EncoderSettings(List<EncodeSpec> specs, boolean compressionDisabled, RefreshPolicy policy, Limits limits, SelectorConfig selector) {
        this(specs, compressionDisabled, policy, limits, selector, DEFAULT_RESYNC_RETRY);
    }

    public EncoderSettings(List<EncodeSpec> specs, boolean compressionDisabled, RefreshPolicy policy, Limits limits, SelectorConfig selector,
            Duration resyncRetry) {
        this(specs, compressionDisabled, policy, limits, selector, resyncRetry, true);
    }

    public EncoderSettings(List<EncodeSpec> specs, boolean compressionDisabled, RefreshPolicy policy, Limits limits, SelectorConfig selector,
            Duration resyncRetry, boolean epochsAboveClock) {
        this(specs, compressionDisabled, policy, limits, selector, resyncRetry, epochsAboveClock, false, DEFAULT_QUIET_AFTER);
    }

    public List<EncodeSpec> effectiveSpecs() {
        return compressionDisabled ? List.of(UNCOMPRESSED) : specs;
    }

    /** Whether frames are chosen by the adaptive selector (configured, and compression not disabled). */
    public boolean adaptive() {
        return selector != null && !compressionDisabled;
    }

    public EncoderSettings withPolicy(RefreshPolicy p) {
        return new EncoderSettings(specs, compressionDisabled, p, limits, selector, resyncRetry, epochsAboveClock, modelsInBand, quietAfter);
    }

    public EncoderSettings withCompressionDisabled(boolean disabled) {
        return new EncoderSettings(specs, disabled, policy, limits, selector, resyncRetry, epochsAboveClock, modelsInBand, quietAfter);
    }

    public EncoderSettings withSpecs(List<EncodeSpec> s) {
        return new EncoderSettings(s, compressionDisabled, policy, limits, selector, resyncRetry, epochsAboveClock, modelsInBand, quietAfter);
    }

    public EncoderSettings withEpochsAboveClock(boolean on) {
        return new EncoderSettings(specs, compressionDisabled, policy, limits, selector, resyncRetry, on, modelsInBand, quietAfter);
    }

    public EncoderSettings withResyncRetry(Duration d) {
        return new EncoderSettings(specs, compressionDisabled, policy, limits, selector, d, epochsAboveClock, modelsInBand, quietAfter);
    }

    /** The adaptive selector with this configuration; null = the fixed specs. */
    public EncoderSettings withSelector(SelectorConfig config) {
        return new EncoderSettings(specs, compressionDisabled, policy, limits, config, resyncRetry, epochsAboveClock, modelsInBand, quietAfter);
    }

    /** Whether the adaptive selector takes its models in band ({@link #modelsInBand}). */
    public EncoderSettings withModelsInBand(boolean on) {
        return new EncoderSettings(specs, compressionDisabled, policy, limits, selector, resyncRetry, epochsAboveClock, on, quietAfter);
    }

    /** Whether frames are chosen with models in band: adaptive, and configured so. */
    public boolean choosesInBand() {
        return adaptive() && modelsInBand;
    }

    /** Regions without an event of their producer for {@code d} are reported quiet (zero: never). */
    public EncoderSettings withQuietAfter(Duration d) {
        return new EncoderSettings(specs, compressionDisabled, policy, limits, selector, resyncRetry, epochsAboveClock, modelsInBand, d);
    }
}
