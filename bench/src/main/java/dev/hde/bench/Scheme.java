package dev.hde.bench;

import dev.hde.codec.block.BlockCodec;
import dev.hde.codec.block.CodecSpec;
import dev.hde.codec.delta.DeltaMethod;
import dev.hde.codec.region.EncodeSpec;
import dev.hde.codec.select.EncodeChoice;
import java.util.List;
import java.util.Locale;

/**
 * One way of shipping a {@link Dataset}'s transitions: an HDE setting (delta method + block codec),
 * the seed documents' algorithm, or a plain codec on the changed pages. A {@link Sender} and a
 * {@link Receiver} start from image 0 (the state both sides hold after the first FULL frames, not
 * counted) and go through every transition of every region.
 */
public abstract class Scheme {

    /** The HDE settings measured by default, then the references (the same list as CodecBench's @Param). */
    public static final List<String> DEFAULT_SETTINGS = List.of(
            "xbzrle+none", "xbzrle+lz4", "xbzrle+zstd-1", "xbzrle+zstd-3",
            "xor+lz4", "xor+zstd-1", "xor+zstd-3",
            "raw+lz4", "raw+zstd-3",
            "dict+zstd-3", "dict+zstd-9",
            SeedScheme.NAME, PlainScheme.LZ4, PlainScheme.ZSTD_1);

    /** Slow (1 to 6 MB/s), the max-ratio settings; measured only when asked for. */
    public static final List<String> SLOW_SETTINGS = List.of("xbzrle+zstd-19", "dict+zstd-18");

    /**
     * "seed", "plain-lz4", "plain-zstd-N", an HDE setting "method+codec[@share][>share]" (method raw, xor,
     * xbzrle, dict or split; codec none, lz4, lz4hc-N, zstd-N or lzma-N; share: the raw-share bound;
     * ">share": tried only where the specs before it left the frame above that share of its pages),
     * several of those joined by "|" (the smallest frame of them, as a preset), or "balanced"/"max".
     */
    public static Scheme of(String setting) {
        String s = setting.trim().toLowerCase(Locale.ROOT);
        if (s.equals(SeedScheme.NAME)) {
            return new SeedScheme(3, 10);
        }
        if (s.startsWith(PlainScheme.PREFIX)) {
            return new PlainScheme(codec(s.substring(PlainScheme.PREFIX.length())));
        }
        if (s.equals("balanced") || s.equals("max")) {
            s = s.equals("balanced") ? BALANCED : MAX;
        }
        List<EncodeSpec> specs = new java.util.ArrayList<>();
        for (String one : s.split("\\|")) {
            specs.add(spec(setting, one));
        }
        return new HdeScheme(specs);
    }

    /** The presets of {@code hde trace} ({@link dev.hde.codec.region.EncodePresets}), spelled as settings. */
    public static final String BALANCED = "split+zstd-3@0.5|split+brotli-5@0.125|dict+zstd-3>0.125";
    public static final String MAX = "split+lzma-9|dict+lzma-9";

    /** {@code method+codec[@share][>share]}: one spec, with its optional bounds ({@link EncodeSpec}). */
    static EncodeSpec spec(String setting, String s) {
        int plus = s.indexOf('+');
        if (plus < 0) {
            throw new IllegalArgumentException("setting " + setting + ": expected method+codec, seed or plain-CODEC");
        }
        int at = s.indexOf('@');
        int gt = s.indexOf('>');
        int codecEnd = at >= 0 ? at : gt >= 0 ? gt : s.length();
        DeltaMethod method = DeltaMethod.valueOf(s.substring(0, plus).toUpperCase(Locale.ROOT));
        EncodeSpec spec = EncodeSpec.of(method, codec(s.substring(plus + 1, codecEnd)));
        if (at >= 0) {
            spec = spec.whereRawShareAtMost(Double.parseDouble(s.substring(at + 1, gt > at ? gt : s.length())));
        }
        return gt >= 0 ? spec.whereEarlierFramesAbove(Double.parseDouble(s.substring(gt + 1))) : spec;
    }

    /** A codec name as settings spell it ({@code none}, {@code lz4}, {@code zstd-3}, {@code brotli-5}, ...): the codec's own parser. */
    static CodecSpec codec(String s) {
        try {
            return EncodeChoice.parse("raw+" + s).spec().codec();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("codec " + s + ": expected none, lz4, lz4hc-N, zstd-N, lzma-N or brotli-N", e);
        }
    }

    static boolean isZstd(CodecSpec c) {
        return c.codec() == BlockCodec.ZSTD;
    }

    public abstract String name();

    /** A sender holding image 0 of every region. Not measured: build one per measured pass. */
    public abstract Sender sender(Dataset d);

    /** A receiver holding image 0 of every region. Not measured: build one per measured pass. */
    public abstract Receiver receiver(Dataset d);

    public interface Sender {
        /**
         * Encodes every transition of every region in order and returns the bytes on the wire.
         *
         * @param out when not null, receives frame [transition - 1][region] (null = nothing sent)
         */
        long encodeAll(byte[][][] out);
    }

    public interface Receiver {
        /** Applies frames [transition - 1][region] in order; returns a value to sink. */
        long decodeAll(byte[][][] frames);

        /** Null when the receiver holds what it should after {@link #decodeAll}, else what is wrong. */
        String verify(byte[][][] frames);
    }

    @Override
    public String toString() {
        return name();
    }
}
