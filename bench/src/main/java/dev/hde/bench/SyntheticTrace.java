package dev.hde.bench;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A seeded, deterministic sequence of memory images that looks roughly like a process heap: zero
 * pages, text pages (words, lines, key=value), heap pages (8-byte slots of small integers, pointers
 * into one mapping, short strings, zeros) and incompressible pages. Between two images a hot set of
 * pages changes often and the rest rarely; most changes are a few small in-place edits, some insert
 * bytes (the tail of the page moves), some rewrite the page, free it, fill it with random bytes or
 * copy another page.
 */
public final class SyntheticTrace {

    public static final long SEED = 0x48444542454e4348L; // "HDEBENCH"
    public static final int REGIONS = 8;
    public static final int REGION_PAGES = 512;
    public static final int PAGE_SHIFT = 12;
    /** More than 10 so that the seed algorithm's baseline refresh happens once. */
    public static final int TRANSITIONS = 12;

    private enum Kind { ZERO, TEXT, HEAP, RANDOM }

    private final SplittableRandom rnd;
    private final int pageSize;
    private final byte[][] vocabulary;
    private final long pointerBase;

    private SyntheticTrace(long seed, int pageSize) {
        this.rnd = new SplittableRandom(seed);
        this.pageSize = pageSize;
        this.vocabulary = new byte[256][];
        for (int i = 0; i < vocabulary.length; i++) {
            int len = 2 + rnd.nextInt(9);
            byte[] w = new byte[len];
            for (int j = 0; j < len; j++) {
                w[j] = (byte) ('a' + rnd.nextInt(26));
            }
            vocabulary[i] = w;
        }
        this.pointerBase = 0x00007f0000000000L | ((long) rnd.nextInt(1 << 20) << 20);
    }

    /** The default synthetic data set: {@value #REGIONS} regions of 2 MiB, {@value #TRANSITIONS} transitions. */
    public static Dataset dataset() {
        return new Dataset("synthetic", PAGE_SHIFT, REGION_PAGES, images(SEED, REGIONS * REGION_PAGES, PAGE_SHIFT, TRANSITIONS));
    }

    public static List<byte[]> images(long seed, int pages, int pageShift, int transitions) {
        return new SyntheticTrace(seed, 1 << pageShift).generate(pages, transitions);
    }

    private List<byte[]> generate(int pages, int transitions) {
        Kind[] kinds = new Kind[pages];
        boolean[] hot = new boolean[pages];
        byte[] image = new byte[pages * pageSize];
        for (int p = 0; p < pages; p++) {
            double x = rnd.nextDouble();
            kinds[p] = x < 0.25 ? Kind.ZERO : x < 0.55 ? Kind.TEXT : x < 0.90 ? Kind.HEAP : Kind.RANDOM;
            hot[p] = rnd.nextDouble() < 0.15;
            fill(kinds[p], image, p * pageSize);
        }
        List<byte[]> images = new ArrayList<>();
        images.add(image);
        for (int t = 0; t < transitions; t++) {
            byte[] next = image.clone();
            for (int p = 0; p < pages; p++) {
                if (rnd.nextDouble() < (hot[p] ? 0.5 : 0.02)) {
                    mutate(next, p, kinds, pages);
                }
            }
            images.add(next);
            image = next;
        }
        return images;
    }

    private void mutate(byte[] image, int p, Kind[] kinds, int pages) {
        int off = p * pageSize;
        if (kinds[p] == Kind.ZERO) { // a fresh allocation
            kinds[p] = Kind.HEAP;
            fill(Kind.HEAP, image, off);
            return;
        }
        double x = rnd.nextDouble();
        if (x < 0.70) {
            int edits = 1 + rnd.nextInt(6);
            for (int e = 0; e < edits; e++) {
                edit(kinds[p], image, off);
            }
        } else if (x < 0.80) {
            insert(image, off);
        } else if (x < 0.88) {
            fill(kinds[p], image, off);
        } else if (x < 0.94) {
            kinds[p] = Kind.RANDOM;
            fill(Kind.RANDOM, image, off);
        } else if (x < 0.97) {
            kinds[p] = Kind.ZERO;
            Arrays.fill(image, off, off + pageSize, (byte) 0);
        } else {
            int q = rnd.nextInt(pages);
            System.arraycopy(image, q * pageSize, image, off, pageSize);
            kinds[p] = kinds[q];
        }
    }

