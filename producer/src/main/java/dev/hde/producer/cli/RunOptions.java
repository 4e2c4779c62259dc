package dev.hde.producer.cli;

import java.time.Duration;
import picocli.CommandLine.Option;

/** How long a run goes and what it prints. */
public final class RunOptions {

    @Option(order = 100, names = {"-n", "--rounds"}, paramLabel = "N", converter = Ranges.NonNegative.class,
            description = "Rounds to run; 0 = until interrupted (Ctrl-C) or the source ends (default: 0; images: every image).")
    Integer rounds;

    @Option(order = 101, names = {"-i", "--interval"}, paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Time from the start of one round to the start of the next, e.g. 500ms, 1s, 1m (default: 1s; images: 0).")
    Duration interval;

    @Option(order = 102, names = "--dry-run",
            description = "Publish nothing (no Kafka needed); print one JSON line per round on stdout: "
                    + "{\"round\":…,\"pages_scanned\":…,\"pages_changed\":…,\"bytes\":…,…}.")
    boolean dryRun;

    @Option(order = 103, names = "--json", description = "Print the JSON line of each round on stdout also when publishing.")
    boolean json;

    @Option(order = 104, names = {"-q", "--quiet"}, description = "No progress line on the terminal (the statistics at the end are still printed).")
    boolean quiet;

    @Option(order = 105, names = "--max-rate", paramLabel = "MB/S", converter = Ranges.NonNegativeReal.class,
            description = "Rate limit: at most this many MB (10^6 bytes) of events per second on average; 0 = none (default: 0).")
    double maxRateMbPerSecond;

    @Option(order = 106, names = "--first-sequence", paramLabel = "N", converter = Ranges.AtLeastOneLong.class,
            description = "Sequence number of each state key's first event (default: the time in microseconds, so that a "
                    + "restarted producer's events are never taken for duplicates of the last run's).")
    Long firstSequence;

    @Option(order = 107, names = {"-v", "--verbose"}, description = "Log the Kafka client at INFO on the terminal, and print the stack trace of an error (default: the Kafka "
                    + "client's warnings go to the log file named in the error line).")
    boolean verbose;

    @Option(order = 108, names = "--resync-topic", paramLabel = "TOPIC", defaultValue = "hde.resync-requests",
            description = "Topic of the encoder's resync requests: each request for a region of this producer is answered with the "
                    + "whole region on the next round (default: ${DEFAULT-VALUE}).")
    String resyncTopic;

    @Option(order = 109, names = "--no-resync", description = "Do not read resync requests (the encoder then waits for whole regions that never come).")
    boolean noResync;

    @Option(order = 110, names = "--linger", paramLabel = "DURATION", converter = DurationConverter.class, defaultValue = "0s",
            description = "After a source that ends (images), keep answering resync requests for this long (default: ${DEFAULT-VALUE}).")
    Duration linger;

    @Option(order = 111, names = "--heartbeat", paramLabel = "DURATION", converter = DurationConverter.class, defaultValue = "60s",
            description = "A region that sent no event for this long sends an empty one (its next sequence number and its digest), "
                    + "so that the encoder finds an event lost before it and asks for the whole region; 0 = never (default: ${DEFAULT-VALUE}).")
    Duration heartbeat;
}
