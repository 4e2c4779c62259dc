package dev.hde.codec.delta;

import dev.hde.codec.HdeException;
import dev.hde.codec.HdeException.Kind;
import dev.hde.codec.Pages;
import dev.hde.codec.wire.WireReader;
import dev.hde.codec.wire.WireWriter;
import java.util.Arrays;

/**
 * The SPLIT delta method's data block: the runs of changed bytes of every page, with where the runs
 * are (the control section) apart from what they hold, and apart from whole pages, as bsdiff splits
 * control, diff and extra. Each section then has its own statistics for the block codec: positions
 * repeat from page to page (records of one layout); a counter or an identifier that moved by the
 * same amount in many records gives the same diff bytes (new minus old) where its new bytes all
 * differ; and a page that was largely rewritten (a heap's new objects over garbage) is better sent
 * as its new bytes, which have structure, than as differences from unrelated old bytes.
 *
 * <pre>
 * ops       page count bytes, one per listed page: 0 ZERO, 1 RAW, 4 DIFF_RUNS, 5 NEW_RUNS
 * varint    control length
 * varint    diff length
 * control   for each DIFF_RUNS or NEW_RUNS page, in table order: varint runs (at least 1), then per
 *           run varint gap (unchanged bytes since the end of the previous run), varint length (at least 1)
 * diffs     diff length bytes: for each run of a DIFF_RUNS page, in order, new - old (mod 256) per byte
 * literals  for each run of a NEW_RUNS page, in order, its new bytes
 * raw       for each RAW page, in order: the page
 * </pre>
 *
 * Runs may not leave the page; a runs page whose old content the receiver does not hold applies to
 * zeros; the sections must fill the block exactly. The encoder sends a page as NEW_RUNS when more
 * than an eighth of its bytes changed, as DIFF_RUNS otherwise, and RAW when its runs would take
 * more than its size less 8 bytes.
 */
public final class SplitRuns {

    public static final int OP_ZERO = 0;
    public static final int OP_RAW = 1;
    public static final int OP_DIFF_RUNS = 4;
    public static final int OP_NEW_RUNS = 5;

    private SplitRuns() {}

    /** Per-thread sections, so that a frame allocates only its data block's growth. */
    private static final class Sections {
        final WireWriter control = new WireWriter(1 << 14);
        final WireWriter diffs = new WireWriter(1 << 16);
        final WireWriter literals = new WireWriter(1 << 16);
        final WireWriter raw = new WireWriter(1 << 16);
        final WireWriter page = new WireWriter(1 << 12);
    }

    private static final ThreadLocal<Sections> SECTIONS = ThreadLocal.withInitial(Sections::new);

    /**
     * Writes the data block for {@code count} pages to {@code data} (rewound first): {@code news[i]}
     * null is a page that became zero, {@code olds[i]} null one the receiver does not hold. A page is
     * sent RAW when its runs would take more than its size less 8 bytes, so that the block never
     * exceeds a page plus 4 bytes per page.
     */
    public static void writeBlock(byte[][] olds, byte[][] news, int count, int pageSize, WireWriter data) {
        Sections s = SECTIONS.get();
        s.control.rewind(0);
        s.diffs.rewind(0);
        s.literals.rewind(0);
        s.raw.rewind(0);
        data.rewind(0);
        int opsAt = data.reserve(count);
        int limit = pageSize - 8;
        for (int i = 0; i < count; i++) {
            byte[] page = news[i];
            byte[] old = olds[i];
            int op;
            if (page == null) {
                op = OP_ZERO;
            } else {
                op = old == null ? OP_RAW : runs(old, page, pageSize, limit, s);
                if (op == OP_RAW) {
                    s.raw.bytes(page);
                }
            }
            data.buffer()[opsAt + i] = (byte) op;
        }
        if (count == 0) {
            return;
        }
        data.varint(s.control.position());
        data.varint(s.diffs.position());
        data.bytes(s.control.buffer(), 0, s.control.position());
        data.bytes(s.diffs.buffer(), 0, s.diffs.position());
        data.bytes(s.literals.buffer(), 0, s.literals.position());
        data.bytes(s.raw.buffer(), 0, s.raw.position());
    }

