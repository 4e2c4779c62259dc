package dev.hde.producer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hde.codec.wire.EventKind;
import dev.hde.codec.wire.PageUpdateEvent;
import dev.hde.producer.capture.MappingFilter;
import dev.hde.producer.capture.ProcessCaptureSource;
import dev.hde.producer.capture.SoftDirty;
import dev.hde.producer.testing.ChildProcess;
import dev.hde.producer.testing.CollectingSink;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Captures a real child process that this test starts and whose memory it changes: the pages the
 * capture reports changed are exactly the pages the child wrote, and the events, applied in order,
 * rebuild the child's mapping byte for byte.
 */
class ProcessCaptureTest {

    private static final int PAGE = 4096;
    private static final int REGION_PAGES = 512;
    private static final int PAGES = 2048; // 8 MiB: 4 regions

    private ChildProcess child;
    private CollectingSink sink;
    private ProcessCaptureSource source;
    private ProducerLoop loop;

    @BeforeEach
    void start() throws Exception {
        child = ChildProcess.start((long) PAGES * PAGE);
        sink = new CollectingSink();
        source = open(child.nameRegex());
        loop = new ProducerLoop(source, sink);
    }

    private ProcessCaptureSource open(String nameRegex) throws Exception {
        MappingFilter filter = new MappingFilter(Pattern.compile(nameRegex), null, Pattern.compile(MappingFilter.DEFAULT_PERMS), 1, Long.MAX_VALUE);
        ProcessCaptureSource.Settings s = new ProcessCaptureSource.Settings(child.pid(), "vm-test", filter, REGION_PAGES);
        return ProcessCaptureSource.open(s, new RegionTracker(12, 1));
    }

    @AfterEach
    void stop() throws Exception {
        if (source != null) {
            source.close();
        }
        if (child != null) {
            child.close();
        }
    }

    @Test
    void changedPagesAreExactlyTheOnesTheChildWrote() throws Exception {
        RoundStats r0 = loop.round();
        List<PageUpdateEvent> first = sink.drain();
        assertThat(first).hasSize(4).allMatch(e -> e.kind() == EventKind.REGION && e.regionPages() == REGION_PAGES);
        assertThat(r0.pagesScanned()).isEqualTo(PAGES);
        assertThat(r0.pagesChanged()).isEqualTo(PAGES);
        assertThat(r0.unreadablePages()).isZero();
        assertRebuilt();

        // Pages in every region, at region edges, a zero page made non-zero, a page zeroed, a whole page rewritten.
        child.writeByte(0, 100, 0x5a);
        child.writeByte(3, 4095, 0x11);
        child.writeByte(511, 0, 0x22);
        child.writeByte(512, 2048, 0x33);
        child.writeByte(1000, 7, 0x44); // page 1000 is a zero page (every fifth page is)
        child.zeroPage(1001);
        child.fillPage(1536, 99);
        child.writeByte(2047, 1, 0x55);
        // A write of the byte already there changes nothing and must not be reported.
        byte[] before = child.memory();
        child.writeByte(7, 9, before[7 * PAGE + 9] & 0xff);

        RoundStats r1 = loop.round();
        assertThat(changedPages(sink.drain())).containsExactly(0, 3, 511, 512, 1000, 1001, 1536, 2047);
        assertThat(r1.pagesChanged()).isEqualTo(8);
        if (source.usingSoftDirty()) {
            // A kernel with soft-dirty bits (CONFIG_MEM_SOFT_DIRTY): only the written pages (page 7 included) are read.
            assertThat(r1.pagesRead()).isBetween(9L, (long) PAGES - 1);
        } else {
            assertThat(r1.pagesRead()).isEqualTo(PAGES); // hashing: every page read
        }
        assertRebuilt();

        // Nothing written: no event at all.
        RoundStats r2 = loop.round();
        assertThat(sink.drain()).isEmpty();
        assertThat(r2.events()).isZero();

        // The same page written twice between rounds is one changed page; a page written and written back is none.
        child.writeByte(42, 0, 1);
        child.writeByte(42, 1, 2);
        byte[] now = child.memory();
        child.writeByte(43, 5, (now[43 * PAGE + 5] + 1) & 0xff);
        child.writeByte(43, 5, now[43 * PAGE + 5] & 0xff);
        loop.round();
        assertThat(changedPages(sink.drain())).containsExactly(42);
        assertRebuilt();
    }

