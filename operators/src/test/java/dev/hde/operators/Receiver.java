package dev.hde.operators;

import dev.hde.codec.Limits;
import dev.hde.codec.region.FrameApplier;
import dev.hde.codec.region.HeapPageStore;
import dev.hde.codec.region.RegionMeta;
import dev.hde.codec.region.RegionReceiver;
import dev.hde.codec.wire.FrameFormat;
import dev.hde.codec.wire.FrameHeader;
import java.util.HashMap;
import java.util.Map;

/** A receiver outside Flink: the codec's {@link RegionReceiver} over a {@link HeapPageStore} per state key. */
final class Receiver {

    private final RegionReceiver receiver = new RegionReceiver(new FrameApplier(Limits.DEFAULT));
    private final Map<String, RegionReceiver.State> states = new HashMap<>();
    private final Map<String, HeapPageStore> stores = new HashMap<>();

    /** Takes a frame (throws an AssertionError if it is refused) and returns its header. */
    FrameHeader apply(FrameRecord frame) {
        FrameHeader header = FrameFormat.parse(frame.bytes, Limits.DEFAULT).header();
        if (!header.stateKey().equals(frame.stateKey)) {
            throw new AssertionError("frame record key " + frame.stateKey + " but header key " + header.stateKey());
        }
        HeapPageStore store = stores.computeIfAbsent(frame.stateKey, k -> new HeapPageStore());
        RegionReceiver.Step step = receiver.receive(frame.bytes, frame.stateKey, state(frame.stateKey), store);
        states.put(frame.stateKey, step.state());
        if (step.outcome() == RegionReceiver.Outcome.REFUSED || step.outcome() == RegionReceiver.Outcome.IGNORED) {
            throw new AssertionError("the receiver refused a frame of " + frame.stateKey + ": " + step.state().error());
        }
        return header;
    }

    RegionReceiver.State state(String key) {
        return states.getOrDefault(key, RegionReceiver.State.EMPTY);
    }

    HeapPageStore store(String key) {
        return stores.computeIfAbsent(key, k -> new HeapPageStore());
    }

    RegionMeta meta(String key) {
        return state(key).image();
    }

    /** The encoder said it lost the producer's state of the region: the image is the last good one. */
    boolean waiting(String key) {
        return state(key).waiting();
    }

    /** The region as a flat image, or null when the receiver holds nothing for it. */
    byte[] image(String key) {
        RegionMeta m = meta(key);
        if (m == null) {
            return null;
        }
        byte[] image = new byte[m.regionPages() * m.pageSize()];
        stores.get(key).copyTo(image, 0, m.regionPages(), m.pageSize());
        return image;
    }
}
