package dev.hde.job.chaos;

import dev.hde.job.catalog.CatalogTopic;
import dev.hde.job.config.CheckpointRestore;
import dev.hde.job.config.HdeJobConfig;
import dev.hde.job.embedded.KafkaBrokerProcess;
import dev.hde.job.kafka.KafkaTopics;
import dev.hde.operators.SelectorModelMarkers;
import dev.hde.producer.SyntheticWorkload;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * A process-kill fault run (docs/reliability.md): a Kafka broker in its own JVM, {@code hde encode}
 * in its own JVM, the producer with the true memory and a receiver in this one. The encoder is
 * killed with SIGKILL at seeded random points and started again with {@code --restore auto} (some
 * times with {@code --restore none}), the broker is killed for tens of seconds, the producer drops
 * events and one VM idles past the encoder's prune time. At the end the producer stops changing its
 * memory (it still answers resync requests), and every region the receiver holds is compared with
 * the producer's memory, byte for byte.
 */
public final class ChaosRun {

    /** The outcome: the JSON line's fields. */
    public record Report(int kills, int brokerKills, int restartsWithoutState, int restoredRuns, int encoderExits, long events, long eventsDropped,
            long publishFailures, long resyncsRequested, long resyncsAnswered, long keyframeRequests, int regions, int regionsExact, int regionsWrong,
            int regionsWaiting, long frames, long framesWrong, long duplicateFrames, long lostFrames, long resyncNotices, long modelsInBand,
            double seconds, List<String> problems) {

        public boolean ok() {
            return regionsWrong == 0 && framesWrong == 0 && duplicateFrames == 0 && regionsExact == regions;
        }

        public String toJson() {
            return String.format(Locale.ROOT, "{\"kills\":%d,\"broker_kills\":%d,\"restarts_without_state\":%d,\"restored_runs\":%d,"
                    + "\"encoder_exits\":%d,"
                    + "\"events\":%d,\"events_dropped\":%d,\"publish_failures\":%d,\"resyncs_requested\":%d,\"resyncs_answered\":%d,"
                    + "\"keyframe_requests\":%d,\"regions\":%d,\"regions_exact\":%d,\"regions_wrong\":%d,\"regions_waiting\":%d,\"frames\":%d,\"frames_wrong\":%d,"
                    + "\"duplicate_frames\":%d,\"lost_frames\":%d,\"resync_frames\":%d,\"models_in_band\":%d,\"seconds\":%.1f,\"ok\":%b}",
                    kills, brokerKills, restartsWithoutState, restoredRuns, encoderExits, events, eventsDropped, publishFailures, resyncsRequested,
                    resyncsAnswered, keyframeRequests, regions, regionsExact, regionsWrong, regionsWaiting, frames, framesWrong, duplicateFrames, lostFrames,
                    resyncNotices, modelsInBand, seconds, ok());
        }
    }

    private final ChaosSettings s;
    private final Consumer<String> say;

    public ChaosRun(ChaosSettings settings, Consumer<String> say) {
        this.s = settings;
        this.say = say;
    }

    public Report run() throws Exception {
        long t0 = System.nanoTime();
        SplittableRandom random = new SplittableRandom(s.seed());
        Files.createDirectories(s.workDir());
        // Which encoder restarts lose the state, and after which kills the broker goes down too: seeded.
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < s.kills(); i++) {
            order.add(i);
        }
        java.util.Collections.shuffle(order, new java.util.Random(s.seed()));
        List<Integer> stateless = order.subList(0, s.withoutState());
        List<Integer> brokerAfter = new ArrayList<>(order.subList(0, Math.min(s.brokerKills(), s.kills())));
        java.util.Collections.shuffle(brokerAfter, new java.util.Random(s.seed() + 1));

