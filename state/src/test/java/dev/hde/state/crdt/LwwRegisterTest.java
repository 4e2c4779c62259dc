package dev.hde.state.crdt;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LwwRegisterTest {

    private static LwwRegister<String> r(String v, long epoch, long millis, int logical, String site) {
        return new LwwRegister<>(v, epoch, new Hlc(millis, logical), site);
    }

    @Test
    void epochFirstThenHlcThenSiteThenValue() {
        // A later epoch wins even with an older clock.
        assertThat(r("x", 2, 1, 0, "a").merge(r("y", 1, 9_999, 0, "z")).value()).isEqualTo("x");
        assertThat(r("x", 1, 5, 0, "a").merge(r("y", 1, 5, 1, "a")).value()).isEqualTo("y");
        assertThat(r("x", 1, 6, 0, "a").merge(r("y", 1, 5, 9, "a")).value()).isEqualTo("x");
        // Equal stamps but for the site: the larger site id wins, on both sides.
        assertThat(r("x", 1, 5, 0, "site-b").merge(r("y", 1, 5, 0, "site-a")).value()).isEqualTo("x");
        assertThat(r("y", 1, 5, 0, "site-a").merge(r("x", 1, 5, 0, "site-b")).value()).isEqualTo("x");
        // Equal stamps: the value decides, so the choice is still the same everywhere.
        assertThat(r("x", 1, 5, 0, "a").merge(r("y", 1, 5, 0, "a")).value()).isEqualTo("y");
        assertThat(r("x", 1, 5, 0, "a").compareStamp(r("y", 1, 5, 0, "a"))).isZero();
    }

    @Test
    void mergeIsASemilatticeJoinAndPicksTheMaximum() {
        Random rnd = new Random(3);
        for (int i = 0; i < 2_000; i++) {
            List<LwwRegister<String>> rs = new ArrayList<>();
            for (int j = 0; j < 3; j++) {
                rs.add(r("v" + rnd.nextInt(3), rnd.nextInt(3), rnd.nextInt(3), rnd.nextInt(2), "s" + rnd.nextInt(3)));
            }
            LwwRegister<String> a = rs.get(0);
            LwwRegister<String> b = rs.get(1);
            LwwRegister<String> c = rs.get(2);
            assertThat(a.merge(b)).isEqualTo(b.merge(a));
            assertThat(a.merge(b).merge(c)).isEqualTo(a.merge(b.merge(c)));
            assertThat(a.merge(a)).isEqualTo(a);
            assertThat(a.merge(b).merge(c)).isEqualTo(Collections.max(rs));
        }
    }
}
