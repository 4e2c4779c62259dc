package dev.hde.producer.capture;

import java.lang.reflect.Field;

/** The kernel's page size: the unit of /proc/PID/pagemap and of the capture's pages. */
public final class KernelPageSize {

    private static final int VALUE = find();

    private KernelPageSize() {}

    public static int get() {
        return VALUE;
    }

    private static int find() {
        try {
            Class<?> unsafeClass = Class.forName("sun.misc.Unsafe");
            Field f = unsafeClass.getDeclaredField("theUnsafe");
            f.setAccessible(true);
            Object unsafe = f.get(null);
            return (Integer) unsafeClass.getMethod("pageSize").invoke(unsafe);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return 4096;
        }
    }
}
