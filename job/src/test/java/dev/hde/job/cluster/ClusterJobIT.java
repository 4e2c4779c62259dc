package dev.hde.job.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hde.codec.select.SelectorModelFormat;
import dev.hde.job.catalog.CatalogTopic;
import dev.hde.job.embedded.FrameCounter;
import dev.hde.job.embedded.KafkaBrokerProcess;
import dev.hde.job.embedded.KafkaOffsets;
import dev.hde.job.embedded.WorkloadPublisher;
import dev.hde.job.kafka.KafkaTopics;
import dev.hde.operators.SelectorModelMarkers;
import dev.hde.producer.SyntheticWorkload;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cluster job jar on a real multi-process Flink cluster: a standalone session cluster (a
 * JobManager and two TaskManagers, each its own JVM, from Flink's entry points) and a Kafka broker
 * in its own JVM. The encoder is submitted through the REST API; while a synthetic workload is
 * published, one TaskManager is killed with SIGKILL and a new one started; the job must restore its
 * last checkpoint and go on. Then {@code flink run} (attached) runs the decoder on the cluster, and
 * every rebuilt region must equal the producer's true memory byte for byte; {@code flink run -d}
 * submits a bounded encoder that must finish on its own.
 */
class ClusterJobIT {

    private static final Path JOB_JAR = Path.of(System.getProperty("hde.job.jar", "target/hde-job.jar"));
    private static final int PARTITIONS = 4;
    private static final int ROUNDS = 30;

    @Test
    void jobJarCarriesNoFlinkRuntimeNorKafkaBrokerAndNamesItsEntryClass() throws IOException {
        assertThat(JOB_JAR).exists();
        long size = Files.size(JOB_JAR);
        assertThat(size).as("hde-job.jar size").isLessThan(30L << 20);
        try (JarFile jar = new JarFile(JOB_JAR.toFile())) {
            List<String> names = jar.stream().map(java.util.zip.ZipEntry::getName).toList();
            System.err.printf("hde-job.jar: %,d bytes, %,d entries%n", size, names.size());
            assertThat(names).noneMatch(n -> n.startsWith("org/apache/flink/runtime/"));
            assertThat(names).noneMatch(n -> n.contains("kafka/server"));
            assertThat(names).noneMatch(n -> n.startsWith("kafka/") && n.endsWith(".class")); // the broker (Scala)
            assertThat(names).noneMatch(n -> n.startsWith("scala/") || n.startsWith("org/rocksdb/") || n.startsWith("org/apache/logging/"));
            // Flink itself and what flink-dist carries (the connector's own org/apache/flink/streaming/connectors/kafka is ours to ship).
            assertThat(names).noneMatch(n -> n.startsWith("org/apache/flink/streaming/api/") || n.startsWith("org/apache/flink/api/")
                    || n.startsWith("org/apache/flink/connector/base/") || n.startsWith("org/apache/flink/metrics/prometheus/"));
            assertThat(names).contains("dev/hde/job/EncoderJob.class", "dev/hde/job/cli/ClusterJobMain.class",
                    "org/apache/flink/connector/kafka/source/KafkaSource.class", "org/apache/kafka/clients/producer/KafkaProducer.class",
                    "dev/hde/shaded/picocli/CommandLine.class");
            assertThat(jar.getManifest().getMainAttributes().getValue("Main-Class")).isEqualTo("dev.hde.job.cli.ClusterJobMain");
        }
    }

    @Test
    void encoderSurvivesTaskManagerKillAndFlinkRunDecodesEveryRegionByteForByte(@TempDir Path dir) throws Exception {
        long t0 = System.nanoTime();
        SyntheticWorkload memory = new SyntheticWorkload(new SyntheticWorkload.Settings(2, 4, 64, 12, 0.05, 0.05, 0.05, 11L));
        int promPort = dev.hde.job.embedded.FreePorts.find();
        String promPorts = promPort + "-" + (promPort + 10);
        String checkpoints = dir.resolve("checkpoints").toUri().toString();
        try (FlinkClusterProcesses cluster = new FlinkClusterProcesses(dir.resolve("flink"), Map.of(
                        // What an operator sets once for every job: the job must keep these (FlinkSettings).
                        "state.backend.type", "rocksdb",
                        "execution.checkpointing.incremental", "true",
                        "execution.checkpointing.dir", checkpoints,
                        "metrics.reporter.prom.factory.class", "org.apache.flink.metrics.prometheus.PrometheusReporterFactory",
                        "metrics.reporter.prom.port", promPorts));
                KafkaBrokerProcess kafka = startBrokerWhile(cluster::startJobManager)) {
            cluster.startTaskManager();
            cluster.startTaskManager();
            String servers = kafka.bootstrapServers();
            KafkaTopics.create(kafka.admin(), PARTITIONS, (short) 1,
                    List.of("hde.page-updates", "hde.frames", "hde.dead-letters", "hde.selector-model", "hde.catalog", "hde.frames-detached",
                            "hde.resync-requests", "hde.keyframe-requests", "hde.selector-model-detached"),
                    Set.of("hde.selector-model", "hde.selector-model-detached"));
            cluster.awaitTaskManagers(2, Duration.ofSeconds(90));
            say(t0, "broker at %s, JobManager and 2 TaskManagers up", servers);

            // The encoder, submitted through the REST API (as the web UI does): jar upload, then run. The adaptive selector with
            // models in band (its trainer writes a model into every page-updates partition every 2 s) and epochs by capture time, so
            // that a failure-free run over the same input can be compared with it frame for frame below.
            String jarId = cluster.uploadJar(JOB_JAR);
            String encoder = cluster.runJar(jarId, List.of("encode", "-b", servers, "-p", "2", "--checkpoint-interval", "1s",
                    "--restart-attempts", "10", "--restart-delay", "1s", "--starting-offsets", "earliest", "--selector", "adaptive",
                    "--selector-publish-interval", "2s", "--epochs-by-capture-time"));
            FlinkClusterProcesses.await("encoder running", Duration.ofSeconds(90), () -> cluster.allTasksRunning(encoder));
            JsonNode checkpointConfig = cluster.get("/jobs/" + encoder + "/checkpoints/config");
            assertThat(checkpointConfig.path("state_backend").asText()).as("the cluster's state backend").containsIgnoringCase("rocksdb");
            say(t0, "encoder %s running (%s, %s)", encoder, checkpointConfig.path("state_backend").asText(),
                    checkpointConfig.path("checkpoint_storage").asText());

            Properties client = new Properties();
            client.setProperty("bootstrap.servers", servers);
            List<TopicPartition> framePartitions = new ArrayList<>();
            for (int p = 0; p < PARTITIONS; p++) {
                framePartitions.add(new TopicPartition("hde.frames", p));
            }
            try (WorkloadPublisher publisher = new WorkloadPublisher(client, "hde.page-updates");
                    FrameCounter frames = new FrameCounter(client, "hde.frames", framePartitions);
                    Admin admin = kafka.admin()) {
                // The producer holds after a third of the rounds until the kill is due, so that the kill is mid-stream however slow the machine.
                CompletableFuture<Void> killDue = new CompletableFuture<>();
                CompletableFuture<Void> producer = CompletableFuture.runAsync(() -> publish(memory, publisher, Duration.ofMillis(400), killDue));

                // Mid-stream, after a completed checkpoint: kill -9 a TaskManager, start a new one.
                FlinkClusterProcesses.await("a completed checkpoint and a third of the rounds", Duration.ofSeconds(120),
                        () -> completedCheckpoints(cluster, encoder) >= 1 && publisher.stats().events() >= (long) ROUNDS / 3 * memory.stateKeys().size());
                killDue.complete(null);
                assertThat(producer).isNotDone();
                long killed = cluster.taskManagerPid(0);
                cluster.killTaskManager(0);
                cluster.startTaskManager();
                say(t0, "killed TaskManager 0 (pid %d) with SIGKILL after %d events, started TaskManager 2", killed, publisher.stats().events());

                FlinkClusterProcesses.await("the encoder restored from a checkpoint and running again", Duration.ofSeconds(120),
                        () -> cluster.get("/jobs/" + encoder + "/checkpoints").path("latest").path("restored").has("id")
                                && cluster.allTasksRunning(encoder));
                JsonNode restored = cluster.get("/jobs/" + encoder + "/checkpoints").path("latest").path("restored");
                assertThat(restored.path("is_savepoint").asBoolean()).isFalse();
                assertThat(restored.path("external_path").asText()).startsWith(checkpoints.replaceFirst("^file:///", "file:/"));
                say(t0, "encoder restored checkpoint %d (%s)", restored.path("id").asLong(), restored.path("external_path").asText());

                producer.get(120, TimeUnit.SECONDS);
                Map<TopicPartition, Long> end = KafkaOffsets.endOffsets(admin, "hde.page-updates", IsolationLevel.READ_UNCOMMITTED);
                FlinkClusterProcesses.await("every event encoded and every frame committed", Duration.ofSeconds(120), () -> {
                    boolean lastFrames = memory.stateKeys().stream().allMatch(k -> frames.lastSequence(k) >= ROUNDS);
                    boolean allRead = lastFrames || KafkaOffsets.reached(KafkaOffsets.committed(admin, "hde-encoder", "hde.page-updates"), end);
                    return allRead && KafkaOffsets.noOpenTransactions(admin, "hde.frames") && cluster.allTasksRunning(encoder);
                });
                say(t0, "all %,d events encoded: %,d frames committed", publisher.stats().events(), frames.frames());
            }

            // The dashboard's metrics on the cluster's own Prometheus reporters.
            String scraped = scrape(promPort, promPort + 10);
            assertThat(scraped).contains("flink_taskmanager_job_task_operator_bytesIn", "flink_taskmanager_job_task_operator_framesDelta",
                    "flink_jobmanager_job_lastCheckpointDuration", "flink_taskmanager_job_task_operator_pendingRecords");

            cluster.send("PATCH", "/jobs/" + encoder + "?mode=cancel", null);
            FlinkClusterProcesses.await("encoder cancelled", Duration.ofSeconds(60), () -> cluster.jobState(encoder).equals("CANCELED"));

            // flink run (attached): the decoder on the cluster writes every region; compare with the true memory.
            Path images = Files.createDirectories(dir.resolve("images"));
            FlinkClusterProcesses.CliRun decode = cluster.flink(Duration.ofMinutes(3), "run", JOB_JAR.toString(), "decode", "-b", servers, "-p", "2",
                    "--images", images.toString());
            assertThat(decode.exitCode()).as("flink run decode:\n%s", decode.output()).isZero();
            assertThat(decode.output()).contains("\"verified\":true");
            int verified = 0;
            for (String key : memory.stateKeys()) {
                Path file = images.resolve(key.replace('/', '_') + ".bin");
                assertThat(file).as("rebuilt image of %s", key).exists();
                byte[] rebuilt = Files.readAllBytes(file);
                byte[] truth = memory.image(key);
                assertThat(Arrays.mismatch(rebuilt, truth)).as("%s: first byte that differs from the true memory", key).isEqualTo(-1);
                verified++;
            }
            say(t0, "flink run decode: %d of %d regions equal the producer's memory byte for byte", verified, memory.stateKeys().size());

            // The models the trainer wrote into the input while the TaskManager was killed and the job restored.
            Properties reader = new Properties();
            reader.setProperty("bootstrap.servers", servers);
            Set<String> modelsInBand = new java.util.TreeSet<>();
            CatalogTopic.readAll(reader, "hde.page-updates", Duration.ofSeconds(60), r -> {
                if (SelectorModelMarkers.isMarkerRecordKey(r.key())) {
                    modelsInBand.add(r.partition() + ":" + SelectorModelFormat.read(r.value()).version());
                }
            });
            say(t0, "models in band in the page-updates topic: %s", modelsInBand);
            assertThat(modelsInBand.stream().map(m -> m.substring(m.indexOf(':') + 1)).distinct().count()).as("distinct models in band")
                    .isGreaterThanOrEqualTo(2);

            // flink run -d: returns once submitted; the bounded encoder then finishes on the cluster by itself. A failure-free run of the
            // same input (events and models in band) with the same settings, starting, like the first, with no model on its model topic.
            FlinkClusterProcesses.CliRun detached = cluster.flink(Duration.ofMinutes(2), "run", "-d", JOB_JAR.toString(), "encode", "-b", servers,
                    "-p", "2", "--bounded", "--starting-offsets", "earliest", "--frames-topic", "hde.frames-detached", "--group-id", "hde-detached",
                    "--transactional-id-prefix", "hde-detached", "--no-catalog", "--no-selector-trainer", "--checkpoint-interval", "1s",
                    "--selector", "adaptive", "--selector-model-topic", "hde.selector-model-detached", "--epochs-by-capture-time");
            assertThat(detached.exitCode()).as("flink run -d:\n%s", detached.output()).isZero();
            assertThat(detached.output()).contains("submitted (detached)");
            Matcher id = Pattern.compile("JobID ([0-9a-f]{32})").matcher(detached.output());
            assertThat(id.find()).as("job id in:\n%s", detached.output()).isTrue();
            String bounded = id.group(1);
            FlinkClusterProcesses.await("detached bounded encoder finished", Duration.ofMinutes(2), () -> cluster.jobState(bounded).equals("FINISHED"));
            try (Admin admin = kafka.admin()) {
                long committed = KafkaOffsets.endOffsets(admin, "hde.frames-detached", IsolationLevel.READ_COMMITTED).values().stream()
                        .mapToLong(Long::longValue).sum();
                assertThat(committed).as("frames the detached encoder committed").isPositive();
            }
            Map<String, List<String>> restoredFrames = framesByKey(reader, "hde.frames");
            Map<String, List<String>> failureFree = framesByKey(reader, "hde.frames-detached");
            assertThat(restoredFrames.keySet()).containsExactlyInAnyOrderElementsOf(memory.stateKeys());
            for (String key : memory.stateKeys()) {
                assertThat(restoredFrames.get(key)).as("frames of %s: killed and restored against failure-free", key)
                        .containsExactlyElementsOf(failureFree.get(key));
            }
            say(t0, "flink run -d: job %s finished; its frames equal the restored encoder's byte for byte (%d regions)", bounded,
                    memory.stateKeys().size());
        }
    }

    /** Every committed frame of {@code topic} by state key, in order. */
    private static Map<String, List<String>> framesByKey(Properties client, String topic) {
        List<org.apache.kafka.clients.consumer.ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        CatalogTopic.readAll(client, topic, Duration.ofSeconds(60), records::add);
        return dev.hde.job.PipelineTestSupport.framesByKey(records);
    }

    /** Starts the broker JVM while {@code alongside} runs (both take seconds to start). */
    private static KafkaBrokerProcess startBrokerWhile(FlinkStart alongside) throws Exception {
        CompletableFuture<KafkaBrokerProcess> broker = CompletableFuture.supplyAsync(() -> {
            try {
                return KafkaBrokerProcess.start();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        try {
            alongside.run();
        } catch (Exception e) {
            broker.thenAccept(KafkaBrokerProcess::close);
            throw e;
        }
        return broker.get(3, TimeUnit.MINUTES);
    }

    interface FlinkStart {
        void run() throws Exception;
    }

    private static long completedCheckpoints(FlinkClusterProcesses cluster, String job) throws Exception {
        return cluster.get("/jobs/" + job + "/checkpoints").path("counts").path("completed").asLong();
    }

    private static void publish(SyntheticWorkload memory, WorkloadPublisher publisher, Duration pause, CompletableFuture<Void> killDue) {
        for (int round = 0; round < ROUNDS; round++) {
            if (round == ROUNDS / 3) {
                killDue.join();
            }
            publisher.send(memory.nextRound(System.currentTimeMillis()));
            publisher.flush();
            try {
                Thread.sleep(pause.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Every Prometheus endpoint answering in the port range, concatenated. */
    private static String scrape(int from, int to) throws InterruptedException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        StringBuilder all = new StringBuilder();
        for (int port = from; port <= to; port++) {
            try {
                all.append(http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/metrics")).timeout(Duration.ofSeconds(5)).build(),
                        HttpResponse.BodyHandlers.ofString()).body());
            } catch (IOException nothingThere) {
                // not one of the cluster's reporters
            }
        }
        return all.toString();
    }

    private static void say(long t0, String format, Object... args) {
        System.err.printf("[%5.1fs] %s%n", (System.nanoTime() - t0) / 1e9, String.format(format, args));
    }
}