    /**
     * Appends the page's runs to the sections and returns their op, or leaves the sections as they
     * were and returns {@link #OP_RAW} when the runs would pass {@code limit} bytes.
     */
    private static int runs(byte[] old, byte[] page, int len, int limit, Sections s) {
        WireWriter pairs = s.page;
        pairs.rewind(0);
        int runs = 0;
        int changed = 0;
        int i = 0;
        int end = 0;
        while (i < len) {
            int gap = Arrays.mismatch(old, i, len, page, i, len);
            if (gap < 0) {
                break;
            }
            i += gap;
            int n = Pages.differingRunLength(old, i, page, i, len - i);
            changed += n;
            if (pairs.position() + changed + 10 > limit) { // this pair and the run count take at most 10 more bytes
                return OP_RAW;
            }
            pairs.varint(i - end).varint(n);
            i += n;
            end = i;
            runs++;
        }
        if (runs == 0) {
            return OP_RAW; // an unchanged page is never listed; should one be, it goes whole
        }
        s.control.varint(runs).bytes(pairs.buffer(), 0, pairs.position());
        // Second pass over the runs just found: their bytes, as differences or as new bytes.
        boolean rewritten = changed > len / 8;
        WireWriter out = rewritten ? s.literals : s.diffs;
        int at = out.reserve(changed);
        byte[] d = out.buffer();
        WireReader r = new WireReader(pairs.buffer(), 0, pairs.position());
        int pos = 0;
        for (int k = 0; k < runs; k++) {
            pos += r.varint("gap");
            int n = r.varint("length");
            if (rewritten) {
                System.arraycopy(page, pos, d, at, n);
            } else {
                for (int b = 0; b < n; b++) {
                    d[at + b] = (byte) (page[pos + b] - old[pos + b]);
                }
            }
            at += n;
            pos += n;
        }
        return rewritten ? OP_NEW_RUNS : OP_DIFF_RUNS;
    }

    /**
     * Decodes a data block of {@code count} pages: the new content of each (null for a zero page).
     * Every length is checked against the block before use; nothing is allocated from a length.
     */
    public static byte[][] decodeBlock(byte[] data, int count, byte[][] olds, int pageSize) {
        byte[][] news = new byte[count][];
        if (count == 0) {
            if (data.length != 0) {
                throw new HdeException(Kind.LENGTH_MISMATCH, "split data of " + data.length + " bytes for no page");
            }
            return news;
        }
        WireReader r = new WireReader(data);
        r.skip(count, "page ops");
        long rawPages = 0;
        for (int i = 0; i < count; i++) {
            int op = data[i];
            if (op == OP_RAW) {
                rawPages++;
            } else if (op != OP_ZERO && op != OP_DIFF_RUNS && op != OP_NEW_RUNS) {
                throw new HdeException(Kind.UNKNOWN_METHOD, "page op " + op + " in a split block");
            }
        }
        int controlLength = r.varint("control length");
        int diffLength = r.varint("diff length");
        int controlAt = r.skip(controlLength, "control section");
        int diffAt = r.skip(diffLength, "diff section");
        int diffEnd = r.position();
        long rawAt = data.length - rawPages * pageSize;
        if (rawAt < diffEnd) {
            throw new HdeException(Kind.LENGTH_MISMATCH, rawPages + " raw pages do not fit in the split block");
        }
        WireReader control = new WireReader(data, controlAt, controlLength);
        int literalAt = diffEnd;
        int literalEnd = (int) rawAt;
        int rawNext = literalEnd;
        for (int i = 0; i < count; i++) {
            int op = data[i];
            if (op == OP_ZERO) {
                continue;
            }
            if (op == OP_RAW) {
                news[i] = Arrays.copyOfRange(data, rawNext, rawNext + pageSize);
                rawNext += pageSize;
                continue;
            }
            boolean literal = op == OP_NEW_RUNS;
            byte[] page = olds[i] == null ? new byte[pageSize] : olds[i].clone();
            int runs = control.varint("run count");
            if (runs < 1) {
                throw new HdeException(Kind.LENGTH_MISMATCH, "a runs page without runs");
            }
            int pos = 0;
            for (int k = 0; k < runs; k++) {
                int gap = control.varint("run gap");
                int n = control.varint("run length");
                if (n < 1 || (long) pos + gap + n > pageSize) {
                    throw new HdeException(Kind.LENGTH_MISMATCH, "split run leaves the page");
                }
                pos += gap;
                if (literal) {
                    if (literalAt + n > literalEnd) {
                        throw new HdeException(Kind.LENGTH_MISMATCH, "split runs need more new bytes than the block has");
                    }
                    System.arraycopy(data, literalAt, page, pos, n);
                    literalAt += n;
                } else {
                    if (diffAt + n > diffEnd) {
                        throw new HdeException(Kind.LENGTH_MISMATCH, "split runs need more diff bytes than the block has");
                    }
                    for (int j = 0; j < n; j++) {
                        page[pos + j] += data[diffAt + j];
                    }
                    diffAt += n;
                }
                pos += n;
            }
            news[i] = Pages.isZero(page) ? null : page;
        }
        control.expectEnd("control section");
        if (diffAt != diffEnd || literalAt != literalEnd) {
            throw new HdeException(Kind.LENGTH_MISMATCH, "diff or new bytes left over in the split block");
        }
        return news;
    }
}
