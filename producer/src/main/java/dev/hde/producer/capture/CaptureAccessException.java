package dev.hde.producer.capture;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The producer may not read the process (missing privileges), or there is no such process. The
 * message says what is missing and what to do about it, in words a hypervisor operator can act on.
 */
public final class CaptureAccessException extends IOException {

    private static final long serialVersionUID = 1L;

    public enum Kind {
        /** No process with that PID (or it exited). */
        NO_PROCESS,
        /** The process exists, but this user may not read its memory. */
        NO_PERMISSION
    }

    private final Kind kind;

    public CaptureAccessException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }

    /** Opening one of the process's files failed: tells a missing process from missing privileges, and explains the latter. */
    public static IOException classify(IOException e, Path file, int pid) {
        if (e instanceof NoSuchFileException) {
            return new CaptureAccessException(Kind.NO_PROCESS, "no process " + pid + " (" + file + " does not exist)", e);
        }
        if (isPermissionProblem(e)) {
            return new CaptureAccessException(Kind.NO_PERMISSION, explainPermission(pid, file, e), e);
        }
        return e;
    }

    public static boolean isPermissionProblem(IOException e) {
        if (e instanceof AccessDeniedException) {
            return true;
        }
        String reason = e instanceof FileSystemException f ? f.getReason() : e.getMessage();
        return reason != null && (reason.contains("Operation not permitted") || reason.contains("Permission denied"));
    }

    /** What is missing, what this process is, and the ways to get the access. */
    static String explainPermission(int pid, Path file, IOException e) {
        String reason = e instanceof FileSystemException f && f.getReason() != null ? f.getReason() : "Permission denied";
        String targetUid = uid(Path.of("/proc", Integer.toString(pid), "status"));
        String ownUid = uid(Path.of("/proc/self/status"));
        String scope = firstLine(Path.of("/proc/sys/kernel/yama/ptrace_scope"));
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "cannot read the memory of process %d: %s: %s.%n", pid, file, reason));
        s.append("Reading another process's memory (/proc/PID/maps, /proc/PID/mem) needs ptrace access to it. Either:\n");
        s.append("  - run hde-producer as root (sudo bin/hde-producer ...), or give it CAP_SYS_PTRACE\n");
        s.append("    (in a container: --cap-add SYS_PTRACE; as a systemd service: AmbientCapabilities=CAP_SYS_PTRACE);\n");
        s.append("  - or run it as the process's own user");
        if (targetUid != null) {
            s.append(" (uid ").append(targetUid).append(ownUid != null ? "; you are uid " + ownUid : "").append(')');
        }
        s.append(" with the Yama ptrace scope at 0");
        if (scope != null) {
            s.append(" (now ").append(scope).append(')');
        }
        s.append(":\n      sudo sysctl kernel.yama.ptrace_scope=0\n");
        s.append("    (scope 1 only lets a parent read its children; scope 3 forbids it until reboot).\n");
        s.append("A security module (SELinux, AppArmor) may also deny it; see the audit log.");
        return s.toString();
    }

    private static String uid(Path status) {
        try {
            List<String> lines = Files.readAllLines(status);
            for (String line : lines) {
                if (line.startsWith("Uid:")) {
                    String[] f = line.substring(4).trim().split("\\s+");
                    return f.length > 0 ? f[0] : null;
                }
            }
        } catch (IOException | RuntimeException ignored) {
            // best effort
        }
        return null;
    }

    private static String firstLine(Path p) {
        try {
            return Files.readAllLines(p).stream().findFirst().map(String::trim).orElse(null);
        } catch (IOException | RuntimeException ignored) {
            return null;
        }
    }
}
