import dev.hde.codec.region.*;
import dev.hde.codec.select.*;
import java.nio.file.*;
import dev.hde.codec.trace.ImageEvents;
import java.util.*;

/**
 * The data the delta-stream factors of LZ4 and of zstd level 1 were fitted on (docs/selector.md, "LZ4 on
 * delta streams" and "zstd level 1 on delta streams"): per trace, every delta frame (2 MiB regions, each
 * transition) rendered as xbzrle+lz4, xbzrle+zstd-3 and xbzrle+zstd-1, their priors summed, and the
 * priors of LZ4 and zstd-1 recomputed with other factors m on the XBZRLE part ({@code CostModel.xbzrlePart}).
 * "rel" is the codec's Σ prior ÷ Σ actual over zstd-3's: 1 when the
 * priors compare the two codecs as the frames do.
 *
 * <p>Usage: {@code java -Xmx8g -cp job/target/hde.jar scripts/corpus/DeltaCodecFit.java CORPUS_DIR TRACE...}
 * (e.g. {@code /work/corpus redis postgres qemu jvm}). The factors' lines in the prior must say what the
 * run starts from: the script adds the difference from the shipped factors below.
 */
public class DeltaCodecFit {
    /** {@code CostModel.LZ4_DELTA_FACTOR}, which the priors summed here were computed with. */
    static final double SHIPPED = 1.8;
    /** {@code CostModel.ZSTD1_DELTA_FACTOR}, likewise. */
    static final double SHIPPED_ZSTD1 = 1.08;

    static double scaled(double q, double m) { return CostModel.scaled(q, m); }
    public static void main(String[] a) throws Exception {
        for (String t : Arrays.copyOfRange(a, 1, a.length)) {
            List<Path> imgs = new ArrayList<>();
            try (var s = Files.list(Path.of(a[0], t))) { s.filter(p -> p.toString().endsWith(".bin")).sorted().forEach(imgs::add); }
            double[] sums = new double[5]; // actual lz4, zstd-3, zstd-1; prior zstd-3, zstd-1
            double[] pL = new double[MS.length];
            double[] pZ1 = new double[MS1.length];
            int[] frames = {0};
            // The images as the producer's events (the class hde trace and the replay read them through), each region's
            // reference image kept as the encoder keeps it.
            ImageEvents events = new ImageEvents(new ImageEvents.Settings(12, 512, t));
            Map<String, HeapPageStore> references = new HashMap<>();
            for (Path img : imgs) {
                boolean first = events.images() == 0;
                events.next(Files.readAllBytes(img), e -> {
                    HeapPageStore ref = references.computeIfAbsent(e.stateKey(), k -> new HeapPageStore());
                    RegionMeta meta = new RegionMeta(12, e.regionPages(), 1, 0, 0);
                    PendingFrame f = first ? RegionEncoder.full(meta, 12, ref, e.toPageUpdate()) : RegionEncoder.delta(meta, ref, e.toPageUpdate());
                    if (!first) {
                        measure(f, sums, pL, pZ1);
                        frames[0]++;
                    }
                    RegionEncoder.commit(f, ref);
                });
            }
            double aL = sums[0], a3 = sums[1], a1 = sums[2], p3 = sums[3], p1 = sums[4];
            StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%s frames %d actual lz4/z3 %.3f lz4/z1 %.3f | prior z3/actual %.3f z1/actual %.3f | lz4 prior/actual by m:", t, frames[0], aL / a3, aL / a1, p3 / a3, p1 / a1));
            for (int i = 0; i < MS.length; i++) sb.append(String.format(Locale.ROOT, " %.2f:%.3f(rel %.3f)", MS[i], pL[i] / aL, (pL[i] / aL) / (p3 / a3)));
            System.out.println(sb);
            StringBuilder z1 = new StringBuilder(t + " | zstd-1 prior/actual by m:");
            for (int i = 0; i < MS1.length; i++) z1.append(String.format(Locale.ROOT, " %.3f:%.3f(rel %.3f)", MS1[i], pZ1[i] / a1, (pZ1[i] / a1) / (p3 / a3)));
            System.out.println(z1);
        }
    }

    static final double[] MS = {1.25, 1.4, 1.5, 1.6, 1.7, 1.8, 1.9, 2.0, 2.2, 2.4, 2.7, 3.0};
    static final double[] MS1 = {1.04, 1.06, 1.08, 1.10, 1.12, 1.14, 1.16, 1.20};
    static final EncodeChoice LZ4 = EncodeChoice.parse("xbzrle+lz4"), Z3 = EncodeChoice.parse("xbzrle+zstd-3"), Z1 = EncodeChoice.parse("xbzrle+zstd-1");

    /** Adds one delta frame's rendered and predicted bytes to {@code sums}, LZ4's prior at each factor to {@code pL} and zstd-1's to {@code p1}. */
    static void measure(PendingFrame f, double[] sums, double[] pL, double[] p1) {
        DataFeatures df = DataFeatures.of(f);
        sums[0] += RegionEncoder.render(new FrameInfo("k", 1, 1), f, LZ4.spec()).length;
        sums[1] += RegionEncoder.render(new FrameInfo("k", 1, 1), f, Z3.spec()).length;
        sums[2] += RegionEncoder.render(new FrameInfo("k", 1, 1), f, Z1.spec()).length;
        double bytes = Math.max(4096.0, df.bytes());
        sums[3] += CostModel.prior(Z3, df).ratio() * bytes;
        sums[4] += CostModel.prior(Z1, df).ratio() * bytes;
        double base = CostModel.prior(LZ4, df).ratio() * bytes;
        // CostModel.prior's XBZRLE part, whose codec share the factor scales.
        CostModel.XbzrlePart part = CostModel.xbzrlePart(df);
        double xp = part.bytes();
        double qd = part.zstd3Share();
        double runs = df.runStartShare();
        for (int i = 0; i < MS.length; i++) {
            pL[i] += base + xp * (scaled(qd, MS[i]) - scaled(qd, SHIPPED));
        }
        double base1 = CostModel.prior(Z1, df).ratio() * bytes;
        double r = Math.max(0.0, Math.min(1.0, runs / 0.45));
        for (int i = 0; i < MS1.length; i++) {
            p1[i] += base1 + xp * (scaled(qd, MS1[i] - 0.03 * r) - scaled(qd, SHIPPED_ZSTD1 - 0.03 * r));
        }
    }
}
