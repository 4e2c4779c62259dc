package dev.hde.producer.cli;

import dev.hde.producer.Source;
import dev.hde.producer.capture.CaptureAccessException;
import dev.hde.producer.capture.KernelPageSize;
import dev.hde.producer.capture.Mapping;
import dev.hde.producer.capture.MappingFilter;
import dev.hde.producer.capture.ProcMaps;
import dev.hde.producer.capture.ProcessCaptureSource;
import dev.hde.producer.capture.SoftDirty;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

@Command(name = "capture", mixinStandardHelpOptions = true, sortOptions = false, usageHelpAutoWidth = true,
        description = {
            "Captures a live process's memory through /proc/PID/maps and /proc/PID/mem (a QEMU process's guest RAM is one "
                    + "of its mappings) and publishes the pages that changed since the last round.",
            "Each selected mapping is cut into regions of --region-size; state keys are <vm id>/<mapping start address, hex>-r<region index>, "
                    + "e.g. vm-42/7f3a5c000000-r0007. Round 0 publishes every region whole (REGION events); each later round the pages whose "
                    + "64-bit hash changed (PAGES events), and DELETE events for regions whose mapping is gone.",
            "Needs ptrace access to the process: its own user (with kernel.yama.ptrace_scope=0) or root/CAP_SYS_PTRACE.",
            ""},
        footer = {"", "Examples:",
            "  hde-producer capture --pid 1234 --dry-run --rounds 3   # what would be sent",
            "  hde-producer capture --pid 1234 --list                 # * = selected",
            "  hde-producer capture --pid 1234 --vm-id vm-42 --min-size 1G \\",
            "      -b kafka:9093 --kafka-config client.properties     # a QEMU guest's RAM",
            "Exit codes: 0 done, 1 failed, 2 bad usage, 3 missing privileges, 4 no such process or no mapping selected."})
final class CaptureCommand extends RunCommand {

    @Option(order = 1, names = {"-p", "--pid"}, required = true, paramLabel = "PID", converter = Ranges.AtLeastOne.class, description = "The process to capture.")
    int pid;

    @Option(order = 2, names = "--vm-id", paramLabel = "ID", description = "First part of the state keys (default: pid-PID).")
    String vmId;

    @Option(order = 3, names = "--name", paramLabel = "REGEX", defaultValue = MappingFilter.DEFAULT_NAME,
            description = "Mappings whose name (path, [heap], [stack]; empty for anonymous memory) matches (default: ${DEFAULT-VALUE}).")
    String name;

    @Option(order = 4, names = "--exclude-name", paramLabel = "REGEX", defaultValue = MappingFilter.DEFAULT_EXCLUDE,
            description = "... and does not match (default: the kernel's [vvar], [vdso], [vsyscall], [uprobes], and device files under /dev "
                    + "but /dev/shm and /dev/zero; '' excludes nothing).")
    String excludeName;

    @Option(order = 5, names = "--perms", paramLabel = "REGEX", defaultValue = MappingFilter.DEFAULT_PERMS,
            description = "... whose permissions (rwxp / rwxs) match (default: ${DEFAULT-VALUE}: readable and writable).")
    String perms;

    @Option(order = 6, names = "--min-size", paramLabel = "SIZE", converter = SizeConverter.class, defaultValue = "4K",
            description = "... of at least this size (default: ${DEFAULT-VALUE}; e.g. 1G to take only a VM's guest RAM).")
    long minSize;

    @Option(order = 7, names = "--max-size", paramLabel = "SIZE", converter = SizeConverter.class, description = "... of at most this size (default: any).")
    Long maxSize;

    @Option(order = 8, names = "--region-size", paramLabel = "SIZE", converter = SizeConverter.class, defaultValue = "2MiB",
            description = "Bytes per region (state key) (default: ${DEFAULT-VALUE}).")
    long regionSize;

    @Option(order = 9, names = "--soft-dirty", paramLabel = "auto|on|off", defaultValue = "auto",
            description = "Read only the pages the kernel's soft-dirty bits say were written (/proc/PID/pagemap, clear_refs): "
                    + "auto = when the kernel reports them, else hash every page (default: ${DEFAULT-VALUE}).")
    SoftDirty.Mode softDirty;

    @Option(order = 10, names = "--full-scan-every", paramLabel = "N", defaultValue = "10", converter = Ranges.NonNegative.class,
            description = "With soft-dirty bits, still read every page every N rounds; 0 = never (default: ${DEFAULT-VALUE}).")
    int fullScanEvery;

    @Option(order = 11, names = "--list", description = "List the process's mappings, the selected ones marked with *, and exit.")
    boolean list;

    private int regionPages;

    @Override
    public Integer call() {
        if (list) {
            return list();
        }
        return super.call();
    }

    private MappingFilter filter() {
        try {
            return new MappingFilter(Pattern.compile(name), excludeName.isEmpty() ? null : Pattern.compile(excludeName), Pattern.compile(perms),
                    minSize, maxSize == null ? Long.MAX_VALUE : maxSize);
        } catch (PatternSyntaxException e) {
            throw new ParameterException(spec.commandLine(), "not a regular expression: " + e.getMessage());
        }
    }

    @Override
    Source open(long firstSequence) throws IOException {
        int pageSize = pageSize();
        regionPages = regionPages(regionSize, pageSize);
        if (fullScanEvery < 0) {
            throw new ParameterException(spec.commandLine(), "--full-scan-every cannot be negative");
        }
        ProcessCaptureSource.Settings s = new ProcessCaptureSource.Settings(pid, vmId != null ? vmId : "pid-" + pid, filter(),
                Integer.numberOfTrailingZeros(pageSize), regionPages, softDirty, fullScanEvery, Path.of("/proc"));
        return ProcessCaptureSource.open(s, tracker(s.pageShift(), firstSequence));
    }

    @Override
    void afterFirstRound(Source source) {
        err.println("hde-producer: " + source.describe());
        err.flush();
    }

    @Override
    void afterRun(Source source) {
        String why = ((ProcessCaptureSource) source).endReason();
        if (why != null) {
            err.println("hde-producer: " + why);
        }
    }

    @Override
    long maxEventBytes() {
        return regionSize + 4096;
    }

    @Override
    int pageSize() {
        return KernelPageSize.get();
    }

    private int list() {
        out = spec.commandLine().getOut();
        err = spec.commandLine().getErr();
        MappingFilter filter = filter();
        List<Mapping> maps;
        Path file = Path.of("/proc", Integer.toString(pid), "maps");
        try {
            maps = ProcMaps.read(file.getParent());
        } catch (IOException e) {
            IOException why = CaptureAccessException.classify(e, file, pid);
            err.println("hde-producer: " + why.getMessage());
            return why instanceof CaptureAccessException c
                    ? (c.kind() == CaptureAccessException.Kind.NO_PROCESS ? ExitCodes.NO_PROCESS : ExitCodes.NO_PERMISSION)
                    : ExitCodes.FAILED;
        }
        long selected = 0;
        int count = 0;
        for (Mapping m : maps) {
            boolean take = filter.accepts(m);
            if (take) {
                selected += m.size();
                count++;
            }
            out.printf(Locale.ROOT, "%s %s%n", take ? "*" : " ", m);
        }
        out.printf(Locale.ROOT, "%d of %d mappings selected (%s), %.1f MiB%n", count, maps.size(), filter, selected / 1048576.0);
        out.flush();
        return count > 0 ? ExitCodes.OK : ExitCodes.NO_PROCESS;
    }
}
