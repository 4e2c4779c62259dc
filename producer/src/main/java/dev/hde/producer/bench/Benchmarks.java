package dev.hde.producer.bench;

import dev.hde.codec.wire.PageUpdateEvent;
import dev.hde.producer.EventSink;
import dev.hde.producer.PageHasher;
import dev.hde.producer.ProducerLoop;
import dev.hde.producer.RegionTracker;
import dev.hde.producer.RoundStats;
import dev.hde.producer.Source;
import dev.hde.producer.capture.MappingFilter;
import dev.hde.producer.capture.ProcessCaptureSource;
import dev.hde.producer.capture.SoftDirty;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.regex.Pattern;

/**
 * The producer's speed, on one thread (one core): how fast it hashes memory, finds the changed
 * pages of a large buffer, captures a process through /proc/PID/mem, and publishes events.
 * {@code hde-producer bench} runs the first three (and the fourth against a cluster given with
 * {@code -b}); the producer's test {@code PublishBenchmarkTest} runs the fourth against the
 * in-process broker.
 */
public final class Benchmarks {

    private static final int PAGE = 4096;

    /** Where the hashes go, so that the JIT cannot drop the hashing. */
    private static volatile long blackhole;

    /** A measurement: {@code bytes} of memory (or events) in {@code nanos}, over {@code repeats} passes. */
    public record Figure(String name, long bytes, long nanos, int repeats, String note) {
        public double gbPerSecond() {
            return bytes / (nanos / 1e9) / 1e9;
        }

        public double mbPerSecond() {
            return bytes / (nanos / 1e9) / 1e6;
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%-44s %8.2f GB/s  (%,d MB in %.2f s over %d passes%s)", name, gbPerSecond(), bytes / 1_000_000,
                    nanos / 1e9, repeats, note.isEmpty() ? "" : "; " + note);
        }

