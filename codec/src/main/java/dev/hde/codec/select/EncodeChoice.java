package dev.hde.codec.select;

import dev.hde.codec.block.BlockCodec;
import dev.hde.codec.block.CodecSpec;
import dev.hde.codec.delta.DeltaMethod;
import dev.hde.codec.region.EncodeSpec;
import dev.hde.codec.wire.FrameType;
import java.util.Locale;
import java.util.Objects;

/**
 * One arm of the selector: a delta method and block codec with its level, and whether the block
 * is compressed with the VM class's trained zstd dictionary. Written like {@code xbzrle+zstd-3} or
 * {@code raw+zstd-3+tdict}.
 */
public record EncodeChoice(EncodeSpec spec, boolean trainedDictionary) implements Comparable<EncodeChoice>, java.io.Serializable {

    public static final String TRAINED_SUFFIX = "+tdict";

    public EncodeChoice {
        Objects.requireNonNull(spec);
        if (trainedDictionary && (spec.codec().codec() != BlockCodec.ZSTD || spec.method() == DeltaMethod.DICT)) {
            throw new IllegalArgumentException("a trained dictionary needs zstd and a method other than dict, not " + spec);
        }
    }

    /** The choice of a spec's method and codec (a raw-share bound is how a fixed preset chooses, not part of the choice). */
    public static EncodeChoice of(EncodeSpec spec) {
        return new EncodeChoice(spec.unbounded(), false);
    }

    public static EncodeChoice of(DeltaMethod method, CodecSpec codec) {
        return new EncodeChoice(EncodeSpec.of(method, codec), false);
    }

    public DeltaMethod method() {
        return spec.method();
    }

    public CodecSpec codec() {
        return spec.codec();
    }

    /**
     * What the choice means for a frame of this type: a keyframe has no old pages, so every method
     * comes down to RAW ({@link dev.hde.codec.region.RegionEncoder#render} does the same).
     */
    public EncodeChoice forFrame(FrameType type) {
        if (type == FrameType.FULL && spec.method() != DeltaMethod.RAW) {
            return new EncodeChoice(EncodeSpec.of(DeltaMethod.RAW, spec.codec()), trainedDictionary);
        }
        return this;
    }

    /** Parses {@code <method>+<codec>[+tdict]}: method raw, xor, xbzrle, dict or split; codec none, lz4, lz4hc-N, zstd-N or lzma-N. */
    public static EncodeChoice parse(String s) {
        String t = s.trim().toLowerCase(Locale.ROOT);
        boolean trained = t.endsWith(TRAINED_SUFFIX);
        if (trained) {
            t = t.substring(0, t.length() - TRAINED_SUFFIX.length());
        }
        int plus = t.indexOf('+');
        if (plus < 0) {
            throw new IllegalArgumentException("expected <method>+<codec>[+tdict], not " + s);
        }
        DeltaMethod method;
        try {
            method = DeltaMethod.valueOf(t.substring(0, plus).toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown delta method in " + s);
        }
        String c = t.substring(plus + 1);
        CodecSpec codec;
        try {
            if (c.equals("none")) {
                codec = CodecSpec.NONE;
            } else if (c.equals("lz4")) {
                codec = CodecSpec.LZ4;
            } else if (c.startsWith("lz4hc-")) {
                codec = CodecSpec.lz4(Integer.parseInt(c.substring(6)));
            } else if (c.startsWith("lzma-")) {
                codec = CodecSpec.lzma(Integer.parseInt(c.substring(5)));
            } else if (c.startsWith("brotli-")) {
                codec = CodecSpec.brotli(Integer.parseInt(c.substring(7)));
            } else if (c.startsWith("zstd-")) {
                codec = CodecSpec.zstd(Integer.parseInt(c.substring(5)));
            } else {
                throw new IllegalArgumentException("unknown codec in " + s);
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad codec level in " + s);
        }
        return new EncodeChoice(EncodeSpec.of(method, codec), trained);
    }

    @Override
    public int compareTo(EncodeChoice o) {
        int c = Integer.compare(spec.method().id(), o.spec.method().id());
        if (c == 0) {
            c = Integer.compare(spec.codec().codec().id(), o.spec.codec().codec().id());
        }
        if (c == 0) {
            c = Integer.compare(spec.codec().level(), o.spec.codec().level());
        }
        if (c == 0) {
            c = Boolean.compare(trainedDictionary, o.trainedDictionary);
        }
        return c;
    }

    @Override
    public String toString() {
        return spec + (trainedDictionary ? TRAINED_SUFFIX : "");
    }
}
