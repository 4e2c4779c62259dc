package dev.hde.producer.capture;

import java.util.Locale;

/**
 * One line of {@code /proc/PID/maps}: {@code [start, end)} virtual addresses, permissions
 * ({@code rw-p}: read, write, execute, private or shared), file offset, device, inode and name
 * (a path, {@code [heap]}, {@code [stack]}, or empty for anonymous memory).
 */
public record Mapping(long start, long end, String perms, long offset, String device, long inode, String name) {

    public long size() {
        return end - start;
    }

    public boolean anonymous() {
        return name.isEmpty();
    }

    /** The start address as lower-case hex without leading zeros, as in the maps file. */
    public String startHex() {
        return Long.toHexString(start);
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%x-%x %s %s (%d KiB)", start, end, perms, name.isEmpty() ? "[anon]" : name, size() >> 10);
    }
}
