package dev.hde.codec.region;

import dev.hde.codec.wire.FrameType;

/**
 * A frame worked out but not yet rendered or committed: which pages it lists (with their old and
 * new content), and the region it leaves behind. Rendering it with several {@link EncodeSpec}s
 * and keeping the smallest is how a selector can try choices without touching state twice.
 *
 * @param count how many entries of {@code indices}, {@code oldPages}, {@code newPages} are used
 * @param oldPages the reference content of each listed page (null = zero page, and always null in a FULL frame)
 * @param newPages the new content of each listed page (null = becomes a zero page)
 * @param changedIndices pages whose stored content changes on commit, with {@code changedPages} (null = remove)
 * @param removedFrom pages from here up to {@code removedTo} are dropped by a shrinking region
 */
public record PendingFrame(
        FrameType type,
        RegionMeta after,
        int count,
        int[] indices,
        byte[][] oldPages,
        byte[][] newPages,
        int changedCount,
        int[] changedIndices,
        byte[][] changedPages,
        int removedFrom,
        int removedTo,
        int pagesOffered,
        int zeroPages) {

    /** Bytes of page content this frame brings to the receiver (listed non-zero pages x page size). */
    public long changedBytes() {
        return (long) (count - zeroPages) * after.pageSize();
    }
}
