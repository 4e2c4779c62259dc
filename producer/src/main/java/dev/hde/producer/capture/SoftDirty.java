package dev.hde.producer.capture;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.BitSet;

/**
 * The kernel's soft-dirty page tracking (Documentation/admin-guide/mm/soft-dirty.rst): writing
 * {@code 4} to {@code /proc/PID/clear_refs} clears the soft-dirty bit of every page of the process
 * and write-protects them; the next write to a page sets its bit again, and bit 55 of the page's
 * 64-bit entry in {@code /proc/PID/pagemap} shows it. The capture then reads and hashes only the
 * pages written since the last round instead of every page.
 *
 * <p>It needs a kernel built with {@code CONFIG_MEM_SOFT_DIRTY} (x86-64, arm64, s390, powerpc
 * since 5.x), ptrace access to read pagemap and write access to clear_refs (the process's owner or
 * root). Without the kernel option every bit reads 0; {@link #reportsAny} tells the two apart
 * on a process whose bits were never cleared, where every page reads as dirty.
 *
 * <p>A write between reading the bits and clearing them is not seen until the page is written
 * again: the kernel has no atomic read-and-clear here. {@link ProcessCaptureSource} therefore reads
 * every page now and then ({@code --full-scan-every}).
 */
public final class SoftDirty implements Closeable {

    /** Bit 55 of a pagemap entry: the page was written since the soft-dirty bits were last cleared. */
    public static final long SOFT_DIRTY_BIT = 1L << 55;

    public enum Mode {
        /** Use soft-dirty bits when the kernel reports them for the process, else hash every page. */
        AUTO,
        /** Use soft-dirty bits, fail when they are not available. */
        ON,
        /** Hash every page every round. */
        OFF
    }

    private final FileChannel pagemap;
    private final Path clearRefs;
    private final int pageShift;
    private ByteBuffer buf = ByteBuffer.allocateDirect(8 << 10).order(ByteOrder.nativeOrder());

    private SoftDirty(FileChannel pagemap, Path clearRefs, int pageShift) {
        this.pagemap = pagemap;
        this.clearRefs = clearRefs;
        this.pageShift = pageShift;
    }

    /** Opens pagemap and checks that clear_refs can be written; an {@link IOException} says why not. */
    public static SoftDirty open(Path procDir, int pid, int pageShift) throws IOException {
        Path clear = procDir.resolve("clear_refs");
        if (!Files.isWritable(clear)) {
            throw new IOException(clear + " is not writable by this user (soft-dirty tracking needs the process's owner or root)");
        }
        Path map = procDir.resolve("pagemap");
        try {
            return new SoftDirty(FileChannel.open(map, StandardOpenOption.READ), clear, pageShift);
        } catch (IOException e) {
            throw CaptureAccessException.classify(e, map, pid);
        }
    }

    /** The pages of {@code [start, start + pages << pageShift)} whose soft-dirty bit is set. */
    public BitSet dirty(long start, int pages) throws IOException {
        BitSet out = new BitSet(pages);
        long first = start >>> pageShift;
        int bytes = pages * 8;
        if (buf.capacity() < bytes) {
            buf = ByteBuffer.allocateDirect(bytes).order(ByteOrder.nativeOrder());
        }
        buf.clear().limit(bytes);
        while (buf.hasRemaining()) {
            int n = pagemap.read(buf, first * 8 + buf.position());
            if (n <= 0) {
                // Past the end of the address space the kernel has nothing: count the rest as written.
                out.set(buf.position() / 8, pages);
                buf.limit(buf.position());
                break;
            }
        }
        for (int i = 0; i < buf.limit() / 8; i++) {
            if ((buf.getLong(i * 8) & SOFT_DIRTY_BIT) != 0) {
                out.set(i);
            }
        }
        return out;
    }

    /** True when any page of the range has its soft-dirty bit set (a kernel without the feature never sets one). */
    public boolean reportsAny(long start, int pages) throws IOException {
        return !dirty(start, pages).isEmpty();
    }

    /** Clears the soft-dirty bits of every page of the process. */
    public void clear() throws IOException {
        Files.write(clearRefs, "4".getBytes(StandardCharsets.US_ASCII), StandardOpenOption.WRITE);
    }

    @Override
    public void close() throws IOException {
        pagemap.close();
    }
}
