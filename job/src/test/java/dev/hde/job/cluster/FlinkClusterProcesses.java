package dev.hde.job.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.stream.Collectors;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.runtime.clusterframework.TaskExecutorProcessSpec;
import org.apache.flink.runtime.clusterframework.TaskExecutorProcessUtils;
import org.apache.flink.runtime.jobmanager.JobManagerProcessSpec;
import org.apache.flink.runtime.jobmanager.JobManagerProcessUtils;
import org.apache.flink.runtime.util.config.memory.ProcessMemoryUtils;

/**
 * A standalone Flink session cluster as separate JVMs, started from Flink's own entry points as
 * Flink's scripts start them ({@code StandaloneSessionClusterEntrypoint}, {@code TaskManagerRunner},
 * the memory options and JVM flags {@code BashJavaUtils} would compute, the {@code --add-opens} list
 * of Flink's config.yaml for Java 17), with {@code flink run} ({@code CliFrontend}) and the REST API.
 *
 * <p>The processes' class path is Flink's: the test class path less our modules, the Kafka
 * connector and client, and the libraries the job jar must bring itself, so a job submitted to this
 * cluster runs on what its jar carries, as on a real one.
 */
final class FlinkClusterProcesses implements AutoCloseable {

    /** The JVM flags of Flink's default config.yaml (env.java.opts.all) for Java 17. */
    static final List<String> JAVA_17_OPTS = List.of(
            "--add-exports=java.base/sun.net.util=ALL-UNNAMED",
            "--add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED",
            "--add-exports=jdk.compiler/com.sun.tools.javac.api=ALL-UNNAMED",
            "--add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED",
            "--add-exports=jdk.compiler/com.sun.tools.javac.parser=ALL-UNNAMED",
            "--add-exports=jdk.compiler/com.sun.tools.javac.tree=ALL-UNNAMED",
            "--add-exports=jdk.compiler/com.sun.tools.javac.util=ALL-UNNAMED",
            "--add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED",
            "--add-opens=java.base/java.lang=ALL-UNNAMED",
            "--add-opens=java.base/java.net=ALL-UNNAMED",
            "--add-opens=java.base/java.io=ALL-UNNAMED",
            "--add-opens=java.base/java.nio=ALL-UNNAMED",
            "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
            "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
            "--add-opens=java.base/java.text=ALL-UNNAMED",
            "--add-opens=java.base/java.time=ALL-UNNAMED",
            "--add-opens=java.base/java.util=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED");

    /** Class path entries that are not Flink's: what the job jar carries, the broker, test libraries. */
    private static final List<String> NOT_FLINK = List.of("/dev/hde/", "/target/classes", "/target/test-classes", "/org/apache/kafka/",
            "flink-connector-kafka", "/info/picocli/", "/com/github/luben/", "/com/fasterxml/jackson/", "/org/scala-lang/", "/org/junit/",
            "/junit/junit/", "/org/assertj/", "/org/opentest4j/", "/org/apiguardian/", "/org/hamcrest/", "/net/bytebuddy/", "/org/apache/curator/",
            "flink-test-utils", "-tests.jar", "surefire", "failsafe", "/com/typesafe/", "/net/sourceforge/argparse4j/", "/net/sf/jopt-simple/",
            "/org/bitbucket/", "/com/yammer/", "/org/pcollections/", "/org/hdrhistogram/", "/com/github/ben-manes/", "/com/dynatrace/",
            "/com/google/re2j/", "/org/yaml/snakeyaml/", "/commons-validator/", "/commons-beanutils/", "/commons-digester/");

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;
    private final Path confDir;
    private final String classPath;
    private final int restPort;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private Process jobManager;
    private final List<Process> taskManagers = new ArrayList<>();