        say.accept("starting a Kafka broker in its own JVM");
        try (KafkaBrokerProcess broker = KafkaBrokerProcess.builder().dataDir(s.workDir().resolve("kafka")).start()) {
            HdeJobConfig c = new HdeJobConfig().bootstrapServers(broker.bootstrapServers());
            KafkaTopics.create(broker.admin(), 2, (short) 1, c.encoderTopics(), c.compactedTopics());
            SyntheticWorkload memory = new SyntheticWorkload(SyntheticWorkload.Settings.DEFAULT.withVms(s.vms(), s.regionsPerVm())
                    .withRegionPages(s.regionPages()).withDirtyRate(0.05).withSeed(s.seed())).heartbeat(s.heartbeat());
            List<String> args = new ArrayList<>(List.of("-b", broker.bootstrapServers(), "-p", "2", "--checkpoint-dir",
                    s.workDir().resolve("checkpoints").toUri().toString(), "--checkpoint-interval", duration(s.checkpointInterval()),
                    "--state-backend", s.stateBackend(), "--restart-attempts", "1000", "--restart-delay", "1s", "--transaction-timeout", "2m",
                    "--idle-timeout", duration(s.idleTimeout()), "--resync-retry", "3s", "--no-savepoint-on-stop", "--progress-interval", "5s",
                    "--connect-timeout", "60s"));
            if (s.selector() == HdeJobConfig.SelectorMode.ADAPTIVE) {
                args.addAll(List.of("--selector", "adaptive", "--selector-publish-interval", "2s"));
            }
            int kills = 0;
            int brokerKills = 0;
            int exits = 0;
            try (EncoderProcess encoder = new EncoderProcess(args, s.workDir(), "768m");
                    TruthProducer producer = new TruthProducer(memory, c.kafkaClientProperties(), c.pageUpdatesTopic(),
                            c.resyncRequestsTopic(), s.dropRate(), s.seed(), line -> say.accept("producer: " + line));
                    FrameAudit audit = new FrameAudit(broker.bootstrapServers(), c.framesTopic(), c.keyframeRequestsTopic())) {
                say.accept("encoder run 1: " + encoder.start("auto"));
                long pause = s.idleTimeout().toMillis() * 2 + 2_000;
                long start = System.currentTimeMillis();
                String idleVm = "vm-00/";
                // One VM idles longer than the prune time every other period: its regions are pruned, then change again.
                producer.changing(key -> !key.startsWith(idleVm) || ((System.currentTimeMillis() - start) / pause) % 2 == 0);
                producer.start(s.roundInterval());

                String checkpoints = s.workDir().resolve("checkpoints").toUri().toString();
                for (int k = 0; k < s.kills(); k++) {
                    // The 2nd, 4th, ... kill: anywhere from before the first checkpoint can complete to several checkpoints in.
                    // The 1st, 3rd, ...: up to the same time after the run's first completed checkpoint (a slow machine
                    // may take longer than the gap to start a job, and then no restart would ever resume).
                    long runFor = 3_000 + random.nextLong(Math.max(1, s.gap().toMillis() - 3_000));
                    if (k % 2 == 0) {
                        exits += runUntilCheckpointed(encoder, audit, producer, checkpoints);
                        runFor -= 3_000;
                    }
                    exits += runWhileAuditing(encoder, audit, producer, runFor, "auto");
                    encoder.kill();
                    kills++;
                    say.accept(String.format(Locale.ROOT, "kill -9 of the encoder (%d of %d) after %.1f s", kills, s.kills(), runFor / 1000.0));
                    if (brokerAfter.contains(k)) {
                        broker.kill();
                        brokerKills++;
                        long down = s.brokerDown().toMillis() / 2 + random.nextLong(Math.max(1, s.brokerDown().toMillis() / 2));
                        say.accept(String.format(Locale.ROOT, "kill -9 of the broker for %.1f s", down / 1000.0));
                        Thread.sleep(down);
                        broker.restart();
                        say.accept("broker back");
                    } else {
                        Thread.sleep(random.nextLong(2_000));
                    }
                    String restore = stateless.contains(k) ? "none" : "auto";
                    say.accept("encoder run " + (encoder.runs() + 1) + " (--restore " + restore + "): " + encoder.start(restore));
                }
                exits += runWhileAuditing(encoder, audit, producer, s.gap().toMillis(), "auto");

                // A region's last change lost on the way, the region quiet after it: only its heartbeat can reveal the loss.
                String lastLost = producer.keys().stream().filter(k -> !k.startsWith(idleVm)).reduce((a, b) -> b).orElseThrow();
                producer.loseLastChangeOf(lastLost);
                long lossDeadline = System.currentTimeMillis() + 30_000;
                while (!producer.lastChangeLost() && System.currentTimeMillis() < lossDeadline) {
                    exits += runWhileAuditing(encoder, audit, producer, 300, "auto");
                }
                say.accept("faults over: the producer's memory stops changing; it still answers resync requests and sends heartbeats");
                producer.changing(key -> false);
                long deadline = System.nanoTime() + s.settle().toNanos();
                int exact = 0;
                while (System.nanoTime() < deadline) {
                    exits += runWhileAuditing(encoder, audit, producer, 2_000, "auto");
                    exact = (int) producer.keys().stream().filter(k -> audit.verdict(k, producer) == FrameAudit.Verdict.EXACT).count();
                    if (exact == producer.keys().size()) {
                        break;
                    }
                }
                int wrong = 0;
                int waiting = 0;
                for (String key : producer.keys()) {
                    FrameAudit.Verdict v = audit.verdict(key, producer);
                    if (v == FrameAudit.Verdict.WRONG) {
                        wrong++;
                        audit.problems().add(key + ": the receiver is at the producer's last event and holds other bytes");
                    } else if (v == FrameAudit.Verdict.WAITING) {
                        waiting++;
                        audit.problems().add(key + ": still waiting for a keyframe, or behind, after the settle time");
                    }
                }
                return new Report(kills, brokerKills, stateless.size(), encoder.restoredRuns(), exits, producer.events(), producer.dropped(),
                        producer.publishFailures(), producer.resyncRequestsRead(), producer.resyncsAnswered(), audit.keyframeRequests, producer.keys().size(), exact,
                        wrong, waiting, audit.frames, audit.digestsWrong, audit.duplicates, audit.lost, audit.resyncNotices,
                        modelsInBand(c), (System.nanoTime() - t0) / 1e9, List.copyOf(audit.problems()));
            }
        } finally {
            if (!s.keep()) {
                deleteTree(s.workDir());
            }
        }
    }

    /** The selector models the encoder's trainer wrote into the page-updates topic (one record per partition and model). */
    private static long modelsInBand(HdeJobConfig c) {
        long[] n = {0};
        CatalogTopic.readAll(c.kafkaClientProperties(), c.pageUpdatesTopic(), Duration.ofSeconds(60), r -> {
            if (SelectorModelMarkers.isMarkerRecordKey(r.key())) {
                n[0]++;
            }
        });
        return n[0];
    }

    /**
     * Lets the encoder run for {@code millis} while the receiver reads; an encoder that ended by itself
     * (it gave up, e.g. while the broker was away) is started again as an operator would. Returns the
     * number of such ends.
     */
    private int runWhileAuditing(EncoderProcess encoder, FrameAudit audit, TruthProducer producer, long millis, String restore)
            throws IOException, InterruptedException {
        int exits = 0;
        long until = System.currentTimeMillis() + millis;
        while (System.currentTimeMillis() < until) {
            audit.poll(producer);
            if (!encoder.alive()) {
                exits++;
                say.accept("the encoder ended by itself (exit " + encoder.exitCode() + "): starting it again: " + encoder.start(restore));
            }
        }
        return exits;
    }

    /** Runs until a checkpoint of the encoder's current run completes (at most two minutes); returns the encoder's own ends. */
    private int runUntilCheckpointed(EncoderProcess encoder, FrameAudit audit, TruthProducer producer, String checkpoints)
            throws IOException, InterruptedException {
        int exits = 0;
        long deadline = System.currentTimeMillis() + 120_000;
        while (System.currentTimeMillis() < deadline) {
            var newest = CheckpointRestore.newest(checkpoints);
            if (newest.isPresent() && newest.get().written().toEpochMilli() >= encoder.startedMillis() && !newest.get().savepoint()) {
                break;
            }
            exits += runWhileAuditing(encoder, audit, producer, 500, "auto");
        }
        return exits;
    }

    private static String duration(Duration d) {
        return d.toMillis() + "ms";
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (var walk = Files.walk(dir)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // best effort: a temporary directory
        }
    }
}
