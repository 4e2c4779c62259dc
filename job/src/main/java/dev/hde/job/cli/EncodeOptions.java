package dev.hde.job.cli;

import dev.hde.codec.block.CodecSpec;
import dev.hde.codec.delta.DeltaMethod;
import dev.hde.codec.region.EncodePresets;
import dev.hde.codec.region.EncodeSpec;
import java.util.List;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * How frames are encoded with the fixed selector (the default, {@code --selector fixed}): a preset,
 * or a method, codec and level pinned by hand. The default preset is the best fixed choice measured
 * on real memory. {@code --selector adaptive} ({@link EncoderOptions.SelectorOptions}) chooses per frame instead.
 */
public final class EncodeOptions {

    /** Named settings; each renders a frame with every spec listed (within its raw-share bound) and keeps the smallest. */
    public enum Preset {
        /** Fastest: XBZRLE runs then LZ4 ({@link EncodePresets#FAST}). */
        FAST(EncodePresets.FAST),
        /** The default: SPLIT + zstd-3, SPLIT + Brotli-5 on frames SPLIT made 8x smaller, DICT + zstd-3 on frames still above 1/8 ({@link EncodePresets#BALANCED}). */
        BALANCED(EncodePresets.BALANCED),
        /** Fewest bytes, slowly: SPLIT and DICT with LZMA-9 ({@link EncodePresets#MAX}). */
        MAX(EncodePresets.MAX);

        final List<EncodeSpec> specs;

        Preset(List<EncodeSpec> specs) {
            this.specs = specs;
        }
    }

    /** Codec names accepted by {@code --codec}. */
    public enum CodecName {
        NONE,
        LZ4,
        ZSTD,
        LZMA,
        BROTLI
    }

    @Spec(Spec.Target.MIXEE)
    CommandSpec mixee;

    @Option(names = "--preset", description = "fast, balanced (default) or max; ignored when --method is given.")
    Preset preset = Preset.BALANCED;

    @Option(names = "--method", description = "Pin the delta method: raw, xor, xbzrle, dict or split.")
    DeltaMethod method;

    @Option(names = "--codec", description = "Block codec with --method: none, lz4, zstd, lzma or brotli (default: zstd).")
    CodecName codec;

    @Option(names = "--level", description = "Codec level with --method: zstd -128..22 (default 3), lz4 0 = fast, 1..17 = HC, lzma 0..9 (default 6), brotli 0..11 (default 5).")
    Integer level;

    public List<EncodeSpec> specs() {
        if (method == null) {
            if (codec != null || level != null) {
                throw new ParameterException(mixee.commandLine(), "--codec and --level go with --method");
            }
            return preset.specs;
        }
        CodecName name = codec == null ? CodecName.ZSTD : codec;
        CodecSpec spec;
        try {
            spec = switch (name) {
                case NONE -> {
                    if (level != null && level != 0) {
                        throw new IllegalArgumentException("codec none takes no level");
                    }
                    yield CodecSpec.NONE;
                }
                case LZ4 -> CodecSpec.lz4(level == null ? 0 : level);
                case ZSTD -> CodecSpec.zstd(level == null ? 3 : level);
                case LZMA -> CodecSpec.lzma(level == null ? 6 : level);
                case BROTLI -> CodecSpec.brotli(level == null ? 5 : level);
            };
            return List.of(EncodeSpec.of(method, spec));
        } catch (IllegalArgumentException e) {
            throw new ParameterException(mixee.commandLine(), e.getMessage());
        }
    }

    public String describe() {
        return specs().stream().map(EncodeSpec::toString).reduce((a, b) -> a + " | " + b).orElseThrow();
    }
}
