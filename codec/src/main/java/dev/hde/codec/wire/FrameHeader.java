package dev.hde.codec.wire;

import dev.hde.codec.block.BlockCodec;
import dev.hde.codec.delta.DeltaMethod;

/**
 * Everything in a frame before its page table; see docs/wire-format.md for the byte layout.
 *
 * @param chainIndex 0 for a FULL frame, n for the n-th DELTA frame of the epoch
 * @param sourceSequence the producer's sequence number of the event that made this frame
 * @param dictionaryId 0, or the id of a trained dictionary the data block needs (reserved)
 * @param tableIsBitmap whether the page table is a bitmap over the region instead of index gaps
 * @param digest the region digest after the frame is applied
 */
public record FrameHeader(
        FrameType type,
        DeltaMethod method,
        BlockCodec codec,
        int level,
        int pageShift,
        String stateKey,
        int regionPages,
        long epoch,
        int chainIndex,
        long sourceSequence,
        long captureTimeMillis,
        int dictionaryId,
        int pageCount,
        boolean tableIsBitmap,
        int dataRawLength,
        int dataBlockLength,
        long digest) {

    public int pageSize() {
        return 1 << pageShift;
    }
}
