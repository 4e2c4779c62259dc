package dev.hde.producer.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * Starts and steers a {@link MemoryChild}: a separate JVM (the same java binary) that maps a file
 * of {@code bytes} in /dev/shm under a unique name and changes pages when told. The test then
 * captures the child's memory and knows exactly which pages changed and what the mapping holds
 * (the file's bytes).
 */
public final class ChildProcess implements AutoCloseable {

    private final Process process;
    private final Path file;
    private final List<Path> files = new ArrayList<>();
    private final PrintStream commands;
    private final BufferedReader answers;
    private final long bytes;

    private ChildProcess(Process process, Path file, long bytes) {
        this.process = process;
        this.file = file;
        this.bytes = bytes;
        this.files.add(file);
        this.commands = new PrintStream(process.getOutputStream(), true, StandardCharsets.UTF_8);
        this.answers = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    }

    /** Starts the child with a mapping of {@code bytes} (a whole number of 4 KiB pages) and waits until it is filled. */
    public static ChildProcess start(long bytes) throws IOException {
        Path file = shmDir().resolve("hde-capture-test-" + UUID.randomUUID() + ".mem");
        String java = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        ProcessBuilder pb = new ProcessBuilder(java, "-Xmx32m", "-Xss512k", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto",
                "-cp", classpath(), MemoryChild.class.getName(), file.toString(), Long.toString(bytes));
        pb.redirectError(ProcessBuilder.Redirect.INHERIT);
        ChildProcess child = new ChildProcess(pb.start(), file, bytes);
        String ready = child.answers.readLine();
        if (ready == null || !ready.startsWith("READY")) {
            child.close();
            throw new IOException("the child did not start: " + ready);
        }
        return child;
    }

    private static String classpath() {
        try {
            return Path.of(MemoryChild.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Path shmDir() {
        Path shm = Path.of("/dev/shm");
        return Files.isDirectory(shm) && Files.isWritable(shm) ? shm : Path.of(System.getProperty("java.io.tmpdir"));
    }

    public int pid() {
        return (int) process.pid();
    }

    /** The mapped file: its bytes are the mapping's bytes. */
    public Path file() {
        return file;
    }

    public long bytes() {
        return bytes;
    }

    /** A regex matching exactly the mapped file's name in /proc/PID/maps. */
    public String nameRegex() {
        return Pattern.quote(file.toString());
    }

    /** Sends one command and waits for its OK. */
    public void send(String command) throws IOException {
        commands.println(command);
        String answer = answers.readLine();
        if (!"OK".equals(answer)) {
            throw new IOException("child answered " + answer + " to " + command);
        }
    }

    public void writeByte(int page, int offset, int value) throws IOException {
        send("W " + page + " " + offset + " " + value);
    }

    public void fillPage(int page, long seed) throws IOException {
        send("F " + page + " " + seed);
    }

    public void zeroPage(int page) throws IOException {
        send("Z " + page);
    }

    /** Maps a second file of {@code size} bytes; returns its path. */
    public Path mapSecond(long size) throws IOException {
        Path second = shmDir().resolve("hde-capture-test-" + UUID.randomUUID() + ".mem2");
        files.add(second);
        send("MAP2 " + second + " " + size);
        return second;
    }

    public void unmapSecond() throws IOException {
        send("UNMAP2");
    }

    /** The mapping's bytes now. */
    public byte[] memory() throws IOException {
        return Files.readAllBytes(file);
    }

    /** Tells the child to exit and waits for it. */
    public void exit() throws IOException, InterruptedException {
        send("EXIT");
        process.waitFor(30, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        process.destroyForcibly();
        try {
            process.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Path f : files) {
            try {
                Files.deleteIfExists(f);
            } catch (IOException ignored) {
                // best effort
            }
        }
    }
}
