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

    private final EncodeSpec spec;

    public HdeScheme(EncodeSpec spec) {
        this.spec = spec;
    }

    public EncodeSpec spec() {
        return spec;
    }

    @Override
    public String name() {
        return spec.toString();
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
                    byte[] frame = RegionEncoder.render(d.infos[t][r], pending, spec);
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
