import dev.hde.codec.region.*;
import dev.hde.codec.select.*;
import java.nio.file.*;
import java.util.*;

/**
 * The data LZ4's factor on delta streams was fitted on (docs/selector.md, "LZ4 on delta streams"): per
 * trace, every delta frame (2 MiB regions, each transition) rendered as xbzrle+lz4, xbzrle+zstd-3 and
 * xbzrle+zstd-1, their priors summed, and LZ4's prior recomputed with other factors m on the XBZRLE part
 * ({@code CostModel.prior}'s formula for that part, repeated here). "rel" is LZ4's Σ prior ÷ Σ actual over
 * zstd-3's: 1 when the priors compare the two codecs as the frames do.
 *
 * <p>Usage: {@code java -Xmx8g -cp job/target/hde.jar scripts/corpus/Lz4DeltaFit.java CORPUS_DIR TRACE...}
 * (e.g. {@code /work/corpus redis postgres qemu jvm}). The factor's line in the prior must say what m the
 * run starts from: the script adds the difference from {@code CostModel.LZ4_DELTA_FACTOR}.
 */
public class Lz4DeltaFit {
    /** {@code CostModel.LZ4_DELTA_FACTOR}, which the priors summed here were computed with. */
    static final double SHIPPED = 1.8;

    static double scaled(double q, double m) { return q >= 1 ? 1 : Math.min(1.0, q * Math.pow(m, 1.0 - q)); }
    public static void main(String[] a) throws Exception {
        int P = 4096, R = 512;
        double[] ms = {1.25, 1.4, 1.5, 1.6, 1.7, 1.8, 1.9, 2.0, 2.2, 2.4, 2.7, 3.0};
        EncodeChoice lz4 = EncodeChoice.parse("xbzrle+lz4"), z3 = EncodeChoice.parse("xbzrle+zstd-3"), z1 = EncodeChoice.parse("xbzrle+zstd-1");
        for (String t : Arrays.copyOfRange(a, 1, a.length)) {
            List<Path> imgs = new ArrayList<>();
            try (var s = Files.list(Path.of(a[0], t))) { s.filter(p -> p.toString().endsWith(".bin")).sorted().forEach(imgs::add); }
            double aL = 0, a3 = 0, a1 = 0, p3 = 0, p1 = 0; double[] pL = new double[ms.length]; int frames = 0;
            byte[] prev = Files.readAllBytes(imgs.get(0));
            for (int ti = 1; ti < imgs.size(); ti++) {
                byte[] cur = Files.readAllBytes(imgs.get(ti));
                int pages = Math.min(prev.length, cur.length) / P;
                for (int r0 = 0; r0 < pages; r0 += R) {
                    int n = Math.min(R, pages - r0);
                    HeapPageStore ref = new HeapPageStore();
                    for (int p = 0; p < n; p++) { int o = (r0 + p) * P; boolean z = true; for (int i = o; i < o + P; i++) if (prev[i] != 0) { z = false; break; } if (!z) ref.put(p, Arrays.copyOfRange(prev, o, o + P)); }
                    List<Integer> idx = new ArrayList<>();
                    for (int p = 0; p < n; p++) { int o = (r0 + p) * P; if (!Arrays.equals(prev, o, o + P, cur, o, o + P)) idx.add(p); }
                    if (idx.isEmpty()) continue;
                    int[] ind = idx.stream().mapToInt(Integer::intValue).toArray();
                    byte[][] pg = new byte[ind.length][]; for (int i = 0; i < ind.length; i++) pg[i] = Arrays.copyOfRange(cur, (r0 + ind[i]) * P, (r0 + ind[i]) * P + P);
                    PendingFrame f = RegionEncoder.delta(new RegionMeta(12, n, 1, 0, 0), ref, new PageUpdate(n, ind, pg));
                    DataFeatures df = DataFeatures.of(f);
                    frames++;
                    aL += RegionEncoder.render(new FrameInfo("k", 1, 1), f, lz4.spec()).length;
                    a3 += RegionEncoder.render(new FrameInfo("k", 1, 1), f, z3.spec()).length;
                    a1 += RegionEncoder.render(new FrameInfo("k", 1, 1), f, z1.spec()).length;
                    double bytes = Math.max(4096.0, df.bytes());
                    p3 += CostModel.prior(z3, df).ratio() * bytes;
                    p1 += CostModel.prior(z1, df).ratio() * bytes;
                    double base = CostModel.prior(lz4, df).ratio() * bytes;
                    double pagesD = Math.max(1, df.pages());
                    double h = Math.max(0.0, Math.min(8.0, df.entropyBits()));
                    double qh = Math.min(1.0, 0.02 + 0.98 * Math.pow(h / 7.9, 2.2));
                    double newShare = Math.max(0.0, Math.min(1.0, df.newShare()));
                    double changed = Math.max(0.0, Math.min(1.0, df.changedShare()));
                    double runs = df.runStartShare();
                    double oldBytes = bytes - bytes * newShare;
                    double perOldPage = Math.min(4097, 5 + 4096 * changed * (1 + 2.1 * runs));
                    double xp = pagesD + oldBytes / 4096 * perOldPage;
                    double qd = 1.0 - (1.0 - Math.min(1.0, 0.38 + 0.49 * runs)) * Math.min(1.0, (1.0 - qh) / 0.5);
                    for (int i = 0; i < ms.length; i++) pL[i] += base + xp * (scaled(qd, ms[i]) - scaled(qd, SHIPPED));
                }
                prev = cur;
            }
            StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%s frames %d actual lz4/z3 %.3f lz4/z1 %.3f | prior z3/actual %.3f z1/actual %.3f | lz4 prior/actual by m:", t, frames, aL / a3, aL / a1, p3 / a3, p1 / a1));
            for (int i = 0; i < ms.length; i++) sb.append(String.format(Locale.ROOT, " %.2f:%.3f(rel %.3f)", ms[i], pL[i] / aL, (pL[i] / aL) / (p3 / a3)));
            System.out.println(sb);
        }
    }
}
