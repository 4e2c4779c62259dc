package dev.hde.job.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;

/**
 * A one-node Kafka cluster (combined broker and KRaft controller) in its own JVM: formatted with
 * {@code kafka.tools.StorageTool}, run as {@code kafka.Kafka server.properties}, from the classes of
 * this JVM's class path (the {@code hde} CLI jar, or a test class path with the broker on it).
 *
 * <p>Unlike {@link EmbeddedKafka} it can die as a broker dies: {@link #kill()} sends SIGKILL, and
 * {@link #restart()} starts it again on the same log directories and ports, as an operator would.
 * Listeners: PLAINTEXT always (also the inter-broker listener), SASL_SSL with SCRAM-SHA-512 when
 * {@link Builder#saslSsl} is given; the controller listener is PLAINTEXT on its own port.
 *
 * <pre>{@code
 * try (KafkaBrokerProcess kafka = KafkaBrokerProcess.builder().start()) {
 *     String servers = kafka.bootstrapServers();
 *     kafka.kill();      // kill -9
 *     kafka.restart();   // same data, same ports
 * }
 * }</pre>
 */
public final class KafkaBrokerProcess implements AutoCloseable {

    /** The broker-side SASL_SSL listener: a key store (PKCS12) with the broker's certificate, and the SCRAM-SHA-512 users. */
    public record SaslSsl(Path keyStore, String keyStorePassword, Map<String, String> scramUsers) {
        public SaslSsl {
            Objects.requireNonNull(keyStore);
            Objects.requireNonNull(keyStorePassword);
            scramUsers = Map.copyOf(scramUsers);
            for (String name : scramUsers.keySet()) {
                if (!name.matches("[A-Za-z0-9._-]+")) {
                    throw new IllegalArgumentException("SCRAM user name must be [A-Za-z0-9._-]+: " + name);
                }
                if (scramUsers.get(name).matches(".*[,\\]\"\\s].*")) {
                    // The storage tool's --add-scram syntax (name=...,password=...]) has no quoting for these.
                    throw new IllegalArgumentException("SCRAM password of " + name + " must not contain ',', ']', '\"' or white space");
                }
            }
        }
    }

    /** How to start a broker process. */
    public static final class Builder {
        private Path dataDir;
        private SaslSsl saslSsl;
        private String heap = "512m";
        private Duration startTimeout = Duration.ofSeconds(90);
        private final Map<String, String> properties = new LinkedHashMap<>();

        private Builder() {}

        /** The broker's directory (log dirs, server.properties, broker.log); default: a new temporary one, removed on {@link #close()}. */
        public Builder dataDir(Path dir) {
            this.dataDir = dir;
            return this;
        }

        /** Adds a SASL_SSL listener with SCRAM-SHA-512 ({@link #saslSslBootstrapServers()}). */
        public Builder saslSsl(SaslSsl s) {
            this.saslSsl = s;
            return this;
        }

        /** The broker JVM's heap (-Xmx), default 512m. */
        public Builder heap(String heap) {
            this.heap = Objects.requireNonNull(heap);
            return this;
        }

        /** How long {@link #start()} and {@link #restart()} wait for the broker to answer (default 90 s). */
        public Builder startTimeout(Duration d) {
            this.startTimeout = Objects.requireNonNull(d);
            return this;
        }

        /** One more broker property (wins over the defaults). */
        public Builder property(String name, String value) {
            properties.put(name, value);
            return this;
        }

