package dev.hde.producer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hde.codec.Limits;
import dev.hde.codec.Pages;
import dev.hde.codec.region.PageUpdate;
import dev.hde.codec.wire.EventKind;
import dev.hde.codec.wire.PageUpdateEvent;
import dev.hde.codec.wire.PageUpdateEventFormat;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SyntheticWorkloadTest {

    private static final long T0 = 1_700_000_000_000L;

    /** Small enough to run in milliseconds, big enough for every kind of page and edit. */
    private static SyntheticWorkload.Settings small(long seed) {
        return SyntheticWorkload.Settings.DEFAULT.withVms(2, 3).withRegionPages(64).withDirtyRate(0.1).withSeed(seed);
    }

    /** The producer's memory as seen through its events only. */
    private static final class Model {
        final Map<String, byte[][]> regions = new HashMap<>();
        final int pageSize;

        Model(int pageSize) {
            this.pageSize = pageSize;
        }

        void apply(PageUpdateEvent e) {
            PageUpdate u = e.toPageUpdate();
            byte[][] pages = regions.computeIfAbsent(e.stateKey(), k -> new byte[0][]);
            if (pages.length != u.regionPages()) {
                byte[][] resized = Arrays.copyOf(pages, u.regionPages());
                for (int i = pages.length; i < resized.length; i++) {
                    resized[i] = new byte[pageSize];
                }
                pages = resized;
            }
            for (int i = 0; i < u.size(); i++) {
                assertThat(u.pages()[i]).hasSize(pageSize);
                pages[u.indices()[i]] = u.pages()[i].clone();
            }
            regions.put(e.stateKey(), pages);
        }

        byte[] image(String key) {
            byte[][] pages = regions.get(key);
            byte[] image = new byte[pages.length * pageSize];
            for (int i = 0; i < pages.length; i++) {
                System.arraycopy(pages[i], 0, image, i * pageSize, pageSize);
            }
            return image;
        }
    }

    private static List<List<PageUpdateEvent>> rounds(SyntheticWorkload w, int n) {
        List<List<PageUpdateEvent>> out = new ArrayList<>();
        for (int r = 0; r < n; r++) {
            out.add(w.nextRound(T0 + r * 1000L));
        }
        return out;
    }

    @Test
    void deterministicForASeed() {
        List<List<PageUpdateEvent>> a = rounds(new SyntheticWorkload(small(5)), 6);
        List<List<PageUpdateEvent>> b = rounds(new SyntheticWorkload(small(5)), 6);
        assertThat(a).isEqualTo(b); // PageUpdateEvent compares page contents
        SyntheticWorkload w1 = new SyntheticWorkload(small(5));
        SyntheticWorkload w2 = new SyntheticWorkload(small(5));
        rounds(w1, 3);
        rounds(w2, 3);
        for (String key : w1.stateKeys()) {
            assertThat(w1.image(key)).isEqualTo(w2.image(key));
        }
    }

    @Test
    void anotherSeedGivesOtherMemory() {
        SyntheticWorkload a = new SyntheticWorkload(small(5));
        SyntheticWorkload b = new SyntheticWorkload(small(6));
        assertThat(a.image(a.stateKeys().get(0))).isNotEqualTo(b.image(b.stateKeys().get(0)));
    }

    @Test
    void keysAreStableAndOneEventPerRegionPerRound() {
        SyntheticWorkload w = new SyntheticWorkload(small(1));
        assertThat(w.stateKeys()).containsExactly("vm-00/r0000", "vm-00/r0001", "vm-00/r0002", "vm-01/r0000", "vm-01/r0001", "vm-01/r0002");
        assertThat(w.pageSize()).isEqualTo(4096);
        assertThat(w.roundsDone()).isZero();
        for (List<PageUpdateEvent> round : rounds(w, 4)) {
            assertThat(round).extracting(PageUpdateEvent::stateKey).containsExactlyElementsOf(w.stateKeys());
        }
        assertThat(w.roundsDone()).isEqualTo(4);
    }

    @Test
    void roundZeroIsWholeRegionsThenPagesWithIncreasingSequences() {
        SyntheticWorkload w = new SyntheticWorkload(small(2));
        List<List<PageUpdateEvent>> rounds = rounds(w, 8);
        assertThat(rounds.get(0)).allSatisfy(e -> {
            assertThat(e.kind()).isEqualTo(EventKind.REGION);
            assertThat(e.regionPages()).isEqualTo(64);
            assertThat(e.indices()).hasSize(64);
            assertThat(e.sequence()).isEqualTo(1);
            assertThat(e.captureTimeMillis()).isEqualTo(T0);
        });
        for (int r = 1; r < rounds.size(); r++) {
            for (PageUpdateEvent e : rounds.get(r)) {
                assertThat(e.kind()).isEqualTo(EventKind.PAGES);
                assertThat(e.sequence()).as("%s round %d", e.stateKey(), r).isEqualTo(r + 1L);
                assertThat(e.captureTimeMillis()).isEqualTo(T0 + r * 1000L);
                assertThat(e.regionPages()).isEqualTo(64);
                assertThat(e.indices()).isNotEmpty().isSorted().doesNotHaveDuplicates();
                assertThat(Arrays.stream(e.indices()).boxed().toList()).allSatisfy(i -> assertThat(i).isBetween(0, 63));
                assertThat(e.pageShift()).isEqualTo(12);
            }
        }
    }

    @Test
    void eventsRebuildExactlyTheTrueMemory() {
        for (long seed = 1; seed <= 5; seed++) {
            SyntheticWorkload w = new SyntheticWorkload(small(seed));
            Model model = new Model(w.pageSize());
            for (int r = 0; r < 12; r++) {
                for (PageUpdateEvent e : w.nextRound(T0 + r)) {
                    model.apply(e);
                }
                for (String key : w.stateKeys()) {
                    assertThat(model.image(key)).as("seed %d, round %d, %s", seed, r, key).isEqualTo(w.image(key));
                }
            }
        }
    }

    @Test
    void eventsSurviveTheWireFormat() {
        SyntheticWorkload w = new SyntheticWorkload(small(3));
        for (int r = 0; r < 4; r++) {
            for (PageUpdateEvent e : w.nextRound(T0 + r)) {
                assertThat(PageUpdateEventFormat.parse(PageUpdateEventFormat.write(e), Limits.DEFAULT)).isEqualTo(e);
            }
        }
    }

    @Test
    void falseDirtiesZeroPagesEditsAndRewritesAllOccur() {
        SyntheticWorkload w = new SyntheticWorkload(small(4));
        Model model = new Model(w.pageSize());
        int falseDirty = 0;
        int becameZero = 0;
        int smallEdit = 0;
        int rewritten = 0;
        int reported = 0;
        for (PageUpdateEvent e : w.nextRound(T0)) {
            model.apply(e);
        }
        for (int r = 1; r < 15; r++) {
            for (PageUpdateEvent e : w.nextRound(T0 + r)) {
                byte[][] before = model.regions.get(e.stateKey()).clone();
                for (int i = 0; i < e.indices().length; i++) {
                    byte[] old = before[e.indices()[i]];
                    byte[] now = e.pages()[i];
                    reported++;
                    int differing = 0;
                    for (int b = 0; b < now.length; b++) {
                        if (old[b] != now[b]) {
                            differing++;
                        }
                    }
                    if (differing == 0) {
                        falseDirty++;
                    } else if (Pages.isZero(now)) {
                        becameZero++;
                    } else if (differing < 200) {
                        smallEdit++;
                    } else {
                        rewritten++;
                    }
                }
                model.apply(e);
            }
        }
        assertThat(falseDirty).as("false dirties among %d reported pages", reported).isPositive();
        assertThat(becameZero).isPositive();
        assertThat(smallEdit).isPositive();
        assertThat(rewritten).isPositive();
        // Mostly small edits, as the generator's documentation says; false dirties about a tenth.
        assertThat(smallEdit).isGreaterThan(rewritten);
        assertThat((double) falseDirty / reported).isBetween(0.03, 0.25);
    }

    @Test
    void memoryHoldsAMixOfPageKinds() {
        SyntheticWorkload w = new SyntheticWorkload(small(9).withVms(2, 4));
        int zero = 0;
        int total = 0;
        for (String key : w.stateKeys()) {
            byte[] image = w.image(key);
            for (int off = 0; off < image.length; off += w.pageSize()) {
                total++;
                if (Pages.isZero(image, off, w.pageSize())) {
                    zero++;
                }
            }
        }
        assertThat(zero).as("zero pages of %d", total).isBetween(total / 10, total / 2);
    }

    @Test
    void imageOfAnUnknownKeyIsRefused() {
        SyntheticWorkload w = new SyntheticWorkload(small(1));
        assertThatThrownBy(() -> w.image("vm-99/r0000")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void settingsAreChecked() {
        assertThatThrownBy(() -> SyntheticWorkload.Settings.DEFAULT.withVms(0, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SyntheticWorkload.Settings.DEFAULT.withRegionPages(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SyntheticWorkload.Settings.DEFAULT.withDirtyRate(1.5)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SyntheticWorkload.Settings.DEFAULT.withDirtyRate(-0.1)).isInstanceOf(IllegalArgumentException.class);
    }

    private static long digestOf(byte[] image, int pageSize) {
        long d = 0;
        for (int i = 0; i < image.length / pageSize; i++) {
            d ^= dev.hde.codec.PageHash.of(i, image, i * pageSize, pageSize);
        }
        return d;
    }

    @Test
    void eventsCarryTheDigestOfTheTrueMemoryAndIdleRegionsAskedForWholeAreSentAsTheyAre() {
        SyntheticWorkload w = new SyntheticWorkload(SyntheticWorkload.Settings.DEFAULT.withVms(2, 2).withRegionPages(16).withSeed(3));
        String idle = w.stateKeys().get(0);
        for (int round = 0; round < 6; round++) {
            java.util.List<dev.hde.codec.wire.PageUpdateEvent> events = w.nextRound(1000L * round, k -> !k.equals(idle));
            for (dev.hde.codec.wire.PageUpdateEvent e : events) {
                assertThat(e.digest()).as("%s round %d", e.stateKey(), round).hasValue(digestOf(w.image(e.stateKey()), w.pageSize()));
            }
            if (round > 0) {
                assertThat(events).noneMatch(e -> e.stateKey().equals(idle));
            }
        }
        byte[] before = w.image(idle);
        assertThat(w.requestWhole(idle)).isTrue();
        assertThat(w.requestWhole("vm-99/r0000")).isFalse();
        java.util.List<dev.hde.codec.wire.PageUpdateEvent> answer = w.nextRound(9000, k -> !k.equals(idle));
        dev.hde.codec.wire.PageUpdateEvent whole = answer.stream().filter(e -> e.stateKey().equals(idle)).findFirst().orElseThrow();
        assertThat(whole.kind()).isEqualTo(dev.hde.codec.wire.EventKind.REGION);
        assertThat(w.image(idle)).as("an idle region does not change").isEqualTo(before);
        assertThat(whole.digest()).hasValue(digestOf(before, w.pageSize()));
    }

    @Test
    void anIdleRegionSendsAnEmptyEventWithItsNextSequenceOncePerHeartbeat() {
        SyntheticWorkload w = new SyntheticWorkload(SyntheticWorkload.Settings.DEFAULT.withVms(1, 2).withRegionPages(8).withSeed(5))
                .heartbeat(java.time.Duration.ofSeconds(3));
        String idle = w.stateKeys().get(0);
        w.nextRound(0, k -> true);
        byte[] before = w.image(idle);
        List<PageUpdateEvent> beats = new ArrayList<>();
        for (long t = 1000; t <= 7000; t += 1000) {
            w.nextRound(t, k -> !k.equals(idle)).stream().filter(e -> e.stateKey().equals(idle)).forEach(beats::add);
        }
        assertThat(beats).extracting(PageUpdateEvent::captureTimeMillis).containsExactly(3000L, 6000L);
        assertThat(beats).extracting(PageUpdateEvent::sequence).containsExactly(2L, 3L);
        assertThat(beats).allSatisfy(e -> {
            assertThat(e.kind()).isEqualTo(EventKind.PAGES);
            assertThat(e.indices()).isEmpty();
            assertThat(e.digest()).hasValue(digestOf(before, w.pageSize()));
        });
        assertThat(w.image(idle)).isEqualTo(before);
    }
}
