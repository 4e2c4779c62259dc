package dev.hde.codec.region;

import dev.hde.codec.PageHash;
import dev.hde.codec.Pages;
import dev.hde.codec.block.BlockCodec;
import dev.hde.codec.block.BlockCodecs;
import dev.hde.codec.block.CodecSpec;
import dev.hde.codec.delta.DeltaMethod;
import dev.hde.codec.delta.SplitRuns;
import dev.hde.codec.delta.Xbzrle;
import dev.hde.codec.dict.TrainedDictionary;
import dev.hde.codec.wire.FrameFormat;
import dev.hde.codec.wire.FrameHeader;
import dev.hde.codec.wire.FrameType;
import dev.hde.codec.wire.WireWriter;
import java.util.Arrays;
import java.util.List;

/**
 * Turns a region's reference image and a page update into a frame, in three steps: {@link #delta}
 * or {@link #full} work out what the frame must carry (reading only the updated pages for a
 * delta), {@link #render} writes it with a chosen method and codec, {@link #commit} brings the
 * reference image to what the receiver will hold.
 */
public final class RegionEncoder {

    /** The op byte of each listed page in the data block. */
    public static final int OP_ZERO = 0;
    public static final int OP_RAW = 1;
    public static final int OP_XOR = 2;
    public static final int OP_XBZRLE = 3;

    /** A delta reads the old pages in one scan when it updates at least 1/this of the region. */
    static final int SCAN_THRESHOLD_DIVISOR = 4;

    private RegionEncoder() {}

    /**
     * A DELTA frame for {@code update} against {@code meta} and {@code reference}: pages whose
     * content did not change (false dirties) are left out, pages that became zero cost one op byte.
     */
    public static PendingFrame delta(RegionMeta meta, PageStore reference, PageUpdate update) {
        int pageSize = meta.pageSize();
        int n = update.size();
        int[] indices = new int[n];
        byte[][] olds = new byte[n][];
        byte[][] news = new byte[n][];
        int count = 0;
        int zeros = 0;
        long digest = meta.digest();
        // Many pages (a REGION event, a large burst): one scan of the stored pages costs less than a lookup each.
        byte[][] stored = n > 1 && n >= meta.regionPages() / SCAN_THRESHOLD_DIVISOR
                ? reference.scan(meta.regionPages()) : null;
        for (int i = 0; i < n; i++) {
            int index = update.indices()[i];
            byte[] page = checkPage(update.pages()[i], pageSize);
            byte[] old = index >= meta.regionPages() ? null : stored != null ? stored[index] : reference.get(index);
            boolean zero = Pages.isZero(page);
            if (zero ? old == null : old != null && Arrays.equals(old, page)) {
                continue;
            }
            indices[count] = index;
            olds[count] = old;
            news[count] = zero ? null : page;
            digest ^= PageHash.ofStored(index, old) ^ (zero ? 0L : PageHash.ofStored(index, page));
            if (zero) {
                zeros++;
            }
            count++;
        }
        int removedTo = meta.regionPages();
        int removedFrom = Math.min(update.regionPages(), removedTo);
        for (int index = removedFrom; index < removedTo; index++) {
            digest ^= PageHash.ofStored(index, stored != null ? stored[index] : reference.get(index));
        }
        RegionMeta after = new RegionMeta(meta.pageShift(), update.regionPages(), meta.epoch(), meta.chainIndex() + 1, digest);
        return new PendingFrame(FrameType.DELTA, after, count, indices, olds, news, count, indices, news,
                removedFrom, removedTo, n, zeros);
    }

    /**
     * A FULL frame that starts epoch {@code meta.epoch() + 1} (1 when {@code meta} is null) with the
     * region as it is after {@code update}: every non-zero page, read from {@code reference} where
     * the update does not bring it.
     */
    public static PendingFrame full(RegionMeta meta, int pageShift, PageStore reference, PageUpdate update) {
        return full(meta, meta == null ? 1 : meta.epoch() + 1, pageShift, reference, update);
    }

