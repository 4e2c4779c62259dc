package dev.hde.bench;

import dev.hde.codec.block.BlockCodecs;
import dev.hde.codec.block.CodecSpec;
import dev.hde.codec.wire.WireWriter;
import java.util.Arrays;

/**
 * The speed ceiling: a block codec alone on the same bytes, i.e. the changed pages of each region
 * and transition laid end to end (prepared in advance, so only the codec is measured), compressed
 * with {@link BlockCodecs} exactly as HDE frames use it. No page table, digest or header: the
 * receiver gets the new pages but could not place them, so this is a bound, not a protocol.
 * Decode decompresses into a buffer and stops there.
 */
public final class PlainScheme extends Scheme {

    public static final String PREFIX = "plain-";
    public static final String LZ4 = "plain-lz4";
    public static final String ZSTD_1 = "plain-zstd-1";

    private final CodecSpec codec;

    public PlainScheme(CodecSpec codec) {
        this.codec = codec;
    }

    @Override
    public String name() {
        return PREFIX + codec;
    }

    @Override
    public Sender sender(Dataset d) {
        WireWriter w = new WireWriter(2 * d.regionPages * d.pageSize + 64);
        return out -> {
            long wire = 0;
            for (int t = 0; t < d.transitions(); t++) {
                for (int r = 0; r < d.regions; r++) {
                    byte[] src = d.changedConcat[t][r];
                    if (src == null) {
                        continue;
                    }
                    w.rewind(0);
                    BlockCodecs.compress(codec, src, 0, src.length, null, w);
                    byte[] frame = w.toByteArray();
                    wire += frame.length;
                    if (out != null) {
                        out[t][r] = frame;
                    }
                }
            }
            return wire;
        };
    }

    @Override
    public Receiver receiver(Dataset d) {
        byte[] buf = new byte[d.regionPages * d.pageSize];
        return new Receiver() {
            @Override
            public long decodeAll(byte[][][] frames) {
                long sink = 0;
                for (int t = 0; t < frames.length; t++) {
                    for (int r = 0; r < d.regions; r++) {
                        byte[] frame = frames[t][r];
                        if (frame != null) {
                            int len = d.changedConcat[t][r].length; // a real protocol would carry it
                            BlockCodecs.decompress(codec.codec(), frame, 0, frame.length, buf, 0, len, null);
                            sink += buf[len - 1];
                        }
                    }
                }
                return sink;
            }

            @Override
            public String verify(byte[][][] frames) {
                for (int t = 0; t < frames.length; t++) {
                    for (int r = 0; r < d.regions; r++) {
                        byte[] frame = frames[t][r];
                        byte[] want = d.changedConcat[t][r];
                        if ((frame == null) != (want == null)) {
                            return name() + ": frame " + t + "/" + r + " missing or extra";
                        }
                        if (frame != null) {
                            BlockCodecs.decompress(codec.codec(), frame, 0, frame.length, buf, 0, want.length, null);
                            if (!Arrays.equals(buf, 0, want.length, want, 0, want.length)) {
                                return name() + ": frame " + t + "/" + r + " decodes to other bytes";
                            }
                        }
                    }
                }
                return null;
            }
        };
    }
}
