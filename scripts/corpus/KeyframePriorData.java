import dev.hde.codec.region.*;
import dev.hde.codec.select.*;
import java.nio.file.*;
import java.util.*;

/**
 * The data the raw-content prior was fitted on (docs/selector.md, "The raw-content prior"): every
 * region of images 000 and 007 of each trace as a keyframe, its features, and what raw+zstd-3 and
 * raw+lz4 (and raw+zstd-1) frames of it really take against what the prior predicts. CSV on stdout, for
 * fit-raw-prior.py.
 *
 * <p>Usage: {@code java -Xmx8g -cp job/target/hde.jar scripts/corpus/KeyframePriorData.java CORPUS_DIR TRACE...}
 * (e.g. {@code /work/corpus redis postgres jvm qemu}).
 */
public class KeyframePriorData {
    public static void main(String[] a) throws Exception {
        int P = 4096, R = 512;
        System.out.println("trace,image,region,pages,H,rep,zero,prior3,actual3,priorlz4,actuallz4,prior1,actual1");
        for (String t : Arrays.copyOfRange(a, 1, a.length)) {
            for (String img : new String[] {"000.bin", "007.bin"}) {
                byte[] b = Files.readAllBytes(Path.of(a[0], t, img));
                for (int r0 = 0, k = 0; r0 < b.length / P; r0 += R, k++) {
                    int n = Math.min(R, b.length / P - r0);
                    int[] ind = new int[n]; byte[][] pg = new byte[n][];
                    for (int i = 0; i < n; i++) { ind[i] = i; pg[i] = Arrays.copyOfRange(b, (r0 + i) * P, (r0 + i + 1) * P); }
                    PendingFrame f = RegionEncoder.full(null, 12, new HeapPageStore(), new PageUpdate(n, ind, pg));
                    if (f.count() < 8) continue;
                    DataFeatures df = DataFeatures.of(f);
                    EncodeChoice z3 = EncodeChoice.parse("raw+zstd-3"), l4 = EncodeChoice.parse("raw+lz4"), z1 = EncodeChoice.parse("raw+zstd-1");
                    double a3 = RegionEncoder.render(new FrameInfo("k", 1, 1), f, z3.spec()).length / (double) df.bytes();
                    double al = RegionEncoder.render(new FrameInfo("k", 1, 1), f, l4.spec()).length / (double) df.bytes();
                    double a1 = RegionEncoder.render(new FrameInfo("k", 1, 1), f, z1.spec()).length / (double) df.bytes();
                    System.out.printf(Locale.ROOT, "%s,%s,%d,%d,%.3f,%.3f,%.3f,%.4f,%.4f,%.4f,%.4f,%.4f,%.4f%n", t, img, k, f.count(), df.entropyBits(), df.repeatShare(), df.zeroFraction(),
                        CostModel.prior(z3, df).ratio(), a3, CostModel.prior(l4, df).ratio(), al, CostModel.prior(z1, df).ratio(), a1);
                }
            }
        }
    }
}