    /**
     * As {@link #full(RegionMeta, int, PageStore, PageUpdate)} with a chosen epoch, which must be
     * above the previous one (receivers refuse a keyframe that does not move the epoch forward).
     */
    public static PendingFrame full(RegionMeta meta, long epoch, int pageShift, PageStore reference, PageUpdate update) {
        if (epoch < 1 || meta != null && epoch <= meta.epoch()) {
            throw new IllegalArgumentException("epoch " + epoch + " does not follow " + (meta == null ? "nothing" : meta.epoch()));
        }
        if (meta != null && meta.pageShift() != pageShift) {
            throw new IllegalArgumentException("the page size changed: clear the reference and pass no previous meta");
        }
        int pageSize = 1 << pageShift;
        int regionPages = update.regionPages();
        int[] indices = new int[regionPages];
        byte[][] news = new byte[regionPages][];
        int[] changed = new int[update.size()];
        byte[][] changedPages = new byte[update.size()][];
        int changedCount = 0;
        int count = 0;
        long digest = 0;
        int u = 0;
        int oldRegionPages = meta == null ? 0 : meta.regionPages();
        // The pages the update does not bring come from the reference, read in one scan (none when the update brings them all).
        int keptPages = Math.min(regionPages, oldRegionPages);
        byte[][] kept = update.size() < regionPages && keptPages > 0 ? reference.scan(keptPages) : null;
        for (int index = 0; index < regionPages; index++) {
            byte[] page;
            if (u < update.size() && update.indices()[u] == index) {
                page = checkPage(update.pages()[u++], pageSize);
                if (Pages.isZero(page)) {
                    page = null;
                }
                changed[changedCount] = index;
                changedPages[changedCount++] = page;
            } else {
                page = kept != null && index < keptPages ? kept[index] : null;
            }
            if (page != null) {
                indices[count] = index;
                news[count++] = page;
                digest ^= PageHash.ofStored(index, page);
            }
        }
        int removedFrom = Math.min(regionPages, oldRegionPages);
        RegionMeta after = new RegionMeta(pageShift, regionPages, epoch, 0, digest);
        return new PendingFrame(FrameType.FULL, after, count, indices, new byte[count][], news, changedCount, changed,
                changedPages, removedFrom, oldRegionPages, update.size(), 0);
    }

    private static byte[] checkPage(byte[] page, int pageSize) {
        if (page.length != pageSize) {
            throw new IllegalArgumentException("page of " + page.length + " bytes in a region of " + pageSize + "-byte pages");
        }
        return page;
    }

    /** Brings {@code reference} to the image the receiver holds once it has applied the frame. */
    public static void commit(PendingFrame f, PageStore reference) {
        for (int i = 0; i < f.changedCount(); i++) {
            byte[] page = f.changedPages()[i];
            if (page == null) {
                reference.remove(f.changedIndices()[i]);
            } else {
                reference.put(f.changedIndices()[i], page);
            }
        }
        for (int index = f.removedFrom(); index < f.removedTo(); index++) {
            reference.remove(index);
        }
    }

    /** Writes the frame with one method and codec. */
    public static byte[] render(FrameInfo info, PendingFrame f, EncodeSpec spec) {
        return render(info, f, spec, null);
    }

    /**
     * Writes the frame with one method and codec and, when {@code dictionary} is not null and the
     * codec is zstd, that trained dictionary: the frame then carries its id and only receivers that
     * hold it can apply the frame. The dictionary is not used (and the id stays 0) for the DICT
     * method, which has its own raw-content dictionary, for other codecs, and when the block ends up
     * stored. The receivers must be able to get the dictionary before the frame: publish it first.
     */
    public static byte[] render(FrameInfo info, PendingFrame f, EncodeSpec spec, TrainedDictionary dictionary) {
        return render(info, f, spec, dictionary, false);
    }

