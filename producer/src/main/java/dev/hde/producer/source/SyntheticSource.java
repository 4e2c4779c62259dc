package dev.hde.producer.source;

import dev.hde.codec.wire.PageUpdateEvent;
import dev.hde.producer.Source;
import dev.hde.producer.SyntheticWorkload;
import java.io.IOException;
import java.util.Locale;

/**
 * The synthetic VM workload of {@code hde demo} ({@link SyntheticWorkload}) as a source: round 0
 * publishes every region whole, each later round the pages the generator dirtied, false dirties
 * included (hypervisors report those too; the encoder recognises them). State keys {@code vm-NN/rNNNN}.
 * The generator numbers each key's events 1, 2, …; the source shifts them to start at
 * {@code firstSequence} like the other sources.
 */
public final class SyntheticSource implements Source {

    private final SyntheticWorkload workload;
    private final long sequenceShift;

    public SyntheticSource(SyntheticWorkload workload, long firstSequence) {
        if (firstSequence < 1) {
            throw new IllegalArgumentException("sequences start at 1 or later");
        }
        this.workload = workload;
        this.sequenceShift = firstSequence - 1;
    }

    public SyntheticWorkload workload() {
        return workload;
    }

    @Override
    public Scan scan(int round, Emitter out) throws IOException, InterruptedException {
        for (PageUpdateEvent e : workload.nextRound(System.currentTimeMillis())) {
            out.emit(sequenceShift == 0 ? e : e.withSequence(e.sequence() + sequenceShift));
        }
        long pages = (long) workload.stateKeys().size() * workload.settings().regionPages();
        return new Scan(pages, 0, 0);
    }

    @Override
    public boolean requestWhole(String stateKey) {
        return workload.stateKeys().contains(stateKey) && workload.requestWhole(stateKey);
    }

    @Override
    public boolean owns(String stateKey) {
        return workload.stateKeys().contains(stateKey);
    }

    @Override
    public boolean hasMore() {
        return true;
    }

    @Override
    public String describe() {
        SyntheticWorkload.Settings s = workload.settings();
        return String.format(Locale.ROOT,
                "synthetic workload: %d VMs x %d regions of %d pages of %d bytes, dirty rate %.3f, rewrite rate %.3f, random share %.3f, seed %d",
                s.vms(), s.regionsPerVm(), s.regionPages(), workload.pageSize(), s.dirtyRate(), s.rewriteRate(), s.randomShare(), s.seed());
    }
}
