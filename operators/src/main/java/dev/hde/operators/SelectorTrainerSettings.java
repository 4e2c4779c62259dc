package dev.hde.operators;

import java.io.Serializable;
import java.time.Duration;

/**
 * How the selector trainer aggregates and publishes (docs/selector.md, "The feedback loop in the job").
 *
 * @param generation the generation of the models it publishes: raise it to make every encoder start
 *     from the priors again (a model of a higher generation always wins; lower ones are ignored)
 * @param bucket width of one bucket of the capture-time window ({@link dev.hde.codec.select.ModelWindow})
 * @param buckets buckets kept: the model covers the records of the newest {@code bucket x buckets} of capture time
 * @param publishInterval how often (processing time) the model is published when records arrived since the last time
 */
public record SelectorTrainerSettings(long generation, Duration bucket, int buckets, Duration publishInterval) implements Serializable {

    public static final long DEFAULT_GENERATION = 1;
    public static final Duration DEFAULT_BUCKET = Duration.ofMinutes(10);
    public static final int DEFAULT_BUCKETS = 6;
    public static final Duration DEFAULT_PUBLISH_INTERVAL = Duration.ofSeconds(30);

    public static final SelectorTrainerSettings DEFAULT =
            new SelectorTrainerSettings(DEFAULT_GENERATION, DEFAULT_BUCKET, DEFAULT_BUCKETS, DEFAULT_PUBLISH_INTERVAL);

    public SelectorTrainerSettings {
        if (generation < 1) {
            throw new IllegalArgumentException("selector model generation must be at least 1 (0 is the empty model of the priors)");
        }
        if (bucket == null || bucket.toMillis() < 1) {
            throw new IllegalArgumentException("selector window bucket must be at least 1 ms");
        }
        if (buckets < 1 || buckets > 10_000) {
            throw new IllegalArgumentException("selector window buckets must be in [1, 10000]");
        }
        if (publishInterval == null || publishInterval.toMillis() < 1) {
            throw new IllegalArgumentException("selector publish interval must be at least 1 ms");
        }
    }

    public SelectorTrainerSettings withPublishInterval(Duration d) {
        return new SelectorTrainerSettings(generation, bucket, buckets, d);
    }
}
