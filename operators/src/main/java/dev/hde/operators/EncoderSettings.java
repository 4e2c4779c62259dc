package dev.hde.operators;

import dev.hde.codec.Limits;
import dev.hde.codec.block.CodecSpec;
import dev.hde.codec.delta.DeltaMethod;
import dev.hde.codec.region.EncodeSpec;
import dev.hde.state.RefreshPolicy;
import java.io.Serializable;
import java.util.List;

/**
 * How the encoder works until the adaptive selector exists: the fixed choices it renders each frame
 * with (keeping the smallest), or no compression at all, and its refresh policy and input limits.
 */
public record EncoderSettings(List<EncodeSpec> specs, boolean compressionDisabled, RefreshPolicy policy, Limits limits)
        implements Serializable {

    /** What the disabled mode sends: the changed pages as they are. */
    public static final EncodeSpec UNCOMPRESSED = EncodeSpec.of(DeltaMethod.RAW, CodecSpec.NONE);

    /** XBZRLE then zstd level 3: the best fixed choice on real memory so far (docs/benchmarks.md). */
    public static final EncodeSpec DEFAULT_SPEC = EncodeSpec.of(DeltaMethod.XBZRLE, CodecSpec.zstd(3));

    public static final EncoderSettings DEFAULT = new EncoderSettings(List.of(DEFAULT_SPEC), false, RefreshPolicy.DEFAULT, Limits.DEFAULT);

    public EncoderSettings {
        specs = List.copyOf(specs);
        if (specs.isEmpty()) {
            throw new IllegalArgumentException("at least one encode spec");
        }
    }

    public List<EncodeSpec> effectiveSpecs() {
        return compressionDisabled ? List.of(UNCOMPRESSED) : specs;
    }

    public EncoderSettings withPolicy(RefreshPolicy p) {
        return new EncoderSettings(specs, compressionDisabled, p, limits);
    }

    public EncoderSettings withCompressionDisabled(boolean disabled) {
        return new EncoderSettings(specs, disabled, policy, limits);
    }

    public EncoderSettings withSpecs(List<EncodeSpec> s) {
        return new EncoderSettings(s, compressionDisabled, policy, limits);
    }
}
