package dev.hde.producer.testing;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.SplittableRandom;

/**
 * A child process whose memory a test captures: it maps a file (in /dev/shm) shared and read-write,
 * so the mapping has a known name in /proc/PID/maps and the file's bytes are the mapping's bytes,
 * fills it with a known pattern and then changes exactly what its parent asks on stdin, answering
 * {@code OK} when done. Nothing else writes to the mapping (the JVM's own garbage collector and
 * compiler work elsewhere).
 *
 * <p>Commands: {@code W page offset value} (one byte), {@code F page seed} (the whole page,
 * pseudo-random), {@code Z page} (zeros), {@code MAP2 path bytes} (map a second file, filled),
 * {@code UNMAP2} (unmap it), {@code EXIT}. Uses only the JDK, so any classpath that holds this
 * class runs it.
 */
public final class MemoryChild {

    public static final int PAGE = 4096;

    private MemoryChild() {}

    /** The initial content of page {@code p} of a mapping filled with {@code salt}: every fifth page zero, the rest patterned. */
    public static void fillInitial(ByteBuffer map, int pages, int salt) {
        for (int p = 0; p < pages; p++) {
            fillPage(map, p, p % 5 == 0 ? 0 : p * 31L + salt);
        }
    }

    /** Page content from a seed; seed 0 = zeros. */
    public static void fillPage(ByteBuffer map, int page, long seed) {
        int base = page * PAGE;
        if (seed == 0) {
            for (int i = 0; i < PAGE; i += 8) {
                map.putLong(base + i, 0L);
            }
            return;
        }
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < PAGE; i += 8) {
            // Memory-like: small counters, pointers, text, zeros.
            long v = switch (r.nextInt(4)) {
                case 0 -> 0L;
                case 1 -> r.nextInt(1000);
                case 2 -> 0x7f00_0000_0000L + r.nextInt(1 << 24) * 16L;
                default -> 0x2065687420646e61L; // "and the "
            };
            map.putLong(base + i, v);
        }
        map.put(base, (byte) 1); // never all zeros
    }

    public static void main(String[] args) throws Exception {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        Path path = Path.of(args[0]);
        long size = Long.parseLong(args[1]);
        MappedByteBuffer map = map(path, size);
        fillInitial(map, (int) (size / PAGE), 0);
        MappedByteBuffer second = null;
        out.println("READY " + ProcessHandle.current().pid());
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line; (line = in.readLine()) != null; ) {
            String[] c = line.trim().split("\\s+");
            switch (c[0]) {
                case "W" -> map.put(Integer.parseInt(c[1]) * PAGE + Integer.parseInt(c[2]), (byte) Integer.parseInt(c[3]));
                case "F" -> fillPage(map, Integer.parseInt(c[1]), Long.parseLong(c[2]));
                case "Z" -> fillPage(map, Integer.parseInt(c[1]), 0);
                case "MAP2" -> {
                    long bytes = Long.parseLong(c[2]);
                    second = map(Path.of(c[1]), bytes);
                    fillInitial(second, (int) (bytes / PAGE), 7);
                }
                case "UNMAP2" -> {
                    unmap(second);
                    second = null;
                }
                case "EXIT" -> {
                    out.println("OK");
                    System.exit(0);
                }
                default -> {
                    out.println("ERR unknown command " + line);
                    continue;
                }
            }
            out.println("OK");
        }
    }

    private static MappedByteBuffer map(Path path, long size) throws Exception {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ch.truncate(0);
            ch.write(ByteBuffer.wrap(new byte[] {0}), size - 1); // size the file
            MappedByteBuffer m = ch.map(FileChannel.MapMode.READ_WRITE, 0, size);
            return m;
        }
    }

    /** Unmaps at once (the JDK unmaps a mapped buffer only when it is collected): sun.misc.Unsafe.invokeCleaner. */
    private static void unmap(MappedByteBuffer m) throws Exception {
        Class<?> unsafeClass = Class.forName("sun.misc.Unsafe");
        Field f = unsafeClass.getDeclaredField("theUnsafe");
        f.setAccessible(true);
        Method clean = unsafeClass.getMethod("invokeCleaner", ByteBuffer.class);
        clean.invoke(f.get(null), m);
    }
}
