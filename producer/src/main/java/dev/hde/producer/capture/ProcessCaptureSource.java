package dev.hde.producer.capture;

import dev.hde.producer.RegionTracker;
import dev.hde.producer.Source;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Captures a live process's memory: each round reads {@code /proc/PID/maps}, selects mappings with
 * a {@link MappingFilter}, cuts each selected mapping into regions of {@code regionPages} pages and
 * hands each region to the {@link RegionTracker}, which reads it through {@code /proc/PID/mem},
 * compares page hashes with the last round and emits the changed pages. With soft-dirty tracking
 * ({@link SoftDirty}) only the pages written since the last round are read.
 *
 * <p><b>State keys.</b> {@code <vm id>/<mapping start address in hex>-r<region index, 4+ digits>},
 * e.g. {@code vm-42/7f3a5c000000-r0007}: region 7 of the mapping that starts at 0x7f3a5c000000,
 * i.e. the memory at {@code 0x7f3a5c000000 + 7 × region size}. A mapping keeps its start address
 * for its life (a QEMU guest's RAM for the VM's life), so its keys are stable; a mapping that grows
 * or shrinks at its end changes the page count of its last region and adds or deletes regions.
 * When a mapping disappears, DELETE events go out for its regions; when the process exits (or its
 * PID now names another process), for every region, and the source ends.
 */
public final class ProcessCaptureSource implements Source {

    /**
     * @param procRoot {@code /proc} (a test may point elsewhere)
     * @param fullScanEvery with soft-dirty tracking, read every page every this many rounds (0: never after round 0)
     */
    public record Settings(int pid, String vmId, MappingFilter filter, int pageShift, int regionPages, SoftDirty.Mode softDirty,
            int fullScanEvery, Path procRoot) {

        public Settings {
            Objects.requireNonNull(vmId);
            Objects.requireNonNull(filter);
            Objects.requireNonNull(softDirty);
            if (pid < 1) {
                throw new IllegalArgumentException("pid " + pid);
            }
            if (regionPages < 1) {
                throw new IllegalArgumentException("a region has at least one page");
            }
        }

        public Settings(int pid, String vmId, MappingFilter filter, int regionPages) {
            this(pid, vmId, filter, 12, regionPages, SoftDirty.Mode.AUTO, 10, Path.of("/proc"));
        }

        public Settings withSoftDirty(SoftDirty.Mode mode, int everyFull) {
            return new Settings(pid, vmId, filter, pageShift, regionPages, mode, everyFull, procRoot);
        }
    }

    /** One region of one mapping this round. */
    private record Span(long address, int pages) {}

    private final Settings settings;
    private final RegionTracker tracker;
    private final Path procDir;
    private final ProcessMemory memory;
    private final String startTime;
    private final String command;
    private SoftDirty softDirty;
    private String softDirtyNote = "off";
    private boolean more = true;
    private String endReason;
    private int mappings;
    private long bytes;
    private int regionCount;
    private boolean scanned;
    private List<String> keys = List.of();

    private ProcessCaptureSource(Settings settings, RegionTracker tracker, Path procDir, ProcessMemory memory, String startTime,
            String command) {
        this.settings = settings;
        this.tracker = tracker;
        this.procDir = procDir;
        this.memory = memory;
        this.startTime = startTime;
        this.command = command;
    }

    /**
     * Opens the process: checks that it exists and that its maps and memory can be read. A missing
     * process or missing privileges are a {@link CaptureAccessException} whose message says what to do.
     */
    public static ProcessCaptureSource open(Settings s, RegionTracker tracker) throws IOException {
        if (tracker.pageShift() != s.pageShift()) {
            throw new IllegalArgumentException("tracker pages of 2^" + tracker.pageShift() + ", capture pages of 2^" + s.pageShift());
        }
        Path dir = s.procRoot().resolve(Integer.toString(s.pid()));
        String start = startTime(dir, s.pid());
        String comm = readSmall(dir.resolve("comm"));
        try {
            ProcMaps.read(dir);
        } catch (IOException e) {
            throw CaptureAccessException.classify(e, dir.resolve("maps"), s.pid());
        }
        ProcessMemory memory = ProcessMemory.open(dir, s.pid(), 1 << s.pageShift(), RegionTracker.DEFAULT_CHUNK_PAGES << s.pageShift());
        return new ProcessCaptureSource(s, tracker, dir, memory, start, comm == null ? "?" : comm);
    }

