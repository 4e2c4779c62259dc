import dev.hde.codec.block.*;
import dev.hde.codec.region.*;
import dev.hde.codec.select.*;
import dev.hde.codec.wire.*;
import java.nio.file.*;
import java.util.*;

/**
 * Bytes and speed of block codecs on the SPLIT data blocks of a trace (docs/benchmarks.md, "Brotli
 * in `balanced`"): every delta frame of every transition is rendered as SPLIT without a codec, and
 * each codec compresses and decompresses those blocks as the frame format does ({@link BlockCodecs}),
 * three rounds, the last reported. MB/s of block bytes and of changed page bytes; side by side in one
 * process, so compare the ratios, not the figures.
 *
 * <p>Usage: {@code java -Xmx8g -cp job/target/hde.jar scripts/corpus/CodecFrontier.java DIR
 * zstd-3,zstd-9,brotli-5,lzma-0 [EVERY_NTH_BLOCK]}
 */
public class CodecFrontier {
    public static void main(String[] a) throws Exception {
        Path dir = Path.of(a[0]);
        int every = a.length > 2 ? Integer.parseInt(a[2]) : 1;
        int P = 4096, R = 512;
        List<Path> imgs = new ArrayList<>();
        try (var s = Files.list(dir)) { s.filter(p -> p.toString().endsWith(".bin")).sorted().forEach(imgs::add); }
        List<byte[]> blocks = new ArrayList<>();
        long changed = 0, in = 0;
        byte[] prev = Files.readAllBytes(imgs.get(0));
        int seen = 0;
        for (int t = 1; t < imgs.size(); t++) {
            byte[] cur = Files.readAllBytes(imgs.get(t));
            int pages = cur.length / P;
            for (int r0 = 0; r0 < pages; r0 += R) {
                int n = Math.min(R, pages - r0);
                List<Integer> idx = new ArrayList<>();
                for (int p = 0; p < n; p++) { int o = (r0 + p) * P; if (!Arrays.equals(prev, o, o + P, cur, o, o + P)) idx.add(p); }
                if (idx.isEmpty() || seen++ % every != 0) continue;
                HeapPageStore ref = new HeapPageStore();
                for (int p = 0; p < n; p++) { int o = (r0 + p) * P; boolean z = true; for (int i = o; i < o + P; i++) if (prev[i] != 0) { z = false; break; } if (!z) ref.put(p, Arrays.copyOfRange(prev, o, o + P)); }
                int[] ind = idx.stream().mapToInt(Integer::intValue).toArray();
                byte[][] pg = new byte[ind.length][]; for (int i = 0; i < ind.length; i++) pg[i] = Arrays.copyOfRange(cur, (r0 + ind[i]) * P, (r0 + ind[i]) * P + P);
                PendingFrame f = RegionEncoder.delta(new RegionMeta(12, n, 1, 0, 0), ref, new PageUpdate(n, ind, pg));
                byte[] frame = RegionEncoder.render(new FrameInfo("k", 1, 1), f, EncodeChoice.parse("split+none").spec());
                FrameFormat.Parsed parsed = FrameFormat.parse(frame, dev.hde.codec.Limits.DEFAULT);
                byte[] block = Arrays.copyOfRange(frame, parsed.dataOffset(), parsed.dataOffset() + parsed.header().dataBlockLength());
                blocks.add(block);
                in += block.length;
                changed += f.changedBytes();
            }
            prev = cur;
        }
        System.out.printf("%s: %d SPLIT blocks, %,d block bytes, %,d changed page bytes%n", dir, blocks.size(), in, changed);
        String[] codecs = a[1].split(",");
        for (int round = 0; round < 3; round++) {
            for (String c : codecs) {
                CodecSpec spec = EncodeChoice.parse("split+" + c).spec().codec();
                long out = 0, enc = 0, dec = 0;
                int largest = blocks.stream().mapToInt(b -> b.length).max().orElse(0);
                WireWriter w = new WireWriter(2 * largest + 4096); // reused: the timings are of the codecs, not of allocation
                byte[] back = new byte[largest];
                for (byte[] b : blocks) {
                    w.rewind(0);
                    long t0 = System.nanoTime();
                    int n = BlockCodecs.compress(spec, b, 0, b.length, null, w);
                    long t1 = System.nanoTime();
                    BlockCodecs.decompress(spec.codec(), w.buffer(), 0, n, back, 0, b.length, null);
                    long t2 = System.nanoTime();
                    if (!Arrays.equals(back, 0, b.length, b, 0, b.length)) throw new AssertionError(c + " did not give the block back");
                    out += n; enc += t1 - t0; dec += t2 - t1;
                }
                if (round == 2) {
                    System.out.printf("%-10s %,12d bytes  encode %6.1f MB/s of block, %7.1f MB/s of changed pages; decode %7.1f MB/s of block%n",
                            c, out, in / (enc / 1e3), changed / (enc / 1e3), in / (dec / 1e3));
                }
            }
        }
    }
}
