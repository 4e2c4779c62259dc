package dev.hde.codec.testing;

import dev.hde.codec.Pages;
import dev.hde.codec.region.PageUpdate;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A seeded generator of realistic memory pages and of the edits a running VM makes to them, for
 * model-based tests: the same seed always gives the same pages and the same sequence of edits.
 *
 * <p>Pages: zero pages, random (incompressible) pages, text-like pages (words, key=value lines),
 * code-like pages (x86-64 instruction byte patterns with random operands), heap-like pages
 * (8-byte aligned pointers, small integers, zeros) and sparse pages (mostly zero).
 *
 * <p>Edits on a flat region image ({@code regionPages x pageSize} bytes): sparse byte edits and
 * counter increments, content shifted inside a page, content shifted across page boundaries,
 * pages zeroed, whole-page rewrites of every kind, pages swapped or duplicated, the region growing
 * (new pages, zero or not) and shrinking. {@link #step} combines a few of them and reports the
 * dirty pages a producer would send, false dirties (unchanged pages) included.
 */
public final class PagePatterns {

    private static final String[] WORDS = {
        "the", "key", "value", "user", "session", "redis", "memory", "page", "region", "delta", "frame", "epoch",
        "GET", "SET", "HSET", "LPUSH", "error", "null", "true", "false", "timeout", "connection", "client", "server",
        "/usr/lib/x86_64-linux-gnu", "libc.so.6", "http://example.org/", "{\"id\":", "\"name\":", "Content-Type",
    };

    /** Common x86-64 instruction encodings; operands are appended at random where they take one. */
    private static final byte[][] OPCODES = {
        {0x55}, // push rbp
        {0x48, (byte) 0x89, (byte) 0xe5}, // mov rbp, rsp
        {0x48, (byte) 0x83, (byte) 0xec}, // sub rsp, imm8
        {(byte) 0xc3}, // ret
        {(byte) 0xe8}, // call rel32
        {(byte) 0xe9}, // jmp rel32
        {0x0f, 0x1f, 0x44, 0x00, 0x00}, // nop dword
        {0x48, (byte) 0x8b, 0x45}, // mov rax, [rbp+disp8]
        {0x48, (byte) 0x8d, 0x3d}, // lea rdi, [rip+rel32]
        {0x74}, // je rel8
        {0x75}, // jne rel8
        {0x31, (byte) 0xc0}, // xor eax, eax
        {0x5d}, // pop rbp
        {(byte) 0x85, (byte) 0xc0}, // test eax, eax
        {(byte) 0xcc}, // int3 padding
    };

    /** Operand bytes after each opcode above. */
    private static final int[] OPERANDS = {0, 0, 1, 0, 4, 4, 0, 1, 4, 1, 1, 0, 0, 0, 0};

    private final SplittableRandom rnd;
    private final int pageSize;
    private final long seed;

    public PagePatterns(long seed, int pageSize) {
        if (pageSize < 64 || Integer.bitCount(pageSize) != 1) {
            throw new IllegalArgumentException("page size must be a power of two >= 64");
        }
        this.seed = seed;
        this.rnd = new SplittableRandom(seed);
        this.pageSize = pageSize;
    }

    public long seed() {
        return seed;
    }

    public int pageSize() {
        return pageSize;
    }

    public SplittableRandom random() {
        return rnd;
    }

    // ---------------------------------------------------------------- pages

    public byte[] zeroPage() {
        return new byte[pageSize];
    }

    public byte[] randomPage() {
        byte[] p = new byte[pageSize];
        fillRandom(p, 0, pageSize);
        return p;
    }

    public byte[] textPage() {
        byte[] p = new byte[pageSize];
        StringBuilder sb = new StringBuilder();
        while (sb.length() < pageSize) {
            switch (rnd.nextInt(6)) {
                case 0 -> sb.append(WORDS[rnd.nextInt(WORDS.length)]).append('=').append(rnd.nextInt(100_000)).append('\n');
                case 1 -> sb.append("key:").append(rnd.nextInt(100_000)).append(' ');
                default -> sb.append(WORDS[rnd.nextInt(WORDS.length)]).append(' ');
            }
        }
        byte[] text = sb.toString().getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(text, 0, p, 0, pageSize);
        // Strings in memory end somewhere and the rest of the buffer is often zero.
        if (rnd.nextInt(3) == 0) {
            int end = pageSize / 2 + rnd.nextInt(pageSize / 2);
            Arrays.fill(p, end, pageSize, (byte) 0);
        }
        return p;
    }

    public byte[] codePage() {
        byte[] p = new byte[pageSize];
        int i = 0;
        while (i < pageSize) {
            int op = rnd.nextInt(OPCODES.length);
            for (byte b : OPCODES[op]) {
                if (i < pageSize) {
                    p[i++] = b;
                }
            }
            for (int k = 0; k < OPERANDS[op] && i < pageSize; k++) {
                // Small displacements are common: high bytes of rel32 are mostly 0x00 or 0xff.
                p[i++] = (byte) (k < 2 ? rnd.nextInt(256) : (rnd.nextBoolean() ? 0x00 : 0xff));
            }
        }
        return p;
    }

    public byte[] heapPage() {
        byte[] p = new byte[pageSize];
        long base = 0x0000_7f00_0000_0000L | (rnd.nextLong() & 0xff_ffff_f000L);
        for (int off = 0; off + 8 <= pageSize; off += 8) {
            long v = switch (rnd.nextInt(8)) {
                case 0, 1, 2 -> 0L;
                case 3, 4 -> base + (rnd.nextInt(1 << 16) & ~7); // pointer into the same arena
                case 5 -> rnd.nextInt(256); // small int / flag
                case 6 -> rnd.nextInt(100_000); // length / count
                default -> rnd.nextLong(); // hash, random id
            };
            putLong(p, off, v);
        }
        return p;
    }

    public byte[] sparsePage() {
        byte[] p = new byte[pageSize];
        int n = 1 + rnd.nextInt(8);
        for (int k = 0; k < n; k++) {
            p[rnd.nextInt(pageSize)] = (byte) (1 + rnd.nextInt(255));
        }
        return p;
    }

    /** A page of any kind, zero pages included, weighted roughly like a real process image. */
    public byte[] anyPage() {
        int k = rnd.nextInt(100);
        if (k < 20) {
            return zeroPage();
        } else if (k < 30) {
            return randomPage();
        } else if (k < 48) {
            return textPage();
        } else if (k < 64) {
            return codePage();
        } else if (k < 90) {
            return heapPage();
        }
        return sparsePage();
    }

    /** A region image of {@code pages} pages of mixed kinds. */
    public byte[] image(int pages) {
        byte[] image = new byte[pages * pageSize];
        for (int i = 0; i < pages; i++) {
            System.arraycopy(anyPage(), 0, image, i * pageSize, pageSize);
        }
        return image;
    }

    /** The content of page {@code index} of a flat image. */
    public byte[] page(byte[] image, int index) {
        return Arrays.copyOfRange(image, index * pageSize, (index + 1) * pageSize);
    }

    // ---------------------------------------------------------------- edits (in place, on a flat image)

    /** Changes {@code edits} scattered bytes of one page; some edits are 64-bit counter increments. */
    public void sparseEdits(byte[] image, int page, int edits) {
        int base = page * pageSize;
        for (int k = 0; k < edits; k++) {
            if (rnd.nextInt(3) == 0) {
                int off = base + (rnd.nextInt(pageSize / 8) * 8);
                putLong(image, off, getLong(image, off) + 1 + rnd.nextInt(1000));
            } else {
                image[base + rnd.nextInt(pageSize)] = (byte) rnd.nextInt(256);
            }
        }
    }

    /** Every other byte of one page changes: the worst case for run-length deltas. */
    public void everyOtherByte(byte[] image, int page) {
        int base = page * pageSize;
        for (int i = rnd.nextInt(2); i < pageSize; i += 2) {
            image[base + i] = (byte) (image[base + i] + 1 + rnd.nextInt(255));
        }
    }

    /** Inserts (or deletes) a few bytes at a point of one page: the rest of the page moves along. */
    public void shiftWithinPage(byte[] image, int page) {
        int base = page * pageSize;
        int at = rnd.nextInt(pageSize);
        int d = 1 + rnd.nextInt(Math.min(64, pageSize / 4));
        if (rnd.nextBoolean()) {
            // insert d bytes at 'at': [at, end - d) moves to [at + d, end)
            int len = pageSize - at - d;
            if (len > 0) {
                System.arraycopy(image, base + at, image, base + at + d, len);
            }
            fillRandom(image, base + at, Math.min(d, pageSize - at));
        } else {
            // delete d bytes at 'at': [at + d, end) moves to [at, end - d), the tail is filled
            int len = pageSize - at - d;
            if (len > 0) {
                System.arraycopy(image, base + at + d, image, base + at, len);
            }
            int tail = Math.min(d, pageSize - at);
            Arrays.fill(image, base + pageSize - tail, base + pageSize, (byte) 0);
        }
    }

    /** Moves a span of 1..4 pages' worth of bytes by a small distance, across page boundaries. */
    public void shiftAcrossPages(byte[] image, int regionPages) {
        int total = regionPages * pageSize;
        if (regionPages < 2) {
            return;
        }
        int len = pageSize / 2 + rnd.nextInt(Math.min(regionPages - 1, 4) * pageSize);
        int d = 1 + rnd.nextInt(pageSize);
        boolean forward = rnd.nextBoolean();
        if (len + d > total) {
            return;
        }
        int src = rnd.nextInt(total - len - d + 1);
        if (forward) {
            System.arraycopy(image, src, image, src + d, len);
            fillRandom(image, src, Math.min(d, 16)); // something new where the span was
        } else {
            System.arraycopy(image, src + d, image, src, len);
        }
    }

    public void rewritePage(byte[] image, int page, byte[] content) {
        System.arraycopy(content, 0, image, page * pageSize, pageSize);
    }

    public void zeroPage(byte[] image, int page) {
        Arrays.fill(image, page * pageSize, (page + 1) * pageSize, (byte) 0);
    }

    public void swapPages(byte[] image, int a, int b) {
        byte[] pa = page(image, a);
        System.arraycopy(image, b * pageSize, image, a * pageSize, pageSize);
        System.arraycopy(pa, 0, image, b * pageSize, pageSize);
    }

    public void copyPage(byte[] image, int from, int to) {
        System.arraycopy(image, from * pageSize, image, to * pageSize, pageSize);
    }

    // ---------------------------------------------------------------- steps

    /**
     * One producer step, as {@link #step} makes it.
     *
     * @param image the region's new flat image ({@code regionPages x pageSize} bytes)
     * @param regionPages the region's page count after the step
     * @param dirty strictly increasing indices below {@code regionPages}: every page that differs
     *     from before (a page past the old region counts as zero before), plus some false dirties
     * @param ops what was done, for assertion messages
     */
    public record Step(byte[] image, int regionPages, int[] dirty, List<String> ops) {

        public PageUpdate update(int pageSize) {
            return PagePatterns.update(image, regionPages, pageSize, dirty);
        }
    }

    /**
     * One to four random edits of a region (see the class comment), the region growing up to
     * {@code maxRegionPages} or shrinking (rarely to nothing), and the dirty pages a producer reports.
     *
     * @param image the region's flat image now, {@code regionPages x pageSize} bytes; not modified
     */
    public Step step(byte[] image, int regionPages, int maxRegionPages) {
        List<String> ops = new ArrayList<>();
        byte[] img = image.clone();
        int pages = regionPages;
        int nOps = 1 + rnd.nextInt(4);
        for (int o = 0; o < nOps; o++) {
            int k = rnd.nextInt(100);
            if (pages == 0 || (k >= 86 && k < 93)) {
                // grow
                int add = 1 + rnd.nextInt(8);
                int newPages = Math.min(maxRegionPages, pages + add);
                img = Arrays.copyOf(img, newPages * pageSize);
                for (int i = pages; i < newPages; i++) {
                    if (rnd.nextInt(3) != 0) {
                        rewritePage(img, i, anyPage());
                    }
                }
                ops.add("grow " + pages + "->" + newPages);
                pages = newPages;
                continue;
            }
            if (k >= 93) {
                // shrink, rarely to nothing
                int newPages = rnd.nextInt(20) == 0 ? 0 : Math.max(1, pages - 1 - rnd.nextInt(8));
                img = Arrays.copyOf(img, newPages * pageSize);
                ops.add("shrink " + pages + "->" + newPages);
                pages = newPages;
                continue;
            }
            int p = rnd.nextInt(pages);
            if (k < 30) {
                int n = 1 + rnd.nextInt(Math.min(8, pages));
                for (int j = 0; j < n; j++) {
                    sparseEdits(img, rnd.nextInt(pages), 1 + rnd.nextInt(16));
                }
                ops.add("sparse edits on " + n + " pages");
            } else if (k < 38) {
                shiftWithinPage(img, p);
                ops.add("shift within page " + p);
            } else if (k < 45) {
                shiftAcrossPages(img, pages);
                ops.add("shift across pages");
            } else if (k < 51) {
                zeroPage(img, p);
                ops.add("zero page " + p);
            } else if (k < 55) {
                rewritePage(img, p, randomPage());
                ops.add("random page " + p);
            } else if (k < 60) {
                rewritePage(img, p, textPage());
                ops.add("text page " + p);
            } else if (k < 65) {
                rewritePage(img, p, codePage());
                ops.add("code page " + p);
            } else if (k < 70) {
                rewritePage(img, p, heapPage());
                ops.add("heap page " + p);
            } else if (k < 74) {
                rewritePage(img, p, sparsePage());
                ops.add("sparse page " + p);
            } else if (k < 78) {
                everyOtherByte(img, p);
                ops.add("every other byte of page " + p);
            } else if (k < 82) {
                int q = rnd.nextInt(pages);
                swapPages(img, p, q);
                ops.add("swap pages " + p + "," + q);
            } else {
                int q = rnd.nextInt(pages);
                copyPage(img, p, q);
                ops.add("copy page " + p + "->" + q);
            }
        }
        int[] changed = changedPages(image, regionPages, img, pages, pageSize);
        // False dirties: unchanged pages the producer reports anyway (zero pages included).
        boolean[] dirty = new boolean[pages];
        for (int i : changed) {
            dirty[i] = true;
        }
        int falseDirties = 0;
        for (int i = 0; i < pages; i++) {
            if (!dirty[i] && rnd.nextInt(25) == 0) {
                dirty[i] = true;
                falseDirties++;
            }
        }
        if (falseDirties > 0) {
            ops.add(falseDirties + " false dirties");
        }
        int n = 0;
        int[] indices = new int[pages];
        for (int i = 0; i < pages; i++) {
            if (dirty[i]) {
                indices[n++] = i;
            }
        }
        return new Step(img, pages, Arrays.copyOf(indices, n), ops);
    }

    // ---------------------------------------------------------------- static helpers

    /** Pages of {@code after} that differ from {@code before}; pages past {@code beforePages} count as zero before. */
    public static int[] changedPages(byte[] before, int beforePages, byte[] after, int afterPages, int pageSize) {
        int[] out = new int[afterPages];
        int n = 0;
        for (int i = 0; i < afterPages; i++) {
            int off = i * pageSize;
            boolean same = i < beforePages
                    ? Arrays.equals(before, off, off + pageSize, after, off, off + pageSize)
                    : Pages.isZero(after, off, pageSize);
            if (!same) {
                out[n++] = i;
            }
        }
        return Arrays.copyOf(out, n);
    }

    /** The update a producer sends: the listed pages of the flat image, each copied. */
    public static PageUpdate update(byte[] image, int regionPages, int pageSize, int[] indices) {
        byte[][] pages = new byte[indices.length][];
        for (int i = 0; i < indices.length; i++) {
            pages[i] = Arrays.copyOfRange(image, indices[i] * pageSize, (indices[i] + 1) * pageSize);
        }
        return new PageUpdate(regionPages, indices.clone(), pages);
    }

    /** Every page of the flat image (a REGION event, or what a FULL frame of a new region starts from). */
    public static PageUpdate wholeRegion(byte[] image, int regionPages, int pageSize) {
        int[] all = new int[regionPages];
        Arrays.setAll(all, i -> i);
        return update(image, regionPages, pageSize, all);
    }

    private void fillRandom(byte[] b, int off, int len) {
        for (int i = 0; i < len; i += 8) {
            long v = rnd.nextLong();
            for (int k = 0; k < 8 && i + k < len; k++) {
                b[off + i + k] = (byte) (v >>> (8 * k));
            }
        }
    }

    static void putLong(byte[] b, int off, long v) {
        for (int k = 0; k < 8; k++) {
            b[off + k] = (byte) (v >>> (8 * k));
        }
    }

    static long getLong(byte[] b, int off) {
        long v = 0;
        for (int k = 7; k >= 0; k--) {
            v = v << 8 | (b[off + k] & 0xFFL);
        }
        return v;
    }
}
