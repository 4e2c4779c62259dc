package dev.hde.job.cli;

import dev.hde.job.DecoderJob;
import dev.hde.job.catalog.KeyframeStart;
import dev.hde.job.config.FlinkSettings;
import dev.hde.job.config.HdeJobConfig;
import dev.hde.job.kafka.KafkaPreflight;
import dev.hde.operators.RegionVerdict;
import dev.hde.producer.cli.KafkaConnectivity;
import dev.hde.producer.cli.Usage;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code hde decode}: the receiver as a Flink job. Reads the committed frames, rebuilds every
 * region and checks every frame; prints one line per region and a JSON summary as the last line;
 * exits 1 if any region failed. A region whose encoder sent a RESYNC frame after its last keyframe is
 * reported WAITING (its image is the last good one, not the producer's current memory) and counted in
 * {@code regions_waiting}; {@code current} is true only when no region fails or waits.
 */
@Command(name = "decode", mixinStandardHelpOptions = true, sortOptions = false,
        header = "Run the decoder job: rebuild and verify every region from the frames.",
        description = {
            "Run the HDE decoder job: frames (Kafka, read_committed) -> rebuild and",
            "verify every region. Reads up to the end of the frames topic as it is at",
            "the start (unless --follow), prints the last verdict of every region and",
            "a JSON summary as the last line; exits 1 if any region failed. With",
            "--from-catalog it starts at the keyframes the baseline catalog names."
        })
public final class DecodeCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    KafkaOptions kafka = new KafkaOptions();

    @Mixin
    FlinkOptions flink = new FlinkOptions();

    @Mixin
    EncoderOptions.LimitsOptions limits = new EncoderOptions.LimitsOptions();

    @Mixin
    CatalogOptions catalog = new CatalogOptions();

    @Option(names = "--from-catalog",
            description = "Start at the latest keyframe of each region the baseline catalog names (this --site-id's keyframes) instead of at "
                    + "the beginning of the frames topic.")
    boolean fromCatalog;

    @Option(names = "--keyframe-seek-slack", converter = DurationConverter.class, paramLabel = "DURATION",
            description = "With --from-catalog: look for each keyframe this long before its capture time (default: 30s).")
    Duration seekSlack;

    @Option(names = "--images", paramLabel = "DIR", description = "Write every rebuilt region to DIR (vm-01/r0002 as vm-01_r0002.bin).")
    Path images;

    @Option(names = "--follow", description = "Keep reading new frames until stopped, printing each verdict (default: stop at the end).")
    boolean follow;

    @Option(names = "--quiet", description = "Print only the JSON summary.")
    boolean quiet;

    @Option(names = "--dictionaries-topic", paramLabel = "TOPIC",
            description = "Topic of the encoder's trained dictionaries (hde encode --dictionaries), read for frames that use one "
                    + "(default: hde.dictionaries; a topic that does not exist holds none).")
    String dictionariesTopic;

    @Override
    public Integer call() throws Exception {
        HdeJobConfig c = Usage.check(spec, () -> {
            HdeJobConfig d = new HdeJobConfig();
            kafka.applyTo(d, true);
            flink.applyTo(d);
            limits.applyTo(d);
            catalog.applyTo(d);
            d.decodeFromCatalog(fromCatalog);
            if (dictionariesTopic != null) {
                d.dictionariesTopic(dictionariesTopic);
            }
            if (seekSlack != null) {
                d.keyframeSeekSlack(seekSlack);
            }
            // A bounded decode is run again from the start after a failure: no periodic checkpoints (one triggered while its
            // tasks finish only fails, with a stack trace in the log).
            return d.bounded(!follow).periodicCheckpoints(follow);
        });
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        KafkaPreflight.checkTopicUses(c.kafkaClientProperties(), kafka.connectTimeout, (fromCatalog ? List.of(c.framesTopic(), c.catalogTopic())
                : List.of(c.framesTopic())).stream().map(KafkaConnectivity.TopicUse::reads).toList(), "is --frames-topic right? hde encode writes it");
        if (!quiet) {
            err.println("hde decode: reading " + c.framesTopic() + " from " + c.bootstrapServers() + (follow ? " (following)" : ""));
            JobLogFile.announce(err, "hde decode");
        }
        long t0 = System.nanoTime();
        DecoderJob job = DecoderJob.fromKafka(c, images == null ? null : images.toString());
        KeyframeStart.Plan plan = job.startPlan();
        if (plan != null && !quiet) {
            err.println(String.format(Locale.ROOT,
                    "hde decode: catalog of %s (%d messages merged, %d refused): %d regions with keyframes in %s (site %s), %d elsewhere; "
                            + "starting at %s, %d records skipped%s",
                    c.catalogTopic(), plan.catalog().messages(), plan.catalog().refused(), plan.keyframes().size(), c.framesTopic(), c.siteId(),
                    plan.otherSites().size(), offsets(plan),
                    plan.skippable(), plan.fromBeginning().isEmpty() ? "" : "; partitions " + plan.fromBeginning() + " from the beginning"));
            err.flush();
        }
        Map<String, RegionVerdict> latest = job
                .collectLatest(FlinkSettings.environment(c), v -> {
                    if (follow && !quiet) {
                        out.println(line(v));
                        out.flush();
                    }
                });
        double seconds = (System.nanoTime() - t0) / 1e9;
        long failed = latest.values().stream().filter(v -> !v.verified).count();
        long waiting = latest.values().stream().filter(v -> v.verified && v.waitingForKeyframe).count();
        long frames = latest.values().stream().mapToLong(v -> v.framesApplied).sum();
        // A region the catalog says has a keyframe here, of which no frame was taken: its keyframe was not found.
        List<String> missing = plan == null ? List.of() : plan.keyframes().keySet().stream().filter(k -> !latest.containsKey(k)).toList();
        if (!quiet) {
            for (RegionVerdict v : latest.values()) {
                out.println(line(v));
            }
            for (String key : missing) {
                out.println(String.format(Locale.ROOT, "%-16s MISSING: the catalog names keyframe epoch %d, not found on %s", key,
                        plan.keyframes().get(key).epoch(), c.framesTopic()));
            }
        }
        boolean ok = failed == 0 && missing.isEmpty();
        out.println(String.format(Locale.ROOT, "{\"regions\":%d,\"regions_failed\":%d,\"regions_waiting\":%d,%s\"frames_applied\":%d,"
                + "\"verified\":%b,\"current\":%b,\"seconds\":%.1f}",
                latest.size(), failed, waiting, plan == null ? "" : String.format(Locale.ROOT, "\"catalog_regions\":%d,\"regions_missing\":%d,\"records_skipped\":%d,",
                        plan.keyframes().size(), missing.size(), plan.skippable()),
                frames, ok, ok && waiting == 0, seconds));
        out.flush();
        return ok ? 0 : 1;
    }

    private static String offsets(KeyframeStart.Plan plan) {
        StringBuilder s = new StringBuilder();
        plan.offsets().forEach((tp, o) -> s.append(s.length() == 0 ? "" : ", ").append(tp.partition()).append(':').append(o));
        return s.toString();
    }

    static String line(RegionVerdict v) {
        if (!v.verified) {
            return String.format(Locale.ROOT, "%-16s FAILED after %d frames: %s", v.stateKey, v.framesApplied, v.error);
        }
        if (v.waitingForKeyframe) {
            return String.format(Locale.ROOT, "%-16s WAITING for a keyframe: the encoder lost the producer's state of it and asked for the "
                    + "whole region; the image is the last good one, epoch %d.%d (%d frames)", v.stateKey, v.epoch, v.chainIndex, v.framesApplied);
        }
        if (v.deleted) {
            return String.format(Locale.ROOT, "%-16s ok, deleted (%d frames)", v.stateKey, v.framesApplied);
        }
        return String.format(Locale.ROOT, "%-16s ok  epoch %d.%d, %d pages, digest %016x (%d frames)", v.stateKey, v.epoch, v.chainIndex,
                v.regionPages, v.digest, v.framesApplied);
    }
}
