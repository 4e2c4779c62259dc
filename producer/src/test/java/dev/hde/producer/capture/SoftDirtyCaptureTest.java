package dev.hde.producer.capture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hde.codec.wire.EventKind;
import dev.hde.codec.wire.PageUpdateEvent;
import dev.hde.producer.ProducerLoop;
import dev.hde.producer.RegionTracker;
import dev.hde.producer.RoundStats;
import dev.hde.producer.testing.CollectingSink;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The soft-dirty path of the capture, against a fake /proc/PID directory (this machine's kernel may
 * not have soft-dirty bits): {@code mem} is a sparse file whose offsets are addresses,
 * {@code pagemap} holds one 64-bit entry per page, {@code clear_refs} records what was written.
 */
class SoftDirtyCaptureTest {

    private static final int PAGE = 4096;
    private static final long START = 0x100000; // a mapping of 16 pages: 2 regions of 8
    private static final int PAGES = 16;

    @TempDir
    Path root;
    private Path proc;
    private final CollectingSink sink = new CollectingSink();

    @BeforeEach
    void fakeProc() throws IOException {
        proc = root.resolve("4242");
        Files.createDirectories(proc);
        StringBuilder stat = new StringBuilder("4242 (fake vm) S");
        for (int i = 4; i <= 52; i++) {
            stat.append(' ').append(i == 22 ? "555" : "0");
        }
        Files.writeString(proc.resolve("stat"), stat + "\n");
        Files.writeString(proc.resolve("comm"), "fake vm\n");
        Files.writeString(proc.resolve("maps"), String.format("%x-%x rw-p 00000000 00:00 0 %n", START, START + PAGES * PAGE));
        Files.write(proc.resolve("clear_refs"), new byte[0]);
        for (int p = 0; p < PAGES; p++) {
            write(p, p % 3 == 0 ? 0 : p + 1);
        }
    }

