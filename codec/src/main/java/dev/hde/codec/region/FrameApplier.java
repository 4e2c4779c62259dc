package dev.hde.codec.region;

import dev.hde.codec.HdeException;
import dev.hde.codec.HdeException.Kind;
import dev.hde.codec.Limits;
import dev.hde.codec.PageHash;
import dev.hde.codec.Pages;
import dev.hde.codec.block.BlockCodec;
import dev.hde.codec.block.BlockCodecs;
import dev.hde.codec.delta.DeltaMethod;
import dev.hde.codec.delta.SplitRuns;
import dev.hde.codec.delta.Xbzrle;
import dev.hde.codec.dict.DictionaryStore;
import dev.hde.codec.dict.TrainedDictionary;
import dev.hde.codec.wire.FrameFormat;
import dev.hde.codec.wire.FrameHeader;
import dev.hde.codec.wire.FrameType;
import dev.hde.codec.wire.WireReader;

/**
 * The receiver: applies frames to a region image and checks everything it can. A frame is fully
 * decoded and its resulting region digest verified before the store is touched, so a refused frame
 * leaves the image as it was, and a frame that is accepted leaves it byte-exact.
 */
public final class FrameApplier {

    private final Limits limits;
    private final DictionaryStore dictionaries;

    /** A receiver without trained dictionaries: it refuses every frame that names one ({@code UNKNOWN_DICTIONARY}). */
    public FrameApplier(Limits limits) {
        this(limits, DictionaryStore.NONE);
    }

    /** A receiver that decodes frames made with the trained dictionaries {@code dictionaries} holds. */
    public FrameApplier(Limits limits, DictionaryStore dictionaries) {
        this.limits = limits;
        this.dictionaries = java.util.Objects.requireNonNull(dictionaries);
    }

    public FrameApplier() {
        this(Limits.DEFAULT);
    }

    /**
     * A frame applied: the region's metadata after it (null once deleted) and the frame's header. For
     * a RESYNC frame the metadata is the one the image had: the receiver keeps its image and waits
     * for the next FULL frame.
     */
    public record Applied(RegionMeta meta, FrameHeader header) {}

    /**
     * Applies one frame.
     *
     * @param current the region's metadata, or null when the receiver holds nothing for it
     * @param store the region's pages, changed only when the frame is accepted
     */
    public Applied apply(byte[] frame, RegionMeta current, PageStore store) {
        return apply(frame, null, current, store);
    }