        /** Formats the storage, starts the broker JVM and waits until it answers. */
        public KafkaBrokerProcess start() throws IOException, InterruptedException {
            boolean temporary = dataDir == null;
            Path dir = temporary ? Files.createTempDirectory("hde-kafka-") : Files.createDirectories(dataDir);
            KafkaBrokerProcess broker = new KafkaBrokerProcess(dir, temporary, saslSsl, heap, startTimeout, properties);
            try {
                broker.format();
                broker.launch();
                return broker;
            } catch (IOException | InterruptedException | RuntimeException e) {
                broker.close();
                throw e;
            }
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A PLAINTEXT broker in a temporary directory. */
    public static KafkaBrokerProcess start() throws IOException, InterruptedException {
        return builder().start();
    }

    private final Path dir;
    private final boolean temporary;
    private final SaslSsl saslSsl;
    private final String heap;
    private final Duration startTimeout;
    private final int plaintextPort;
    private final int controllerPort;
    private final int saslSslPort;
    private final Path config;
    private final Path log;
    private Process process;

    private KafkaBrokerProcess(Path dir, boolean temporary, SaslSsl saslSsl, String heap, Duration startTimeout, Map<String, String> extra)
            throws IOException {
        this.dir = dir;
        this.temporary = temporary;
        this.saslSsl = saslSsl;
        this.heap = heap;
        this.startTimeout = startTimeout;
        int[] ports = FreePorts.find(3);
        this.plaintextPort = ports[0];
        this.controllerPort = ports[1];
        this.saslSslPort = saslSsl == null ? -1 : ports[2];
        this.config = dir.resolve("server.properties");
        this.log = dir.resolve("broker.log");
        writeConfig(extra);
    }

    /** {@code localhost:PORT} of the PLAINTEXT listener. */
    public String bootstrapServers() {
        return "localhost:" + plaintextPort;
    }

    /** {@code localhost:PORT} of the SASL_SSL listener; throws without one. */
    public String saslSslBootstrapServers() {
        if (saslSsl == null) {
            throw new IllegalStateException("this broker has no SASL_SSL listener");
        }
        return "localhost:" + saslSslPort;
    }

    /** An admin client on the PLAINTEXT listener (the caller closes it). */
    public Admin admin() {
        Properties p = new Properties();
        p.setProperty(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        return Admin.create(p);
    }

    public Path dataDir() {
        return dir;
    }

    /** The broker JVM's output (stdout and stderr, appended across restarts). */
    public Path logFile() {
        return log;
    }

    public boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** The broker JVM's process id; throws when it is not running. */
    public long pid() {
        if (!isAlive()) {
            throw new IllegalStateException("the broker is not running");
        }
        return process.pid();
    }

    /** kill -9: SIGKILL to the broker JVM, then waits until it is gone. Nothing is flushed or closed. */
    public void kill() throws InterruptedException {
        if (process != null) {
            process.destroyForcibly(); // SIGKILL on Linux
            process.waitFor();
        }
    }

    /** A clean stop: SIGTERM (the broker's controlled shutdown), SIGKILL after 30 s. */
    public void stop() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                kill();
            }
        }
    }

    /** Starts the broker again (after {@link #kill()} or {@link #stop()}) on the same log directories and ports, and waits until it answers. */
    public void restart() throws IOException, InterruptedException {
        if (isAlive()) {
            throw new IllegalStateException("the broker is still running (pid " + process.pid() + ")");
        }
        launch();
    }

    /** Stops the broker; removes its directory if it made it. */
    @Override
    public void close() {
        try {
            stop();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            if (process != null) {
                process.destroyForcibly();
            }
        }
        if (temporary) {
            deleteTree(dir);
        }
    }

    // ---------------------------------------------------------------- process

