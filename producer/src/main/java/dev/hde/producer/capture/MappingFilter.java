package dev.hde.producer.capture;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Which mappings of a process are captured: the name matches {@code name} (a regex over the whole
 * name; anonymous mappings have the empty name) and not {@code exclude}, the permissions match
 * {@code perms} (a regex over the four letters, e.g. {@code rw-p}), and the size is within
 * {@code [minBytes, maxBytes]}. Mappings in the kernel's half of the address space
 * ({@code [vsyscall]}) are never taken.
 */
public record MappingFilter(Pattern name, Pattern exclude, Pattern perms, long minBytes, long maxBytes) {

    /** Any name. */
    public static final String DEFAULT_NAME = ".*";

    /**
     * The kernel's special mappings, which are not process memory, and device files (reading a
     * device's memory can have side effects); {@code /dev/shm} and {@code /dev/zero} stay in.
     */
    public static final String DEFAULT_EXCLUDE = "\\[(vvar|vvar_vclock|vdso|vsyscall|uprobes)\\]|/dev/(?!shm/|zero).*";

    /** Readable and writable, private or shared: the memory a program (or a VM's guest RAM) changes. */
    public static final String DEFAULT_PERMS = "rw.[ps]";

    public static final MappingFilter DEFAULT =
            new MappingFilter(Pattern.compile(DEFAULT_NAME), Pattern.compile(DEFAULT_EXCLUDE), Pattern.compile(DEFAULT_PERMS), 1, Long.MAX_VALUE);

    public boolean accepts(Mapping m) {
        return m.start() >= 0
                && m.end() > m.start()
                && perms.matcher(m.perms()).matches()
                && name.matcher(m.name()).matches()
                && (exclude == null || !exclude.matcher(m.name()).matches())
                && m.size() >= minBytes
                && m.size() <= maxBytes;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "name ~ /%s/%s, perms ~ /%s/, size %s..%s", name.pattern(),
                exclude == null ? "" : " and not /" + exclude.pattern() + "/", perms.pattern(), minBytes,
                maxBytes == Long.MAX_VALUE ? "any" : Long.toString(maxBytes));
    }
}