        public String toJson() {
            return String.format(Locale.ROOT, "{\"name\":\"%s\",\"gb_per_s\":%.3f,\"bytes\":%d,\"seconds\":%.3f,\"passes\":%d}",
                    name, gbPerSecond(), bytes, nanos / 1e9, repeats);
        }
    }

    private Benchmarks() {}

    /** Fills a buffer with memory-like content: a mix of zero, small-integer and random words, no page all zeros. */
    public static void fill(ByteBuffer buf, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        for (int at = 0; at + 8 <= buf.capacity(); at += 8) {
            int kind = r.nextInt(4);
            long v = kind == 0 ? 0 : kind == 1 ? r.nextInt(1000) : r.nextLong();
            if ((at & (PAGE - 1)) == 0) {
                v |= 1;
            }
            buf.putLong(at, v);
        }
    }

    /** Pure hashing: XXH64 of every page of the buffer, {@code seconds} long at least. */
    public static Figure hash(ByteBuffer buf, double seconds) {
        int pages = buf.capacity() / PAGE;
        long sink = 0;
        long deadline = System.nanoTime() + (long) (seconds * 1e9);
        int passes = 0;
        long t0 = System.nanoTime();
        do {
            for (int p = 0; p < pages; p++) {
                sink += PageHasher.hash(buf, p * PAGE, PAGE);
            }
            passes++;
        } while (System.nanoTime() < deadline);
        long nanos = System.nanoTime() - t0;
        blackhole = sink;
        return new Figure("hash (XXH64 per 4 KiB page)", (long) passes * pages * PAGE, nanos, passes, "");
    }

    /**
     * Changed-page detection over a buffer of 2 MiB regions, through the {@link RegionTracker} and
     * {@link ProducerLoop} (events written in the wire format, then discarded): before each timed pass,
     * {@code changedShare} of the pages get one word changed.
     */
    public static Figure detect(ByteBuffer buf, double changedShare, double seconds) throws IOException, InterruptedException {
        int pages = buf.capacity() / PAGE;
        int regionPages = 512;
        RegionTracker tracker = new RegionTracker(12, 1);
        Source source = new Source() {
            @Override
            public Scan scan(int round, Emitter out) throws IOException, InterruptedException {
                for (int first = 0; first < pages; first += regionPages) {
                    int start = first;
                    tracker.scan("bench/r" + (first / regionPages), Math.min(regionPages, pages - first),
                            (p, count) -> buf.slice((start + p) * PAGE, count * PAGE), null, out);
                }
                return new Scan(pages, pages, 0);
            }

            @Override
            public boolean hasMore() {
                return true;
            }

            @Override
            public String describe() {
                return "buffer";
            }
        };
        ProducerLoop loop = new ProducerLoop(source, EventSink.discard());
        loop.round(); // round 0: every region whole, not timed
        SplittableRandom r = new SplittableRandom(7);
        int changes = (int) Math.round(pages * changedShare);
        long nanos = 0;
        long changed = 0;
        int passes = 0;
        long deadline = System.nanoTime() + (long) (seconds * 1e9);
        do {
            for (int i = 0; i < changes; i++) {
                int at = r.nextInt(pages) * PAGE + r.nextInt(PAGE / 8) * 8;
                buf.putLong(at, buf.getLong(at) + 1);
            }
            RoundStats s = loop.round();
            nanos += s.nanos();
            changed += s.pagesChanged();
            passes++;
        } while (System.nanoTime() < deadline);
        return new Figure(String.format(Locale.ROOT, "detect changed pages (%.1f%% changed)", changedShare * 100), (long) passes * pages * PAGE,
                nanos, passes, String.format(Locale.ROOT, "%,d changed pages found per pass", changed / passes));
    }

    /**
     * Capturing this JVM's own memory as {@code capture} would another process's: a file of
     * {@code bytes} in {@code dir} (e.g. /dev/shm) is mapped, filled, and captured through
     * /proc/self/mem round after round (every page read and hashed; soft-dirty off).
     */
    public static Figure capture(Path dir, int bytes, double changedShare, double seconds) throws IOException, InterruptedException {
        Path file = Files.createTempFile(dir, "hde-producer-bench-", ".mem");
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            MappedByteBuffer map = ch.map(FileChannel.MapMode.READ_WRITE, 0, bytes);
            fill(map, 11);
            long pid = ProcessHandle.current().pid();
            MappingFilter filter = new MappingFilter(Pattern.compile(Pattern.quote(file.toString())), null, Pattern.compile("rw.s"), 1, Long.MAX_VALUE);
            ProcessCaptureSource.Settings s = new ProcessCaptureSource.Settings((int) pid, "bench", filter, 512)
                    .withSoftDirty(SoftDirty.Mode.OFF, 0);
            try (ProcessCaptureSource source = ProcessCaptureSource.open(s, new RegionTracker(12, 1))) {
                ProducerLoop loop = new ProducerLoop(source, EventSink.discard());
                loop.round();
                SplittableRandom r = new SplittableRandom(3);
                int pages = bytes / PAGE;
                int changes = (int) Math.round(pages * changedShare);
                long nanos = 0;
                long scanned = 0;
                int passes = 0;
                long deadline = System.nanoTime() + (long) (seconds * 1e9);
                do {
                    for (int i = 0; i < changes; i++) {
                        int at = r.nextInt(pages) * PAGE;
                        map.putLong(at, map.getLong(at) + 1);
                    }
                    RoundStats round = loop.round();
                    nanos += round.nanos();
                    scanned += round.pagesScanned() * PAGE;
                    passes++;
                } while (System.nanoTime() < deadline);
                return new Figure(String.format(Locale.ROOT, "capture via /proc/PID/mem (%.1f%% changed)", changedShare * 100), scanned, nanos,
                        passes, "read + hash + detect");
            }
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /**
     * Publishing: {@code totalBytes} of PAGES events of {@code pagesPerEvent} random (incompressible)
     * pages each, over {@code keys} state keys, through the loop into the sink, flushed (acknowledged)
     * at the end. Bytes are the events' wire bytes.
     */
    public static Figure publish(EventSink sink, long totalBytes, int pagesPerEvent, int keys) throws IOException, InterruptedException {
        SplittableRandom r = new SplittableRandom(5);
        List<byte[]> pool = new ArrayList<>();
        for (int i = 0; i < 256; i++) {
            byte[] page = new byte[PAGE];
            r.nextBytes(page);
            pool.add(page);
        }
        long eventBytes = (long) pagesPerEvent * PAGE;
        long events = Math.max(1, totalBytes / eventBytes);
        long[] sequence = new long[keys];
        Source source = new Source() {
            long sent;

            @Override
            public Scan scan(int round, Emitter out) throws IOException, InterruptedException {
                for (; sent < events; sent++) {
                    int key = (int) (sent % keys);
                    int[] indices = new int[pagesPerEvent];
                    byte[][] pages = new byte[pagesPerEvent][];
                    for (int i = 0; i < pagesPerEvent; i++) {
                        indices[i] = i * 3;
                        pages[i] = pool.get(r.nextInt(pool.size()));
                    }
                    out.emit(PageUpdateEvent.pages("bench/r" + key, 12, pagesPerEvent * 3, ++sequence[key], System.currentTimeMillis(), indices,
                            pages));
                }
                return new Scan(events * pagesPerEvent, 0, 0);
            }

            @Override
            public boolean hasMore() {
                return sent < events;
            }

            @Override
            public String describe() {
                return "events";
            }
        };
        RoundStats s = new ProducerLoop(source, sink).round();
        return new Figure(String.format(Locale.ROOT, "publish (%d pages/event, acks=all)", pagesPerEvent), s.bytes(), s.nanos(), 1,
                String.format(Locale.ROOT, "%,d events, %,.0f events/s", s.events(), s.events() / (s.nanos() / 1e9)));
    }
}