    private void format() throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of("format", "--config", config.toString(), "--cluster-id", Uuid.randomUuid().toString(),
                "--ignore-formatted"));
        if (saslSsl != null) {
            for (Map.Entry<String, String> u : saslSsl.scramUsers().entrySet()) {
                args.add("--add-scram");
                args.add("SCRAM-SHA-512=[name=" + u.getKey() + ",password=" + u.getValue() + "]");
            }
        }
        Process format = java("kafka.tools.StorageTool", args).start();
        if (!format.waitFor(60, TimeUnit.SECONDS)) {
            format.destroyForcibly();
            throw new IllegalStateException("formatting the broker storage did not finish within 60 s; see " + log);
        }
        if (format.exitValue() != 0) {
            throw new IllegalStateException("formatting the broker storage failed (exit " + format.exitValue() + "): " + tail());
        }
    }

    private void launch() throws IOException, InterruptedException {
        process = java("kafka.Kafka", List.of(config.toString())).start();
        awaitReady();
    }

    private ProcessBuilder java(String mainClass, List<String> args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx" + heap);
        command.add("-XX:+UseG1GC");
        command.add("-Djava.awt.headless=true");
        command.add("-Dlog4j2.configurationFile=" + writeLogConfig().toUri());
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass);
        command.addAll(args);
        return new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    }

    /** Waits until the broker answers a describe-cluster request on its PLAINTEXT listener; fails early if the JVM died. */
    private void awaitReady() throws InterruptedException {
        long deadline = System.nanoTime() + startTimeout.toNanos();
        Properties p = new Properties();
        p.setProperty(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        p.setProperty(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "2000");
        p.setProperty(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "3000");
        try (Admin admin = Admin.create(p)) {
            while (true) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("the broker exited with " + process.exitValue() + " while starting: " + tail());
                }
                try {
                    if (!admin.describeCluster().nodes().get(3, TimeUnit.SECONDS).isEmpty()) {
                        return;
                    }
                } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
                    // not up yet
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the broker did not answer within " + startTimeout + ": " + tail());
                }
                Thread.sleep(200);
            }
        }
    }

    // ---------------------------------------------------------------- configuration

    private void writeConfig(Map<String, String> extra) throws IOException {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("process.roles", "broker,controller");
        p.put("node.id", "1");
        p.put("controller.quorum.voters", "1@localhost:" + controllerPort);
        p.put("controller.listener.names", "CONTROLLER");
        p.put("inter.broker.listener.name", "PLAINTEXT");
        String listeners = "PLAINTEXT://localhost:" + plaintextPort + ",CONTROLLER://localhost:" + controllerPort;
        String advertised = "PLAINTEXT://localhost:" + plaintextPort;
        if (saslSsl != null) {
            listeners += ",SASL_SSL://localhost:" + saslSslPort;
            advertised += ",SASL_SSL://localhost:" + saslSslPort;
        }
        p.put("listeners", listeners);
        p.put("advertised.listeners", advertised);
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_SSL:SASL_SSL");
        p.put("log.dirs", dir.resolve("logs").toString());
        p.put("metadata.log.dir", dir.resolve("metadata").toString());
        // One node: the internal topics (offsets, transactions) with one replica.
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "4");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("transaction.state.log.num.partitions", "4");
        p.put("group.initial.rebalance.delay.ms", "0");
        // Tests publish capture times from the past: no time retention (see EmbeddedKafka).
        p.put("log.retention.ms", "-1");
        p.put("message.max.bytes", Integer.toString(EmbeddedKafka.MAX_MESSAGE_BYTES));
        p.put("replica.fetch.max.bytes", Integer.toString(EmbeddedKafka.MAX_MESSAGE_BYTES));
        // A restarted broker registers again only once the controller has expired its old session (9 s by default).
        p.put("broker.heartbeat.interval.ms", "500");
        p.put("broker.session.timeout.ms", "2500");
        p.put("num.network.threads", "2");
        p.put("num.io.threads", "2");
        if (saslSsl != null) {
            p.put("sasl.enabled.mechanisms", "SCRAM-SHA-512");
            p.put("listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required;");
            p.put("listener.name.sasl_ssl.ssl.keystore.type", "PKCS12");
            p.put("listener.name.sasl_ssl.ssl.keystore.location", saslSsl.keyStore().toAbsolutePath().toString());
            p.put("listener.name.sasl_ssl.ssl.keystore.password", saslSsl.keyStorePassword());
            p.put("listener.name.sasl_ssl.ssl.key.password", saslSsl.keyStorePassword());
        }
        p.putAll(extra);
        Files.writeString(config, p.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining("\n", "", "\n")),
                StandardCharsets.UTF_8);
    }

    /** The broker logs at INFO to its output (the log file); Kafka's own tool output goes there too. */
    private Path writeLogConfig() throws IOException {
        Path file = dir.resolve("log4j2.properties");
        if (!Files.exists(file)) {
            Files.writeString(file, String.join("\n",
                    "appender.out.type = Console",
                    "appender.out.name = out",
                    "appender.out.layout.type = PatternLayout",
                    "appender.out.layout.pattern = [%d] %p %m (%c)%n",
                    "rootLogger.level = INFO",
                    "rootLogger.appenderRef.out.ref = out",
                    "logger.kafka.name = kafka",
                    "logger.kafka.level = INFO",
                    "logger.state.name = state.change.logger",
                    "logger.state.level = WARN",
                    ""), StandardCharsets.UTF_8);
        }
        return file;
    }

    /** The last lines of the broker's output, for error messages. */
    private String tail() {
        try {
            List<String> lines = Files.exists(log) ? Files.readAllLines(log, StandardCharsets.UTF_8) : List.of();
            List<String> last = lines.subList(Math.max(0, lines.size() - 20), lines.size());
            return last.isEmpty() ? "(no output; " + log + ")" : log + ":\n" + String.join("\n", last);
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e.getMessage() + ")";
        }
    }

    /** A port that was free a moment ago (kept for restarts). */
    private static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("removing " + root, e);
        }
    }
}
