package dev.hde.job.replay;

import dev.hde.codec.wire.PageUpdateEvent;
import dev.hde.codec.wire.PageUpdateEventFormat;
import dev.hde.operators.ValidEvent;
import dev.hde.producer.SyntheticWorkload;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import org.apache.flink.api.common.functions.FlatMapFunction;
import org.apache.flink.util.Collector;

/**
 * A seeded synthetic stream whose best choice changes half way: VM memory from the producer's
 * {@link SyntheticWorkload} (round 0: whole regions; then {@code compressibleRounds} rounds of
 * dirty pages, mostly small edits of text, code and heap pages), followed by
 * {@code encryptedRounds} rounds in which a share of each region's pages is rewritten with random
 * bytes, as encrypted or compressed memory looks. Round r has capture time r x 1 s and sequence
 * r + 1 in every region.
 *
 * @param dirtyRate share of each region's pages dirtied per compressible round
 * @param encryptedShare share of each region's pages rewritten per encrypted round
 */
public record SyntheticMixed(int vms, int regionsPerVm, int regionPages, int compressibleRounds, int encryptedRounds, double dirtyRate,
        double encryptedShare, long seed) implements Serializable {

    public static final long ROUND_MILLIS = 1000;
    private static final int PAGE_SHIFT = 12;

    public SyntheticMixed {
        if (vms < 1 || regionsPerVm < 1 || regionPages < 1 || compressibleRounds < 0 || encryptedRounds < 0) {
            throw new IllegalArgumentException("at least one VM, region and page; rounds not negative");
        }
        if (!(dirtyRate >= 0 && dirtyRate <= 1 && encryptedShare >= 0 && encryptedShare <= 1)) {
            throw new IllegalArgumentException("rates are shares between 0 and 1");
        }
    }

    /** 4 VMs x 4 regions of 256 pages (1 MiB), 12 compressible rounds (10% dirty) then 12 encrypted ones (12% rewritten). */
    public static SyntheticMixed defaults(long seed) {
        return new SyntheticMixed(4, 4, 256, 12, 12, 0.10, 0.12, seed);
    }

    public SyntheticMixed withRounds(int compressible, int encrypted) {
        return new SyntheticMixed(vms, regionsPerVm, regionPages, compressible, encrypted, dirtyRate, encryptedShare, seed);
    }

    public SyntheticMixed withRegions(int v, int perVm, int pages) {
        return new SyntheticMixed(v, perVm, pages, compressibleRounds, encryptedRounds, dirtyRate, encryptedShare, seed);
    }

    public String describe() {
        return String.format(java.util.Locale.ROOT,
                "synthetic mixed stream (seed %d): %d VMs x %d regions of %d pages; %d rounds of %.0f%% dirty compressible pages, "
                        + "then %d rounds of %.0f%% pages rewritten with random bytes",
                seed, vms, regionsPerVm, regionPages, compressibleRounds, 100 * dirtyRate, encryptedRounds, 100 * encryptedShare);
    }

    /** Hands out every event, round by round. */
    public void generate(Consumer<PageUpdateEvent> out) {
        SyntheticWorkload memory = new SyntheticWorkload(new SyntheticWorkload.Settings(vms, regionsPerVm, regionPages, PAGE_SHIFT, dirtyRate,
                0.05, 0.05, seed));
        for (int round = 0; round <= compressibleRounds; round++) {
            memory.nextRound(round * ROUND_MILLIS).forEach(out);
        }
        SplittableRandom random = new SplittableRandom(seed * 31 + 7);
        int pageSize = 1 << PAGE_SHIFT;
        for (int round = compressibleRounds + 1; round <= compressibleRounds + encryptedRounds; round++) {
            for (String key : memory.stateKeys()) {
                List<Integer> chosen = new ArrayList<>();
                for (int i = 0; i < regionPages; i++) {
                    if (random.nextDouble() < encryptedShare) {
                        chosen.add(i);
                    }
                }
                if (chosen.isEmpty()) {
                    continue;
                }
                int[] indices = chosen.stream().mapToInt(Integer::intValue).toArray();
                byte[][] pages = new byte[indices.length][pageSize];
                for (byte[] p : pages) {
                    random.nextBytes(p);
                }
                out.accept(memory.write(key, indices, pages, round * ROUND_MILLIS));
            }
        }
    }

    /** The generator as a Flink function: one element in, the stream's events out. */
    static final class Source implements FlatMapFunction<Long, ValidEvent> {
        private static final long serialVersionUID = 1L;
        private final SyntheticMixed settings;

        Source(SyntheticMixed settings) {
            this.settings = settings;
        }

        @Override
        public void flatMap(Long ignored, Collector<ValidEvent> out) {
            long[] n = new long[1];
            settings.generate(e -> {
                out.collect(new ValidEvent(e.stateKey(), PageUpdateEventFormat.write(e)));
                n[0]++;
            });
            ReplayProgress.report("%s: %d events generated", settings.describe(), n[0]);
        }
    }
}
