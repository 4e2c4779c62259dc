package dev.hde.job.replay;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hde.codec.select.Link;
import dev.hde.codec.select.NetworkMode;
import dev.hde.job.replay.ReplayReport.Config;
import dev.hde.job.replay.SvgCharts.Series;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.ToDoubleFunction;

/**
 * Writes a {@link ReplayReport}: {@code configurations.csv} (one row per configuration),
 * {@code timeline.csv} (one per configuration x time bucket), {@code choices.csv} (the adaptive
 * selector's choices per bucket), {@code report.html} (self-contained: inline SVG charts, no scripts,
 * nothing fetched) and {@code summary.json}, the JSON summary the command prints as its last line.
 */
public final class ReportWriter {

    public static final String CONFIGURATIONS_CSV = "configurations.csv";
    public static final String TIMELINE_CSV = "timeline.csv";
    public static final String CHOICES_CSV = "choices.csv";
    public static final String HTML = "report.html";
    public static final String JSON = "summary.json";

    private static final ObjectMapper MAPPER = new ObjectMapper().enable(JsonGenerator.Feature.WRITE_BIGDECIMAL_AS_PLAIN);

    private ReportWriter() {}

    /** Writes every file into {@code dir} (created if needed); returns the JSON summary. */
    public static String write(ReplayReport r, Path dir) throws IOException {
        Files.createDirectories(dir);
        String json = json(r);
        Files.writeString(dir.resolve(CONFIGURATIONS_CSV), configurationsCsv(r), StandardCharsets.UTF_8);
        Files.writeString(dir.resolve(TIMELINE_CSV), timelineCsv(r), StandardCharsets.UTF_8);
        Files.writeString(dir.resolve(CHOICES_CSV), choicesCsv(r), StandardCharsets.UTF_8);
        Files.writeString(dir.resolve(HTML), html(r), StandardCharsets.UTF_8);
        Files.writeString(dir.resolve(JSON), json + "\n", StandardCharsets.UTF_8);
        return json;
    }

    // ---------------------------------------------------------------- JSON

