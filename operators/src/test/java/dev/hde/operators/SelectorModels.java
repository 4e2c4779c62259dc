package dev.hde.operators;

import dev.hde.codec.select.DataFeatures;
import dev.hde.codec.select.EncodeChoice;
import dev.hde.codec.select.Observation;
import dev.hde.codec.select.SelectorConfig;
import dev.hde.codec.select.SelectorModel;
import dev.hde.codec.select.SelectorModelFormat;
import dev.hde.codec.wire.FrameType;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Selector models for tests, built only from {@link Observation#encoded} and merges, so that they
 * hold whatever sums the codec's model keeps.
 */
public final class SelectorModels {

    private SelectorModels() {}

    /**
     * A model in which {@code favoured} (and its keyframe form) is, for every kind of data, nearly free
     * (1 ns, 1 byte per frame) and every other default candidate slow (100 ns/B) and expanding (2x),
     * with about a million records per cell: a selector with it chooses {@code favoured} for every
     * frame, in any network mode.
     */
    public static SelectorModel favouring(long generation, long asOfMillis, String favoured) {
        return claiming(generation, asOfMillis, java.util.Map.of(favoured, new double[] {1.0 / (16 * 4096), 1.0 / (16 * 4096)}));
    }

    /**
     * A model in which each claimed choice (and its keyframe form) sends {@code claim[0]} bytes per page byte and takes
     * {@code claim[1]} ns per page byte to encode, for every kind of data, and every other default candidate is slow
     * (100 ns/B) and expanding (2x), with about a million records per cell: the estimates are what the model claims,
     * whatever the priors say.
     */
    public static SelectorModel claiming(long generation, long asOfMillis, java.util.Map<String, double[]> claims) {
        java.util.Map<EncodeChoice, double[]> claimed = new java.util.HashMap<>();
        claims.forEach((choice, claim) -> {
            EncodeChoice c = EncodeChoice.parse(choice);
            claimed.put(c, claim);
            claimed.put(c.forFrame(FrameType.FULL), claim);
        });
        Set<EncodeChoice> all = new LinkedHashSet<>(claimed.keySet());
        for (EncodeChoice c : SelectorConfig.DEFAULT_CANDIDATES) {
            all.add(c);
            all.add(c.forFrame(FrameType.FULL));
        }
        SelectorModel.Builder b = new SelectorModel.Builder(generation);
        long bytes = 16 * 4096;
        // A grid of features that covers every kind (entropy x changed share x new share).
        for (double entropy : new double[] {0.5, 2.0, 4.0, 6.0, 7.0, 7.9}) {
            for (double changed : new double[] {0.005, 0.03, 0.1, 0.3, 0.6, 1.0}) {
                for (double fresh : new double[] {0.0, 1.0}) {
                    DataFeatures features = new DataFeatures(entropy, 0.1, changed, 16, bytes, fresh);
                    for (EncodeChoice c : all) {
                        double[] claim = claimed.get(c);
                        b.add(claim != null ? Observation.encoded(features, c, Math.max(1, Math.round(claim[0] * bytes)),
                                Math.max(1, Math.round(claim[1] * bytes)), asOfMillis)
                                : Observation.encoded(features, c, 2 * bytes, 100 * bytes, asOfMillis));
                    }
                }
            }
        }
        SelectorModel m = b.build();
        for (int i = 0; i < 18; i++) {
            m = m.merge(m); // 2^18 copies of each record
        }
        return m;
    }

    public static byte[] bytes(SelectorModel m) {
        return SelectorModelFormat.write(m);
    }
}
