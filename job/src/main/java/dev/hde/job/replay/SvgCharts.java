package dev.hde.job.replay;

import java.util.List;
import java.util.Locale;
import java.util.function.DoubleFunction;

/** Small self-contained SVG charts for the HTML report: horizontal grouped bars and lines. No scripts, no external resources. */
final class SvgCharts {

    /** A named series of values, one per category (bars) or per x position (lines; NaN = no point). */
    record Series(String name, double[] values) {}

    static final String[] COLORS = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
        "#17becf", "#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173", "#3182bd"};

    static final int WIDTH = 960;
    /** The width of one of two small multiples side by side. */
    static final int HALF = 475;
    private static final int LABEL = 250;
    private static final int VALUE = 110;

    private SvgCharts() {}

    /** Horizontal bars: one row per label, one bar per series in each row; {@code highlight} labels drawn in bold. */
    static String bars(String title, List<String> labels, List<Series> series, DoubleFunction<String> format, List<String> highlight) {
        int bar = 13;
        int row = series.size() * (bar + 2) + 8;
        int legend = series.size() > 1 ? 22 : 0;
        int top = 30 + legend;
        int height = top + labels.size() * row + 10;
        double max = 0;
        for (Series s : series) {
            for (double v : s.values()) {
                if (Double.isFinite(v)) {
                    max = Math.max(max, v);
                }
            }
        }
        if (max <= 0) {
            max = 1;
        }
        int area = WIDTH - LABEL - VALUE;
        StringBuilder sb = new StringBuilder();
        open(sb, height);
        text(sb, 8, 20, title, "title");
        if (legend > 0) {
            legend(sb, series, LABEL, 42);
        }
        for (int i = 0; i < labels.size(); i++) {
            int y = top + i * row;
            if (i % 2 == 1) {
                sb.append(String.format(Locale.ROOT, "<rect x=\"0\" y=\"%d\" width=\"%d\" height=\"%d\" class=\"band\"/>", y, WIDTH, row));
            }
            boolean bold = highlight.contains(labels.get(i));
            text(sb, LABEL - 8, y + row / 2 + 4, labels.get(i), bold ? "label end bold" : "label end");
            for (int j = 0; j < series.size(); j++) {
                double v = series.get(j).values()[i];
                int by = y + 4 + j * (bar + 2);
                double w = Double.isFinite(v) ? Math.max(v > 0 ? 1 : 0, area * v / max) : 0;
                sb.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"><title>%s: %s</title></rect>",
                        LABEL, by, w, bar, COLORS[j % COLORS.length], esc(series.get(j).name() + " " + labels.get(i)),
                        esc(Double.isFinite(v) ? format.apply(v) : "-")));
                text(sb, (int) (LABEL + w + 4), by + bar - 2, Double.isFinite(v) ? format.apply(v) : "-", "value");
            }
        }
        sb.append("</svg>\n");
        return sb.toString();
    }

    /** Colours of the highlighted series (the adaptive runs), in the order of the highlight list: dark, distinct, never a plain series' colour. */
    static final String[] HIGHLIGHT_COLORS = {"#000000", "#b8006b", "#00806b", "#7a4a00"};

    /** The most series one line chart shows; more is a tangle (small multiples instead, see {@link #range}). */
    static final int MAX_LINES = 5;

    /** Lines over x positions, one per series, full width, y axis from the series' own values. */
    static String lines(String title, String yTitle, List<String> xLabels, List<Series> series, DoubleFunction<String> format, boolean log,
            List<String> highlight) {
        return lines(title, yTitle, xLabels, series, format, log, highlight, range(series), WIDTH);
    }

    /** The smallest and largest finite values of {@code series} (the y range small multiples share); NaN when there are none. */
    static double[] range(List<Series> series) {
        double max = 0;
        double minPositive = Double.MAX_VALUE;
        for (Series s : series) {
            for (double v : s.values()) {
                if (Double.isFinite(v)) {
                    max = Math.max(max, v);
                    if (v > 0) {
                        minPositive = Math.min(minPositive, v);
                    }
                }
            }
        }
        return new double[] {minPositive == Double.MAX_VALUE ? Double.NaN : minPositive, max};
    }

    /**
     * Lines over x positions (time buckets), one per series (at most {@link #MAX_LINES}); {@code highlight}
     * series drawn thick, each in its own {@link #HIGHLIGHT_COLORS} colour. {@code yRange} (smallest
     * positive and largest value) is shared by the charts of one set of small multiples, so that
     * their heights compare. With {@code log}, a logarithmic y axis (decades).
     */
    static String lines(String title, String yTitle, List<String> xLabels, List<Series> series, DoubleFunction<String> format, boolean log,
            List<String> highlight, double[] yRange, int width) {
        if (series.size() > MAX_LINES) {
            throw new IllegalArgumentException(series.size() + " series in one line chart; at most " + MAX_LINES);
        }
        int left = 80;
        int right = 16;
        int top = 48;
        int plot = width < WIDTH ? 170 : 240;
        int perRow = Math.max(1, (width - left) / 200);
        int legendRows = (series.size() + perRow - 1) / perRow;
        int height = top + plot + 40 + legendRows * 18 + 10;
        double max = yRange[1];
        double minPositive = Double.isNaN(yRange[0]) ? 1 : yRange[0];
        if (max <= 0) {
            max = 1;
            log = false;
        }
        double lo = log ? Math.floor(Math.log10(minPositive)) : 0;
        double hi = log ? Math.ceil(Math.log10(max)) : max;
        if (log && hi <= lo) {
            hi = lo + 1;
        }
        final double ylo = lo;
        final double yhi = hi;
        final boolean logScale = log;
        java.util.function.DoubleUnaryOperator y = v -> {
            double f = logScale ? (Math.log10(Math.max(v, Math.pow(10, ylo))) - ylo) / (yhi - ylo) : v / yhi;
            return top + plot - plot * f;
        };
        int n = xLabels.size();
        double w = width - left - right;
        StringBuilder sb = new StringBuilder();
        open(sb, width, height);
        text(sb, 8, 20, title, "title");
        text(sb, 8, 38, yTitle + (log ? " (log scale)" : ""), "axis");
        int ticks = log ? (int) (hi - lo) : 4;
        for (int t = 0; t <= ticks; t++) {
            double v = log ? Math.pow(10, lo + t) : max * t / 4;
            double yy = y.applyAsDouble(v);
            sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" class=\"grid\"/>", left, yy, width - right, yy));
            text(sb, left - 6, (int) yy + 4, format.apply(v), "axis end");
        }
        int step = Math.max(1, (int) Math.ceil(n / (width / 60.0)));
        for (int i = 0; i < n; i += step) {
            double x = left + (n == 1 ? w / 2 : w * i / (n - 1));
            text(sb, (int) x, top + plot + 16, xLabels.get(i), "axis middle");
        }
        int plain = 0;
        String[] colors = new String[series.size()];
        for (int j = 0; j < series.size(); j++) {
            int h = highlight.indexOf(series.get(j).name());
            colors[j] = h >= 0 ? HIGHLIGHT_COLORS[h % HIGHLIGHT_COLORS.length] : COLORS[plain++ % COLORS.length];
        }
        for (int j = 0; j < series.size(); j++) {
            boolean bold = highlight.contains(series.get(j).name());
            StringBuilder points = new StringBuilder();
            double[] values = series.get(j).values();
            for (int i = 0; i < n; i++) {
                if (!Double.isFinite(values[i])) {
                    continue;
                }
                double x = left + (n == 1 ? w / 2 : w * i / (n - 1));
                double yy = y.applyAsDouble(values[i]);
                points.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, yy));
                sb.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%s\" fill=\"%s\"><title>%s, %s: %s</title></circle>", x, yy,
                        bold ? "3" : "2", colors[j], esc(series.get(j).name()), esc(xLabels.get(i)), esc(format.apply(values[i]))));
            }
            sb.append(String.format(Locale.ROOT, "<polyline points=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"%s\" class=\"series\"/>",
                    points.toString().trim(), colors[j], bold ? "3" : "1.5"));
        }
        int ly = top + plot + 36;
        int column = (width - left) / perRow;
        for (int j = 0; j < series.size(); j++) {
            boolean bold = highlight.contains(series.get(j).name());
            int x = left + (j % perRow) * column;
            int yy = ly + (j / perRow) * 18;
            sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"3\"/>", x, yy - 4,
                    x + 18, yy - 4, colors[j]));
            text(sb, x + 22, yy, series.get(j).name(), bold ? "legend bold" : "legend");
        }
        sb.append("</svg>\n");
        return sb.toString();
    }

    private static void legend(StringBuilder sb, List<Series> series, int x0, int y) {
        int x = x0;
        for (int j = 0; j < series.size(); j++) {
            sb.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/>", x, y - 10,
                    COLORS[j % COLORS.length]));
            text(sb, x + 16, y, series.get(j).name(), "legend");
            x += 24 + 7 * series.get(j).name().length();
        }
    }

    private static void open(StringBuilder sb, int height) {
        open(sb, WIDTH, height);
    }

    private static void open(StringBuilder sb, int width, int height) {
        sb.append(String.format(Locale.ROOT,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\">", width, height,
                width, height));
    }

    private static void text(StringBuilder sb, int x, int y, String s, String cls) {
        sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" class=\"%s\">%s</text>", x, y, cls, esc(s)));
    }

    static String esc(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '&' -> out.append("&amp;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }
}