    /**
     * The summary: {@code {"configurations":[{"name","wire_bytes","encode_s","decode_s","cost_s":{mode:…},"fixed"}, …]}},
     * first {@code adaptive} (the selector choosing per network mode: each mode's cost from that mode's
     * run; wire bytes and times of the hybrid run), then every configuration in report order.
     * {@code cost_s} is the modelled transfer time (encode + wire bytes / bandwidth + decode, with the
     * fixed speed table's modelled times: deterministic, what the selector learns from); each entry also
     * has {@code measured_cost_s} (the same sum with the times measured in this run: noisy) and
     * {@code verified}.
     */
    public static String json(ReplayReport r) {
        ObjectNode root = MAPPER.createObjectNode();
        ArrayNode list = root.putArray("configurations");
        Config hybrid = r.adaptive(NetworkMode.HYBRID);
        ObjectNode a = list.addObject();
        a.put("name", "adaptive");
        a.put("wire_bytes", hybrid.totals().wireBytes);
        a.put("encode_s", dec(hybrid.encodeSeconds()));
        a.put("decode_s", dec(hybrid.decodeSeconds()));
        ObjectNode cost = a.putObject("measured_cost_s");
        for (NetworkMode m : NetworkMode.values()) {
            cost.put(m.lowerName(), dec(r.adaptive(m).costSeconds(r.settings().link(m))));
        }
        a.put("fixed", false);
        ObjectNode table = a.putObject("cost_s");
        boolean verified = true;
        for (NetworkMode m : NetworkMode.values()) {
            table.put(m.lowerName(), dec(r.adaptive(m).tableCostSeconds(r.settings().link(m))));
            verified &= r.adaptive(m).verified();
        }
        a.put("verified", verified);
        for (Config c : r.configs()) {
            ObjectNode o = list.addObject();
            o.put("name", c.name());
            o.put("wire_bytes", c.totals().wireBytes);
            o.put("encode_s", dec(c.encodeSeconds()));
            o.put("decode_s", dec(c.decodeSeconds()));
            ObjectNode cs = o.putObject("measured_cost_s");
            for (NetworkMode m : NetworkMode.values()) {
                cs.put(m.lowerName(), dec(c.costSeconds(r.settings().link(m))));
            }
            o.put("fixed", c.fixed());
            ObjectNode ts = o.putObject("cost_s");
            for (NetworkMode m : NetworkMode.values()) {
                ts.put(m.lowerName(), dec(c.tableCostSeconds(r.settings().link(m))));
            }
            o.put("verified", c.verified());
        }
        try {
            return MAPPER.writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Seconds to the microsecond, written plainly. */
    private static BigDecimal dec(double seconds) {
        return BigDecimal.valueOf(seconds).setScale(6, RoundingMode.HALF_UP);
    }

    // ---------------------------------------------------------------- CSV

    static String configurationsCsv(ReplayReport r) {
        StringBuilder sb = new StringBuilder();
        sb.append("name,kind,fixed,verified,events,frames,full_frames,delta_frames,delete_frames,input_bytes,page_bytes,wire_bytes,ratio,"
                + "encode_s,decode_s,encode_mb_s,decode_mb_s");
        for (NetworkMode m : NetworkMode.values()) {
            sb.append(",measured_cost_").append(m.lowerName()).append("_s");
        }
        sb.append(",modelled_encode_s,modelled_decode_s");
        for (NetworkMode m : NetworkMode.values()) {
            sb.append(",cost_").append(m.lowerName()).append("_s");
        }
        sb.append(",explorations,failure\n");
        for (Config c : r.configs()) {
            ReplayResult t = c.totals();
            sb.append(csv(c.name())).append(',').append(c.kind().name().toLowerCase(Locale.ROOT)).append(',').append(c.fixed()).append(',')
                    .append(c.verified());
            sb.append(String.format(Locale.ROOT, ",%d,%d,%d,%d,%d,%d,%d,%d,%.4f,%.6f,%.6f,%.1f,%.1f", t.events, t.frames, t.fullFrames,
                    t.deltaFrames, t.deleteFrames, t.inputBytes, t.pageBytes, t.wireBytes, c.ratio(), c.encodeSeconds(), c.decodeSeconds(),
                    c.encodeMbPerSecond(), c.decodeMbPerSecond()));
            for (NetworkMode m : NetworkMode.values()) {
                sb.append(String.format(Locale.ROOT, ",%.6f", c.costSeconds(r.settings().link(m))));
            }
            sb.append(String.format(Locale.ROOT, ",%.6f,%.6f", t.tableEncodeNanos / 1e9, t.tableDecodeNanos / 1e9));
            for (NetworkMode m : NetworkMode.values()) {
                sb.append(String.format(Locale.ROOT, ",%.6f", c.tableCostSeconds(r.settings().link(m))));
            }
            sb.append(',').append(t.explorations).append(',').append(csv(t.failure == null ? "" : t.failure)).append('\n');
        }
        return sb.toString();
    }

    static String timelineCsv(ReplayReport r) {
        StringBuilder sb = new StringBuilder();
        sb.append("name,bucket,bucket_start_ms,frames,full_frames,input_bytes,wire_bytes,encode_s,decode_s");
        for (NetworkMode m : NetworkMode.values()) {
            sb.append(",measured_cost_").append(m.lowerName()).append("_s");
        }
        for (NetworkMode m : NetworkMode.values()) {
            sb.append(",cost_").append(m.lowerName()).append("_s");
        }
        sb.append(",failures\n");
        for (Config c : r.configs()) {
            for (ReplayResult b : c.buckets().values()) {
                sb.append(csv(c.name())).append(String.format(Locale.ROOT, ",%d,%d,%d,%d,%d,%d,%.6f,%.6f", b.bucket,
                        b.bucket * r.settings().bucketMillis(), b.frames, b.fullFrames, b.inputBytes, b.wireBytes, b.encodeNanos / 1e9,
                        b.decodeNanos / 1e9));
                for (NetworkMode m : NetworkMode.values()) {
                    sb.append(String.format(Locale.ROOT, ",%.6f", ReplayReport.cost(b.encodeNanos, b.wireBytes, b.decodeNanos, b.inputBytes,
                            r.settings().link(m))));
                }
                for (NetworkMode m : NetworkMode.values()) {
                    sb.append(String.format(Locale.ROOT, ",%.6f", ReplayReport.cost(b.tableEncodeNanos, b.wireBytes, b.tableDecodeNanos,
                            b.inputBytes, r.settings().link(m))));
                }
                sb.append(',').append(b.failures).append('\n');
            }
        }
        return sb.toString();
    }

    static String choicesCsv(ReplayReport r) {
        StringBuilder sb = new StringBuilder("mode,bucket,bucket_start_ms,choice,frames\n");
        for (NetworkMode m : NetworkMode.values()) {
            r.choices(m).forEach((bucket, byChoice) -> byChoice.forEach((choice, n) -> sb.append(m.lowerName()).append(',').append(bucket)
                    .append(',').append(bucket * r.settings().bucketMillis()).append(',').append(choice).append(',').append(n).append('\n')));
        }
        return sb.toString();
    }

    private static String csv(String s) {
        if (s.contains(",") || s.contains("\"") || s.contains("\n")) {
            return "\"" + s.replace("\"", "\"\"") + "\"";
        }
        return s;
    }

    // ---------------------------------------------------------------- HTML

    static String html(ReplayReport r) {
        List<Config> configs = r.configs();
        List<String> names = configs.stream().map(Config::name).toList();
        List<String> adaptiveNames = new ArrayList<>();
        for (NetworkMode m : NetworkMode.values()) {
            adaptiveNames.add(ReplaySettings.adaptiveName(m));
        }
        StringBuilder h = new StringBuilder();
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>hde replay</title>\n<style>\n")
                .append("body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:1000px;color:#222}")
                .append("table{border-collapse:collapse;margin:8px 0 20px}td,th{border:1px solid #ccc;padding:3px 6px;text-align:right;white-space:nowrap}")
                .append(".multiples{display:flex;flex-wrap:wrap;gap:0 10px}.multiples svg{margin:6px 0 14px}details{margin:0 0 20px}")
                .append("th{background:#eef1f4}td.l,th.l{text-align:left}tr.adaptive td{background:#f3f8ee}.bad{color:#b00;font-weight:bold}")
                .append(".good{color:#070;font-weight:bold}svg{display:block;margin:10px 0 26px}svg text{font:12px sans-serif;fill:#222}")
                .append("svg .title{font-weight:bold;font-size:14px}svg .end{text-anchor:end}svg .middle{text-anchor:middle}")
                .append("svg .bold{font-weight:bold}svg .band{fill:#f4f6f8}svg .grid{stroke:#e2e2e2}svg .value,svg .axis{font-size:11px;fill:#555}")
                .append("code{background:#f2f2f2;padding:0 3px}\n</style></head><body>\n");
        h.append("<h1>hde replay</h1>\n<p>").append(esc(r.input())).append("</p>\n");
        ReplaySettings s = r.settings();
        h.append("<p>Fixed choices (also the adaptive selector's candidates): <code>").append(esc(String.join(", ", s.choices())))
                .append("</code>; refresh policies on <code>").append(esc(s.refreshChoice())).append("</code>: <code>")
                .append(esc(s.refreshPolicies().isEmpty() ? "none" : String.join(", ", s.refreshPolicies()))).append("</code>. ")
                .append(String.format(Locale.ROOT, "Selector seed %d, a model published every %d records. Links: ", s.seed(), s.publishEvery()));
        String used = choicesUsed(r);
        List<String> links = new ArrayList<>();
        for (NetworkMode m : NetworkMode.values()) {
            links.add(m.lowerName() + " " + bandwidth(s.link(m)));
        }
        h.append(esc(String.join(", ", links))).append(String.format(Locale.ROOT, ". Time buckets of %d ms of capture time. Job: %.1f s.</p>\n",
                s.bucketMillis(), r.seconds()));
        h.append("<p>Every choice the adaptive selector used: ").append(used).append("</p>\n");

        // Verdicts.
        h.append("<h2>Adaptive selector against the best fixed choice</h2>\n<table><tr><th class=\"l\">network mode</th>")
                .append("<th>adaptive, table</th><th class=\"l\">best fixed, table</th><th>cost</th><th class=\"l\">adaptive ≤ best?</th>")
                .append("<th>adaptive, real</th><th class=\"l\">best fixed, real</th><th>cost</th><th class=\"l\">adaptive ≤ best?</th></tr>\n");
        for (NetworkMode m : NetworkMode.values()) {
            Link link = s.link(m);
            Config a = r.adaptive(m);
            Config bt = r.bestFixed(m, true);
            Config br = r.bestFixed(m, false);
            h.append("<tr><td class=\"l\">").append(m.lowerName()).append("</td><td>").append(seconds(a.tableCostSeconds(link)))
                    .append("</td><td class=\"l\">").append(esc(bt.name())).append("</td><td>").append(seconds(bt.tableCostSeconds(link)))
                    .append("</td><td class=\"l\">").append(verdict(r.adaptiveAtMostBestFixed(m, true))).append("</td><td>")
                    .append(seconds(a.costSeconds(link))).append("</td><td class=\"l\">").append(esc(br.name())).append("</td><td>")
                    .append(seconds(br.costSeconds(link))).append("</td><td class=\"l\">").append(verdict(r.adaptiveAtMostBestFixed(m, false)))
                    .append("</td></tr>\n");
        }
        h.append("</table>\n<p>Cost = encode time + wire bytes ÷ bandwidth + decode time, the selector's cost model "
                + "(<code>CostModel</code>, <code>Link</code>). <b>table</b>: encode and decode times from the fixed speed table of the "
                + "codec's offline simulation; deterministic for an input and seed, what the adaptive selector learns from, and what the "
                + "verdict is judged on. <b>real</b>: times measured in this run (render and apply, on a shared machine: noisy). "
                + "Wire bytes are real in both. Each adaptive row is the selector learning online in that network mode from an empty model.</p>\n");

        if (!r.verified()) {
            h.append("<p class=\"bad\">Verification FAILED:</p><ul>");
            for (Config c : r.failed()) {
                h.append("<li><code>").append(esc(c.name())).append("</code>: ").append(esc(String.valueOf(c.totals().failure))).append("</li>");
            }
            h.append("</ul>\n");
        } else {
            h.append("<p class=\"good\">Every configuration's frames were decoded and verified byte-exact.</p>\n");
        }
        if (r.refusedRecords() > 0) {
            h.append("<p>").append(r.refusedRecords()).append(" input records refused: ").append(esc(r.refused().toString())).append("</p>\n");
        }

        // The table: what a reader compares, on a laptop screen; every column in the collapsed table and configurations.csv.
        h.append("<h2>Configurations</h2>\n<table><tr><th class=\"l\">configuration</th><th>verified</th><th>wire bytes</th><th>ratio</th>")
                .append("<th>encode MB/s</th><th>decode MB/s</th>");
        for (NetworkMode m : NetworkMode.values()) {
            h.append("<th>").append(m.lowerName()).append("</th>");
        }
        h.append("</tr>\n");
        for (Config c : configs) {
            h.append(c.fixed() ? "<tr>" : "<tr class=\"adaptive\">").append("<td class=\"l\"><code>").append(esc(c.name())).append("</code></td><td>")
                    .append(c.verified() ? "yes" : "<span class=\"bad\">NO</span>").append("</td>")
                    .append(String.format(Locale.ROOT, "<td>%,d</td><td>%.2f</td><td>%.0f</td><td>%.0f</td>", c.totals().wireBytes, c.ratio(),
                            c.encodeMbPerSecond(), c.decodeMbPerSecond()));
            for (NetworkMode m : NetworkMode.values()) {
                h.append("<td>").append(seconds(c.tableCostSeconds(s.link(m)))).append("</td>");
            }
            h.append("</tr>\n");
        }
        h.append("</table>\n<p>The last three columns are the modelled transfer time per network mode with the speed table (the verdict's "
                + "cost). Ratio and MB/s are of the page bytes that changed (the same for every configuration: ")
                .append(String.format(Locale.ROOT, "%,d bytes", configs.get(0).totals().inputBytes))
                .append("), so configurations with extra keyframes show their cost as a lower ratio. Configurations without a refresh policy send "
                        + "one keyframe per region and deltas after it (as <code>hde trace</code>); the first keyframes are counted.</p>\n");
        h.append("<details><summary>Frames, seconds and the cost with the times measured in this run</summary>\n<table><tr>")
                .append("<th class=\"l\">configuration</th><th>frames</th><th>full</th><th>encode s</th><th>decode s</th>");
        for (NetworkMode m : NetworkMode.values()) {
            h.append("<th>").append(m.lowerName()).append(", real</th>");
        }
        h.append("</tr>\n");
        for (Config c : configs) {
            ReplayResult t = c.totals();
            h.append(c.fixed() ? "<tr>" : "<tr class=\"adaptive\">").append("<td class=\"l\"><code>").append(esc(c.name())).append("</code></td>")
                    .append(String.format(Locale.ROOT, "<td>%,d</td><td>%,d</td><td>%.3f</td><td>%.3f</td>", t.frames, t.fullFrames,
                            c.encodeSeconds(), c.decodeSeconds()));
            for (NetworkMode m : NetworkMode.values()) {
                h.append("<td>").append(seconds(c.costSeconds(s.link(m)))).append("</td>");
            }
            h.append("</tr>\n");
        }
        h.append("</table></details>\n");

        // Bars.
        h.append("<h2>Charts</h2>\n");
        h.append(SvgCharts.bars("Bytes on the wire", names, List.of(new Series("wire bytes", values(configs, c -> c.totals().wireBytes))),
                v -> String.format(Locale.ROOT, "%,.0f", v), adaptiveNames));
        h.append(SvgCharts.bars("Compression ratio (changed page bytes ÷ wire bytes)", names,
                List.of(new Series("ratio", values(configs, Config::ratio))), v -> String.format(Locale.ROOT, "%.2f", v), adaptiveNames));
        h.append(SvgCharts.bars("Encode and decode speed (MB of changed pages per second, real)", names,
                List.of(new Series("encode MB/s", values(configs, Config::encodeMbPerSecond)),
                        new Series("decode MB/s", values(configs, Config::decodeMbPerSecond))),
                v -> String.format(Locale.ROOT, "%,.0f", v), adaptiveNames));
        List<Series> real = new ArrayList<>();
        List<Series> table = new ArrayList<>();
        for (NetworkMode m : NetworkMode.values()) {
            Link link = s.link(m);
            real.add(new Series(m.lowerName(), values(configs, c -> c.costSeconds(link))));
            table.add(new Series(m.lowerName(), values(configs, c -> c.tableCostSeconds(link))));
        }
        h.append(SvgCharts.bars("Modelled transfer time per network mode, real encode/decode times (s)", names, real, ReportWriter::seconds,
                adaptiveNames));
        h.append(SvgCharts.bars("Modelled transfer time per network mode, speed-table times (s, deterministic)", names, table,
                ReportWriter::seconds, adaptiveNames));

        // Over time.
        List<Long> buckets = r.buckets();
        List<String> xs = new ArrayList<>();
        long first = buckets.isEmpty() ? 0 : buckets.get(0);
        for (long b : buckets) {
            xs.add(bucketLabel(b - first, s.bucketMillis()));
        }
        h.append("<h2>Over time</h2>\n<p>One point per time bucket (").append(s.bucketMillis())
                .append(" ms of capture time, counted from the first).</p>\n");
        // Small multiples of at most four configurations each, on one y scale; the adaptive runs together.
        List<List<Config>> groups = new ArrayList<>();
        groups.add(configs.stream().filter(c -> !c.fixed()).toList());
        List<Config> fixed = configs.stream().filter(Config::fixed).toList();
        for (int i = 0; i < fixed.size(); i += 4) {
            groups.add(fixed.subList(i, Math.min(fixed.size(), i + 4)));
        }
        double[] bytesRange = SvgCharts.range(timeline(configs, buckets, b -> b.wireBytes));
        h.append("<h3>Bytes on the wire per time bucket</h3>\n<div class=\"multiples\">\n");
        for (List<Config> g : groups) {
            if (!g.isEmpty()) {
                String title = g.get(0).fixed()
                        ? String.format(Locale.ROOT, "Fixed choices and policies %d–%d of %d", fixed.indexOf(g.get(0)) + 1,
                                fixed.indexOf(g.get(g.size() - 1)) + 1, fixed.size())
                        : "The adaptive selector, per network mode";
                h.append(SvgCharts.lines(title, "bytes", xs,
                        timeline(g, buckets, b -> b.wireBytes), v -> String.format(Locale.ROOT, "%,.0f", v), true, adaptiveNames, bytesRange,
                        SvgCharts.HALF));
            }
        }
        h.append("</div>\n");
        for (NetworkMode m : NetworkMode.values()) {
            Link link = s.link(m);
            List<Config> shown = new ArrayList<>();
            shown.add(r.adaptive(m));
            fixed.stream().sorted(java.util.Comparator.comparingDouble(c -> c.tableCostSeconds(link))).limit(3).forEach(shown::add);
            h.append(SvgCharts.lines("Transfer time per bucket, " + m.lowerName() + " (" + bandwidth(link) + "): adaptive and the three cheapest "
                    + "fixed choices", "seconds (modelled, speed table)", xs, timeline(shown, buckets,
                            b -> ReplayReport.cost(b.tableEncodeNanos, b.wireBytes, b.tableDecodeNanos, b.inputBytes, link)),
                    ReportWriter::seconds, true, adaptiveNames));
        }
        h.append("<p>Every configuration per bucket: <code>").append(TIMELINE_CSV).append("</code>.</p>\n");

        // Choices.
        h.append("<h2>What the adaptive selector chose</h2>\n");
        for (NetworkMode m : NetworkMode.values()) {
            TreeMap<Long, TreeMap<String, Long>> byBucket = r.choices(m);
            TreeSet<String> all = new TreeSet<>();
            byBucket.values().forEach(b -> all.addAll(b.keySet()));
            Config a = r.adaptive(m);
            h.append("<h3>").append(m.lowerName()).append(" (").append(esc(bandwidth(s.link(m)))).append(")</h3>\n<p>")
                    .append(a.totals().explorations).append(" explorations; frames per choice: ").append(esc(r.choiceTotals(m).toString()))
                    .append("</p>\n<table><tr><th class=\"l\">bucket</th>");
            for (String c : all) {
                h.append("<th>").append(esc(c)).append("</th>");
            }
            h.append("</tr>\n");
            for (Map.Entry<Long, TreeMap<String, Long>> e : byBucket.entrySet()) {
                h.append("<tr><td class=\"l\">").append(esc(bucketLabel(e.getKey() - first, s.bucketMillis()))).append("</td>");
                for (String c : all) {
                    Long n = e.getValue().get(c);
                    h.append("<td>").append(n == null ? "" : n.toString()).append("</td>");
                }
                h.append("</tr>\n");
            }
            h.append("</table>\n");
        }
        h.append("<p>Files beside this page: <code>").append(CONFIGURATIONS_CSV).append("</code>, <code>").append(TIMELINE_CSV)
                .append("</code>, <code>").append(CHOICES_CSV).append("</code>, <code>").append(JSON).append("</code>.</p>\n</body></html>\n");
        return h.toString();
    }

    /**
     * Every choice the adaptive selectors used, each with where it comes from: a candidate, or the
     * keyframe form of candidates (a FULL frame carries whole pages, so its method is raw: a keyframe
     * of {@code xbzrle+zstd-3} is recorded as {@code raw+zstd-3}).
     */
    static String choicesUsed(ReplayReport r) {
        java.util.TreeMap<String, Long> used = new java.util.TreeMap<>();
        for (NetworkMode m : NetworkMode.values()) {
            r.choiceTotals(m).forEach((c, n) -> used.merge(c, n, Long::sum));
        }
        if (used.isEmpty()) {
            return "none (no frames).";
        }
        List<dev.hde.codec.select.EncodeChoice> candidates = r.settings().parsedChoices();
        List<String> parts = new ArrayList<>();
        for (Map.Entry<String, Long> e : used.entrySet()) {
            String c = e.getKey();
            List<String> of = new ArrayList<>();
            for (dev.hde.codec.select.EncodeChoice k : candidates) {
                if (k.forFrame(dev.hde.codec.wire.FrameType.FULL).toString().equals(c) && !k.toString().equals(c)) {
                    of.add(k.toString());
                }
            }
            boolean candidate = r.settings().choices().contains(c);
            String from = (candidate ? "a candidate" : of.isEmpty() ? "not a candidate" : "")
                    + (of.isEmpty() ? "" : (candidate ? ", and " : "") + "keyframes of " + String.join(", ", of));
            parts.add("<code>" + esc(c) + "</code> (" + esc(from) + String.format(Locale.ROOT, "; %,d frames)", e.getValue()));
        }
        return String.join(", ", parts) + ". A keyframe (FULL frame) carries whole pages, so it is recorded under <code>raw</code> with its "
                + "candidate's codec.";
    }

    private static double[] values(List<Config> configs, ToDoubleFunction<Config> f) {
        double[] out = new double[configs.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = f.applyAsDouble(configs.get(i));
        }
        return out;
    }

    private static List<Series> timeline(List<Config> configs, List<Long> buckets, ToDoubleFunction<ReplayResult> f) {
        List<Series> out = new ArrayList<>();
        for (Config c : configs) {
            double[] v = new double[buckets.size()];
            for (int i = 0; i < v.length; i++) {
                ReplayResult b = c.buckets().get(buckets.get(i));
                v[i] = b == null ? 0 : f.applyAsDouble(b);
            }
            out.add(new Series(c.name(), v));
        }
        return out;
    }

    private static String bucketLabel(long index, long bucketMillis) {
        long ms = index * bucketMillis;
        return ms % 1000 == 0 ? (ms / 1000) + " s" : ms + " ms";
    }

    static String seconds(double s) {
        if (s == 0) {
            return "0";
        }
        if (s < 1e-3) {
            return String.format(Locale.ROOT, "%.1f µs", s * 1e6);
        }
        if (s < 1) {
            return String.format(Locale.ROOT, "%.2f ms", s * 1e3);
        }
        return String.format(Locale.ROOT, "%.3f s", s);
    }

    private static String bandwidth(Link link) {
        long b = link.bitsPerSecond();
        if (b % 1_000_000_000L == 0) {
            return (b / 1_000_000_000L) + " Gbit/s";
        }
        if (b % 1_000_000L == 0) {
            return (b / 1_000_000L) + " Mbit/s";
        }
        return String.format(Locale.ROOT, "%,d bit/s", b);
    }

    private static String verdict(boolean ok) {
        return ok ? "<span class=\"good\">yes</span>" : "<span class=\"bad\">no</span>";
    }

    private static String esc(String s) {
        return SvgCharts.esc(s);
    }
}
