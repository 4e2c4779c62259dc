package dev.hde.job.cli;

import dev.hde.job.DecoderJob;
import dev.hde.job.config.HdeJobConfig;
import dev.hde.operators.RegionVerdict;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code hde decode}: the receiver as a Flink job. Reads the committed frames, rebuilds every
 * region and checks every frame; prints one line per region and a JSON summary as the last line;
 * exits 1 if any region failed.
 */
@Command(name = "decode", mixinStandardHelpOptions = true, sortOptions = false,
        header = "Run the decoder job: rebuild and verify every region from the frames.",
        description = {
            "Run the HDE decoder job: frames (Kafka, read_committed) -> rebuild and",
            "verify every region. Reads up to the end of the frames topic as it is at",
            "the start (unless --follow), prints the last verdict of every region and",
            "a JSON summary as the last line; exits 1 if any region failed."
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

    @Option(names = "--images", paramLabel = "DIR", description = "Write every rebuilt region to DIR (vm-01/r0002 as vm-01_r0002.bin).")
    Path images;

    @Option(names = "--follow", description = "Keep reading new frames until stopped, printing each verdict (default: stop at the end).")
    boolean follow;

    @Option(names = "--quiet", description = "Print only the JSON summary.")
    boolean quiet;

    @Override
    public Integer call() throws Exception {
        HdeJobConfig c = new HdeJobConfig();
        kafka.applyTo(c, true);
        flink.applyTo(c);
        limits.applyTo(c);
        c.bounded(!follow);
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (!quiet) {
            err.println("hde decode: reading " + c.framesTopic() + " from " + c.bootstrapServers() + (follow ? " (following)" : ""));
            err.flush();
        }
        long t0 = System.nanoTime();
        Map<String, RegionVerdict> latest = DecoderJob.fromKafka(c, images == null ? null : images.toString())
                .collectLatest(StreamExecutionEnvironment.getExecutionEnvironment(c.flinkConfiguration()), v -> {
                    if (follow && !quiet) {
                        out.println(line(v));
                        out.flush();
                    }
                });
        double seconds = (System.nanoTime() - t0) / 1e9;
        long failed = latest.values().stream().filter(v -> !v.verified).count();
        long frames = latest.values().stream().mapToLong(v -> v.framesApplied).sum();
        if (!quiet) {
            for (RegionVerdict v : latest.values()) {
                out.println(line(v));
            }
        }
        out.println(String.format(Locale.ROOT, "{\"regions\":%d,\"regions_failed\":%d,\"frames_applied\":%d,\"verified\":%b,\"seconds\":%.1f}",
                latest.size(), failed, frames, failed == 0, seconds));
        out.flush();
        return failed == 0 ? 0 : 1;
    }

    static String line(RegionVerdict v) {
        if (!v.verified) {
            return String.format(Locale.ROOT, "%-16s FAILED after %d frames: %s", v.stateKey, v.framesApplied, v.error);
        }
        if (v.deleted) {
            return String.format(Locale.ROOT, "%-16s ok, deleted (%d frames)", v.stateKey, v.framesApplied);
        }
        return String.format(Locale.ROOT, "%-16s ok  epoch %d.%d, %d pages, digest %016x (%d frames)", v.stateKey, v.epoch, v.chainIndex,
                v.regionPages, v.digest, v.framesApplied);
    }
}
