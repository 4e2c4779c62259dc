import dev.hde.codec.region.*;
import dev.hde.codec.select.*;
import java.nio.file.*;
import java.util.*;

/**
 * What SPLIT saves against XBZRLE under the same codec, frame by frame (docs/selector.md, "SPLIT's
 * saving"): for every region that changed in every transition of each trace, the delta frame's
 * features and its bytes as xbzrle+zstd-3 and split+zstd-3, as CSV on stdout. {@code
 * split-saving.py} fits the prior's saving on it, each trace held out.
 *
 * <p>Usage: {@code java -Xmx8g -cp job/target/hde.jar scripts/corpus/SplitSavingData.java CORPUS_DIR TRACE...}
 */
public class SplitSavingData {
    public static void main(String[] a) throws Exception {
        int P = 4096, R = 512;
        EncodeChoice x3 = EncodeChoice.parse("xbzrle+zstd-3"), s3 = EncodeChoice.parse("split+zstd-3");
        System.out.println("trace,transition,region,pages,bytes,entropy,changed,new,runs,repeat,moved,xbzrle_zstd3,split_zstd3,prior_xbzrle_zstd3,prior_split_zstd3");
        for (int ti = 1; ti < a.length; ti++) {
            Path dir = Path.of(a[0], a[ti]);
            List<Path> imgs = new ArrayList<>();
            try (var s = Files.list(dir)) { s.filter(p -> p.toString().endsWith(".bin")).sorted().forEach(imgs::add); }
            byte[] prev = Files.readAllBytes(imgs.get(0));
            for (int t = 1; t < imgs.size(); t++) {
                byte[] cur = Files.readAllBytes(imgs.get(t));
                int pages = cur.length / P;
                for (int r0 = 0, k = 0; r0 < pages; r0 += R, k++) {
                    int n = Math.min(R, pages - r0);
                    List<Integer> idx = new ArrayList<>();
                    for (int p = 0; p < n; p++) { int o = (r0 + p) * P; if (!Arrays.equals(prev, o, o + P, cur, o, o + P)) idx.add(p); }
                    if (idx.isEmpty()) continue;
                    HeapPageStore ref = new HeapPageStore();
                    for (int p = 0; p < n; p++) { int o = (r0 + p) * P; boolean z = true; for (int i = o; i < o + P; i++) if (prev[i] != 0) { z = false; break; } if (!z) ref.put(p, Arrays.copyOfRange(prev, o, o + P)); }
                    int[] ind = idx.stream().mapToInt(Integer::intValue).toArray();
                    byte[][] pg = new byte[ind.length][];
                    for (int i = 0; i < ind.length; i++) pg[i] = Arrays.copyOfRange(cur, (r0 + ind[i]) * P, (r0 + ind[i]) * P + P);
                    PendingFrame f = RegionEncoder.delta(new RegionMeta(12, n, 1, 0, 0), ref, new PageUpdate(n, ind, pg));
                    DataFeatures df = DataFeatures.of(f);
                    FrameInfo info = new FrameInfo("k", 1, 1);
                    int bx = RegionEncoder.render(info, f, x3.spec()).length, bs = RegionEncoder.render(info, f, s3.spec()).length;
                    System.out.printf(Locale.ROOT, "%s,%d,%d,%d,%d,%.4f,%.5f,%.4f,%.4f,%.4f,%.4f,%d,%d,%.1f,%.1f%n", a[ti], t, k, f.count(), df.bytes(),
                            df.entropyBits(), df.changedShare(), df.newShare(), df.runStartShare(), df.repeatShare(), df.movedShare(), bx, bs,
                            CostModel.prior(x3, df).ratio() * df.bytes(), CostModel.prior(s3, df).ratio() * df.bytes());
                }
                prev = cur;
            }
        }
    }
}
