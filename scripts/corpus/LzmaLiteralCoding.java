import dev.hde.codec.delta.SplitRuns;
import dev.hde.codec.wire.WireWriter;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.tukaani.xz.FinishableOutputStream;
import org.tukaani.xz.FinishableWrapperOutputStream;
import org.tukaani.xz.LZMA2Options;

/**
 * LZMA's literal coding on the corpus' delta frames (docs/benchmarks.md, "LZMA's literal coding on whole
 * pages"): every region that changed in the first TRANSITIONS transitions of a trace, its SPLIT block and
 * its DICT block (one op byte per page, then the new pages, against the old pages as preset dictionary),
 * coded at PRESET with xz's default literal coding (lc=3 lp=0 pb=2) and word-aligned (lc=0 lp=3 pb=3);
 * and, for DICT, the smaller of the two per block (what {@code LzmaBlocks} sends from preset 6 on) and
 * what a cheaper choice, a preset-0 trial on the block's first 256 KiB, would send.
 *
 * <p>Usage: {@code java -Xmx8g -cp job/target/hde.jar scripts/corpus/LzmaLiteralCoding.java DIR TRANSITIONS PRESET}
 */
public class LzmaLiteralCoding {
    static final int TRIAL = 256 * 1024;

    static long lzma(byte[] data, int len, byte[] dict, boolean aligned, int preset) throws Exception {
        LZMA2Options o = new LZMA2Options(preset);
        if (aligned) {
            o.setLcLp(0, 3);
            o.setPb(3);
        }
        o.setDictSize((int) Math.max(4096, Math.min((long) len + (dict == null ? 0 : dict.length), 1 << 30)));
        if (dict != null) {
            o.setPresetDict(dict);
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        FinishableOutputStream out = o.getOutputStream(new FinishableWrapperOutputStream(bytes));
        out.write(data, 0, len);
        out.finish();
        return bytes.size();
    }

    public static void main(String[] a) throws Exception {
        Path dir = Path.of(a[0]);
        int transitions = Integer.parseInt(a[1]);
        int preset = Integer.parseInt(a[2]);
        int P = 4096, R = 512;
        List<Path> images = new ArrayList<>();
        try (var s = Files.list(dir)) {
            s.filter(p -> p.toString().endsWith(".bin")).sorted().forEach(images::add);
        }
        long splitPlain = 0, splitAligned = 0, dictPlain = 0, dictAligned = 0, dictBest = 0, dictTrial = 0;
        byte[] prev = Files.readAllBytes(images.get(0));
        for (int t = 1; t <= transitions; t++) {
            byte[] cur = Files.readAllBytes(images.get(t));
            for (int r0 = 0; r0 < cur.length / P; r0 += R) {
                int n = Math.min(R, cur.length / P - r0);
                List<Integer> changed = new ArrayList<>();
                for (int p = 0; p < n; p++) {
                    int o = (r0 + p) * P;
                    if (!Arrays.equals(prev, o, o + P, cur, o, o + P)) {
                        changed.add(p);
                    }
                }
                if (changed.isEmpty()) {
                    continue;
                }
                byte[][] olds = new byte[changed.size()][];
                byte[][] news = new byte[changed.size()][];
                ByteArrayOutputStream dictData = new ByteArrayOutputStream();
                ByteArrayOutputStream oldPages = new ByteArrayOutputStream();
                for (int k = 0; k < changed.size(); k++) {
                    dictData.write(1); // the op bytes (RAW) before the pages, as DICT's data block has them
                }
                for (int k = 0; k < changed.size(); k++) {
                    int o = (r0 + changed.get(k)) * P;
                    olds[k] = Arrays.copyOfRange(prev, o, o + P);
                    news[k] = Arrays.copyOfRange(cur, o, o + P);
                    dictData.write(news[k]);
                    oldPages.write(olds[k]);
                }
                WireWriter split = new WireWriter(1 << 16);
                SplitRuns.writeBlock(olds, news, changed.size(), P, split);
                splitPlain += lzma(split.buffer(), split.position(), null, false, preset);
                splitAligned += lzma(split.buffer(), split.position(), null, true, preset);
                byte[] data = dictData.toByteArray();
                byte[] dict = oldPages.toByteArray();
                long plain = lzma(data, data.length, dict, false, preset);
                long aligned = lzma(data, data.length, dict, true, preset);
                dictPlain += plain;
                dictAligned += aligned;
                dictBest += Math.min(plain, aligned);
                int tn = Math.min(data.length, TRIAL);
                byte[] trialDict = Arrays.copyOf(dict, Math.min(dict.length, TRIAL));
                boolean pickAligned = lzma(data, tn, trialDict, true, 0) < lzma(data, tn, trialDict, false, 0);
                dictTrial += pickAligned ? aligned : plain;
            }
            prev = cur;
        }
        System.out.printf("%s, %d transitions, preset %d: SPLIT default %,d aligned %,d (%.3f) | DICT default %,d aligned %,d (%.3f) smaller per block %,d trial %,d (%.3f)%n",
                dir.getFileName(), transitions, preset, splitPlain, splitAligned, (double) splitAligned / splitPlain, dictPlain, dictAligned,
                (double) dictAligned / dictPlain, dictBest, dictTrial, (double) dictTrial / dictPlain);
    }
}
