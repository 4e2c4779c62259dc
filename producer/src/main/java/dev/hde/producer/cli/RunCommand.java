package dev.hde.producer.cli;

import dev.hde.codec.Limits;
import dev.hde.producer.EventSink;
import dev.hde.producer.KafkaEventSink;
import dev.hde.producer.ProducerLoop;
import dev.hde.producer.PublishException;
import dev.hde.producer.RateLimiter;
import dev.hde.producer.RegionTracker;
import dev.hde.producer.ResyncListener;
import dev.hde.producer.RunStats;
import dev.hde.producer.Source;
import dev.hde.producer.capture.CaptureAccessException;
import dev.hde.producer.capture.NoMatchingMappingsException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.KafkaException;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** What every source command does: open the source, publish (or not) round after round, print progress and statistics. */
abstract class RunCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    RunOptions run;

    @Mixin
    KafkaOptions kafka;

    PrintWriter out;
    PrintWriter err;

    /** Opens the source; sequence numbers of new keys start at {@code firstSequence}. */
    abstract Source open(long firstSequence) throws IOException;

    /** The tracker of a source's regions, with the run's heartbeat. */
    RegionTracker tracker(int pageShift, long firstSequence) {
        return new RegionTracker(pageShift, firstSequence).heartbeat(run.heartbeat);
    }

    /** The largest event the source makes (a REGION event of its largest region). */
    abstract long maxEventBytes();

    abstract int pageSize();

    int defaultRounds() {
        return 0;
    }

    Duration defaultInterval() {
        return Duration.ofSeconds(1);
    }

    /** Called once after the first round (e.g. to say what the capture selected). */
    void afterFirstRound(Source source) {}

    /** Called when the run ends (e.g. to say that the process exited). */
    void afterRun(Source source) {}

    /** Checks a region size against the page size and the event limits; returns its pages. */
    int regionPages(long regionBytes, int pageSize) {
        if (regionBytes < pageSize || regionBytes % pageSize != 0) {
            throw new ParameterException(spec.commandLine(), "--region-size " + regionBytes + " is not a whole number of " + pageSize + "-byte pages");
        }
        long pages = regionBytes / pageSize;
        if (pages > Limits.DEFAULT.maxRegionPages() || regionBytes > Limits.DEFAULT.maxRegionBytes()) {
            throw new ParameterException(spec.commandLine(), "--region-size " + SizeConverter.format(regionBytes) + " is over the event limits ("
                    + Limits.DEFAULT.maxRegionPages() + " pages, " + SizeConverter.format(Limits.DEFAULT.maxRegionBytes()) + ")");
        }
        return (int) pages;
    }

    static int pageShift(int pageSize, CommandSpec spec) {
        if (Integer.bitCount(pageSize) != 1 || pageSize < (1 << Limits.MIN_PAGE_SHIFT) || pageSize > (1 << Limits.MAX_PAGE_SHIFT)) {
            throw new ParameterException(spec.commandLine(), "--page-size " + pageSize + " is not a power of two in [512, 65536]");
        }
        return Integer.numberOfTrailingZeros(pageSize);
    }

    @Override
    public Integer call() {
        out = spec.commandLine().getOut();
        err = spec.commandLine().getErr();
        if (run.verbose) {
            System.setProperty("org.slf4j.simpleLogger.log.org.apache.kafka", "info");
        }
        int rounds = run.rounds != null ? run.rounds : defaultRounds();
        Duration interval = run.interval != null ? run.interval : defaultInterval();
        if (rounds < 0 || interval.isNegative() || run.maxRateMbPerSecond < 0) {
            throw new ParameterException(spec.commandLine(), "--rounds, --interval and --max-rate cannot be negative");
        }
        long firstSequence = run.firstSequence != null ? run.firstSequence : ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now());
        if (firstSequence < 1) {
            throw new ParameterException(spec.commandLine(), "--first-sequence must be 1 or more");
        }

        if (!run.dryRun) {
            // Before the source opens: a wrong address or password, or a topic it may not write, fails now, in one line.
            List<KafkaConnectivity.TopicUse> uses = new ArrayList<>(List.of(KafkaConnectivity.TopicUse.writes(kafka.topic, "the page updates")));
            if (!run.noResync) {
                uses.add(KafkaConnectivity.TopicUse.reads(run.resyncTopic));
            }
            kafka.checkReachable(err, uses);
        }
        Source source;
        try {
            source = open(firstSequence);
        } catch (CaptureAccessException e) {
            err.println("hde-producer: " + e.getMessage());
            return e.kind() == CaptureAccessException.Kind.NO_PROCESS ? ExitCodes.NO_PROCESS : ExitCodes.NO_PERMISSION;
        } catch (dev.hde.codec.trace.ImageInputException e) {
            err.println("hde-producer: " + e.getMessage());
            return ExitCodes.USAGE;
        } catch (IOException | UncheckedIOException e) {
            err.println("hde-producer: " + e.getMessage());
            return ExitCodes.FAILED;
        }

        EventSink sink;
        ResyncListener resyncs = null;
        if (run.dryRun) {
            sink = EventSink.discard();
            err.println("hde-producer: reading " + source.describe() + "; dry run: nothing is published");
        } else {
            try {
                Properties client = kafka.clientProperties(err);
                Properties props = KafkaEventSink.producerProperties(client, maxEventBytes(), kafka.maxInFlight, kafka.maxBlock);
                sink = KafkaEventSink.create(props, kafka.topic);
                err.println("hde-producer: reading " + source.describe() + "; publishing to " + KafkaOptions.describe(props, kafka.topic)
                        + (run.noResync ? "; not reading resync requests" : "; answering resync requests from " + run.resyncTopic));
                if (!run.noResync) {
                    resyncs = ResyncListener.start(client, run.resyncTopic, this::log);
                }
            } catch (IOException | KafkaException e) {
                // A KafkaException here is a bad client configuration; its message names the property, never a secret value.
                err.println("hde-producer: cannot set up the Kafka producer: " + e.getMessage()
                        + (e.getCause() != null && e.getCause() != e ? " (" + e.getCause().getMessage() + ")" : ""));
                closeQuietly(source);
                return ExitCodes.USAGE;
            }
        }
        err.flush();

        Progress progress = new Progress(out, err, run.dryRun || run.json, run.quiet, sink);
        boolean[] first = {true};
        ProducerLoop loop = new ProducerLoop(source, sink,
                run.maxRateMbPerSecond > 0 ? new RateLimiter(Math.max(1, (long) (run.maxRateMbPerSecond * 1e6))) : null,
                (r, t) -> {
                    progress.roundDone(r, t);
                    if (first[0]) {
                        first[0] = false;
                        progress.endLine();
                        afterFirstRound(source);
                    }
                });
        if (resyncs != null) {
            loop.answering(resyncs, this::log);
        }
        loop.lingering(run.linger);

        CountDownLatch finished = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            loop.stop();
            try {
                // Let the round under way finish and the statistics print; a hung cluster does not hold the exit forever.
                finished.await(kafka.maxBlock.toMillis() + 5_000, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "hde-producer-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);

        int code = ExitCodes.OK;
        try {
            loop.run(rounds, interval);
        } catch (PublishException e) {
            progress.endLine();
            err.println("hde-producer: " + e.getMessage());
            code = ExitCodes.FAILED;
        } catch (CaptureAccessException e) {
            progress.endLine();
            err.println("hde-producer: " + e.getMessage());
            code = e.kind() == CaptureAccessException.Kind.NO_PROCESS ? ExitCodes.NO_PROCESS : ExitCodes.NO_PERMISSION;
        } catch (NoMatchingMappingsException e) {
            progress.endLine();
            err.println("hde-producer: " + e.getMessage());
            code = ExitCodes.NO_PROCESS;
        } catch (IOException | UncheckedIOException e) {
            progress.endLine();
            err.println("hde-producer: " + e.getMessage());
            code = CliErrors.causes(e).stream().anyMatch(c -> c instanceof dev.hde.codec.trace.ImageInputException) ? ExitCodes.USAGE : ExitCodes.FAILED;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            code = ExitCodes.FAILED;
        } finally {
            if (resyncs != null) {
                resyncs.close();
            }
            try {
                sink.close();
            } catch (RuntimeException e) {
                err.println("hde-producer: closing the producer: " + e.getMessage());
            }
            closeQuietly(source);
            RunStats total = loop.total();
            progress.summary(total, run.dryRun, pageSize());
            afterRun(source);
            err.flush();
            out.flush();
            finished.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running: it waits for `finished`
            }
        }
        return code;
    }

    /** A line for the person running the producer (stderr), e.g. a resync request it cannot answer. */
    private synchronized void log(String line) {
        err.println("hde-producer: " + line);
        err.flush();
    }

    private void closeQuietly(Source source) {
        try {
            source.close();
        } catch (IOException e) {
            err.println("hde-producer: closing the source: " + e.getMessage());
        }
    }
}
