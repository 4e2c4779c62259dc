package dev.hde.state.crdt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class VersionVectorTest {

    private static VersionVector vv(Object... siteCounter) {
        VersionVector v = new VersionVector();
        for (int i = 0; i < siteCounter.length; i += 2) {
            v.set((String) siteCounter[i], ((Number) siteCounter[i + 1]).longValue());
        }
        return v;
    }

    @Test
    void absentSitesAreZeroAndZeroIsAbsent() {
        VersionVector v = vv("a", 3, "b", 0);
        assertThat(v.get("a")).isEqualTo(3);
        assertThat(v.get("b")).isZero();
        assertThat(v.asMap()).containsExactly(Map.entry("a", 3L));
        assertThat(v).isEqualTo(vv("a", 3));
        assertThat(v.increment("b")).isEqualTo(1);
        assertThat(v.increment("b")).isEqualTo(2);
        assertThat(v.dotCount()).isEqualTo(5);
    }

    @Test
    void mergeIsPointwiseMax() {
        VersionVector a = vv("a", 3, "b", 1);
        a.merge(vv("b", 4, "c", 2));
        assertThat(a).isEqualTo(vv("a", 3, "b", 4, "c", 2));
    }

    @Test
    void comparisons() {
        VersionVector a = vv("a", 2, "b", 1);
        assertThat(a.compare(vv("a", 2, "b", 1))).isEqualTo(VersionVector.Order.EQUAL);
        assertThat(a.compare(vv("a", 1))).isEqualTo(VersionVector.Order.AFTER);
        assertThat(a.compare(vv("a", 2, "b", 1, "c", 1))).isEqualTo(VersionVector.Order.BEFORE);
        assertThat(a.compare(vv("a", 3))).isEqualTo(VersionVector.Order.CONCURRENT);
        assertThat(a.concurrentWith(vv("a", 3))).isTrue();
        assertThat(a.dominates(new VersionVector())).isTrue();
        assertThat(new VersionVector().compare(new VersionVector())).isEqualTo(VersionVector.Order.EQUAL);
        assertThat(a.contains(new Dot("a", 2))).isTrue();
        assertThat(a.contains(new Dot("a", 3))).isFalse();
        assertThat(a.contains(new Dot("z", 1))).isFalse();
    }

    @Test
    void mergeLawsOnRandomVectors() {
        Random rnd = new Random(7);
        for (int i = 0; i < 500; i++) {
            VersionVector a = random(rnd);
            VersionVector b = random(rnd);
            VersionVector c = random(rnd);
            assertThat(a.copy().merge(b)).isEqualTo(b.copy().merge(a));
            assertThat(a.copy().merge(b).merge(c)).isEqualTo(a.copy().merge(b.copy().merge(c)));
            assertThat(a.copy().merge(a)).isEqualTo(a);
            VersionVector j = a.copy().merge(b);
            assertThat(j.dominates(a) && j.dominates(b)).isTrue();
            // compare agrees with dominates both ways
            VersionVector.Order o = a.compare(b);
            assertThat(o == VersionVector.Order.EQUAL || o == VersionVector.Order.AFTER).isEqualTo(a.dominates(b));
            assertThat(o == VersionVector.Order.EQUAL || o == VersionVector.Order.BEFORE).isEqualTo(b.dominates(a));
        }
    }

    private static VersionVector random(Random rnd) {
        VersionVector v = new VersionVector();
        for (String s : new String[] {"a", "b", "c"}) {
            v.set(s, rnd.nextInt(3));
        }
        return v;
    }

    @Test
    void refusesBadInput() {
        assertThatThrownBy(() -> vv("a", -1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> vv("has space", 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> vv("", 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Dot("a", 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