    @Override
    public boolean requestWhole(String stateKey) {
        return more && tracker.requestWhole(stateKey);
    }

    @Override
    public boolean owns(String stateKey) {
        return stateKey.startsWith(settings.vmId() + "/");
    }

    @Override
    public Scan scan(int round, Emitter out) throws IOException, InterruptedException {
        if (!more) {
            return Scan.NONE;
        }
        List<Mapping> all;
        try {
            all = ProcMaps.read(procDir);
            if (!Objects.equals(startTime, startTime(procDir, settings.pid()))) {
                return end("process " + settings.pid() + " exited (the PID now names another process)", out);
            }
        } catch (IOException e) {
            boolean exited = e instanceof NoSuchFileException
                    || (e instanceof CaptureAccessException c && c.kind() == CaptureAccessException.Kind.NO_PROCESS)
                    || !Files.exists(procDir);
            if (!exited) {
                throw e;
            }
            return end("process " + settings.pid() + " exited", out);
        }
        if (all.isEmpty()) {
            return end("process " + settings.pid() + " exited (it has no memory left)", out);
        }
        List<Mapping> selected = all.stream().filter(settings.filter()::accepts).toList();
        if (round == 0 && selected.isEmpty()) {
            throw new NoMatchingMappingsException(noMatch(all));
        }
        Map<String, Span> now = regions(selected);

        for (String key : tracker.keys()) {
            if (!now.containsKey(key)) {
                tracker.delete(key, out);
            }
        }

        Map<String, BitSet> candidates = null;
        if (round == 0 && settings.softDirty() != SoftDirty.Mode.OFF) {
            startSoftDirty(now);
        }
        if (softDirty != null) {
            boolean full = round == 0 || (settings.fullScanEvery() > 0 && round % settings.fullScanEvery() == 0);
            if (!full) {
                candidates = new HashMap<>();
                for (Map.Entry<String, Span> e : now.entrySet()) {
                    if (tracker.tracks(e.getKey())) {
                        candidates.put(e.getKey(), softDirty.dirty(e.getValue().address(), e.getValue().pages()));
                    }
                }
            }
            // Cleared before the pages are read: a write from here on shows in the next round.
            softDirty.clear();
        }

        long unreadableBefore = memory.unreadablePages();
        long scanned = 0;
        long read = 0;
        int shift = settings.pageShift();
        for (Map.Entry<String, Span> e : now.entrySet()) {
            Span span = e.getValue();
            RegionTracker.Result r = tracker.scan(e.getKey(), span.pages(),
                    (first, count) -> memory.read(span.address() + ((long) first << shift), count << shift),
                    candidates == null ? null : candidates.get(e.getKey()), out);
            scanned += span.pages();
            read += r.pagesRead();
            if (memory.gone()) {
                break;
            }
        }
        Scan scan = new Scan(scanned, read, memory.unreadablePages() - unreadableBefore);
        if (memory.gone()) {
            end("process " + settings.pid() + " exited", out);
        }
        return scan;
    }

    private Map<String, Span> regions(List<Mapping> selected) {
        Map<String, Span> now = new LinkedHashMap<>();
        int shift = settings.pageShift();
        long regionBytes = (long) settings.regionPages() << shift;
        long total = 0;
        for (Mapping m : selected) {
            long pages = m.size() >>> shift;
            for (long r = 0; r * settings.regionPages() < pages; r++) {
                int n = (int) Math.min(settings.regionPages(), pages - r * settings.regionPages());
                now.put(key(settings.vmId(), m.start(), r), new Span(m.start() + r * regionBytes, n));
            }
            total += m.size();
        }
        scanned = true;
        keys = List.copyOf(now.keySet());
        mappings = selected.size();
        bytes = total;
        regionCount = now.size();
        return now;
    }