    private void write(int page, int value) throws IOException {
        try (FileChannel ch = FileChannel.open(proc.resolve("mem"), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            byte[] content = new byte[PAGE];
            Arrays.fill(content, (byte) value);
            ch.write(ByteBuffer.wrap(content), START + (long) page * PAGE);
        }
    }

    /** Sets the pagemap entries: present, and soft-dirty for the listed pages. */
    private void pagemap(int... dirty) throws IOException {
        ByteBuffer entries = ByteBuffer.allocate(PAGES * 8).order(ByteOrder.nativeOrder());
        for (int p = 0; p < PAGES; p++) {
            entries.putLong(p * 8, 1L << 63);
        }
        for (int p : dirty) {
            entries.putLong(p * 8, (1L << 63) | SoftDirty.SOFT_DIRTY_BIT);
        }
        try (FileChannel ch = FileChannel.open(proc.resolve("pagemap"), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            ch.write(entries, (START / PAGE) * 8);
        }
        Files.write(proc.resolve("clear_refs"), new byte[0]);
    }

    private ProcessCaptureSource open(SoftDirty.Mode mode, int fullScanEvery) throws IOException {
        MappingFilter filter = new MappingFilter(Pattern.compile(""), null, Pattern.compile("rw.p"), 1, Long.MAX_VALUE);
        ProcessCaptureSource.Settings s = new ProcessCaptureSource.Settings(4242, "vm", filter, 12, 8, mode, fullScanEvery, root);
        return ProcessCaptureSource.open(s, new RegionTracker(12, 1));
    }

    private static List<Integer> pages(List<PageUpdateEvent> events) {
        return events.stream().filter(e -> e.kind() == EventKind.PAGES)
                .flatMap(e -> Arrays.stream(e.indices()).map(i -> i + (e.stateKey().endsWith("r0001") ? 8 : 0)).boxed())
                .sorted().toList();
    }

    @Test
    void onlyPagesWithTheirSoftDirtyBitAreReadAndBitsAreClearedEachRound() throws Exception {
        int[] all = new int[PAGES];
        Arrays.setAll(all, i -> i);
        pagemap(all); // a process whose bits were never cleared: every page reads as written
        try (ProcessCaptureSource source = open(SoftDirty.Mode.AUTO, 0)) {
            ProducerLoop loop = new ProducerLoop(source, sink);
            RoundStats r0 = loop.round();
            assertThat(source.usingSoftDirty()).isTrue();
            assertThat(source.softDirtyNote()).startsWith("on");
            assertThat(Files.readString(proc.resolve("clear_refs"))).isEqualTo("4");
            assertThat(r0.pagesRead()).isEqualTo(PAGES);
            assertThat(sink.drain()).hasSize(2).allMatch(e -> e.kind() == EventKind.REGION);

            // Pages 2 and 9 written; 5 reported written with the same content (a false dirty).
            write(2, 99);
            write(9, 98);
            pagemap(2, 5, 9);
            RoundStats r1 = loop.round();
            assertThat(r1.pagesRead()).isEqualTo(3);
            assertThat(r1.pagesScanned()).isEqualTo(PAGES);
            assertThat(pages(sink.drain())).containsExactly(2, 9);
            assertThat(Files.readString(proc.resolve("clear_refs"))).isEqualTo("4");

            // A write the bits missed (the race between reading and clearing them) is not seen...
            write(12, 97);
            pagemap();
            assertThat(loop.round().events()).isZero();
        }
    }

    @Test
    void aFullScanEveryNRoundsCatchesWhatTheBitsMissed() throws Exception {
        int[] all = new int[PAGES];
        Arrays.setAll(all, i -> i);
        pagemap(all);
        try (ProcessCaptureSource source = open(SoftDirty.Mode.ON, 2)) {
            ProducerLoop loop = new ProducerLoop(source, sink);
            loop.round();
            sink.drain();
            write(12, 97);
            pagemap(); // missed
            assertThat(loop.round().pagesRead()).isZero();
            RoundStats full = loop.round(); // round 2: every page
            assertThat(full.pagesRead()).isEqualTo(PAGES);
            assertThat(pages(sink.drain())).containsExactly(12);
            byte[] mem = Files.readAllBytes(proc.resolve("mem"));
            assertThat(sink.model.image("vm/100000-r0001")).isEqualTo(Arrays.copyOfRange(mem, (int) START + 8 * PAGE, (int) START + 16 * PAGE));
        }
    }

    @Test
    void withoutAnyBitAutoFallsBackToHashingAndOnRefuses() throws Exception {
        pagemap(); // a kernel without CONFIG_MEM_SOFT_DIRTY: every bit 0
        try (ProcessCaptureSource source = open(SoftDirty.Mode.AUTO, 10)) {
            ProducerLoop loop = new ProducerLoop(source, sink);
            loop.round();
            assertThat(source.usingSoftDirty()).isFalse();
            assertThat(source.softDirtyNote()).contains("CONFIG_MEM_SOFT_DIRTY").contains("every page is hashed");
            write(7, 50);
            RoundStats r = loop.round();
            assertThat(r.pagesRead()).isEqualTo(PAGES);
            assertThat(pages(sink.drain())).containsExactly(7);
        }
        try (ProcessCaptureSource source = open(SoftDirty.Mode.ON, 10)) {
            assertThatThrownBy(() -> new ProducerLoop(source, sink).round()).isInstanceOf(IOException.class)
                    .hasMessageContaining("--soft-dirty on").hasMessageContaining("CONFIG_MEM_SOFT_DIRTY");
        }
    }

    @Test
    void aMappingThatGrowsAddsPagesAndANewRegion() throws Exception {
        pagemap();
        try (ProcessCaptureSource source = open(SoftDirty.Mode.OFF, 0)) {
            ProducerLoop loop = new ProducerLoop(source, sink);
            loop.round();
            sink.drain();
            Files.writeString(proc.resolve("maps"), String.format("%x-%x rw-p 00000000 00:00 0%n", START, START + 20 * PAGE));
            for (int p = 16; p < 20; p++) {
                write(p, p == 17 ? 0 : 1);
            }
            loop.round();
            List<PageUpdateEvent> events = sink.drain();
            assertThat(events).hasSize(1);
            assertThat(events.get(0).kind()).isEqualTo(EventKind.REGION);
            assertThat(events.get(0).stateKey()).isEqualTo("vm/100000-r0002");
            assertThat(events.get(0).regionPages()).isEqualTo(4);

            Files.writeString(proc.resolve("maps"), String.format("%x-%x rw-p 00000000 00:00 0%n", START, START + 6 * PAGE));
            loop.round();
            events = sink.drain();
            assertThat(events).extracting(PageUpdateEvent::kind).containsExactlyInAnyOrder(EventKind.DELETE, EventKind.DELETE, EventKind.PAGES);
            assertThat(sink.model.keys()).containsExactly("vm/100000-r0000");
            assertThat(sink.model.regionPages("vm/100000-r0000")).isEqualTo(6);
        }
    }
}