    /** As {@link #render}; when {@code bounded}, returns null without compressing if the data block passes the spec's raw-share bound. */
    private static byte[] render(FrameInfo info, PendingFrame f, EncodeSpec spec, TrainedDictionary dictionary, boolean bounded) {
        RegionMeta after = f.after();
        int pageSize = after.pageSize();
        DeltaMethod method = f.type() == FrameType.FULL ? DeltaMethod.RAW : spec.method();
        Scratch scratchBuffers = SCRATCH.get();
        WireWriter data = scratchBuffers.data;
        data.rewind(0);
        byte[] dict = method == DeltaMethod.DICT ? new byte[f.count() * pageSize] : null;
        if (method == DeltaMethod.SPLIT) {
            SplitRuns.writeBlock(f.oldPages(), f.newPages(), f.count(), pageSize, data);
        } else {
            writeOps(f, method, pageSize, data, dict, scratchBuffers.page);
        }
        int dataRaw = data.position();
        if (bounded && spec.bounded() && dataRaw > spec.maxRawShare() * f.count() * (double) pageSize) {
            return null;
        }

        WireWriter block = scratchBuffers.block;
        block.rewind(0);
        CodecSpec codec = spec.codec();
        boolean trained = usesTrainedDictionary(method, codec, dictionary);
        if (f.count() > 0 && codec.codec() != BlockCodec.NONE) {
            if (trained) {
                BlockCodecs.compressTrained(codec, data.buffer(), 0, dataRaw, dictionary, block);
            } else {
                BlockCodecs.compress(codec, data.buffer(), 0, dataRaw, dict, block);
            }
            if (block.position() >= dataRaw) { // never expand: store instead
                block.rewind(0);
                codec = CodecSpec.NONE;
            }
        } else {
            codec = CodecSpec.NONE;
        }
        if (codec.codec() == BlockCodec.NONE) {
            block.bytes(data.buffer(), 0, dataRaw);
        }

        boolean bitmap = PageTable.preferBitmap(f.indices(), f.count(), after.regionPages());
        FrameHeader h = new FrameHeader(f.type(), method, codec.codec(), codec.level(), after.pageShift(), info.stateKey(),
                after.regionPages(), after.epoch(), after.chainIndex(), info.sourceSequence(), info.captureTimeMillis(),
                trained && codec.codec() == BlockCodec.ZSTD ? dictionary.id() : 0, f.count(), bitmap, dataRaw, block.position(),
                after.digest());
        WireWriter head = scratchBuffers.head;
        head.rewind(0);
        FrameFormat.writeHeader(h, head);
        PageTable.write(f.indices(), f.count(), after.regionPages(), bitmap, head);
        return FrameFormat.assemble(head, block);
    }

    /** The op byte of each page, then each page's payload (every method but SPLIT); fills {@code dict} with the old pages for DICT. */
    private static void writeOps(PendingFrame f, DeltaMethod method, int pageSize, WireWriter data, byte[] dict, WireWriter scratch) {
        data.reserve(f.count()); // op bytes, filled in below
        for (int i = 0; i < f.count(); i++) {
            byte[] old = f.oldPages()[i];
            byte[] page = f.newPages()[i];
            int op;
            if (page == null) {
                op = OP_ZERO;
            } else if (old == null || method == DeltaMethod.RAW || method == DeltaMethod.DICT) {
                op = OP_RAW;
                data.bytes(page);
            } else if (method == DeltaMethod.XOR) {
                op = OP_XOR;
                int at = data.reserve(pageSize);
                Pages.xor(old, 0, page, 0, data.buffer(), at, pageSize);
            } else {
                scratch.rewind(0);
                int n = Xbzrle.encode(old, 0, page, 0, pageSize, scratch);
                if (n < 0) {
                    op = OP_RAW;
                    data.bytes(page);
                } else {
                    op = OP_XBZRLE;
                    data.varint(n).bytes(scratch.buffer(), 0, n);
                }
            }
            data.buffer()[i] = (byte) op;
            if (dict != null && old != null) {
                System.arraycopy(old, 0, dict, i * pageSize, pageSize);
            }
        }
    }