    /**
     * Applies one frame that must belong to {@code expectedKey} (null: any key), for receivers
     * that keep one image per state key and must not apply another key's frame to it.
     */
    public Applied apply(byte[] frame, String expectedKey, RegionMeta current, PageStore store) {
        FrameFormat.Parsed parsed = FrameFormat.parse(frame, limits, dictionaries);
        FrameHeader h = parsed.header();
        if (expectedKey != null && !expectedKey.equals(h.stateKey())) {
            throw new HdeException(Kind.KEY_MISMATCH, "frame of " + h.stateKey() + " for the image of " + expectedKey);
        }
        switch (h.type()) {
            case DELETE -> {
                checkDeleteFields(h);
                // Epoch 0 is an unconditional delete: the encoder had forgotten the region (pruned) but receivers may not have.
                if (current != null && h.epoch() != 0) {
                    if (h.epoch() != current.epoch()) {
                        throw new HdeException(Kind.EPOCH_MISMATCH, "delete of epoch " + h.epoch() + " on an image of epoch " + current.epoch());
                    }
                    if (h.chainIndex() != current.chainIndex() + 1) {
                        throw new HdeException(Kind.SEQUENCE_GAP, "delete " + h.epoch() + "." + h.chainIndex()
                                + " after " + current.epoch() + "." + current.chainIndex());
                    }
                }
                store.clear();
                return new Applied(null, h);
            }
            case RESYNC -> {
                // Changes nothing. A notice about an image names where that image stands (epoch 0: whatever the receiver holds).
                if (current != null && h.epoch() != 0 && (h.epoch() != current.epoch() || h.chainIndex() != current.chainIndex())) {
                    throw new HdeException(h.epoch() != current.epoch() ? Kind.EPOCH_MISMATCH : Kind.SEQUENCE_GAP, "resync notice after "
                            + h.epoch() + "." + h.chainIndex() + " on an image at " + current.epoch() + "." + current.chainIndex());
                }
                return new Applied(current, h);
            }
            case FULL -> {
                if (h.epoch() == 0) {
                    throw new HdeException(Kind.EPOCH_MISMATCH, "keyframe of epoch 0 (epoch 0 only names an unconditional delete)");
                }
                if (h.method() != DeltaMethod.RAW) {
                    throw new HdeException(Kind.UNKNOWN_METHOD, "keyframe with method " + h.method() + " (a keyframe carries whole pages: RAW)");
                }
                if (current != null && h.epoch() <= current.epoch()) {
                    throw new HdeException(Kind.EPOCH_MISMATCH, "keyframe of epoch " + h.epoch() + " after epoch " + current.epoch());
                }
                if (h.chainIndex() != 0) {
                    throw new HdeException(Kind.SEQUENCE_GAP, "keyframe with chain index " + h.chainIndex());
                }
            }
            case DELTA -> {
                if (current == null) {
                    throw new HdeException(Kind.NO_KEYFRAME, "delta frame " + h.epoch() + "." + h.chainIndex() + " before any keyframe");
                }
                if (h.epoch() != current.epoch()) {
                    throw new HdeException(Kind.EPOCH_MISMATCH, "delta of epoch " + h.epoch() + " on an image of epoch " + current.epoch());
                }
                if (h.chainIndex() != current.chainIndex() + 1) {
                    throw new HdeException(Kind.SEQUENCE_GAP, "delta " + h.epoch() + "." + h.chainIndex()
                            + " after " + current.epoch() + "." + current.chainIndex());
                }
                if (h.pageShift() != current.pageShift()) {
                    throw new HdeException(Kind.LENGTH_MISMATCH, "page size changed inside an epoch");
                }
            }
        }
        boolean delta = h.type() == FrameType.DELTA;
        int pageSize = h.pageSize();
        int tableBytes = parsed.dataOffset() - parsed.tableOffset();
        int[] indices = PageTable.read(frame, parsed.tableOffset(), tableBytes, h.pageCount(), h.regionPages(), h.tableIsBitmap());
        int count = indices.length;

        byte[][] olds = new byte[count][];
        if (delta) {
            for (int i = 0; i < count; i++) {
                olds[i] = indices[i] < current.regionPages() ? store.get(indices[i]) : null;
            }
        }
        byte[] dict = null;
        if (delta && h.method() == DeltaMethod.DICT && (h.codec() == BlockCodec.ZSTD || h.codec() == BlockCodec.LZMA
                || h.codec() == BlockCodec.BROTLI)) {
            dict = new byte[count * pageSize]; // count x page size <= region bytes <= limit < 2^31
            for (int i = 0; i < count; i++) {
                if (olds[i] != null) {
                    System.arraycopy(olds[i], 0, dict, i * pageSize, pageSize);
                }
            }
        }
        byte[] data = new byte[h.dataRawLength()]; // at most pageCount x (page size + 4), so within the region limit
        if (h.dictionaryId() != 0) {
            TrainedDictionary trained = dictionaries.byId(h.dictionaryId());
            if (trained == null) { // parse found it; a store that forgets is still never decoded without it
                throw new HdeException(Kind.UNKNOWN_DICTIONARY, "dictionary " + h.dictionaryId() + " is not known to this reader");
            }
            BlockCodecs.decompressTrained(h.codec(), frame, parsed.dataOffset(), h.dataBlockLength(), data, 0, h.dataRawLength(), trained);
        } else {
            BlockCodecs.decompress(h.codec(), frame, parsed.dataOffset(), h.dataBlockLength(), data, 0, h.dataRawLength(), dict);
        }

        byte[][] news = h.method() == DeltaMethod.SPLIT
                ? SplitRuns.decodeBlock(data, count, olds, pageSize)
                : decodePages(data, count, olds, pageSize, delta);

        long digest;
        if (delta) {
            digest = current.digest();
            for (int i = 0; i < count; i++) {
                digest ^= PageHash.ofStored(indices[i], olds[i]) ^ PageHash.ofStored(indices[i], news[i]);
            }
            for (int index = h.regionPages(); index < current.regionPages(); index++) {
                digest ^= PageHash.ofStored(index, store.get(index));
            }
        } else {
            digest = 0;
            for (int i = 0; i < count; i++) {
                digest ^= PageHash.ofStored(indices[i], news[i]);
            }
        }
        if (digest != h.digest()) {
            throw new HdeException(Kind.DIGEST_MISMATCH, String.format("region digest %016x, frame says %016x", digest, h.digest()));
        }

        if (!delta) {
            store.clear();
        } else {
            for (int index = h.regionPages(); index < current.regionPages(); index++) {
                store.remove(index);
            }
        }
        for (int i = 0; i < count; i++) {
            if (news[i] == null) {
                store.remove(indices[i]);
            } else {
                store.put(indices[i], news[i]);
            }
        }
        return new Applied(new RegionMeta(h.pageShift(), h.regionPages(), h.epoch(), h.chainIndex(), digest), h);
    }

