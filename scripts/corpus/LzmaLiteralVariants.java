import dev.hde.codec.delta.SplitRuns;
import dev.hde.codec.wire.WireWriter;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.*;
import org.tukaani.xz.*;

/**
 * LZMA's literal coding beyond the two {@code LzmaBlocks} tries (docs/benchmarks.md, "LZMA's literal coding
 * on whole pages"): every region that changed in transitions T0..T1 of a trace, its SPLIT block and its DICT
 * block coded at PRESET with each lc/lp/pb of {@link #V}; for each, its bytes against xz's default and what
 * `max` (the smaller of SPLIT with the default and DICT with the smaller of default and aligned, per block)
 * would send if that coding were tried as well.
 *
 * <p>Usage: {@code java -Xmx8g -cp job/target/hde.jar scripts/corpus/LzmaLiteralVariants.java DIR T0 T1 PRESET}
 */
public class LzmaLiteralVariants {
    static final int[][] V = {{3,0,2},{0,3,3},{0,2,2},{1,3,3},{0,0,0},{1,0,0},{4,0,0},{2,2,2},{0,3,0},{1,2,2},{0,1,1},{3,1,1},{2,0,0}};
    static long lzma(byte[] data, int len, byte[] dict, int[] v, int preset) throws Exception {
        LZMA2Options o = new LZMA2Options(preset);
        o.setLcLp(v[0], v[1]); o.setPb(v[2]);
        if (preset == 9) { o.setNiceLen(LZMA2Options.NICE_LEN_MAX); o.setDepthLimit(512); }
        o.setDictSize((int) Math.max(4096, Math.min((long) len + (dict == null ? 0 : dict.length), 1 << 30)));
        if (dict != null) o.setPresetDict(dict);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        FinishableOutputStream out = o.getOutputStream(new FinishableWrapperOutputStream(bytes));
        out.write(data, 0, len); out.finish();
        return bytes.size();
    }
    public static void main(String[] a) throws Exception {
        Path dir = Path.of(a[0]);
        int t0 = Integer.parseInt(a[1]), t1 = Integer.parseInt(a[2]);
        int preset = Integer.parseInt(a[3]);
        int P = 4096, R = 512;
        List<Path> images = new ArrayList<>();
        try (var s = Files.list(dir)) { s.filter(p -> p.toString().endsWith(".bin")).sorted().forEach(images::add); }
        long[] split = new long[V.length], dictv = new long[V.length];
        long maxNow = 0, splitNow=0, dictNow=0; long[] maxWithS = new long[V.length], maxWithD = new long[V.length];
        long bestAllSplit=0, bestAllDict=0, maxBestAll=0;
        byte[] prev = Files.readAllBytes(images.get(t0 - 1));
        for (int t = t0; t <= t1; t++) {
            byte[] cur = Files.readAllBytes(images.get(t));
            for (int r0 = 0; r0 < cur.length / P; r0 += R) {
                int n = Math.min(R, cur.length / P - r0);
                List<Integer> changed = new ArrayList<>();
                for (int p = 0; p < n; p++) { int o = (r0 + p) * P; if (!Arrays.equals(prev, o, o + P, cur, o, o + P)) changed.add(p); }
                if (changed.isEmpty()) continue;
                byte[][] olds = new byte[changed.size()][]; byte[][] news = new byte[changed.size()][];
                ByteArrayOutputStream dictData = new ByteArrayOutputStream(); ByteArrayOutputStream oldPages = new ByteArrayOutputStream();
                for (int k = 0; k < changed.size(); k++) dictData.write(1);
                for (int k = 0; k < changed.size(); k++) { int o = (r0 + changed.get(k)) * P; olds[k] = Arrays.copyOfRange(prev, o, o + P); news[k] = Arrays.copyOfRange(cur, o, o + P); dictData.write(news[k]); oldPages.write(olds[k]); }
                WireWriter sw = new WireWriter(1 << 16);
                SplitRuns.writeBlock(olds, news, changed.size(), P, sw);
                byte[] data = dictData.toByteArray(); byte[] dict = oldPages.toByteArray();
                long[] s = new long[V.length], d = new long[V.length];
                for (int i = 0; i < V.length; i++) { s[i] = lzma(sw.buffer(), sw.position(), null, V[i], preset); d[i] = lzma(data, data.length, dict, V[i], preset); split[i]+=s[i]; dictv[i]+=d[i]; }
                long sNow = s[0], dNow = Math.min(d[0], d[1]);
                maxNow += Math.min(sNow, dNow); splitNow += (sNow <= dNow ? 1 : 0); dictNow += (sNow <= dNow ? 0 : 1);
                long sb = Long.MAX_VALUE, db = Long.MAX_VALUE;
                for (int i = 0; i < V.length; i++) { maxWithS[i] += Math.min(Math.min(sNow, s[i]), dNow); maxWithD[i] += Math.min(sNow, Math.min(dNow, d[i])); sb = Math.min(sb, s[i]); db = Math.min(db, d[i]); }
                bestAllSplit += sb; bestAllDict += db; maxBestAll += Math.min(sb, db);
            }
            prev = cur;
        }
        System.out.printf("%s t%d-%d preset %d: max now %,d (blocks split %d dict %d); all-variant best split %,d dict %,d max %,d (%.4f)%n", dir.getFileName(), t0, t1, preset, maxNow, splitNow, dictNow, bestAllSplit, bestAllDict, maxBestAll, (double) maxBestAll / maxNow);
        for (int i = 0; i < V.length; i++) System.out.printf("  lc%d lp%d pb%d: SPLIT %,d (%.4f) DICT %,d (%.4f) | max adding it to SPLIT %.4f, to DICT %.4f%n", V[i][0], V[i][1], V[i][2], split[i], (double) split[i]/split[0], dictv[i], (double) dictv[i]/dictv[0], (double) maxWithS[i]/maxNow, (double) maxWithD[i]/maxNow);
    }
}
