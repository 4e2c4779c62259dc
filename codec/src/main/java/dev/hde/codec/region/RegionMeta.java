package dev.hde.codec.region;

/**
 * What both sides know about one region besides its pages: the page size, the number of pages,
 * where the chain stands (epoch and index of the last frame applied) and the region digest.
 */
public record RegionMeta(int pageShift, int regionPages, long epoch, int chainIndex, long digest) {

    public int pageSize() {
        return 1 << pageShift;
    }
}