    /** A DELETE frame's fields other than key, epoch, chain index, page shift, source sequence and capture time have one value each. */
    private static void checkDeleteFields(FrameHeader h) {
        if (h.method() != DeltaMethod.RAW) {
            throw new HdeException(Kind.UNKNOWN_METHOD, "a DELETE frame with method " + h.method() + " (it is RAW)");
        }
        if (h.codec() != BlockCodec.NONE || h.level() != 0) {
            throw new HdeException(Kind.UNKNOWN_CODEC, "a DELETE frame with codec " + h.codec() + " level " + h.level() + " (it is none, 0)");
        }
        if (h.regionPages() != 0) {
            throw new HdeException(Kind.LENGTH_MISMATCH, "a DELETE frame of " + h.regionPages() + " region pages (it is 0)");
        }
        if (h.digest() != 0) {
            throw new HdeException(Kind.DIGEST_MISMATCH, "a DELETE frame with a digest (it is 0)");
        }
    }

    private static byte[][] decodePages(byte[] data, int count, byte[][] olds, int pageSize, boolean delta) {
        WireReader r = new WireReader(data);
        r.skip(count, "page ops");
        byte[][] news = new byte[count][];
        for (int i = 0; i < count; i++) {
            int op = data[i];
            if (!delta && op != RegionEncoder.OP_RAW && op != RegionEncoder.OP_ZERO) {
                throw new HdeException(Kind.UNKNOWN_METHOD, "page op " + op + " in a keyframe (it has no old page: RAW or ZERO only)");
            }
            byte[] page;
            switch (op) {
                case RegionEncoder.OP_ZERO -> page = null;
                case RegionEncoder.OP_RAW -> {
                    int at = r.skip(pageSize, "raw page");
                    page = java.util.Arrays.copyOfRange(data, at, at + pageSize);
                }
                case RegionEncoder.OP_XOR -> {
                    int at = r.skip(pageSize, "xor page");
                    page = new byte[pageSize];
                    Pages.xor(olds[i], 0, data, at, page, 0, pageSize);
                }
                case RegionEncoder.OP_XBZRLE -> {
                    int n = r.varint("xbzrle length");
                    if (n >= pageSize) {
                        throw new HdeException(Kind.LENGTH_MISMATCH, "xbzrle encoding of " + n + " bytes for a page of " + pageSize);
                    }
                    page = olds[i] == null ? new byte[pageSize] : olds[i].clone();
                    Xbzrle.decode(r, n, page, pageSize);
                }
                default -> throw new HdeException(Kind.UNKNOWN_METHOD, "page op " + op);
            }
            news[i] = page != null && Pages.isZero(page) ? null : page;
        }
        r.expectEnd("data block");
        return news;
    }
}
