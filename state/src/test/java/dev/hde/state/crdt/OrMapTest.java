package dev.hde.state.crdt;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Comparator;
import org.junit.jupiter.api.Test;

/** The add-wins observed-remove map, scenario by scenario, with explicit stamps. */
class OrMapTest {

    private long tick = 1_000;

    private static OrMap<String, String> map() {
        return new OrMap<>(Comparator.naturalOrder());
    }

    private OrMap<String, String> put(OrMap<String, String> m, String site, String key, String value, long epoch) {
        return m.put(site, key, value, epoch, new Hlc(tick++, 0));
    }

    private static OrMap<String, String> merged(OrMap<String, String> a, OrMap<String, String> b) {
        OrMap<String, String> x = a.copy();
        x.merge(b);
        return x;
    }

    @Test
    void putThenGet() {
        OrMap<String, String> a = map();
        put(a, "a", "k", "v1", 1);
        assertThat(a.value("k")).isEqualTo("v1");
        put(a, "a", "k", "v2", 1);
        assertThat(a.value("k")).isEqualTo("v2");
        assertThat(a.entry("k")).hasSize(1).containsOnlyKeys(new Dot("a", 2));
        assertThat(a.size()).isEqualTo(1);
        assertThat(a.value("absent")).isNull();
    }

    @Test
    void aConcurrentAddWinsOverARemove() {
        OrMap<String, String> a = map();
        OrMap<String, String> b = map();
        put(a, "a", "k", "v1", 1);
        b.merge(a);
        // b removes what it saw while a writes k again: the new write was not observed by the remove.
        b.remove("k");
        put(a, "a", "k", "v2", 1);
        assertThat(merged(a, b).value("k")).isEqualTo("v2");
        assertThat(merged(b, a).value("k")).isEqualTo("v2");

        // The same with the add on another site.
        OrMap<String, String> c = map();
        OrMap<String, String> d = map();
        put(c, "c", "k", "v1", 1);
        d.merge(c);
        c.remove("k");
        put(d, "d", "k", "v3", 1);
        assertThat(merged(c, d).value("k")).isEqualTo("v3");
        assertThat(merged(c, d)).isEqualTo(merged(d, c));
        assertThat(merged(c, d).entry("k")).containsOnlyKeys(new Dot("d", 1));
    }

    @Test
    void aRemoveLeavesNoTombstoneOnlyItsDotsInTheContext() {
        OrMap<String, String> a = map();
        for (int i = 0; i < 1_000; i++) {
            put(a, "a", "k" + (i % 10), "v", 1);
            if (i % 3 == 0) {
                OrMap<String, String> d = a.remove("k" + (i % 10));
                assertThat(d.size()).isZero();
                assertThat(d.context().dotCount()).isEqualTo(1);
            }
        }
        for (int i = 0; i < 10; i++) {
            a.remove("k" + i);
        }
        assertThat(a.size()).isZero();
        assertThat(a.dotCount()).isZero();
        // All that is left of 1000 writes: one counter.
        CausalContext c = a.context();
        assertThat(c.isCompact()).isTrue();
        assertThat(c.versionVector().asMap()).containsExactly(java.util.Map.entry("a", 1_000L));
    }

    @Test
    void nothingRemovedComesBackFromAStaleReplica() {
        OrMap<String, String> a = map();
        put(a, "a", "k", "v1", 1);
        OrMap<String, String> stale = a.copy();
        a.remove("k");
        a.merge(stale);
        assertThat(a.value("k")).isNull();
        stale.merge(a);
        assertThat(stale.value("k")).isNull();
        assertThat(stale).isEqualTo(a);
    }

    @Test
    void aRemoveDeltaThatOvertakesItsAddStillWins() {
        OrMap<String, String> a = map();
        OrMap<String, String> addDelta = put(a, "a", "k", "v1", 1);
        OrMap<String, String> removeDelta = a.remove("k");
        OrMap<String, String> c = map();
        c.merge(removeDelta); // arrives first
        assertThat(c.context().cloud()).isEmpty();
        c.merge(addDelta);
        c.merge(addDelta); // and twice
        assertThat(c.value("k")).isNull();
        assertThat(c).isEqualTo(a);
    }

    @Test
    void deltasDeliveredOutOfOrderLeaveGapsThatAFullStateFills() {
        OrMap<String, String> a = map();
        OrMap<String, String> d1 = put(a, "a", "k1", "v1", 1);
        put(a, "a", "k2", "v2", 1); // lost
        OrMap<String, String> d3 = put(a, "a", "k3", "v3", 1);
        OrMap<String, String> c = map();
        c.merge(d3);
        c.merge(d1);
        assertThat(c.context().cloud()).containsExactly(new Dot("a", 3));
        assertThat(c.value("k2")).isNull();
        c.merge(a); // anti-entropy
        assertThat(c).isEqualTo(a);
        assertThat(c.context().isCompact()).isTrue();
    }

