package dev.hde.operators;

import dev.hde.codec.Limits;
import dev.hde.codec.region.FrameApplier;
import dev.hde.codec.region.HeapPageStore;
import dev.hde.codec.region.RegionMeta;
import dev.hde.codec.wire.FrameFormat;
import dev.hde.codec.wire.FrameHeader;
import java.util.HashMap;
import java.util.Map;

/** A receiver outside Flink: the codec's {@link FrameApplier} over a {@link HeapPageStore} per state key. */
final class Receiver {

    private final FrameApplier applier = new FrameApplier(Limits.DEFAULT);
    private final Map<String, RegionMeta> metas = new HashMap<>();
    private final Map<String, HeapPageStore> stores = new HashMap<>();

    /** Applies a frame (throws the codec's HdeException if it is refused) and returns its header. */
    FrameHeader apply(FrameRecord frame) {
        FrameHeader header = FrameFormat.parse(frame.bytes, Limits.DEFAULT).header();
        if (!header.stateKey().equals(frame.stateKey)) {
            throw new AssertionError("frame record key " + frame.stateKey + " but header key " + header.stateKey());
        }
        HeapPageStore store = stores.computeIfAbsent(frame.stateKey, k -> new HeapPageStore());
        FrameApplier.Applied a = applier.apply(frame.bytes, metas.get(frame.stateKey), store);
        if (a.meta() == null) {
            metas.remove(frame.stateKey);
        } else {
            metas.put(frame.stateKey, a.meta());
        }
        return a.header();
    }

    HeapPageStore store(String key) {
        return stores.computeIfAbsent(key, k -> new HeapPageStore());
    }

    RegionMeta meta(String key) {
        return metas.get(key);
    }

    /** The region as a flat image, or null when the receiver holds nothing for it. */
    byte[] image(String key) {
        RegionMeta m = metas.get(key);
        if (m == null) {
            return null;
        }
        byte[] image = new byte[m.regionPages() * m.pageSize()];
        stores.get(key).copyTo(image, 0, m.regionPages(), m.pageSize());
        return image;
    }
}
