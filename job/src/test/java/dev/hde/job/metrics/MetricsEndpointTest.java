package dev.hde.job.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hde.job.embedded.EmbeddedKafka;
import dev.hde.job.embedded.WorkloadPublisher;
import dev.hde.producer.SyntheticWorkload;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A local {@code hde encode --metrics-port} (its own JVM, as a user starts it) serves every metric
 * the Grafana dashboard (docker/grafana/dashboards/hde-encoder.json) names, and prints progress lines.
 */
class MetricsEndpointTest {

    private static final Path DASHBOARD = Path.of("..", "docker", "grafana", "dashboards", "hde-encoder.json");
    private static final Pattern METRIC = Pattern.compile("flink_[A-Za-z0-9_]+");
    private static final Pattern PROGRESS = Pattern.compile(
            "hde encode: ([\\d,]+) events, ([\\d,]+) frames \\([\\d,]+ delta\\), [\\d.]+ MB/s, ratio [\\d.]+x, lag [\\d,]+, [\\d,]+ dead letters");

    @Test
    void localEncodeServesEveryMetricOfTheDashboardAndPrintsProgress(@TempDir Path dir) throws Exception {
        Set<String> wanted = dashboardMetrics();
        assertThat(wanted).hasSizeGreaterThanOrEqualTo(10);
        SyntheticWorkload memory = new SyntheticWorkload(new SyntheticWorkload.Settings(1, 2, 32, 12, 0.05, 0.05, 0.05, 3L));
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            kafka.createTopics(2, List.of("hde.page-updates", "hde.frames", "hde.dead-letters", "hde.selector-model", "hde.catalog", "hde.resync-requests",
                    "hde.keyframe-requests"),
                    Set.of("hde.selector-model"));
            java.util.Properties client = new java.util.Properties();
            client.setProperty("bootstrap.servers", kafka.bootstrapServers());
            long pageBytes;
            try (WorkloadPublisher publisher = new WorkloadPublisher(client, "hde.page-updates")) {
                for (int round = 0; round < 3; round++) {
                    publisher.send(memory.nextRound(System.currentTimeMillis()));
                }
                publisher.flush();
                pageBytes = publisher.stats().pageBytes();
            }

            int port = dev.hde.job.embedded.FreePorts.find();
            Path err = dir.resolve("encode.err");
            Process encode = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx768m",
                    "-cp", System.getProperty("java.class.path"), "dev.hde.job.cli.HdeCli", "encode", "-b", kafka.bootstrapServers(),
                    "--metrics-port", Integer.toString(port), "--progress-interval", "1s", "--checkpoint-interval", "1s", "-p", "1",
                    "--starting-offsets", "earliest")
                    .redirectError(err.toFile()).redirectOutput(dir.resolve("encode.out").toFile()).start();
            try {
                HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
                long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
                Set<String> missing = wanted;
                String scraped = "";
                while (System.nanoTime() < deadline) {
                    assertThat(encode.isAlive()).as("hde encode exited:\n%s", Files.readString(err)).isTrue();
                    try {
                        scraped = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/metrics")).timeout(Duration.ofSeconds(5))
                                .build(), HttpResponse.BodyHandlers.ofString()).body();
                    } catch (IOException notYet) {
                        scraped = "";
                    }
                    Set<String> served = new TreeSet<>();
                    Matcher m = METRIC.matcher(scraped);
                    while (m.find()) {
                        served.add(m.group());
                    }
                    missing = new TreeSet<>(wanted);
                    missing.removeAll(served);
                    if (missing.isEmpty() && sum(scraped, "flink_taskmanager_job_task_operator_bytesIn") == pageBytes
                            && progressLine(err) != null) {
                        break;
                    }
                    Thread.sleep(500);
                }
                assertThat(missing).as("dashboard metrics not served on :%d/metrics", port).isEmpty();
                assertThat(sum(scraped, "flink_taskmanager_job_task_operator_bytesIn")).isEqualTo((double) pageBytes);
                Matcher line = progressLine(err);
                assertThat(line).as("a progress line with frames on stderr:\n%s", Files.readString(err)).isNotNull();
            } finally {
                encode.destroy();
                if (!encode.waitFor(30, TimeUnit.SECONDS)) {
                    encode.destroyForcibly();
                }
            }
        }
    }

    /** The last progress line that counts frames, or null. */
    private static Matcher progressLine(Path err) throws IOException {
        Matcher last = null;
        for (String l : Files.readAllLines(err)) {
            Matcher m = PROGRESS.matcher(l);
            if (m.find() && !m.group(2).equals("0")) {
                last = m;
            }
        }
        return last;
    }

    /** The metric names in the dashboard's queries. */
    static Set<String> dashboardMetrics() throws IOException {
        Set<String> names = new TreeSet<>();
        for (JsonNode panel : new ObjectMapper().readTree(DASHBOARD.toFile()).path("panels")) {
            for (JsonNode target : panel.path("targets")) {
                Matcher m = METRIC.matcher(target.path("expr").asText());
                while (m.find()) {
                    names.add(m.group());
                }
            }
        }
        return names;
    }

    /** The sum of every sample of a metric in a Prometheus text exposition. */
    private static double sum(String exposition, String name) {
        double total = 0;
        for (String l : exposition.lines().toList()) {
            if (l.startsWith(name + "{") || l.startsWith(name + " ")) {
                total += Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1));
            }
        }
        return total;
    }
}
