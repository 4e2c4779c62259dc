package dev.hde.operators;

import dev.hde.codec.wire.WireWriter;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.CRC32C;

/** Seeded page content and byte surgery on events and frames, for the operator tests. */
final class TestPages {

    private static final String[] WORDS = {"the", "memory", "page", "region", "kernel", "value", "flink", "delta", "frame"};

    private TestPages() {}

    /** A page of one of several kinds: zero, text, sparse heap-like, random. */
    static byte[] page(Random r, int pageSize) {
        return switch (r.nextInt(6)) {
            case 0 -> new byte[pageSize];
            case 1, 2 -> text(r, pageSize);
            case 3, 4 -> sparse(r, pageSize);
            default -> random(r, pageSize);
        };
    }

    static byte[] text(Random r, int pageSize) {
        byte[] p = new byte[pageSize];
        int at = 0;
        while (at < pageSize) {
            byte[] w = (WORDS[r.nextInt(WORDS.length)] + ' ').getBytes(StandardCharsets.US_ASCII);
            int n = Math.min(w.length, pageSize - at);
            System.arraycopy(w, 0, p, at, n);
            at += n;
        }
        return p;
    }

    static byte[] sparse(Random r, int pageSize) {
        byte[] p = new byte[pageSize];
        for (int i = 0; i < pageSize; i += 64) {
            p[i] = (byte) 0xAB;
            p[i + 1] = (byte) r.nextInt(256);
        }
        p[r.nextInt(pageSize)] |= 1; // never all zero
        return p;
    }

    static byte[] random(Random r, int pageSize) {
        byte[] p = new byte[pageSize];
        r.nextBytes(p);
        p[0] |= 1;
        return p;
    }

    /** A non-zero page filled with one byte value. */
    static byte[] filled(int pageSize, int value) {
        byte[] p = new byte[pageSize];
        Arrays.fill(p, (byte) value);
        return p;
    }

    /** A few small in-place edits of {@code old} (which is left alone); may come back unchanged only by chance. */
    static byte[] edited(Random r, byte[] old) {
        byte[] p = old.clone();
        int edits = 1 + r.nextInt(4);
        for (int e = 0; e < edits; e++) {
            int at = r.nextInt(p.length - 8);
            if (r.nextBoolean()) {
                p[at]++;
            } else {
                for (int b = 0; b < 8; b++) {
                    p[at + b] = (byte) r.nextInt(256);
                }
            }
        }
        return p;
    }

    /** A copy whose last four bytes are the CRC32C of everything before them. */
    static byte[] withCrc(byte[] bytes) {
        byte[] out = bytes.clone();
        CRC32C crc = new CRC32C();
        crc.update(out, 0, out.length - 4);
        WireWriter.putU32(out, out.length - 4, crc.getValue());
        return out;
    }

    /** A body followed by its CRC32C. */
    static byte[] seal(byte[] body) {
        return withCrc(Arrays.copyOf(body, body.length + 4));
    }

    /** Everything before the CRC. */
    static byte[] body(byte[] bytes) {
        return Arrays.copyOf(bytes, bytes.length - 4);
    }

    /** A copy with one byte set and the CRC fixed. */
    static byte[] setByte(byte[] bytes, int at, int value) {
        byte[] out = bytes.clone();
        out[at] = (byte) value;
        return withCrc(out);
    }

    static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }
}
