import dev.hde.codec.delta.Xbzrle;
import dev.hde.codec.wire.WireWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What the encoder writes to its state over a trace, as whole pages (one value per changed page) and as
 * base pages with patches (the encoder's {@code PatchedPageStore}: a page changed by an XBZRLE patch of at
 * most 1/8 of a page from the base last written whole is stored as that patch; otherwise as a new base).
 * For each transition of a directory of images (000.bin, 001.bin, ...; 4 KiB pages), every changed page
 * that is not zero afterwards is written; the first image's pages are written whole in both layouts and
 * not counted. Prints, per trace, the changed pages, how many were written as patches, and the bytes
 * of values written in each layout (keys and RocksDB's own overhead left out).
 *
 * <p>Usage: {@code java -cp job/target/hde.jar scripts/corpus/StateWrites.java DIR...}
 */
public class StateWrites {

    static final int PAGE = 4096;
    static final int MAX_PATCH = PAGE / 8;

    public static void main(String[] args) throws IOException {
        System.out.println("trace | changed non-zero pages | written as patches | whole pages (bytes) | bases + patches (bytes) | share");
        for (String a : args) {
            Path dir = Path.of(a);
            List<Path> images = new ArrayList<>();
            try (var s = Files.list(dir)) {
                s.filter(p -> p.getFileName().toString().endsWith(".bin")).sorted().forEach(images::add);
            }
            byte[] prev = Files.readAllBytes(images.get(0));
            byte[] base = prev.clone();
            long changed = 0, patched = 0, whole = 0, layered = 0;
            WireWriter out = new WireWriter(PAGE);
            for (int t = 1; t < images.size(); t++) {
                byte[] cur = Files.readAllBytes(images.get(t));
                for (int o = 0; o + PAGE <= cur.length; o += PAGE) {
                    if (Arrays.equals(prev, o, o + PAGE, cur, o, o + PAGE) || isZero(cur, o)) {
                        continue;
                    }
                    changed++;
                    whole += PAGE;
                    int n = -1;
                    if (!isZero(base, o)) {
                        out.rewind(0);
                        n = Xbzrle.encode(base, o, cur, o, PAGE, out);
                    }
                    if (n >= 0 && n <= MAX_PATCH) {
                        patched++;
                        layered += n;
                    } else {
                        layered += PAGE;
                        System.arraycopy(cur, o, base, o, PAGE);
                    }
                }
                // Pages that became zero are removed in both layouts: the base too.
                for (int o = 0; o + PAGE <= cur.length; o += PAGE) {
                    if (isZero(cur, o)) {
                        Arrays.fill(base, o, o + PAGE, (byte) 0);
                    }
                }
                prev = cur;
            }
            System.out.printf("%s | %,d | %,d (%.0f %%) | %,d | %,d | %.3f%n", dir.getFileName(), changed, patched, 100.0 * patched / Math.max(1, changed),
                    whole, layered, (double) layered / Math.max(1, whole));
        }
    }

    static boolean isZero(byte[] b, int o) {
        for (int i = o; i < o + PAGE; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return true;
    }
}
