package dev.hde.producer.capture;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads and parses {@code /proc/PID/maps}. */
public final class ProcMaps {

    // start-end perms offset dev inode [name]; the name may hold spaces and ends the line.
    private static final Pattern LINE =
            Pattern.compile("([0-9a-f]+)-([0-9a-f]+)\\s+(\\S{4})\\s+([0-9a-f]+)\\s+(\\S+)\\s+(\\d+)(?:\\s+(.*))?");

    private ProcMaps() {}

    /** The mappings of a process, in address order. Throws {@link java.nio.file.NoSuchFileException} when there is no such process. */
    public static List<Mapping> read(Path procDir) throws IOException {
        return parse(new String(Files.readAllBytes(procDir.resolve("maps")), StandardCharsets.UTF_8));
    }

    public static List<Mapping> parse(String maps) {
        List<Mapping> out = new ArrayList<>();
        for (String line : maps.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            Matcher m = LINE.matcher(line);
            if (!m.matches()) {
                throw new IllegalArgumentException("not a /proc/PID/maps line: " + line);
            }
            out.add(new Mapping(Long.parseUnsignedLong(m.group(1), 16), Long.parseUnsignedLong(m.group(2), 16), m.group(3),
                    Long.parseUnsignedLong(m.group(4), 16), m.group(5), Long.parseLong(m.group(6)),
                    m.group(7) == null ? "" : m.group(7).strip()));
        }
        return out;
    }
}
