package dev.hde.producer.capture;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Reads a process's memory through {@code /proc/PID/mem} with positional reads (the file offset is
 * the virtual address) into one reused direct buffer. A page that cannot be read (the kernel
 * answers EIO: a device mapping, a page being unmapped) reads as zeros and is counted, as the
 * shared traces were made; a read that finds no memory at all means the process has gone.
 */
public final class ProcessMemory implements Closeable {

    private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(64 << 10).asReadOnlyBuffer();

    private final FileChannel mem;
    private final ByteBuffer buf;
    private final int pageSize;
    private long unreadablePages;
    private boolean gone;

    private ProcessMemory(FileChannel mem, int pageSize, int maxReadBytes) {
        this.mem = mem;
        this.pageSize = pageSize;
        this.buf = ByteBuffer.allocateDirect(maxReadBytes);
    }

    /** Opens {@code procDir/mem}; a missing process or missing privileges are a {@link CaptureAccessException} that says so. */
    public static ProcessMemory open(Path procDir, int pid, int pageSize, int maxReadBytes) throws IOException {
        Path file = procDir.resolve("mem");
        try {
            return new ProcessMemory(FileChannel.open(file, StandardOpenOption.READ), pageSize, maxReadBytes);
        } catch (IOException e) {
            throw CaptureAccessException.classify(e, file, pid);
        }
    }

    /**
     * Reads {@code length} bytes (a whole number of pages, at most the buffer) from a page-aligned
     * {@code address}. The returned buffer holds them from index 0 until the next read.
     */
    public ByteBuffer read(long address, int length) throws IOException {
        if (length > buf.capacity() || length % pageSize != 0 || address % pageSize != 0) {
            throw new IllegalArgumentException("read of " + length + " bytes at " + Long.toHexString(address));
        }
        buf.clear().limit(length);
        int done = 0;
        while (done < length) {
            buf.position(done);
            int n;
            try {
                n = mem.read(buf, address + done);
            } catch (ClosedChannelException e) {
                throw e;
            } catch (IOException e) {
                if (CaptureAccessException.isPermissionProblem(e)) {
                    throw e;
                }
                n = -2; // EIO, EFAULT: this page cannot be read
            }
            if (n > 0) {
                done += n;
                continue;
            }
            // The kernel stops a read at the first page it cannot read; the rest of that page reads as zeros.
            int end = Math.min(length, (done / pageSize + 1) * pageSize);
            if (n == -1 || n == 0) {
                gone = true; // no memory behind the file any more: the process exited
                end = length;
            }
            zero(done, end);
            unreadablePages += (end - done + pageSize - 1) / pageSize;
            done = end;
        }
        buf.position(0).limit(length);
        return buf;
    }

    private void zero(int from, int to) {
        for (int at = from; at < to; at += ZEROS.capacity()) {
            int n = Math.min(ZEROS.capacity(), to - at);
            buf.put(at, ZEROS, 0, n);
        }
    }

    /** Pages that could not be read so far (read as zeros). */
    public long unreadablePages() {
        return unreadablePages;
    }

    /** True once a read found the process's memory gone. */
    public boolean gone() {
        return gone;
    }

    @Override
    public void close() throws IOException {
        mem.close();
    }
}
