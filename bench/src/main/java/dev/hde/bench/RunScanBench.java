package dev.hde.bench;

import dev.hde.codec.Pages;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
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
 * Finding the runs of changed bytes of a page against its old content, as XBZRLE and SPLIT do
 * ({@code Arrays.mismatch} for each unchanged gap, then the length of the changed run): the run
 * length eight bytes at a time ({@link Pages#differingRunLength}, {@code longs}) against one byte
 * at a time ({@code bytes}, what the encoders did before), on the changed pages of a trace. One
 * operation scans every changed page of every transition once; {@code changedMB} is the MB of
 * changed pages scanned per second.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 4, time = 2)
public class RunScanBench {

    @State(Scope.Benchmark)
    public static class Pairs {
        @Param({"redis"})
        public String data;

        @Param({"longs", "bytes"})
        public String scan;

        byte[][] olds;
        byte[][] news;
        double changedMB;

        @Setup(Level.Trial)
        public void load() {
            Dataset d = Dataset.get(data);
            List<byte[]> o = new ArrayList<>();
            List<byte[]> n = new ArrayList<>();
            for (int t = 1; t < d.images.length; t++) {
                byte[] before = d.images[t - 1];
                byte[] after = d.images[t];
                for (int at = 0; at + d.pageSize <= after.length; at += d.pageSize) {
                    if (!Arrays.equals(before, at, at + d.pageSize, after, at, at + d.pageSize)) {
                        o.add(Arrays.copyOfRange(before, at, at + d.pageSize));
                        n.add(Arrays.copyOfRange(after, at, at + d.pageSize));
                    }
                }
            }
            olds = o.toArray(new byte[0][]);
            news = n.toArray(new byte[0][]);
            changedMB = (double) olds.length * d.pageSize / 1e6;
        }
    }

    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Counters {
        public double changedMB;
    }

    @Benchmark
    public long scan(Pairs p, Counters c) {
        boolean longs = p.scan.equals("longs");
        long runs = 0;
        for (int k = 0; k < p.olds.length; k++) {
            byte[] old = p.olds[k];
            byte[] page = p.news[k];
            int len = page.length;
            int i = 0;
            while (i < len) {
                int gap = Arrays.mismatch(old, i, len, page, i, len);
                if (gap < 0) {
                    break;
                }
                i += gap;
                int n = longs ? Pages.differingRunLength(old, i, page, i, len - i) : bytesDiffering(old, page, i, len);
                i += n;
                runs += n;
            }
        }
        c.changedMB += p.changedMB;
        return runs;
    }

    private static int bytesDiffering(byte[] old, byte[] page, int i, int len) {
        int n = 1;
        while (i + n < len && old[i + n] != page[i + n]) {
            n++;
        }
        return n;
    }
}