    @Test
    void concurrentPutsBothStayLiveUntilAWriteThatSawBoth() {
        OrMap<String, String> a = map();
        OrMap<String, String> b = map();
        put(a, "a", "k", "from-a", 3);
        put(b, "b", "k", "from-b", 3);
        OrMap<String, String> j = merged(a, b);
        assertThat(j.entry("k")).hasSize(2);
        assertThat(j.value("k")).isEqualTo("from-b"); // same epoch, later HLC
        assertThat(j.dotCount()).isEqualTo(2);
        put(j, "a", "k", "after-both", 3);
        assertThat(j.entry("k")).containsOnlyKeys(new Dot("a", 2));
    }

    @Test
    void aLowerEpochNeverHidesAHigherOneButSurvivesItsRemoval() {
        OrMap<String, String> a = map();
        OrMap<String, String> b = map();
        put(a, "a", "k", "epoch-10", 10);
        b.merge(a);
        put(b, "b", "k", "epoch-5", 5);
        assertThat(b.value("k")).isEqualTo("epoch-10");
        assertThat(b.entry("k")).hasSize(2);
        // a removes what it saw (epoch 10) concurrently with b's put: b's write survives.
        a.remove("k");
        assertThat(merged(a, b).value("k")).isEqualTo("epoch-5");
        assertThat(merged(b, a).value("k")).isEqualTo("epoch-5");
        // A later higher epoch retires the lower one.
        put(b, "b", "k", "epoch-11", 11);
        assertThat(b.entry("k")).hasSize(1);
    }

    @Test
    void aDeltaMergesLikeTheStateItCameFrom() {
        OrMap<String, String> a = map();
        OrMap<String, String> deltas = map();
        OrMap<String, String> group = map();
        String[] keys = {"x", "y", "z"};
        for (int i = 0; i < 60; i++) {
            OrMap<String, String> d = i % 4 == 3 ? a.remove(keys[i % 3]) : put(a, "a", keys[i % 3], "v" + i, 1 + i % 5);
            deltas.merge(d);
            group.merge(d);
        }
        assertThat(deltas).isEqualTo(a);
        OrMap<String, String> viaGroup = map();
        viaGroup.merge(group);
        assertThat(viaGroup).isEqualTo(a);
    }

    @Test
    void mergeReportsWhatChanged() {
        OrMap<String, String> a = map();
        OrMap<String, String> b = map();
        put(a, "a", "gone", "v", 1);
        put(a, "a", "changed", "old", 1);
        b.merge(a);
        b.remove("gone");
        put(b, "b", "changed", "new", 2);
        put(b, "b", "new", "v", 1);
        put(a, "a", "both", "a", 1);
        put(b, "b", "both", "b", 1);
        MergeReport r = a.merge(b);
        assertThat(r.added()).isEqualTo(1);
        assertThat(r.updated()).isEqualTo(2); // "changed", and "both" where b's later write wins
        assertThat(r.removed()).isEqualTo(1);
        assertThat(r.concurrent()).isEqualTo(1);
        assertThat(a.merge(b)).isEqualTo(MergeReport.NONE);
    }

    @Test
    void aPartialRemoveRetiresExactlyTheMatchingDots() {
        OrMap<String, String> j = map();
        for (String site : new String[] {"a", "b", "c", "d", "e"}) {
            OrMap<String, String> m = map();
            put(m, site, "k", "from-" + site, 1);
            j.merge(m);
        }
        assertThat(j.entry("k")).hasSize(5);
        // Dots b and d are inner nodes of the entry's tree (two children each): removing one must
        // retire it, not the successor whose place it takes.
        for (String gone : new String[] {"d", "b"}) {
            OrMap<String, String> d = j.remove("k", r -> r.site().equals(gone));
            assertThat(d.context().cloud()).isEmpty();
            assertThat(d.context().versionVector().asMap()).containsExactly(java.util.Map.entry(gone, 1L));
        }
        assertThat(j.entry("k")).containsOnlyKeys(new Dot("a", 1), new Dot("c", 1), new Dot("e", 1));
        assertThat(j.remove("k", r -> false).isEmpty()).isTrue();
        OrMap<String, String> other = map();
        other.merge(j.copy());
        assertThat(other).isEqualTo(j);
    }
}
