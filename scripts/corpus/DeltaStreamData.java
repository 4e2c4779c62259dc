import dev.hde.codec.region.*;
import dev.hde.codec.select.*;
import dev.hde.codec.trace.ImageEvents;
import java.nio.file.*;
import java.util.*;

/**
 * Every delta frame of each trace (2 MiB regions, each transition) as CSV: its features, the prior's
 * XBZRLE part ({@code xp}) and zstd-3 share of it ({@code qd0}; both {@code CostModel.xbzrlePart}), and the priors and rendered bytes of xbzrle+zstd-3, xbzrle+none, xbzrle+zstd-1 and xbzrle+lz4.
 * {@code fit-stream-slope.py} reads it (docs/selector.md, "a flatter run-start slope").
 *
 * <p>Usage: {@code java -Xmx8g -cp job/target/hde.jar scripts/corpus/DeltaStreamData.java CORPUS_DIR TRACE... > delta.csv}
 */
public class DeltaStreamData {
    public static void main(String[] a) throws Exception {
        EncodeChoice z3 = EncodeChoice.parse("xbzrle+zstd-3"), z1 = EncodeChoice.parse("xbzrle+zstd-1"), xn = EncodeChoice.parse("xbzrle+none"), lz = EncodeChoice.parse("xbzrle+lz4");
        System.out.println("trace,kind,bytes,pages,h,qh,c,r,new,rep,xp,qd0,prior3,actual3,actualnone,prior1,actual1,priorlz4,actuallz4");
        for (String t : Arrays.copyOfRange(a, 1, a.length)) {
            List<Path> imgs = new ArrayList<>();
            try (var s = Files.list(Path.of(a[0], t))) { s.filter(p -> p.toString().endsWith(".bin")).sorted().forEach(imgs::add); }
            ImageEvents events = new ImageEvents(new ImageEvents.Settings(12, 512, t));
            Map<String, HeapPageStore> refs = new HashMap<>();
            for (Path img : imgs) {
                boolean first = events.images() == 0;
                events.next(Files.readAllBytes(img), e -> {
                    HeapPageStore ref = refs.computeIfAbsent(e.stateKey(), k -> new HeapPageStore());
                    RegionMeta meta = new RegionMeta(12, e.regionPages(), 1, 0, 0);
                    PendingFrame f = first ? RegionEncoder.full(meta, 12, ref, e.toPageUpdate()) : RegionEncoder.delta(meta, ref, e.toPageUpdate());
                    if (!first) {
                        DataFeatures df = DataFeatures.of(f);
                        double bytes = Math.max(4096.0, df.bytes());
                        double h = Math.max(0.0, Math.min(8.0, df.entropyBits()));
                        double qh = CostModel.zstd3ShareByEntropy(h);
                        double newShare = Math.max(0.0, Math.min(1.0, df.newShare()));
                        double changed = Math.max(0.0, Math.min(1.0, df.changedShare()));
                        double runs = df.runStartShare();
                        CostModel.XbzrlePart part = CostModel.xbzrlePart(df);
                        double xp = part.bytes();
                        double qd = part.zstd3Share();
                        FrameInfo fi = new FrameInfo("k", 1, 1);
                        System.out.printf(Locale.ROOT, "%s,%d,%d,%d,%.3f,%.4f,%.5f,%.4f,%.4f,%.4f,%.1f,%.5f,%.1f,%d,%d,%.1f,%d,%.1f,%d%n", t, df.kind(), df.bytes(), df.pages(), h, qh, changed, runs, newShare, df.repeatShare(), xp, qd,
                                CostModel.prior(z3, df).ratio() * bytes, RegionEncoder.render(fi, f, z3.spec()).length, RegionEncoder.render(fi, f, xn.spec()).length,
                                CostModel.prior(z1, df).ratio() * bytes, RegionEncoder.render(fi, f, z1.spec()).length,
                                CostModel.prior(lz, df).ratio() * bytes, RegionEncoder.render(fi, f, lz.spec()).length);
                    }
                    RegionEncoder.commit(f, ref);
                });
            }
        }
    }
}
