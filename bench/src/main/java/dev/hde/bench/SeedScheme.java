package dev.hde.bench;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdDecompressCtx;
import dev.hde.codec.Pages;
import java.util.Arrays;

/**
 * The seed documents' algorithm, as the reference to beat: per region and transition the WHOLE new
 * region (2 MiB) XOR a fixed baseline region, compressed with zstd level 3 (a standard zstd frame
 * from a {@link ZstdCompressCtx}); after every {@code refreshEvery} deltas the current region is sent
 * instead, zstd-3 compressed, and becomes the new baseline. It has no page diff, so every region is
 * sent every transition, changed or not. Decode: decompress, then XOR with the baseline.
 *
 * <p>A frame is one type byte (0 = delta, 1 = new baseline) and the zstd frame; no header, key or
 * checksum is counted, which favours this reference slightly. The sender reads the new region
 * straight from the image (a hypervisor has it), so no copying is measured.
 */
public final class SeedScheme extends Scheme {

    public static final String NAME = "seed";
    static final byte DELTA = 0;
    static final byte BASELINE = 1;

    private final int refreshEvery;
    // Kept across passes, as a sender or receiver would keep them (and as BlockCodecs does for HDE).
    // One thread at a time: the benchmarks and the report are single-threaded.
    private final ZstdCompressCtx compressCtx = new ZstdCompressCtx();
    private final ZstdDecompressCtx decompressCtx = new ZstdDecompressCtx();

    public SeedScheme(int level, int refreshEvery) {
        this.refreshEvery = refreshEvery;
        compressCtx.setLevel(level);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Sender sender(Dataset d) {
        int[] baseImage = new int[d.regions]; // the image whose region is the baseline
        int[] deltas = new int[d.regions];
        int maxRegion = d.regionPages * d.pageSize;
        byte[] xor = new byte[maxRegion];
        byte[] buf = new byte[1 + (int) Zstd.compressBound(maxRegion)];
        ZstdCompressCtx ctx = compressCtx;
        return out -> {
            long wire = 0;
            for (int t = 1; t <= d.transitions(); t++) {
                byte[] image = d.images[t];
                for (int r = 0; r < d.regions; r++) {
                    int off = d.offset(r, 0);
                    int len = d.regionBytes(r);
                    int n;
                    if (deltas[r] == refreshEvery) {
                        buf[0] = BASELINE;
                        n = ctx.compressByteArray(buf, 1, buf.length - 1, image, off, len);
                        baseImage[r] = t;
                        deltas[r] = 0;
                    } else {
                        Pages.xor(d.images[baseImage[r]], off, image, off, xor, 0, len);
                        buf[0] = DELTA;
                        n = ctx.compressByteArray(buf, 1, buf.length - 1, xor, 0, len);
                        deltas[r]++;
                    }
                    byte[] frame = Arrays.copyOf(buf, 1 + n);
                    wire += frame.length;
                    if (out != null) {
                        out[t - 1][r] = frame;
                    }
                }
            }
            return wire;
        };
    }

    @Override
    public Receiver receiver(Dataset d) {
        byte[][] baseline = new byte[d.regions][];
        byte[][] current = new byte[d.regions][];
        for (int r = 0; r < d.regions; r++) {
            int off = d.offset(r, 0);
            baseline[r] = Arrays.copyOfRange(d.images[0], off, off + d.regionBytes(r));
            current[r] = baseline[r].clone();
        }
        byte[] scratch = new byte[d.regionPages * d.pageSize];
        ZstdDecompressCtx ctx = decompressCtx;
        return new Receiver() {
            @Override
            public long decodeAll(byte[][][] frames) {
                long sink = 0;
                for (byte[][] transition : frames) {
                    for (int r = 0; r < d.regions; r++) {
                        byte[] frame = transition[r];
                        int len = current[r].length;
                        if (frame[0] == BASELINE) {
                            check(ctx.decompressByteArray(baseline[r], 0, len, frame, 1, frame.length - 1), len);
                            System.arraycopy(baseline[r], 0, current[r], 0, len);
                        } else {
                            check(ctx.decompressByteArray(scratch, 0, len, frame, 1, frame.length - 1), len);
                            Pages.xor(baseline[r], 0, scratch, 0, current[r], 0, len);
                        }
                        sink += current[r][len - 1];
                    }
                }
                return sink;
            }

            @Override
            public String verify(byte[][][] frames) {
                byte[] last = d.images[d.images.length - 1];
                for (int r = 0; r < d.regions; r++) {
                    int off = d.offset(r, 0);
                    if (!Arrays.equals(current[r], 0, current[r].length, last, off, off + current[r].length)) {
                        return "seed: region " + r + " differs from the last image";
                    }
                }
                return null;
            }
        };
    }

    private static void check(int n, int len) {
        if (n != len) {
            throw new IllegalStateException("seed: decompressed " + n + " bytes, expected " + len);
        }
    }
}
