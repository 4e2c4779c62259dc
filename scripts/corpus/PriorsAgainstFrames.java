import dev.hde.codec.region.*;
import dev.hde.codec.select.*;
import dev.hde.codec.wire.*;
import java.nio.file.*;
import java.util.*;

/**
 * The selector's priors against the frames they predict (docs/selector.md, "On the real-memory
 * corpus"): for each region that changed in the first transitions of a trace, the delta frame's
 * features, and per choice the prior's ratio, encode ns per page byte and cost on the link against
 * the rendered frame's ratio and the speed table's times for it ({@code prior/actual}).
 *
 * <p>Usage: {@code java -Xmx6g -cp job/target/hde.jar scripts/corpus/PriorsAgainstFrames.java DIR
 * DATACENTER|INTERNET|HYBRID CHOICE[,CHOICE...] TRANSITIONS}
 */
public class PriorsAgainstFrames {
    public static void main(String[] a) throws Exception {
        Path dir = Path.of(a[0]);
        int P = 4096, R = 512;
        List<Path> imgs = new ArrayList<>();
        try (var s = Files.list(dir)) { s.filter(p -> p.toString().endsWith(".bin")).sorted().forEach(imgs::add); }
        Link link = NetworkMode.valueOf(a[1]).link();
        String[] cs = a[2].split(",");
        byte[] prev = Files.readAllBytes(imgs.get(0));
        int transitions = Integer.parseInt(a[3]);
        for (int t = 1; t <= transitions; t++) {
            byte[] cur = Files.readAllBytes(imgs.get(t));
            int pages = cur.length / P;
            for (int r0 = 0, k = 0; r0 < pages; r0 += R, k++) {
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
                StringBuilder sb = new StringBuilder(String.format("t%d r%02d pages %3d H %.2f ch %.3f new %.2f run %.2f rep %.2f mv %.2f |", t, k, f.count(), df.entropyBits(), df.changedShare(), df.newShare(), df.runStartShare(), df.repeatShare(), df.movedShare()));
                for (String c : cs) {
                    EncodeChoice ch = EncodeChoice.parse(c);
                    CostModel.Estimate e = CostModel.prior(ch, df);
                    byte[] frame = RegionEncoder.render(new FrameInfo("k", 1, 1), f, ch.spec());
                    FrameHeader h = FrameFormat.parse(frame, dev.hde.codec.Limits.DEFAULT).header();
                    double[] tm = ModelledSpeeds.CALIBRATED.time(ch, h, df.bytes(), f.changedBytes());
                    double actual = (tm[0] + tm[1]) / df.bytes() + frame.length / (double) df.bytes() * link.nanosPerByte();
                    sb.append(String.format(" %s r %.3f/%.3f enc %.1f/%.1f cost %.1f/%.1f |", c, e.ratio(), frame.length / (double) df.bytes(), e.encodeNanosPerByte(), tm[0] / df.bytes(), e.costNanosPerByte(link), actual));
                }
                System.out.println(sb);
            }
            prev = cur;
        }
    }
}
