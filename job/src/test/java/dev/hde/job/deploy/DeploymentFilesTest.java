package dev.hde.job.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hde.job.cli.ClusterJobMain;
import dev.hde.job.config.HdeJobConfig;
import dev.hde.producer.cli.ProducerCli;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import picocli.CommandLine;

/**
 * docker/ and docker/kubernetes/ parse, name what the job needs, and every command line in them is
 * one the job's and the producer's command lines accept.
 */
class DeploymentFilesTest {

    private static final Path DOCKER = Path.of("..", "docker");

    @Test
    void flinkDeploymentRunsTheClusterJarWithSavepointUpgradesRocksDbOnS3AndHa() throws IOException {
        Map<String, Object> d = single(docs(DOCKER.resolve("kubernetes/flink-deployment.yaml")), "FlinkDeployment");
        assertThat(d.get("apiVersion")).isEqualTo("flink.apache.org/v1beta1");
        Map<String, Object> spec = map(d.get("spec"));
        Map<String, Object> job = map(spec.get("job"));
        assertThat(job.get("upgradeMode")).isEqualTo("savepoint");
        assertThat(job.get("jarURI")).isEqualTo("local:///opt/flink/usrlib/hde-job.jar");
        assertThat(job.get("entryClass")).isEqualTo(ClusterJobMain.class.getName());
        List<String> args = strings(job.get("args"));
        new CommandLine(new ClusterJobMain()).parseArgs(args.toArray(String[]::new)); // throws on an option the job does not know
        assertThat(args.get(0)).isEqualTo("encode");

        Map<String, Object> flink = map(spec.get("flinkConfiguration"));
        assertThat(flink).containsEntry("state.backend.type", "rocksdb").containsEntry("execution.checkpointing.incremental", "true")
                .containsEntry("high-availability.type", "kubernetes");
        assertThat(String.valueOf(flink.get("execution.checkpointing.dir"))).startsWith("s3://");
        assertThat(String.valueOf(flink.get("high-availability.storageDir"))).startsWith("s3://");
        // the client properties file the args name is the Secret the pod template mounts
        assertThat(args).contains("/opt/hde/kafka/client.properties");
        assertThat(single(docs(DOCKER.resolve("kubernetes/kafka-client-secret.yaml")), "Secret").toString()).contains("SCRAM-SHA-512");
    }

    @Test
    void kafkaTopicsAreTheJobsTopicsWithRoomForWholeRegions() throws IOException {
        HdeJobConfig defaults = new HdeJobConfig();
        Map<String, Map<String, Object>> topics = new java.util.HashMap<>();
        for (Map<String, Object> t : docs(DOCKER.resolve("kubernetes/kafka-topics.yaml"))) {
            assertThat(t.get("kind")).isEqualTo("KafkaTopic");
            topics.put(String.valueOf(map(t.get("metadata")).get("name")), map(t.get("spec")));
        }
        assertThat(topics).containsOnlyKeys(defaults.pageUpdatesTopic(), defaults.framesTopic(), defaults.deadLettersTopic(),
                defaults.selectorModelTopic(), defaults.catalogTopic(), defaults.dictionariesTopic(), defaults.resyncRequestsTopic(),
                defaults.keyframeRequestsTopic());
        for (String compacted : List.of(defaults.selectorModelTopic(), defaults.dictionariesTopic())) {
            assertThat(map(topics.get(compacted).get("config"))).containsEntry("cleanup.policy", "compact");
            assertThat(topics.get(compacted).get("partitions")).isEqualTo(1);
        }
        for (String big : List.of(defaults.pageUpdatesTopic(), defaults.framesTopic())) {
            assertThat(((Number) map(topics.get(big).get("config")).get("max.message.bytes")).longValue()).isGreaterThanOrEqualTo(defaults.maxRecordBytes());
        }
        assertThat(single(docs(DOCKER.resolve("kubernetes/kafka-user.yaml")), "KafkaUser").toString()).contains("scram-sha-512");
    }

    @Test
    void composeRunsTheJobTheProducerPrometheusAndGrafanaWithTheDashboard() throws Exception {
        Map<String, Object> compose = docs(DOCKER.resolve("compose.yaml")).get(0);
        Map<String, Object> services = map(compose.get("services"));
        assertThat(services).containsKeys("kafka", "topics", "jobmanager", "taskmanager-1", "taskmanager-2", "producer", "prometheus", "grafana");

        List<String> jm = strings(map(services.get("jobmanager")).get("command"));
        assertThat(jm.subList(0, 3)).containsExactly("standalone-job", "--job-classname", ClusterJobMain.class.getName());
        new CommandLine(new ClusterJobMain()).parseArgs(jm.subList(3, jm.size()).toArray(String[]::new));
        List<String> producer = strings(map(services.get("producer")).get("command"));
        new CommandLine(new ProducerCli()).parseArgs(producer.toArray(String[]::new));

        Properties flink = new Properties();
        flink.load(new java.io.StringReader(String.valueOf(map(map(services.get("jobmanager")).get("environment")).get("FLINK_PROPERTIES"))
                .replace(": ", "=")));
        assertThat(flink).containsEntry("state.backend.type", "rocksdb").containsEntry("metrics.reporter.prom.port", "9249");

        String prometheus = Files.readString(DOCKER.resolve("prometheus.yml"));
        assertThat(prometheus).contains("jobmanager:9249", "taskmanager-1:9249", "taskmanager-2:9249");
        for (String volume : strings(map(services.get("grafana")).get("volumes"))) {
            assertThat(DOCKER.resolve(volume.substring(0, volume.indexOf(':')))).exists();
        }
        JsonNode dashboard = new ObjectMapper().readTree(DOCKER.resolve("grafana/dashboards/hde-encoder.json").toFile());
        assertThat(dashboard.path("panels").size()).isGreaterThanOrEqualTo(10);
        assertThat(Files.readString(DOCKER.resolve("Dockerfile"))).contains("FROM flink:2.2", "/opt/flink/usrlib/hde-job.jar",
                "plugins/metrics-prometheus");
    }

    @Test
    void dockerComposeAcceptsTheComposeFile() throws Exception {
        Path bin = Stream.of(System.getenv().getOrDefault("PATH", "").split(":")).map(p -> Path.of(p, "docker-compose"))
                .filter(Files::isExecutable).findFirst().orElse(null);
        Assumptions.assumeTrue(bin != null, "docker-compose is not installed");
        Process p = new ProcessBuilder(bin.toString(), "-f", DOCKER.resolve("compose.yaml").toString(), "config", "--quiet")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
    }

    private static List<Map<String, Object>> docs(Path file) throws IOException {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Object doc : new Load(LoadSettings.builder().build()).loadAllFromString(Files.readString(file))) {
            if (doc != null) {
                out.add(map(doc));
            }
        }
        return out;
    }

    private static Map<String, Object> single(List<Map<String, Object>> docs, String kind) {
        List<Map<String, Object>> of = docs.stream().filter(d -> kind.equals(d.get("kind"))).toList();
        assertThat(of).as("documents of kind " + kind).hasSize(1);
        return of.get(0);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        assertThat(o).isInstanceOf(Map.class);
        return (Map<String, Object>) o;
    }

    private static List<String> strings(Object o) {
        assertThat(o).isInstanceOf(List.class);
        return ((List<?>) o).stream().map(String::valueOf).toList();
    }
}
