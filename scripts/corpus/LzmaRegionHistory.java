import java.io.ByteArrayOutputStream;
import java.nio.file.*;
import java.util.*;
import org.tukaani.xz.*;

/**
 * DICT with LZMA and a longer history (docs/benchmarks.md, "LZMA's literal coding on whole pages"): every
 * region that changed in transitions T0..T1, its DICT block coded at PRESET (the smaller of xz's default and
 * word-aligned literal coding, as {@code LzmaBlocks} does) against the old content of the listed pages (what
 * DICT sends today) and against the region's whole old content (its unlisted non-zero pages first, the listed
 * pages' old content last, nearest the data), with the time each took.
 *
 * <p>Usage: {@code java -Xmx8g -cp job/target/hde.jar scripts/corpus/LzmaRegionHistory.java DIR T0 T1 PRESET}
 */
public class LzmaRegionHistory {
    static long lzma(byte[] data, byte[] dict, int preset, boolean aligned) throws Exception {
        LZMA2Options o = new LZMA2Options(preset);
        if (preset == 9) { o.setNiceLen(LZMA2Options.NICE_LEN_MAX); o.setDepthLimit(512); }
        if (aligned) { o.setLcLp(0, 3); o.setPb(3); }
        o.setDictSize((int) Math.max(4096, Math.min((long) data.length + (dict == null ? 0 : dict.length), 1 << 30)));
        if (dict != null && dict.length > 0) o.setPresetDict(dict);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        FinishableOutputStream out = o.getOutputStream(new FinishableWrapperOutputStream(bytes));
        out.write(data, 0, data.length); out.finish();
        return bytes.size();
    }
    static boolean zero(byte[] a, int o, int n) { for (int i = 0; i < n; i++) if (a[o + i] != 0) return false; return true; }
    public static void main(String[] a) throws Exception {
        Path dir = Path.of(a[0]); int t0 = Integer.parseInt(a[1]), t1 = Integer.parseInt(a[2]); int preset = Integer.parseInt(a[3]);
        int P = 4096, R = 512;
        List<Path> images = new ArrayList<>();
        try (var s = Files.list(dir)) { s.filter(p -> p.toString().endsWith(".bin")).sorted().forEach(images::add); }
        long listed = 0, region = 0, best = 0; long ms0 = 0, ms1 = 0; int frames = 0;
        byte[] prev = Files.readAllBytes(images.get(t0 - 1));
        for (int t = t0; t <= t1; t++) {
            byte[] cur = Files.readAllBytes(images.get(t));
            for (int r0 = 0; r0 < cur.length / P; r0 += R) {
                int n = Math.min(R, cur.length / P - r0);
                List<Integer> changed = new ArrayList<>();
                for (int p = 0; p < n; p++) { int o = (r0 + p) * P; if (!Arrays.equals(prev, o, o + P, cur, o, o + P)) changed.add(p); }
                if (changed.isEmpty()) continue;
                frames++;
                Set<Integer> ch = new HashSet<>(changed);
                ByteArrayOutputStream data = new ByteArrayOutputStream(), dictListed = new ByteArrayOutputStream(), dictRegion = new ByteArrayOutputStream();
                for (int k = 0; k < changed.size(); k++) data.write(1);
                for (int p = 0; p < n; p++) { int o = (r0 + p) * P; if (!ch.contains(p) && !zero(prev, o, P)) dictRegion.write(prev, o, P); }
                for (int p : changed) { int o = (r0 + p) * P; data.write(cur, o, P); dictListed.write(prev, o, P); dictRegion.write(prev, o, P); }
                byte[] d = data.toByteArray();
                long x0 = System.nanoTime();
                long l = Math.min(lzma(d, dictListed.toByteArray(), preset, false), lzma(d, dictListed.toByteArray(), preset, true));
                long x1 = System.nanoTime();
                long g = Math.min(lzma(d, dictRegion.toByteArray(), preset, false), lzma(d, dictRegion.toByteArray(), preset, true));
                long x2 = System.nanoTime();
                ms0 += (x1 - x0) / 1_000_000; ms1 += (x2 - x1) / 1_000_000;
                listed += l; region += g; best += Math.min(l, g);
            }
            prev = cur;
        }
        System.out.printf("%s t%d-%d lzma-%d, %d frames: DICT listed pages %,d (%d ms), whole old region %,d (%.4f; %d ms), smaller per frame %,d (%.4f)%n",
                dir.getFileName(), t0, t1, preset, frames, listed, ms0, region, (double) region / listed, ms1, best, (double) best / listed);
    }
}
