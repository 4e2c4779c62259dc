package dev.hde.bench;

import dev.hde.codec.region.EncodeSpec;
import dev.hde.codec.region.FrameApplier;
import dev.hde.codec.region.HeapPageStore;
import dev.hde.codec.region.PageUpdate;
import dev.hde.codec.region.PendingFrame;
import dev.hde.codec.region.RegionEncoder;
import dev.hde.codec.region.RegionMeta;

/**
 * An HDE setting: per region and transition {@code RegionEncoder.delta}, {@code render} with one
 * {@link EncodeSpec}, {@code commit}; the receiver is {@link FrameApplier} on a {@link HeapPageStore}.
 * Regions without changed pages send nothing.
 */
public final class HdeScheme extends Scheme {

    private final java.util.List<EncodeSpec> specs;

    public HdeScheme(EncodeSpec spec) {
        this(java.util.List.of(spec));
    }

    /** Several specs: each frame is rendered with every one (within its raw-share bound) and the smallest kept, as a preset does. */
    public HdeScheme(java.util.List<EncodeSpec> specs) {
        this.specs = java.util.List.copyOf(specs);
    }

    public EncodeSpec spec() {
        return specs.get(0);
    }

    @Override
    public String name() {
        return specs.stream().map(EncodeSpec::toString).reduce((a, b) -> a + "|" + b).orElseThrow();
    }

    @Override
    public Sender sender(Dataset d) {
        HeapPageStore[] stores = new HeapPageStore[d.regions];
        RegionMeta[] metas = d.initialMeta.clone();
        for (int r = 0; r < d.regions; r++) {
            stores[r] = d.initialStore(r);
        }
        return out -> {
            long wire = 0;
            for (int t = 0; t < d.transitions(); t++) {
                for (int r = 0; r < d.regions; r++) {
                    PageUpdate update = d.updates[t][r];
                    if (update == null) {
                        continue;
                    }
                    PendingFrame pending = RegionEncoder.delta(metas[r], stores[r], update);
                    byte[] frame = specs.size() == 1 ? RegionEncoder.render(d.infos[t][r], pending, specs.get(0))
                            : RegionEncoder.renderSmallest(d.infos[t][r], pending, specs);
                    RegionEncoder.commit(pending, stores[r]);
                    metas[r] = pending.after();
                    wire += frame.length;
                    if (out != null) {
                        out[t][r] = frame;
                    }
                }
            }
            return wire;
        };
    }

    @Override
    public Receiver receiver(Dataset d) {
        FrameApplier applier = new FrameApplier();
        HeapPageStore[] stores = new HeapPageStore[d.regions];
        RegionMeta[] metas = d.initialMeta.clone();
        for (int r = 0; r < d.regions; r++) {
            stores[r] = d.initialStore(r);
        }
        return new Receiver() {
            @Override
            public long decodeAll(byte[][][] frames) {
                long sink = 0;
                for (byte[][] transition : frames) {
                    for (int r = 0; r < d.regions; r++) {
                        byte[] frame = transition[r];
                        if (frame != null) {
                            metas[r] = applier.apply(frame, metas[r], stores[r]).meta();
                            sink += metas[r].digest();
                        }
                    }
                }
                return sink;
            }

            @Override
            public String verify(byte[][][] frames) {
                for (int r = 0; r < d.regions; r++) {
                    String diff = d.compareWithLast(r, stores[r]);
                    if (diff != null) {
                        return diff;
                    }
                }
                return null;
            }
        };
    }
}
