package dev.hde.state.crdt;

import java.util.Comparator;
import java.util.Objects;

/**
 * Where the latest keyframe (FULL frame) of one state key is: its epoch, the partition and offset
 * of the frame in the frames topic, its size, the region digest after it, the site whose frames
 * topic holds it, and the capture time of the event behind it.
 *
 * @param epoch the keyframe's epoch (at least 1); the first part of the catalog's LWW order
 * @param partition partition of the frames topic, or -1 while unknown
 * @param offset offset of the FULL frame in that partition, or -1 while unknown
 * @param sizeBytes bytes of the FULL frame
 * @param regionDigest the region digest after the frame (docs/wire-format.md)
 * @param site the site whose encoder made the frame
 * @param timeMillis producer capture time of the event behind the frame
 */
public record KeyframeInfo(long epoch, int partition, long offset, long sizeBytes, long regionDigest, String site, long timeMillis)
        implements Comparable<KeyframeInfo> {

    private static final Comparator<KeyframeInfo> ORDER = Comparator.comparingLong(KeyframeInfo::epoch)
            .thenComparingLong(KeyframeInfo::timeMillis)
            .thenComparing(KeyframeInfo::site)
            .thenComparingInt(KeyframeInfo::partition)
            .thenComparingLong(KeyframeInfo::offset)
            .thenComparingLong(KeyframeInfo::sizeBytes)
            .thenComparingLong(KeyframeInfo::regionDigest);

    public KeyframeInfo {
        if (epoch < 1) {
            throw new IllegalArgumentException("keyframe epochs start at 1: " + epoch);
        }
        if (partition < -1 || offset < -1 || offset == Long.MAX_VALUE) {
            throw new IllegalArgumentException("partition " + partition + " / offset " + offset + " (use -1 for unknown)");
        }
        if (sizeBytes < 0) {
            throw new IllegalArgumentException("negative size " + sizeBytes);
        }
        SiteIds.check(Objects.requireNonNull(site, "site"));
        if (timeMillis < 0 || timeMillis > Hlc.MAX_MILLIS) {
            throw new IllegalArgumentException("time " + timeMillis + " outside [0, " + Hlc.MAX_MILLIS + "]");
        }
    }

    /** True when the frames topic position is known. */
    public boolean hasPosition() {
        return partition >= 0 && offset >= 0;
    }

    /** A total order (epoch first), used only to break ties between registers with equal stamps. */
    @Override
    public int compareTo(KeyframeInfo o) {
        return ORDER.compare(this, o);
    }
}