    private void fill(Kind kind, byte[] b, int off) {
        switch (kind) {
            case ZERO -> Arrays.fill(b, off, off + pageSize, (byte) 0);
            case RANDOM -> {
                for (int i = 0; i < pageSize; i += 8) {
                    putLong(b, off + i, rnd.nextLong());
                }
            }
            case TEXT -> {
                int i = 0;
                while (i < pageSize) {
                    byte[] line = line();
                    int n = Math.min(line.length, pageSize - i);
                    System.arraycopy(line, 0, b, off + i, n);
                    i += n;
                }
            }
            case HEAP -> {
                for (int i = 0; i < pageSize; i += 8) {
                    putLong(b, off + i, slot());
                }
            }
        }
    }

    private byte[] line() {
        StringBuilder s = new StringBuilder();
        if (rnd.nextDouble() < 0.3) {
            s.append(word()).append(':').append(rnd.nextInt(100_000)).append('=');
        }
        int words = 3 + rnd.nextInt(10);
        for (int w = 0; w < words; w++) {
            s.append(word()).append(w + 1 < words ? ' ' : '\n');
        }
        return s.toString().getBytes(StandardCharsets.US_ASCII);
    }

    private String word() {
        return new String(vocabulary[rnd.nextInt(vocabulary.length)], StandardCharsets.US_ASCII);
    }

    private long slot() {
        double x = rnd.nextDouble();
        if (x < 0.40) {
            return 0;
        } else if (x < 0.65) {
            return rnd.nextInt(1000);
        } else if (x < 0.85) {
            return pointerBase + ((long) rnd.nextInt(1 << 16) << 4);
        } else {
            byte[] w = vocabulary[rnd.nextInt(vocabulary.length)];
            long v = 0;
            for (int i = 0; i < Math.min(8, w.length); i++) {
                v |= (long) (w[i] & 0xFF) << (8 * i);
            }
            return v;
        }
    }

    /** A small in-place change: a counter, a pointer, a value or a word. */
    private void edit(Kind kind, byte[] b, int off) {
        switch (kind) {
            case HEAP -> {
                int at = off + (rnd.nextInt(pageSize / 8) << 3);
                double x = rnd.nextDouble();
                long v = getLong(b, at);
                putLong(b, at, x < 0.4 ? v + 1 + rnd.nextInt(16) : slot());
            }
            case TEXT -> {
                byte[] w = vocabulary[rnd.nextInt(vocabulary.length)];
                int at = rnd.nextInt(pageSize - w.length);
                System.arraycopy(w, 0, b, off + at, w.length);
            }
            default -> {
                int n = 1 + rnd.nextInt(16);
                int at = rnd.nextInt(pageSize - n);
                for (int i = 0; i < n; i++) {
                    b[off + at + i] = (byte) rnd.nextInt(256);
                }
            }
        }
    }

    /** A few bytes inserted: the rest of the page moves towards its end, what falls off is lost. */
    private void insert(byte[] b, int off) {
        byte[] line = line();
        int n = Math.min(line.length, 64);
        int at = rnd.nextInt(pageSize - n);
        System.arraycopy(b, off + at, b, off + at + n, pageSize - at - n);
        System.arraycopy(line, 0, b, off + at, n);
    }

    private static void putLong(byte[] b, int at, long v) {
        for (int i = 0; i < 8; i++) {
            b[at + i] = (byte) (v >>> (8 * i));
        }
    }

    private static long getLong(byte[] b, int at) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v |= (long) (b[at + i] & 0xFF) << (8 * i);
        }
        return v;
    }
}