    /**
     * Writes the cluster's config.yaml: {@code settings} on top of local addresses, free ports,
     * small process sizes and short heartbeats (a killed TaskManager is noticed within seconds).
     */
    FlinkClusterProcesses(Path dir, Map<String, String> settings) throws IOException {
        this.dir = Files.createDirectories(dir);
        this.confDir = Files.createDirectories(dir.resolve("conf"));
        this.classPath = flinkClassPath();
        int[] ports = dev.hde.job.embedded.FreePorts.find(2);
        this.restPort = ports[0];
        Map<String, String> c = new LinkedHashMap<>();
        c.put("jobmanager.rpc.address", "localhost");
        c.put("jobmanager.rpc.port", Integer.toString(ports[1]));
        c.put("jobmanager.bind-host", "localhost");
        c.put("jobmanager.memory.process.size", "900m");
        c.put("taskmanager.bind-host", "localhost");
        c.put("taskmanager.host", "localhost");
        c.put("taskmanager.numberOfTaskSlots", "1");
        c.put("taskmanager.memory.process.size", "1200m");
        c.put("taskmanager.memory.managed.size", "96m");
        c.put("rest.address", "localhost");
        c.put("rest.bind-address", "localhost");
        c.put("rest.port", Integer.toString(restPort));
        c.put("heartbeat.interval", "1 s");
        c.put("heartbeat.timeout", "8 s");
        c.put("io.tmp.dirs", Files.createDirectories(dir.resolve("tmp")).toString());
        c.put("web.upload.dir", Files.createDirectories(dir.resolve("uploads")).toString());
        c.put("blob.storage.directory", Files.createDirectories(dir.resolve("blobs")).toString());
        c.putAll(settings);
        Files.writeString(confDir.resolve("config.yaml"),
                c.entrySet().stream().map(e -> e.getKey() + ": \"" + e.getValue() + "\"").collect(Collectors.joining("\n", "", "\n")));
        Files.writeString(confDir.resolve("log4j.properties"), String.join("\n",
                "rootLogger.level = INFO",
                "rootLogger.appenderRef.file.ref = file",
                "appender.file.type = File",
                "appender.file.name = file",
                "appender.file.fileName = ${sys:log.file}",
                "appender.file.layout.type = PatternLayout",
                "appender.file.layout.pattern = %d{HH:mm:ss,SSS} %-5p %c{1} - %m%n",
                "logger.kafka.name = org.apache.kafka",
                "logger.kafka.level = WARN",
                ""));
        Files.copy(confDir.resolve("log4j.properties"), confDir.resolve("log4j-cli.properties"));
    }

    Path confDir() {
        return confDir;
    }

    String restUrl() {
        return "http://localhost:" + restPort;
    }

    /** Starts the JobManager and waits until its REST API answers. */
    void startJobManager() throws IOException, InterruptedException {
        Configuration conf = GlobalConfiguration.loadConfiguration(confDir.toString());
        JobManagerProcessSpec spec = JobManagerProcessUtils.processSpecFromConfig(conf);
        List<String> jvm = split(JobManagerProcessUtils.generateJvmParametersStr(spec, conf));
        jobManager = launch("jobmanager", jvm, "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint", List.of());
        awaitRest(Duration.ofSeconds(90));
    }

    /** Starts one more TaskManager (as taskmanager.sh would) and returns its index. */
    int startTaskManager() throws IOException {
        Configuration conf = GlobalConfiguration.loadConfiguration(confDir.toString());
        TaskExecutorProcessSpec spec = TaskExecutorProcessUtils.processSpecFromConfig(conf);
        List<String> jvm = split(ProcessMemoryUtils.generateJvmParametersStr(spec));
        List<String> dynamic = split(TaskExecutorProcessUtils.generateDynamicConfigsStr(spec));
        int index = taskManagers.size();
        taskManagers.add(launch("taskmanager-" + index, jvm, "org.apache.flink.runtime.taskexecutor.TaskManagerRunner", dynamic));
        return index;
    }

