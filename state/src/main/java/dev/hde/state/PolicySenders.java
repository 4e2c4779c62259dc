package dev.hde.state;

import dev.hde.codec.region.EncodeSpec;
import dev.hde.codec.region.HeapPageStore;
import dev.hde.codec.region.RegionEncoder;
import dev.hde.codec.trace.TraceReplay;
import java.util.List;

/**
 * {@code hde trace}'s sender with the encoder job's own rules: each region's events through an
 * {@link EventEncoder} with the job's refresh policy, each frame rendered with the fixed specs (the
 * smallest kept when there are several, as the job does). For the same events and settings it
 * sends exactly the frames the encoder job sends.
 */
public final class PolicySenders {

    private PolicySenders() {}

    private record Frame(byte[] frame) implements EventEncoder.Rendered {}

    public static TraceReplay.Senders of(RefreshPolicy policy, List<EncodeSpec> specs) {
        EventEncoder encoder = new EventEncoder(policy);
        return key -> new TraceReplay.RegionSender() {
            final HeapPageStore reference = new HeapPageStore();
            RegionState state;

            @Override
            public List<byte[]> send(dev.hde.codec.wire.PageUpdateEvent e) {
                EventEncoder.Outcome<Frame> o = encoder.apply(state, reference, e, (info, pending) -> new Frame(specs.size() == 1
                        ? RegionEncoder.render(info, pending, specs.get(0))
                        : RegionEncoder.renderSmallest(info, pending, specs)));
                state = o.state();
                if (o instanceof EventEncoder.Emit<Frame> made) {
                    return List.of(made.frame());
                }
                if (o instanceof EventEncoder.Resync<Frame> r) {
                    return List.of(r.notice());
                }
                if (o instanceof EventEncoder.Deleted<Frame> d) {
                    return List.of(d.frame());
                }
                return List.of();
            }
        };
    }
}