    /** The state key of region {@code index} of the mapping starting at {@code start}. */
    public static String key(String vmId, long start, long index) {
        return String.format(Locale.ROOT, "%s/%x-r%04d", vmId, start, index);
    }

    private void startSoftDirty(Map<String, Span> now) throws IOException {
        SoftDirty sd;
        try {
            sd = SoftDirty.open(procDir, settings.pid(), settings.pageShift());
        } catch (IOException e) {
            if (settings.softDirty() == SoftDirty.Mode.ON) {
                throw new IOException("--soft-dirty on: " + e.getMessage(), e);
            }
            softDirtyNote = "off: " + e.getMessage() + "; every page is hashed";
            return;
        }
        boolean any = false;
        for (Span span : now.values()) {
            if (sd.reportsAny(span.address(), span.pages())) {
                any = true;
                break;
            }
        }
        if (!any) {
            sd.close();
            String why = "the kernel reports no soft-dirty bits for this process (a kernel without CONFIG_MEM_SOFT_DIRTY, "
                    + "or bits cleared by someone else)";
            if (settings.softDirty() == SoftDirty.Mode.ON) {
                throw new IOException("--soft-dirty on: " + why);
            }
            softDirtyNote = "off: " + why + "; every page is hashed";
            return;
        }
        softDirty = sd;
        softDirtyNote = "on: only pages written since the last round are read"
                + (settings.fullScanEvery() > 0 ? ", every page every " + settings.fullScanEvery() + " rounds" : "");
    }

    private Scan end(String why, Emitter out) throws IOException, InterruptedException {
        int deleted = 0;
        for (String key : tracker.keys()) {
            if (tracker.delete(key, out)) {
                deleted++;
            }
        }
        more = false;
        keys = List.of();
        endReason = why + (deleted > 0 ? "; DELETE events sent for its " + deleted + " regions" : "");
        return Scan.NONE;
    }

    private String noMatch(List<Mapping> all) {
        StringBuilder s = new StringBuilder();
        s.append("no mapping of process ").append(settings.pid()).append(" (").append(command).append(") matches the selection: ")
                .append(settings.filter()).append(". Its mappings are:\n");
        int shown = 0;
        for (Mapping m : all) {
            if (shown++ == 40) {
                s.append("  … and ").append(all.size() - 40).append(" more\n");
                break;
            }
            s.append("  ").append(m).append('\n');
        }
        s.append("Choose with --name REGEX, --perms REGEX, --min-size, --max-size.");
        return s.toString();
    }

    /** The state keys of the last scan, in address order (a mapping's regions r0000, r0001, … in a row). */
    public List<String> stateKeys() {
        return keys;
    }

    @Override
    public boolean hasMore() {
        return more;
    }

    /** Why the source ended (the process exited), or null while it runs. */
    public String endReason() {
        return endReason;
    }

    /** Whether soft-dirty tracking is used, and why not if not. */
    public String softDirtyNote() {
        return softDirtyNote;
    }

    public boolean usingSoftDirty() {
        return softDirty != null;
    }

    @Override
    public String describe() {
        if (!scanned) {
            return String.format(Locale.ROOT, "process %d (%s)", settings.pid(), command);
        }
        return String.format(Locale.ROOT, "process %d (%s): %d mappings, %.1f MiB in %d regions of up to %d KiB; soft-dirty %s",
                settings.pid(), command, mappings, bytes / 1048576.0, regionCount, (settings.regionPages() << settings.pageShift()) >> 10,
                softDirtyNote);
    }

    @Override
    public void close() throws IOException {
        try {
            memory.close();
        } finally {
            if (softDirty != null) {
                softDirty.close();
            }
        }
    }

    private static String startTime(Path dir, int pid) throws IOException {
        String stat;
        try {
            stat = Files.readString(dir.resolve("stat"));
        } catch (IOException e) {
            throw CaptureAccessException.classify(e, dir.resolve("stat"), pid);
        }
        // Field 22 (start time) counts from the state, the first field after "(comm)".
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
        return f.length > 19 ? f[19] : stat;
    }

    private static String readSmall(Path p) {
        try {
            return Files.readString(p).strip();
        } catch (IOException e) {
            return null;
        }
    }
}