    /** Whether {@link #render} compresses with the trained dictionary for this method and codec. */
    public static boolean usesTrainedDictionary(DeltaMethod method, CodecSpec codec, TrainedDictionary dictionary) {
        return dictionary != null && codec.codec() == BlockCodec.ZSTD && method != DeltaMethod.DICT;
    }

    /** Per-thread working buffers, so that rendering a frame allocates only the frame itself. */
    private static final class Scratch {
        final WireWriter data = new WireWriter(1 << 16);
        final WireWriter block = new WireWriter(1 << 16);
        final WireWriter head = new WireWriter(1 << 10);
        final WireWriter page = new WireWriter(1 << 12);
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /**
     * Renders with each spec and returns the smallest frame (the first one on a tie). A spec with a
     * raw-share bound ({@link EncodeSpec#maxRawShare}) is tried only on frames whose data block before
     * the codec is within it; one bounded by the earlier frames ({@link EncodeSpec#minEarlierShare})
     * only when the smallest frame so far is above that share of the page bytes. If no spec is tried,
     * the first is used without its bounds.
     */
    public static byte[] renderSmallest(FrameInfo info, PendingFrame f, List<EncodeSpec> specs) {
        byte[] best = null;
        double pageBytes = f.count() * (double) f.after().pageSize();
        java.util.Set<CodecSpec> keyframeCodecs = new java.util.HashSet<>();
        for (EncodeSpec spec : specs) {
            if (best != null && spec.afterEarlierOnly() && best.length <= spec.minEarlierShare() * pageBytes) {
                continue; // the earlier specs already made this frame small
            }
            if (f.type() == FrameType.FULL && !keyframeCodecs.add(spec.codec())) {
                continue; // a keyframe is RAW whatever the method: this codec was tried
            }
            byte[] frame = render(info, f, spec, null, true);
            if (frame == null) {
                continue;
            }
            if (best == null || frame.length < best.length) {
                best = frame;
            }
        }
        return best != null ? best : render(info, f, specs.get(0));
    }

    /**
     * A keyframe of the region as the reference holds it, with no update: FULL frame of epoch
     * {@code epoch}, built from one scan of the stored pages (zero pages cost nothing). Only for a
     * reference that holds the producer's state (its digest checked against the producer's).
     */
    public static PendingFrame keyframe(RegionMeta meta, long epoch, PageStore reference) {
        return full(meta, epoch, meta.pageShift(), reference, new PageUpdate(meta.regionPages(), new int[0], new byte[0][]));
    }

    /** A DELETE frame: the region is gone. */
    public static byte[] delete(FrameInfo info, RegionMeta meta) {
        int pageShift = meta == null ? 12 : meta.pageShift();
        long epoch = meta == null ? 0 : meta.epoch();
        int chain = meta == null ? 0 : meta.chainIndex() + 1;
        return pagelessFrame(FrameType.DELETE, info, pageShift, 0, epoch, chain, 0L);
    }

    /**
     * A RESYNC frame: the encoder cannot make frames that lead to the producer's memory for this
     * region until a whole region comes. It names where the receiver's image stands ({@code meta}:
     * the last frame sent, or null when the encoder holds nothing: epoch 0) and changes nothing.
     */
    public static byte[] resync(FrameInfo info, RegionMeta meta) {
        if (meta == null) {
            return pagelessFrame(FrameType.RESYNC, info, 12, 0, 0, 0, 0L);
        }
        return pagelessFrame(FrameType.RESYNC, info, meta.pageShift(), meta.regionPages(), meta.epoch(), meta.chainIndex(), meta.digest());
    }

    private static byte[] pagelessFrame(FrameType type, FrameInfo info, int pageShift, int regionPages, long epoch, int chain, long digest) {
        FrameHeader h = new FrameHeader(type, DeltaMethod.RAW, BlockCodec.NONE, 0, pageShift, info.stateKey(), regionPages,
                epoch, chain, info.sourceSequence(), info.captureTimeMillis(), 0, 0, false, 0, 0, digest);
        WireWriter out = new WireWriter(64);
        FrameFormat.writeHeader(h, out);
        return FrameFormat.finish(out);
    }
}
