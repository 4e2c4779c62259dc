package dev.hde.codec.select;

import dev.hde.codec.wire.FrameType;

/**
 * The selector's feedback loop without Flink: choose, observe, and every {@code publishEvery}
 * observations fold them into the model and start choosing with the new one, as the job does
 * through the side operator and the {@code hde.selector-model} topic (where the delay is the
 * publication interval). For offline replays and simulations; deterministic for a given sequence
 * of calls. Not thread-safe.
 */
public final class LearningLoop {

    private final SelectorConfig config;
    private final int publishEvery;
    private SelectorModel model;
    private SelectorModel.Builder pending;
    private int sincePublish;
    private Selector selector;
    private long published;

    public LearningLoop(SelectorConfig config, SelectorModel initial, int publishEvery) {
        if (publishEvery < 1) {
            throw new IllegalArgumentException("publishEvery must be at least 1");
        }
        this.config = config;
        this.publishEvery = publishEvery;
        this.model = initial;
        this.pending = new SelectorModel.Builder(initial.generation());
        this.selector = new Selector(config, initial);
    }

    public Selector.Decision decide(DataFeatures f, FrameType type, String stateKey, long sequence, boolean dictionaryAvailable) {
        return selector.decide(f, type, stateKey, sequence, dictionaryAvailable);
    }

    public void observe(Observation o) {
        pending.add(o);
        if (++sincePublish >= publishEvery) {
            publish();
        }
    }

    /** Folds what was observed since the last publication into the model. */
    public void publish() {
        if (pending.size() > 0) {
            model = model.merge(pending.build());
            selector = new Selector(config, model);
            published++;
        }
        pending = new SelectorModel.Builder(model.generation());
        sincePublish = 0;
    }

    public SelectorModel model() {
        return model;
    }

    public Selector selector() {
        return selector;
    }

    /** How many models were published. */
    public long publications() {
        return published;
    }
}
