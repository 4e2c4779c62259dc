package dev.hde.codec.select;

import dev.hde.codec.Limits;
import dev.hde.codec.region.FrameInfo;
import dev.hde.codec.region.HeapPageStore;
import dev.hde.codec.region.PendingFrame;
import dev.hde.codec.region.RegionEncoder;
import dev.hde.codec.region.RegionMeta;
import dev.hde.codec.select.SelectorSimulation.Update;
import dev.hde.codec.wire.FrameFormat;
import dev.hde.codec.wire.FrameHeader;
import dev.hde.codec.wire.FrameType;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The measurement the priors of {@link CostModel} were fitted to (docs/selector.md, "Priors"): every
 * frame of the redis trace (2 MiB regions, as {@code hde replay --images} cuts it) and of the
 * generated streams, rendered with every default candidate, one CSV row per (frame, choice): the
 * sampled features, exact counts of what changed, the frame's length and its modelled times
 * ({@link ModelledSpeeds#CALIBRATED}). Not part of the suite: run it with
 * {@code -Dhde.calibrate=/tmp/calibration.csv -Dtest=PriorCalibration}.
 */
class PriorCalibration {

    static final List<EncodeChoice> DELTA_CHOICES = SelectorConfig.DEFAULT_CANDIDATES.stream().filter(c -> !c.trainedDictionary()).toList();

    @Test
    @EnabledIfSystemProperty(named = "hde.calibrate", matches = ".+")
    void writeTheCalibrationTable() throws IOException {
        Path out = Path.of(System.getProperty("hde.calibrate"));
        try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(out))) {
            w.println("stream,key,seq,type,entropy,zero,changed,new_share,run_start,pages,bytes,kind,exact_changed,exact_runs,exact_new,"
                    + "nonzero,run_start_exact,repeat,choice,frame,data_raw,block,enc_ns,dec_ns,prior_frame,prior_enc,prior_dec");
            dump(w, "redis", redis());
            dump(w, "gen7", AdaptiveSimulationTest.generated(7, 6, 256, 12, 12));
            dump(w, "gen11", AdaptiveSimulationTest.generated(11, 6, 256, 12, 12));
        }
    }

    /** The redis trace alone: image 0 as keyframes of 2 MiB regions, then its 7 transitions. */
    static List<Update> redis() {
        List<Update> all = AdaptiveSimulationTest.redisThenEncrypted(0, 0);
        return all;
    }

    private static final class Sender {
        RegionMeta meta;
        final HeapPageStore reference = new HeapPageStore();
        long sequence;
    }

    static void dump(PrintWriter w, String stream, List<Update> updates) {
        Map<String, Sender> senders = new HashMap<>();
        for (Update u : updates) {
            Sender s = senders.computeIfAbsent(u.key(), k -> new Sender());
            FrameInfo info = new FrameInfo(u.key(), ++s.sequence, s.sequence);
            PendingFrame pending = s.meta == null ? RegionEncoder.full(null, 12, s.reference, u.update())
                    : RegionEncoder.delta(s.meta, s.reference, u.update());
            if (pending.count() == 0) {
                continue;
            }
            DataFeatures f = DataFeatures.of(pending);
            long[] exact = exact(pending);
            List<EncodeChoice> choices = new ArrayList<>();
            for (EncodeChoice c : DELTA_CHOICES) {
                EncodeChoice e = c.forFrame(pending.type());
                if (!choices.contains(e)) {
                    choices.add(e);
                }
            }
            for (EncodeChoice c : choices) {
                byte[] frame = RegionEncoder.render(info, pending, c.spec());
                FrameHeader h = FrameFormat.parse(frame, Limits.DEFAULT).header();
                double[] t = ModelledSpeeds.CALIBRATED.time(c, h, pending.changedBytes(), exact[0]);
                CostModel.Estimate p = CostModel.prior(c, f);
                w.println(String.format(Locale.ROOT, "%s,%s,%d,%s,%.5f,%.5f,%.6f,%.5f,%.5f,%d,%d,%d,%d,%d,%d,%d,%.4f,%.4f,%s,%d,%d,%d,%.1f,%.1f,%.1f,%.1f,%.1f", stream,
                        u.key(), s.sequence, pending.type(), f.entropyBits(), f.zeroFraction(), f.changedShare(), f.newShare(), f.runStartShare(), f.pages(),
                        f.bytes(), f.kind(), exact[0], exact[1], exact[2], exact[3], runStartExact(exact), f.repeatShare(), c, frame.length, h.dataRawLength(), h.dataBlockLength(),
                        t[0], t[1], p.ratio() * Math.max(4096, f.bytes()), p.encodeNanosPerByte() * Math.max(4096, f.bytes()),
                        p.decodeNanosPerByte() * Math.max(4096, f.bytes())));
            }
            RegionEncoder.commit(pending, s.reference);
            s.meta = pending.after();
        }
    }

    /** The exact share of changed bytes (of pages that had content) that start a run. */
    static double runStartExact(long[] exact) {
        long changedOld = exact[0] - 4096 * exact[2];
        return changedOld <= 0 ? 0 : (double) (exact[1] - exact[2]) / changedOld;
    }

    /** Exact changed bytes (whole pages for new ones), changed runs, new pages, non-zero listed pages. */
    static long[] exact(PendingFrame f) {
        long changed = 0;
        long runs = 0;
        long fresh = 0;
        long nonzero = 0;
        int pageSize = f.after().pageSize();
        for (int i = 0; i < f.count(); i++) {
            byte[] page = f.newPages()[i];
            byte[] old = f.oldPages()[i];
            if (page == null) {
                continue;
            }
            nonzero++;
            if (old == null || f.type() == FrameType.FULL) {
                changed += pageSize;
                fresh++;
                runs++;
                continue;
            }
            boolean in = false;
            for (int b = 0; b < pageSize; b++) {
                boolean d = page[b] != old[b];
                if (d) {
                    changed++;
                    if (!in) {
                        runs++;
                    }
                }
                in = d;
            }
        }
        return new long[] {changed, runs, fresh, nonzero};
    }
}
