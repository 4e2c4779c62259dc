package dev.hde.job.replay;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hde.codec.Limits;
import dev.hde.codec.select.EncodeChoice;
import dev.hde.codec.testing.PagePatterns;
import dev.hde.codec.wire.FrameType;
import dev.hde.codec.wire.PageUpdateEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The per-region replay without Flink: lanes, refresh rules, deletes, verification. */
class RegionReplayTest {

    static final int PAGE = 4096;
    static final int SHIFT = 12;
    static final String KEY = "vm-1/r0000";
    static final EncodeChoice ZSTD3 = EncodeChoice.parse("xbzrle+zstd-3");

    /** A region of {@code pages} pages: a whole-region event, then {@code steps} events of sparse edits, {@code stepMillis} apart. */
    static List<PageUpdateEvent> edits(int pages, int steps, long stepMillis, long seed) {
        PagePatterns pp = new PagePatterns(seed, PAGE);
        SplittableRandom rnd = new SplittableRandom(seed);
        byte[] image = pp.image(pages);
        List<PageUpdateEvent> out = new ArrayList<>();
        out.add(PageUpdateEvent.region(KEY, SHIFT, 1, 0, PagePatterns.wholeRegion(image, pages, PAGE).pages()));
        for (int s = 1; s <= steps; s++) {
            byte[] before = image.clone();
            for (int i = 0; i < pages; i++) {
                if (rnd.nextInt(100) < 15 || i == s % pages) {
                    pp.sparseEdits(image, i, 1 + rnd.nextInt(8));
                }
            }
            out.add(event(image, pages, s + 1, s * stepMillis, PagePatterns.changedPages(before, pages, image, pages, PAGE)));
        }
        return out;
    }

    static PageUpdateEvent event(byte[] image, int pages, long sequence, long time, int[] indices) {
        byte[][] content = new byte[indices.length][];
        for (int j = 0; j < indices.length; j++) {
            content[j] = java.util.Arrays.copyOfRange(image, indices[j] * PAGE, (indices[j] + 1) * PAGE);
        }
        return PageUpdateEvent.pages(KEY, SHIFT, pages, sequence, time, indices, content);
    }

    static Map<String, ReplayResult> totals(RegionReplay replay) {
        Map<String, ReplayResult> out = new HashMap<>();
        for (ReplayResult r : replay.results()) {
            out.computeIfAbsent(r.config, c -> ReplayResult.totals(c, null, 0)).add(r);
        }
        return out;
    }

    @Test
    void everyLaneVerifiesAndTheRefreshRulesMakeTheirKeyframes() {
        List<RegionReplay.Lane> lanes = List.of(
                RegionReplay.Lane.fixed("plain", ZSTD3, null),
                RegionReplay.Lane.fixed("lz4", EncodeChoice.parse("xbzrle+lz4"), null),
                RegionReplay.Lane.fixed("chain-5", ZSTD3, ReplaySettings.policy("chain-5").withSizeRule(false)),
                RegionReplay.Lane.fixed("interval", ZSTD3, ReplaySettings.policy("interval-4s").withSizeRule(false)));
        RegionReplay replay = new RegionReplay(KEY, Limits.DEFAULT, lanes, List.of(ZSTD3));
        int shared = 0;
        for (PageUpdateEvent e : edits(32, 12, 1000, 3)) {
            if (replay.process(e, e.captureTimeMillis() / 1000) != null) {
                shared++;
            }
        }
        replay.finish();
        Map<String, ReplayResult> t = totals(replay);
        for (RegionReplay.Lane lane : replay.lanes()) {
            assertThat(lane.failure).as(lane.name).isNull();
        }
        assertThat(shared).isEqualTo(13);
        assertThat(t.get("plain").fullFrames).isEqualTo(1);
        assertThat(t.get("plain").deltaFrames).isEqualTo(12);
        // chain of 5: keyframes at events 1, 7 and 13
        assertThat(t.get("chain-5").fullFrames).isEqualTo(3);
        // a keyframe every 4 s of capture time: at 0, 4, 8 and 12 s
        assertThat(t.get("interval").fullFrames).isEqualTo(4);
        assertThat(t.get("plain").inputBytes).isEqualTo(t.get("chain-5").inputBytes).isEqualTo(t.get("lz4").inputBytes);
        assertThat(t.get("chain-5").pageBytes).isGreaterThan(t.get("plain").pageBytes);
        assertThat(t.get("chain-5").wireBytes).isGreaterThan(t.get("plain").wireBytes);
        assertThat(t.get("plain").tableEncodeNanos).isPositive();
        assertThat(t.get("plain").events).isEqualTo(13);
    }

