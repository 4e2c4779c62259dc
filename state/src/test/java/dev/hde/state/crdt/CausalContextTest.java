package dev.hde.state.crdt;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class CausalContextTest {

    @Test
    void outOfOrderDotsWaitInTheCloudAndFoldWhenTheGapCloses() {
        CausalContext c = new CausalContext();
        c.add(new Dot("a", 1));
        c.add(new Dot("a", 3));
        c.add(new Dot("a", 5));
        assertThat(c.versionVector().get("a")).isEqualTo(1);
        assertThat(c.cloud()).containsExactly(new Dot("a", 3), new Dot("a", 5));
        assertThat(c.contains(new Dot("a", 2))).isFalse();
        assertThat(c.contains(new Dot("a", 3))).isTrue();
        assertThat(c.max("a")).isEqualTo(5);
        assertThat(c.nextDot("a")).isEqualTo(new Dot("a", 6));
        c.add(new Dot("a", 2));
        assertThat(c.versionVector().get("a")).isEqualTo(3);
        assertThat(c.cloud()).containsExactly(new Dot("a", 5));
        c.add(new Dot("a", 4));
        assertThat(c.isCompact()).isTrue();
        assertThat(c.versionVector().get("a")).isEqualTo(5);
        assertThat(c.dotCount()).isEqualTo(5);
    }

    @Test
    void mergeRaisesPrefixesAndDropsCoveredCloudDots() {
        CausalContext a = new CausalContext();
        a.add(new Dot("a", 4));
        a.add(new Dot("a", 7));
        a.add(new Dot("b", 1));
        CausalContext b = new CausalContext();
        for (int i = 1; i <= 5; i++) {
            b.add(new Dot("a", i));
        }
        b.add(new Dot("c", 2));
        a.merge(b);
        assertThat(a.versionVector().asMap()).containsEntry("a", 5L).containsEntry("b", 1L).doesNotContainKey("c");
        assertThat(a.cloud()).containsExactly(new Dot("a", 7), new Dot("c", 2));
        assertThat(a.sites()).containsExactly("a", "b", "c");
    }

    @Test
    void theRepresentationIsCanonicalWhateverTheOrder() {
        Random rnd = new Random(11);
        for (int run = 0; run < 300; run++) {
            List<Dot> dots = new ArrayList<>();
            for (String s : new String[] {"a", "b", "c"}) {
                for (int i = 1; i <= 12; i++) {
                    if (rnd.nextInt(3) != 0) {
                        dots.add(new Dot(s, i));
                    }
                }
            }
            CausalContext sorted = new CausalContext();
            dots.forEach(sorted::add);
            Collections.shuffle(dots, rnd);
            // Built by single adds in a random order, or by merging random pieces.
            CausalContext shuffled = new CausalContext();
            CausalContext pieces = new CausalContext();
            CausalContext piece = new CausalContext();
            for (Dot d : dots) {
                shuffled.add(d);
                piece.add(d);
                if (rnd.nextInt(4) == 0) {
                    pieces.merge(piece);
                    piece = new CausalContext();
                }
            }
            pieces.merge(piece);
            assertThat(shuffled).isEqualTo(sorted);
            assertThat(pieces).isEqualTo(sorted);
            assertThat(pieces.hashCode()).isEqualTo(sorted.hashCode());
            for (Dot d : sorted.cloud()) {
                assertThat(d.counter()).isGreaterThan(sorted.versionVector().get(d.site()) + 1);
            }
            List<Dot> all = new ArrayList<>();
            sorted.forEachDot(all::add);
            assertThat(all).hasSize(dots.size()).containsExactlyInAnyOrderElementsOf(dots);
        }
    }
}
