import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdDictContentType;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Where a trace's changed pages come from, and what page references or a larger dictionary would
 * save (docs/benchmarks.md, "Where qemu's bytes go"). For each transition of a directory of images
 * (000.bin, 001.bin, ...; 4 KiB pages) it counts the non-zero changed pages that are byte-for-byte
 * copies of a page of the previous image in the same region, in another region, of another new
 * page, or new; and it compresses each region's changed pages with zstd-3 as the DICT method does
 * (the listed pages' old content as a raw dictionary), then leaving out the pages that are copies of
 * an old page in the same region or anywhere (each charged 6 bytes, a page reference), then with the
 * whole old region as dictionary (its pages in index order; the unlisted pages first, then the
 * listed pages' old content). Bytes are zstd blocks only, without frame headers.
 *
 * <p>Usage: {@code java -Xmx6g -cp job/target/hde.jar scripts/corpus/PageCopies.java DIR [REGION_PAGES]}
 * (default 512 pages = 2 MiB).
 */
public class PageCopies {

    static final int PAGE = 4096;
    static final int REFERENCE_BYTES = 6;

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[0]);
        int regionPages = args.length > 1 ? Integer.parseInt(args[1]) : 512;
        List<Path> images = new ArrayList<>();
        try (var s = Files.list(dir)) {
            s.filter(p -> p.getFileName().toString().endsWith(".bin")).sorted().forEach(images::add);
        }
        long changed = 0, copySameRegion = 0, copyElsewhere = 0, copyOfNew = 0, fresh = 0;
        long dict = 0, withSameRegionRefs = 0, withAnyRefs = 0, regionDict = 0, regionDictListedLast = 0;
        ZstdCompressCtx ctx = new ZstdCompressCtx();
        byte[] prev = Files.readAllBytes(images.get(0));
        for (int t = 1; t < images.size(); t++) {
            byte[] cur = Files.readAllBytes(images.get(t));
            int pages = cur.length / PAGE;
            Map<Long, Integer> oldAnywhere = pageIndex(prev, 0, pages);
            Map<Long, Integer> newSeen = new HashMap<>();
            for (int r0 = 0; r0 < pages; r0 += regionPages) {
                int r1 = Math.min(pages, r0 + regionPages);
                Map<Long, Integer> oldInRegion = pageIndex(prev, r0, r1);
                ByteArrayOutputStream news = new ByteArrayOutputStream(), olds = new ByteArrayOutputStream();
                ByteArrayOutputStream newsNoSame = new ByteArrayOutputStream(), oldsNoSame = new ByteArrayOutputStream();
                ByteArrayOutputStream newsNoAny = new ByteArrayOutputStream(), oldsNoAny = new ByteArrayOutputStream();
                ByteArrayOutputStream region = new ByteArrayOutputStream(), unlisted = new ByteArrayOutputStream();
                for (int p = r0; p < r1; p++) {
                    int o = p * PAGE;
                    boolean hadContent = !isZero(prev, o);
                    if (hadContent) {
                        region.write(prev, o, PAGE);
                    }
                    if (Arrays.equals(prev, o, o + PAGE, cur, o, o + PAGE) || isZero(cur, o)) {
                        if (hadContent) {
                            unlisted.write(prev, o, PAGE);
                        }
                        continue;
                    }
                    changed++;
                    long h = hash(cur, o);
                    boolean sameRegion = isCopy(prev, oldInRegion.get(h), cur, o);
                    boolean anywhere = sameRegion || isCopy(prev, oldAnywhere.get(h), cur, o);
                    if (sameRegion) {
                        copySameRegion++;
                    } else if (anywhere) {
                        copyElsewhere++;
                    } else if (newSeen.putIfAbsent(h, p) != null) {
                        copyOfNew++;
                    } else {
                        fresh++;
                    }
                    add(news, olds, prev, cur, o, hadContent);
                    if (sameRegion) {
                        withSameRegionRefs += REFERENCE_BYTES;
                    } else {
                        add(newsNoSame, oldsNoSame, prev, cur, o, hadContent);
                    }
                    if (anywhere) {
                        withAnyRefs += REFERENCE_BYTES;
                    } else {
                        add(newsNoAny, oldsNoAny, prev, cur, o, hadContent);
                    }
                }
                dict += zstd3(ctx, news.toByteArray(), olds.toByteArray());
                withSameRegionRefs += zstd3(ctx, newsNoSame.toByteArray(), oldsNoSame.toByteArray());
                withAnyRefs += zstd3(ctx, newsNoAny.toByteArray(), oldsNoAny.toByteArray());
                regionDict += zstd3(ctx, news.toByteArray(), region.toByteArray());
                unlisted.write(olds.toByteArray());
                regionDictListedLast += zstd3(ctx, news.toByteArray(), unlisted.toByteArray());
            }
            prev = cur;
        }
        System.out.printf("%s, regions of %d pages, %d transitions%n", dir, regionPages, images.size() - 1);
        System.out.printf("  changed non-zero pages %,d: copies of an old page in the same region %,d, in another region %,d;"
                + " copies of another new page %,d; new %,d%n", changed, copySameRegion, copyElsewhere, copyOfNew, fresh);
        System.out.printf("  DICT + zstd-3: %,d; with %d-byte references to old pages of the same region %,d, of any region %,d%n",
                dict, REFERENCE_BYTES, withSameRegionRefs, withAnyRefs);
        System.out.printf("  the whole old region as dictionary: %,d; its unlisted pages, then the listed pages' old content: %,d%n",
                regionDict, regionDictListedLast);
    }

    static void add(ByteArrayOutputStream news, ByteArrayOutputStream olds, byte[] prev, byte[] cur, int o, boolean hadContent) {
        news.write(cur, o, PAGE);
        if (hadContent) {
            olds.write(prev, o, PAGE);
        }
    }

    static long zstd3(ZstdCompressCtx ctx, byte[] data, byte[] dictionary) {
        if (data.length == 0) {
            return 0;
        }
        ctx.reset();
        ctx.setLevel(3);
        ctx.setMagicless(true);
        ctx.setContentSize(false);
        ctx.setChecksum(false);
        ctx.setDictID(false);
        if (dictionary.length > 0) {
            ctx.loadDict(dictionary, ZstdDictContentType.RAW_CONTENT);
        }
        return ctx.compress(data).length;
    }

    /** Hash of each non-zero page in [from, to) to its first index. */
    static Map<Long, Integer> pageIndex(byte[] image, int from, int to) {
        Map<Long, Integer> index = new HashMap<>();
        for (int p = from; p < to; p++) {
            if (!isZero(image, p * PAGE)) {
                index.putIfAbsent(hash(image, p * PAGE), p);
            }
        }
        return index;
    }

    /** Whether the old page at {@code candidate} (a hash match, or null) holds exactly the new page's bytes. */
    static boolean isCopy(byte[] prev, Integer candidate, byte[] cur, int o) {
        return candidate != null && Arrays.equals(prev, candidate * PAGE, candidate * PAGE + PAGE, cur, o, o + PAGE);
    }

    static long hash(byte[] b, int o) {
        long h = 0x9E3779B97F4A7C15L;
        for (int i = o; i < o + PAGE; i += 8) {
            long w = 0;
            for (int k = 7; k >= 0; k--) {
                w = w << 8 | (b[i + k] & 0xFF);
            }
            h = Long.rotateLeft((h ^ w) * 0x100000001B3L, 17);
        }
        return h;
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