    @Test
    void theAgeRuleRefreshesAKeyframeBeforeAnEventThatComesAfterItsMaximumAge() {
        RefreshLaneFixture f = new RefreshLaneFixture(ReplaySettings.policy("interval-1h").withMaxAge(Duration.ofMinutes(15)));
        List<PageUpdateEvent> events = edits(16, 3, 1000, 5);
        long late = Duration.ofMinutes(20).toMillis();
        PageUpdateEvent last = events.get(3);
        events.set(3, PageUpdateEvent.pages(KEY, SHIFT, last.regionPages(), last.sequence(), late, last.indices(), last.pages()));
        events.forEach(e -> f.replay.process(e, 0));
        f.replay.finish();
        ReplayResult t = totals(f.replay).get("refresh");
        assertThat(f.replay.lanes().get(0).failure).isNull();
        assertThat(t.fullFrames).as("first keyframe, and the event after 15 min is a keyframe for its age").isEqualTo(2);
        assertThat(t.deltaFrames).isEqualTo(2);
    }

    private static final class RefreshLaneFixture {
        final RegionReplay replay;

        RefreshLaneFixture(dev.hde.state.RefreshPolicy policy) {
            replay = new RegionReplay(KEY, Limits.DEFAULT, List.of(RegionReplay.Lane.fixed("refresh", ZSTD3, policy)), List.of());
        }
    }

    @Test
    void deletesDuplicatesAndPageSizeChangesAreReplayedAsTheEncoderDoes() {
        List<RegionReplay.Lane> lanes = List.of(RegionReplay.Lane.fixed("plain", ZSTD3, null),
                RegionReplay.Lane.fixed("default", ZSTD3, ReplaySettings.policy("default")));
        RegionReplay replay = new RegionReplay(KEY, Limits.DEFAULT, lanes, List.of(ZSTD3));
        List<PageUpdateEvent> first = edits(8, 2, 1000, 7);
        first.forEach(e -> replay.process(e, 0));
        assertThat(replay.process(first.get(2), 0)).as("a repeated sequence is skipped").isNull();
        assertThat(replay.process(PageUpdateEvent.delete(KEY, SHIFT, 4, 3000), 0)).isNull();
        // the region comes back with 8 KiB pages
        byte[][] big = new byte[4][8192];
        new SplittableRandom(1).nextBytes(big[1]);
        assertThat(replay.process(PageUpdateEvent.region(KEY, 13, 5, 4000, big), 1).type()).isEqualTo(FrameType.FULL);
        replay.finish();
        Map<String, ReplayResult> t = totals(replay);
        for (RegionReplay.Lane lane : replay.lanes()) {
            assertThat(lane.failure).as(lane.name).isNull();
            assertThat(t.get(lane.name).deleteFrames).isEqualTo(1);
            assertThat(t.get(lane.name).fullFrames).isEqualTo(2);
            assertThat(t.get(lane.name).frames).as("keyframe, 2 deltas, delete, keyframe").isEqualTo(5);
        }
    }

    @Test
    void aFrameThatIsNotWhatTheSelectorRecordedFailsItsLaneAndOnlyThat() {
        RegionReplay.Chooser liar = (sequence, type) -> new RegionReplay.Pick(ZSTD3, false, sequence == 3 ? 1 : -1);
        List<RegionReplay.Lane> lanes = List.of(RegionReplay.Lane.chosen("adaptive", liar), RegionReplay.Lane.fixed("plain", ZSTD3, null));
        RegionReplay replay = new RegionReplay(KEY, Limits.DEFAULT, lanes, List.of());
        edits(8, 4, 1000, 9).forEach(e -> replay.process(e, 0));
        replay.finish();
        Map<String, ReplayResult> t = totals(replay);
        assertThat(t.get("adaptive").failures).isEqualTo(1);
        assertThat(t.get("adaptive").failure).contains(KEY).contains("sequence 3").contains("the selector recorded 1");
        assertThat(t.get("plain").failures).isZero();
        assertThat(t.get("plain").frames).isEqualTo(5);
    }

    @Test
    void theSpeedTableChargesWhatTheSimulationCharges() {
        // A keyframe without a codec: 0.1 ns per page byte to encode, 0.5 to decode (ModelledSpeeds.CALIBRATED, shared with the codec's simulation).
        RegionReplay replay = new RegionReplay(KEY, Limits.DEFAULT, List.of(RegionReplay.Lane.fixed("raw", EncodeChoice.parse("raw+none"), null)),
                List.of(EncodeChoice.parse("raw+none")));
        RegionReplay.Shared s = replay.process(edits(4, 0, 1000, 11).get(0), 0);
        RegionReplay.Rendered r = s.renders().get(EncodeChoice.parse("raw+none"));
        assertThat(r.tableEncodeNanos()).isCloseTo(0.1 * s.features().bytes(), org.assertj.core.data.Offset.offset(1e-6));
        assertThat(r.tableDecodeNanos()).isCloseTo(0.5 * s.features().bytes(), org.assertj.core.data.Offset.offset(1e-6));
    }
}
