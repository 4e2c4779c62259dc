package dev.hde.bench;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Encode and decode speed of every setting and of the two references, on the redis trace and on
 * the synthetic sequence.
 *
 * <p>One operation is one realistic chain: starting from image 0 (both sides hold it, as after the
 * first FULL frames), every transition of every region in order: {@code encode} turns the page
 * updates into frames ({@code delta} + {@code render} + {@code commit}), {@code decode} applies the
 * frames made once in setup. Building the fresh sender or receiver state (a map of page references)
 * happens in an invocation-level setup and is not measured; an operation takes milliseconds to
 * seconds, so the setup's timestamps do not matter.
 *
 * <p>Results: the primary score is operations per second; the secondary score {@code changedMB} is
 * the MB (10^6 bytes) of changed pages per second, which is the figure to compare. Changed bytes =
 * pages that differ between successive images x 4096, the same for every setting and reference
 * (redis: 7,485 pages = 30,658,560 bytes per operation). Bytes on the wire come from
 * {@link WireBytesReport}: they do not depend on timing.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 1)
public class CodecBench {

    @State(Scope.Benchmark)
    public static class Workload {
        @Param({"redis", "synthetic"})
        public String data;

        /**
         * See {@link Scheme#of}; the slow max-ratio settings can be added with
         * {@code -p setting=xbzrle+zstd-19,dict+zstd-18}.
         */
        @Param({"xbzrle+none", "xbzrle+lz4", "xbzrle+zstd-1", "xbzrle+zstd-3", "xor+lz4", "xor+zstd-1", "xor+zstd-3",
                "raw+lz4", "raw+zstd-3", "dict+zstd-3", "dict+zstd-9", "seed", "plain-lz4", "plain-zstd-1"})
        public String setting;

        Dataset dataset;
        Scheme scheme;
        double changedMB;

        @Setup(Level.Trial)
        public void load() {
            dataset = Dataset.get(data);
            scheme = Scheme.of(setting);
            changedMB = dataset.changedBytes / 1e6;
        }
    }

    @State(Scope.Thread)
    public static class EncodeFixture {
        Scheme.Sender sender;

        @Setup(Level.Invocation)
        public void freshSender(Workload w) {
            sender = w.scheme.sender(w.dataset);
        }
    }

    @State(Scope.Thread)
    public static class DecodeFixture {
        byte[][][] frames;
        Scheme.Receiver receiver;

        @Setup(Level.Trial)
        public void encodeOnce(Workload w) {
            Dataset d = w.dataset;
            frames = new byte[d.transitions()][d.regions][];
            w.scheme.sender(d).encodeAll(frames);
            Scheme.Receiver check = w.scheme.receiver(d);
            check.decodeAll(frames);
            String problem = check.verify(frames);
            if (problem != null) {
                throw new IllegalStateException(w.setting + " on " + d.name + ": " + problem);
            }
        }

        @Setup(Level.Invocation)
        public void freshReceiver(Workload w) {
            receiver = w.scheme.receiver(w.dataset);
        }
    }

    /** Changed MB handled, reported per second by JMH: the MB/s of a setting. */
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class Counters {
        public double changedMB;

        @Setup(Level.Iteration)
        public void reset() {
            changedMB = 0;
        }
    }

    @Benchmark
    public long encode(Workload w, EncodeFixture f, Counters c) {
        long wire = f.sender.encodeAll(null);
        c.changedMB += w.changedMB;
        return wire;
    }

    @Benchmark
    public long decode(Workload w, DecodeFixture f, Counters c) {
        long sink = f.receiver.decodeAll(f.frames);
        c.changedMB += w.changedMB;
        return sink;
    }
}
