package dev.hde.producer.cli;

import dev.hde.producer.KafkaEventSink;
import dev.hde.producer.PublishException;
import dev.hde.producer.bench.Benchmarks;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false, usageHelpAutoWidth = true,
        description = {
            "Measures the producer on one thread (one core): XXH64 page hashing, changed-page detection over a large buffer "
                    + "(hash, compare, events written), capture of a mapping through /proc/PID/mem (this JVM's own), "
                    + "and, with --publish, publishing to a Kafka cluster with acks=all.",
            "Prints one line per figure on stderr and one JSON line on stdout.",
            ""})
final class BenchCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--size", paramLabel = "SIZE", converter = SizeConverter.class, defaultValue = "512MiB",
            description = "Memory to scan (default: ${DEFAULT-VALUE}).")
    long size;

    @Option(names = "--seconds", paramLabel = "S", defaultValue = "3", converter = Ranges.Positive.class, description = "Time per figure, at least (default: ${DEFAULT-VALUE}).")
    double seconds;

    @Option(names = "--changed", paramLabel = "SHARE", defaultValue = "0.01", converter = Ranges.Share.class,
            description = "Share of pages changed before each detection pass (default: ${DEFAULT-VALUE}).")
    double changed;

    @Option(names = "--shm-dir", paramLabel = "DIR", defaultValue = "/dev/shm",
            description = "Where the captured file mapping lives (default: ${DEFAULT-VALUE}).")
    Path shmDir;

    @Option(names = "--publish", description = "Also measure publishing to the cluster given with -b / --kafka-config.")
    boolean publish;

    @Option(names = "--publish-size", paramLabel = "SIZE", converter = SizeConverter.class, defaultValue = "512MiB",
            description = "Event bytes to publish (default: ${DEFAULT-VALUE}).")
    long publishSize;

    @Option(names = "--pages-per-event", paramLabel = "N", defaultValue = "64", converter = Ranges.AtLeastOne.class, description = "Pages per published event (default: ${DEFAULT-VALUE}).")
    int pagesPerEvent;

    @Mixin
    KafkaOptions kafka;

    @Option(names = {"-v", "--verbose"}, description = "Print the stack trace of an error (default: in the log file).")
    boolean verbose;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (size < 4096 || size > Integer.MAX_VALUE - 4096) {
            throw new ParameterException(spec.commandLine(), "--size must be between 4K and 2GiB");
        }
        if (publish) {
            kafka.checkReachable(err); // before the figures that take seconds each
        }
        int bytes = (int) (size & ~4095L);
        List<Benchmarks.Figure> figures = new ArrayList<>();
        err.printf("hde-producer bench: %s of memory, %.0f s per figure, one thread, %d cores, Java %s%n", SizeConverter.format(bytes), seconds,
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"));
        err.flush();
        ByteBuffer buf = ByteBuffer.allocateDirect(bytes);
        Benchmarks.fill(buf, 1);
        figures.add(report(err, Benchmarks.hash(buf, seconds)));
        figures.add(report(err, Benchmarks.detect(buf, 0, seconds)));
        figures.add(report(err, Benchmarks.detect(buf, changed, seconds)));
        buf = null;
        if (Files.isDirectory(shmDir)) {
            figures.add(report(err, Benchmarks.capture(shmDir, bytes, 0, seconds)));
            figures.add(report(err, Benchmarks.capture(shmDir, bytes, changed, seconds)));
        } else {
            err.println("no " + shmDir + ": capture not measured (--shm-dir)");
        }
        if (publish) {
            Properties props = KafkaEventSink.producerProperties(kafka.clientProperties(err), (long) pagesPerEvent * 4096 + 4096, kafka.maxInFlight,
                    kafka.maxBlock);
            err.println("publishing to " + KafkaOptions.describe(props, kafka.topic));
            try (KafkaEventSink sink = KafkaEventSink.create(props, kafka.topic)) {
                figures.add(report(err, Benchmarks.publish(sink, publishSize, pagesPerEvent, 64)));
            } catch (PublishException e) {
                err.println("hde-producer: " + e.getMessage());
                return ExitCodes.FAILED;
            }
        }
        out.println("[" + figures.stream().map(Benchmarks.Figure::toJson).collect(Collectors.joining(",")) + "]");
        out.flush();
        return ExitCodes.OK;
    }

    private static Benchmarks.Figure report(PrintWriter err, Benchmarks.Figure f) {
        err.println(f);
        err.flush();
        return f;
    }

}
