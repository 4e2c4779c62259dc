package dev.hde.codec.select;

import java.util.Collections;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What the selector has learned: for each (kind of data, {@link EncodeChoice}) the {@link Aggregate}
 * of its performance records, with a generation and the capture time of the newest record.
 *
 * <p>Merging is a commutative, associative, idempotent-free sum: the model of a set of records is
 * the same whatever the order they arrive in and however they were split between encoder subtasks
 * and partial aggregators. Models of different generations are not mixed: a merge keeps the higher
 * generation's sums (raising the generation is how an operator starts learning again, e.g. after
 * the kinds or the priors change). The version ({@link #isNewerThan}) is derived from the content
 * alone: (generation, asOf, records).
 *
 * <p>Immutable. {@link Builder} accumulates records; {@link SelectorModelFormat} is the binary form
 * that travels on the compacted topic {@code hde.selector-model}.
 */
public final class SelectorModel {

    /** A (kind, choice) cell of the model, ordered by kind, then choice. */
    public record Key(int kind, EncodeChoice choice) implements Comparable<Key> {
        public Key {
            if (kind < 0 || kind >= DataFeatures.KINDS) {
                throw new IllegalArgumentException("kind " + kind + " outside [0, " + DataFeatures.KINDS + ")");
            }
            Objects.requireNonNull(choice);
        }

        @Override
        public int compareTo(Key o) {
            int c = Integer.compare(kind, o.kind);
            return c != 0 ? c : choice.compareTo(o.choice);
        }
    }

    public static final SelectorModel EMPTY = new SelectorModel(0, 0, new TreeMap<>());

    private final long generation;
    private final long asOfMillis;
    private final NavigableMap<Key, Aggregate> cells;
    private final long records;

    SelectorModel(long generation, long asOfMillis, TreeMap<Key, Aggregate> cells) {
        if (generation < 0 || asOfMillis < 0) {
            throw new IllegalArgumentException("negative generation or time");
        }
        this.generation = generation;
        this.asOfMillis = asOfMillis;
        this.cells = Collections.unmodifiableNavigableMap(cells);
        long n = 0;
        for (Aggregate a : cells.values()) {
            n = Aggregate.add(n, a.records());
        }
        this.records = n;
    }

    /** An empty model of a generation: publish it to make every encoder start from the priors again. */
    public static SelectorModel empty(long generation) {
        return new SelectorModel(generation, 0, new TreeMap<>());
    }

    public long generation() {
        return generation;
    }

    /** Capture time of the newest record merged (0 when none carried one). */
    public long asOfMillis() {
        return asOfMillis;
    }

    /** Encoder and decoder records merged into this model. */
    public long records() {
        return records;
    }

    /** "g{generation}.t{asOf}.r{records}". */
    public String version() {
        return "g" + generation + ".t" + asOfMillis + ".r" + records;
    }

    /** Newer means a higher generation, then a later asOf, then more records: what an encoder keeps of two models. */
    public boolean isNewerThan(SelectorModel o) {
        if (generation != o.generation) {
            return generation > o.generation;
        }
        if (asOfMillis != o.asOfMillis) {
            return asOfMillis > o.asOfMillis;
        }
        return records > o.records;
    }

    /** The cells, in key order. */
    public NavigableMap<Key, Aggregate> cells() {
        return cells;
    }

    /** The cells of one kind, in choice order. */
    public NavigableMap<Key, Aggregate> cellsOfKind(int kind) {
        if (cells.isEmpty()) {
            return cells;
        }
        Key from = new Key(kind, FIRST_CHOICE);
        return kind + 1 < DataFeatures.KINDS ? cells.subMap(from, true, new Key(kind + 1, FIRST_CHOICE), false) : cells.tailMap(from, true);
    }

    /** Encoder records of a kind: the frames of that kind the model has seen. */
    public long framesOfKind(int kind) {
        long n = 0;
        for (Aggregate a : cellsOfKind(kind).values()) {
            n = Aggregate.add(n, a.count());
        }
        return n;
    }

    /** The least choice in key order (method, codec and level 0). */
    private static final EncodeChoice FIRST_CHOICE = EncodeChoice.parse("raw+none");

    public Aggregate aggregate(int kind, EncodeChoice choice) {
        Aggregate a = cells.get(new Key(kind, choice));
        return a == null ? Aggregate.ZERO : a;
    }

    /** The sum of two models (the higher generation's alone when they differ); see the class comment. */
    public SelectorModel merge(SelectorModel o) {
        if (o.generation != generation) {
            return o.generation > generation ? o : this;
        }
        TreeMap<Key, Aggregate> sum = new TreeMap<>(cells);
        for (Map.Entry<Key, Aggregate> e : o.cells.entrySet()) {
            sum.merge(e.getKey(), e.getValue(), Aggregate::plus);
        }
        return new SelectorModel(generation, Math.max(asOfMillis, o.asOfMillis), sum);
    }

    public Builder toBuilder() {
        Builder b = new Builder(generation);
        b.merge(this);
        return b;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SelectorModel m && m.generation == generation && m.asOfMillis == asOfMillis && m.cells.equals(cells);
    }

    @Override
    public int hashCode() {
        return Objects.hash(generation, asOfMillis, cells);
    }

    @Override
    public String toString() {
        return "SelectorModel " + version() + " (" + cells.size() + " cells)";
    }

    /** Accumulates records and models of one generation; not thread-safe. */
    public static final class Builder {
        private final long generation;
        private long asOfMillis;
        private final TreeMap<Key, Aggregate> cells = new TreeMap<>();

        public Builder(long generation) {
            if (generation < 0) {
                throw new IllegalArgumentException("negative generation");
            }
            this.generation = generation;
        }

        public Builder add(Observation o) {
            if (o.sums().isEmpty()) {
                return this;
            }
            cells.merge(new Key(o.kind(), o.choice()), o.sums(), Aggregate::plus);
            asOfMillis = Math.max(asOfMillis, o.captureTimeMillis());
            return this;
        }

        /** Adds a model of the same generation; a model of another generation is refused. */
        public Builder merge(SelectorModel m) {
            if (m.generation != generation) {
                throw new IllegalArgumentException("model of generation " + m.generation + " into a builder of generation " + generation);
            }
            for (Map.Entry<Key, Aggregate> e : m.cells.entrySet()) {
                cells.merge(e.getKey(), e.getValue(), Aggregate::plus);
            }
            asOfMillis = Math.max(asOfMillis, m.asOfMillis);
            return this;
        }

        public long generation() {
            return generation;
        }

        public int size() {
            return cells.size();
        }

        public SelectorModel build() {
            return new SelectorModel(generation, asOfMillis, new TreeMap<>(cells));
        }
    }
}