    /** kill -9 of a TaskManager: SIGKILL, no shutdown hook runs. */
    void killTaskManager(int index) throws InterruptedException {
        Process p = taskManagers.get(index);
        p.destroyForcibly();
        p.waitFor();
    }

    long taskManagerPid(int index) {
        return taskManagers.get(index).pid();
    }

    /** Waits until {@code count} TaskManagers are registered with the JobManager. */
    void awaitTaskManagers(int count, Duration timeout) throws Exception {
        await("TaskManagers registered: " + count, timeout, () -> get("/taskmanagers").path("taskmanagers").size() >= count);
    }

    // ---------------------------------------------------------------- REST

    JsonNode get(String path) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(restUrl() + path)).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException("GET " + path + ": " + r.statusCode() + " " + r.body());
        }
        return JSON.readTree(r.body());
    }

    JsonNode send(String method, String path, Object body) throws IOException, InterruptedException {
        HttpRequest.BodyPublisher publisher = body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body));
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(restUrl() + path)).timeout(Duration.ofSeconds(120))
                .header("Content-Type", "application/json").method(method, publisher).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() / 100 != 2) {
            throw new IOException(method + " " + path + ": " + r.statusCode() + " " + r.body());
        }
        return r.body().isEmpty() ? JSON.createObjectNode() : JSON.readTree(r.body());
    }

    /** POST /jars/upload (multipart, as the web UI does); returns the jar id. */
    String uploadJar(Path jar) throws IOException, InterruptedException {
        String boundary = "hde-" + UUID.randomUUID();
        byte[] head = ("--" + boundary + "\r\nContent-Disposition: form-data; name=\"jarfile\"; filename=\"" + jar.getFileName()
                + "\"\r\nContent-Type: application/x-java-archive\r\n\r\n").getBytes(StandardCharsets.UTF_8);
        byte[] tail = ("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8);
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(restUrl() + "/jars/upload")).timeout(Duration.ofSeconds(120))
                        .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                        .POST(HttpRequest.BodyPublishers.ofByteArrays(List.of(head, Files.readAllBytes(jar), tail))).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException("jar upload: " + r.statusCode() + " " + r.body());
        }
        String file = JSON.readTree(r.body()).path("filename").asText();
        return Path.of(file).getFileName().toString();
    }

    /** POST /jars/{id}/run: runs the jar's entry class in the JobManager; returns the job id. */
    String runJar(String jarId, List<String> args) throws IOException, InterruptedException {
        return send("POST", "/jars/" + jarId + "/run", Map.of("programArgsList", args)).path("jobid").asText();
    }

    String jobState(String jobId) throws IOException, InterruptedException {
        return get("/jobs/" + jobId).path("state").asText();
    }

    /** True when the job is RUNNING and so is every one of its tasks. */
    boolean allTasksRunning(String jobId) throws IOException, InterruptedException {
        JsonNode job = get("/jobs/" + jobId);
        if (!job.path("state").asText().equals("RUNNING")) {
            return false;
        }
        for (JsonNode v : job.path("vertices")) {
            JsonNode tasks = v.path("tasks");
            if (tasks.path("RUNNING").asInt() != v.path("parallelism").asInt()) {
                return false;
            }
        }
        return true;
    }

    // ---------------------------------------------------------------- flink run

    /** The output and exit code of a {@code flink} CLI run. */
    record CliRun(int exitCode, String output) {}

    /** {@code flink ARGS} (CliFrontend) with this cluster's configuration directory; waits at most {@code timeout}. */
    CliRun flink(Duration timeout, String... args) throws IOException, InterruptedException {
        Path out = dir.resolve("flink-cli-" + System.nanoTime() + ".out");
        List<String> command = new ArrayList<>(javaCommand(List.of("-Xmx256m"), "flink-cli"));
        command.add("org.apache.flink.client.cli.CliFrontend");
        command.addAll(Arrays.asList(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile());
        pb.environment().put("FLINK_CONF_DIR", confDir.toString());
        Process p = pb.start();
        if (!p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("flink " + String.join(" ", args) + " did not end within " + timeout + ":\n" + Files.readString(out));
        }
        return new CliRun(p.exitValue(), Files.readString(out));
    }

    // ---------------------------------------------------------------- processes

    private Process launch(String name, List<String> jvm, String mainClass, List<String> args) throws IOException {
        List<String> command = new ArrayList<>(javaCommand(jvm, name));
        command.add(mainClass);
        command.add("--configDir");
        command.add(confDir.toString());
        command.addAll(args);
        return new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve(name + ".out").toFile())).start();
    }

    private List<String> javaCommand(List<String> jvm, String name) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvm);
        command.addAll(JAVA_17_OPTS);
        command.add("-Dlog.file=" + dir.resolve(name + ".log"));
        command.add("-Dlog4j2.configurationFile=" + confDir.resolve("log4j.properties").toUri());
        command.add("-cp");
        command.add(classPath);
        return command;
    }

    /** The log of a process ({@code jobmanager}, {@code taskmanager-0}, ...), for failure messages. */
    String log(String name) {
        try {
            Path p = dir.resolve(name + ".log");
            return Files.exists(p) ? Files.readString(p) : "(no " + p + ")";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void awaitRest(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (!jobManager.isAlive()) {
                throw new IllegalStateException("the JobManager exited with " + jobManager.exitValue() + ":\n" + tail(log("jobmanager")));
            }
            try {
                get("/overview");
                return;
            } catch (IOException e) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the JobManager's REST API did not answer within " + timeout + ":\n" + tail(log("jobmanager")));
                }
            }
            Thread.sleep(250);
        }
    }

    interface Check {
        boolean ok() throws Exception;
    }

    /** Polls {@code check} every 250 ms until it holds; fails naming {@code what} after {@code timeout}. */
    static void await(String what, Duration timeout, Check check) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        Exception last = null;
        while (System.nanoTime() < deadline) {
            try {
                if (check.ok()) {
                    return;
                }
            } catch (IOException e) {
                last = e;
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException("not within " + timeout + ": " + what + (last == null ? "" : " (last error: " + last.getMessage() + ")"));
    }

    static String tail(String text) {
        List<String> lines = text.lines().toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    }

    @Override
    public void close() {
        for (Process p : taskManagers) {
            p.destroyForcibly();
        }
        if (jobManager != null) {
            jobManager.destroyForcibly();
        }
        for (Process p : taskManagers) {
            waitQuietly(p);
        }
        if (jobManager != null) {
            waitQuietly(jobManager);
        }
    }

    private static void waitQuietly(Process p) {
        try {
            p.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---------------------------------------------------------------- class path

    /** This JVM's class path (a surefire/failsafe manifest-only jar expanded) less everything that is not Flink's. */
    static String flinkClassPath() throws IOException {
        return classPathEntries().stream().filter(Predicate.not(FlinkClusterProcesses::notFlink)).collect(Collectors.joining(":"));
    }

    private static boolean notFlink(String entry) {
        String e = entry.replace('\\', '/');
        return NOT_FLINK.stream().anyMatch(e::contains);
    }

    static List<String> classPathEntries() throws IOException {
        List<String> entries = new ArrayList<>();
        for (String e : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            if (e.endsWith(".jar") && (e.contains("surefire") || e.contains("failsafe"))) {
                try (JarFile jar = new JarFile(e)) {
                    Manifest m = jar.getManifest();
                    String cp = m == null ? null : m.getMainAttributes().getValue("Class-Path");
                    if (cp != null) {
                        for (String url : cp.trim().split("\\s+")) {
                            entries.add(Path.of(URI.create(url)).toString());
                        }
                        continue;
                    }
                }
            }
            entries.add(e);
        }
        return entries;
    }

    private static List<String> split(String s) {
        return Arrays.stream(s.trim().split("\\s+")).filter(t -> !t.isEmpty()).toList();
    }

}
