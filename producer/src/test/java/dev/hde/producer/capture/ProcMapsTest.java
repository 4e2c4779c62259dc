package dev.hde.producer.capture;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProcMapsTest {

    private static final String MAPS = """
            55d72f384000-55d72f386000 r--p 00000000 fe:00 260131                     /usr/bin/cat
            55d72f38f000-55d72f390000 rw-p 0000a000 fe:00 260131                     /usr/bin/cat
            55d730a1c000-55d730a3d000 rw-p 00000000 00:00 0                          [heap]
            7f0000000000-7f0040000000 rw-s 00000000 00:01 1025                       /memfd:pc.ram (deleted)
            7f3a5c000000-7f3a5c200000 rw-p 00000000 00:00 0\s
            7f3a5c200000-7f3a5c201000 ---p 00000000 00:00 0
            7f3a5d000000-7f3a5d100000 rw-s 00000000 00:1a 77                         /dev/shm/my file with spaces
            7f3a5e000000-7f3a5e001000 rw-s 00000000 00:05 12                         /dev/dri/card0
            7ffed691d000-7ffed693e000 rw-p 00000000 00:00 0                          [stack]
            7ffed69fc000-7ffed6a00000 r--p 00000000 00:00 0                          [vvar]
            ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]
            """;

    @Test
    void parsesEveryFieldAndNamesWithSpaces() {
        List<Mapping> maps = ProcMaps.parse(MAPS);
        assertThat(maps).hasSize(11);
        Mapping heap = maps.get(2);
        assertThat(heap.start()).isEqualTo(0x55d730a1c000L);
        assertThat(heap.end()).isEqualTo(0x55d730a3d000L);
        assertThat(heap.perms()).isEqualTo("rw-p");
        assertThat(heap.name()).isEqualTo("[heap]");
        assertThat(maps.get(1).offset()).isEqualTo(0xa000);
        assertThat(maps.get(3).name()).isEqualTo("/memfd:pc.ram (deleted)");
        assertThat(maps.get(4).anonymous()).isTrue();
        assertThat(maps.get(6).name()).isEqualTo("/dev/shm/my file with spaces");
        assertThat(maps.get(10).start()).isNegative(); // the kernel half: never read
    }

    @Test
    void theDefaultSelectionTakesWritableProcessMemoryOnly() {
        List<String> taken = ProcMaps.parse(MAPS).stream().filter(MappingFilter.DEFAULT::accepts).map(Mapping::name).toList();
        assertThat(taken).containsExactly("/usr/bin/cat", "[heap]", "/memfd:pc.ram (deleted)", "", "/dev/shm/my file with spaces", "[stack]");
    }

    @Test
    void missingProcessAndMissingPrivilegesAreToldApart() {
        Path mem = Path.of("/proc/4242/mem");
        assertThat(CaptureAccessException.classify(new NoSuchFileException(mem.toString()), mem, 4242))
                .isInstanceOfSatisfying(CaptureAccessException.class, e -> assertThat(e.kind()).isEqualTo(CaptureAccessException.Kind.NO_PROCESS));
        for (Exception cause : List.of(new AccessDeniedException(mem.toString()),
                new FileSystemException(mem.toString(), null, "Operation not permitted"))) {
            assertThat(CaptureAccessException.classify((java.io.IOException) cause, mem, 4242))
                    .isInstanceOfSatisfying(CaptureAccessException.class, e -> {
                        assertThat(e.kind()).isEqualTo(CaptureAccessException.Kind.NO_PERMISSION);
                        assertThat(e.getMessage()).contains("cannot read the memory of process 4242").contains("ptrace")
                                .contains("sudo").contains("CAP_SYS_PTRACE").contains("kernel.yama.ptrace_scope=0");
                    });
        }
    }
}