    @Test
    void aMappingThatDisappearsIsDeletedAndAnExitedProcessEndsTheSource() throws Exception {
        source.close();
        // Both mappings: the first file and a second one mapped later (only this child maps such files).
        String both = ".*/hde-capture-test-[^/]*";
        source = open(both);
        loop = new ProducerLoop(source, sink);
        loop.round();
        assertThat(sink.drain()).hasSize(4);

        child.mapSecond(3L << 20); // 768 pages: one full region and one of 256 pages
        loop.round();
        List<PageUpdateEvent> added = sink.drain();
        assertThat(added).hasSize(2).allMatch(e -> e.kind() == EventKind.REGION);
        assertThat(added.stream().mapToInt(PageUpdateEvent::regionPages).sorted().toArray()).containsExactly(256, 512);
        Set<String> secondKeys = new TreeSet<>();
        added.forEach(e -> secondKeys.add(e.stateKey()));
        assertThat(sink.model.keys()).containsAll(secondKeys).hasSize(6);

        child.unmapSecond();
        RoundStats r = loop.round();
        List<PageUpdateEvent> deleted = sink.drain();
        assertThat(deleted).hasSize(2).allMatch(e -> e.kind() == EventKind.DELETE);
        assertThat(deleted.stream().map(PageUpdateEvent::stateKey)).containsExactlyInAnyOrderElementsOf(secondKeys);
        assertThat(r.deletes()).isEqualTo(2);
        assertThat(sink.model.keys()).hasSize(4).doesNotContainAnyElementsOf(secondKeys);
        assertRebuilt();

        child.exit();
        loop.round();
        assertThat(sink.drain()).hasSize(4).allMatch(e -> e.kind() == EventKind.DELETE);
        assertThat(source.hasMore()).isFalse();
        assertThat(source.endReason()).contains("exited");
        assertThat(sink.model.keys()).isEmpty();
    }

    @Test
    void stateKeysNameTheMappingStartAndRegionAndSequencesCountUpByOne() throws Exception {
        loop.round();
        child.writeByte(600, 0, 9);
        loop.round();
        List<PageUpdateEvent> events = sink.events;
        String firstKey = events.get(0).stateKey();
        long start = Long.parseLong(firstKey.substring("vm-test/".length(), firstKey.lastIndexOf("-r")), 16);
        assertThat(events.subList(0, 4).stream().map(PageUpdateEvent::stateKey))
                .containsExactly(ProcessCaptureSource.key("vm-test", start, 0), ProcessCaptureSource.key("vm-test", start, 1),
                        ProcessCaptureSource.key("vm-test", start, 2), ProcessCaptureSource.key("vm-test", start, 3));
        assertThat(events.get(0).stateKey()).matches("vm-test/[0-9a-f]+-r0000");
        PageUpdateEvent update = events.get(4);
        assertThat(update.stateKey()).isEqualTo(ProcessCaptureSource.key("vm-test", start, 1));
        assertThat(update.sequence()).isEqualTo(2);
        assertThat(update.indices()).containsExactly(600 - 512);
        assertThat(events.subList(0, 4)).allMatch(e -> e.sequence() == 1);
    }

    @Test
    void softDirtyOnFailsClearlyWhereTheKernelHasNoSoftDirtyBits() throws Exception {
        source.close();
        MappingFilter filter = new MappingFilter(Pattern.compile(child.nameRegex()), null, Pattern.compile(MappingFilter.DEFAULT_PERMS), 1,
                Long.MAX_VALUE);
        ProcessCaptureSource.Settings s = new ProcessCaptureSource.Settings(child.pid(), "vm-test", filter, REGION_PAGES)
                .withSoftDirty(SoftDirty.Mode.ON, 10);
        source = ProcessCaptureSource.open(s, new RegionTracker(12, 1));
        loop = new ProducerLoop(source, sink);
        try {
            loop.round();
            // This kernel has soft-dirty bits: the capture must still find exactly the written pages.
            assertThat(source.usingSoftDirty()).isTrue();
            child.writeByte(5, 5, 77);
            child.writeByte(1500, 5, 77);
            loop.round();
            sink.drain();
            assertRebuilt();
        } catch (java.io.IOException e) {
            assertThat(e).hasMessageContaining("--soft-dirty on").hasMessageContaining("soft-dirty");
        }
    }

    /** Mapping page numbers (region index × region pages + page index) of the PAGES events. */
    private static List<Integer> changedPages(List<PageUpdateEvent> events) {
        TreeSet<Integer> pages = new TreeSet<>();
        for (PageUpdateEvent e : events) {
            assertThat(e.kind()).isEqualTo(EventKind.PAGES);
            int region = Integer.parseInt(e.stateKey().substring(e.stateKey().lastIndexOf("-r") + 2));
            for (int i : e.indices()) {
                pages.add(region * REGION_PAGES + i);
            }
        }
        return List.copyOf(pages);
    }

    /** The model built from the events holds exactly the child's mapping (the file's bytes). */
    private void assertRebuilt() throws Exception {
        String firstKey = sink.events.get(0).stateKey();
        long start = Long.parseLong(firstKey.substring("vm-test/".length(), firstKey.lastIndexOf("-r")), 16);
        byte[] memory = child.memory();
        byte[] rebuilt = new byte[memory.length];
        for (int r = 0; r < PAGES / REGION_PAGES; r++) {
            byte[] image = sink.model.image(ProcessCaptureSource.key("vm-test", start, r));
            assertThat(image).as("region %d", r).hasSize(REGION_PAGES * PAGE);
            System.arraycopy(image, 0, rebuilt, r * REGION_PAGES * PAGE, image.length);
        }
        assertThat(Arrays.mismatch(rebuilt, memory)).as("first differing byte").isEqualTo(-1);
    }
}
