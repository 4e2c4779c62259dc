package dev.hde.producer.cli;

import dev.hde.producer.KafkaEventSink;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.common.config.SaslConfigs;
import picocli.CommandLine.Option;

/**
 * Where to publish and how to talk to the cluster. Client properties come from
 * {@code --kafka-config FILE} (security.protocol, sasl.*, ssl.*, as for the Kafka console tools),
 * then {@code -X NAME=VALUE}; {@code --bootstrap-servers} wins over both. Secret values are never
 * printed or logged.
 */
public final class KafkaOptions {

    public static final String DEFAULT_TOPIC = "hde.page-updates";

    @Option(order = 200, names = {"-b", "--bootstrap-servers"}, paramLabel = "HOST:PORT[,...]",
            description = "Kafka bootstrap servers (default: bootstrap.servers of --kafka-config, else localhost:9092).")
    String bootstrapServers;

    @Option(order = 201, names = {"-t", "--topic"}, paramLabel = "TOPIC", defaultValue = DEFAULT_TOPIC,
            description = "Topic of page-update events: the encoder job's input (default: ${DEFAULT-VALUE}).")
    String topic;

    @Option(order = 202, names = "--kafka-config", paramLabel = "FILE",
            description = "Kafka client properties (security.protocol=SASL_SSL, sasl.mechanism=SCRAM-SHA-512, sasl.jaas.config, "
                    + "ssl.truststore.location, ...), passed to the producer as they are. Keep it chmod 600: it holds secrets.")
    Path kafkaConfig;

    @Option(order = 203, names = {"-X", "--kafka-property"}, paramLabel = "NAME=VALUE",
            description = "One Kafka producer property, e.g. -X linger.ms=20 (repeatable; wins over --kafka-config).")
    Map<String, String> properties = new LinkedHashMap<>();

    @Option(order = 204, names = "--max-in-flight", paramLabel = "SIZE", converter = SizeConverter.class, defaultValue = "64MiB",
            description = "Back-pressure: bytes published and not yet acknowledged at most (buffer.memory); capture waits "
                    + "while more are in flight (default: ${DEFAULT-VALUE}).")
    long maxInFlight;

    @Option(order = 205, names = "--max-block", paramLabel = "DURATION", converter = DurationConverter.Positive.class, defaultValue = "60s",
            description = "How long a publish may wait for room or for the cluster (max.block.ms) before the run fails (default: ${DEFAULT-VALUE}).")
    Duration maxBlock;

    @Option(order = 206, names = "--connect-timeout", paramLabel = "DURATION", converter = DurationConverter.Positive.class, defaultValue = "15s",
            description = "How long the check that Kafka answers, before the first round, waits (default: ${DEFAULT-VALUE}).")
    Duration connectTimeout;

    private boolean warned;

    /** Checks that the cluster answers ({@link KafkaConnectivity}): a {@link UserError} naming the address and what is wrong if not. */
    void checkReachable(PrintWriter err) {
        checkReachable(err, List.of());
    }

    /**
     * {@link #checkReachable(PrintWriter)}, then that the cluster lets this client read and write those of the topics it
     * uses that exist (one that does not may be created on first use): exit code 3 naming the topic and the operation.
     */
    void checkReachable(PrintWriter err, List<KafkaConnectivity.TopicUse> uses) {
        Properties p;
        try {
            p = clientProperties(err);
        } catch (IOException e) {
            throw UserError.usage(e.getMessage());
        }
        KafkaConnectivity.checkTopicPermissions(p, connectTimeout, uses);
    }

    /** The client properties from the file and -X options, bootstrap servers settled; warns on err about a readable secret file. */
    Properties clientProperties(PrintWriter err) throws IOException {
        Properties p = new Properties();
        if (kafkaConfig != null) {
            if (!Files.isRegularFile(kafkaConfig) || !Files.isReadable(kafkaConfig)) {
                throw new IOException("--kafka-config " + kafkaConfig + ": no such readable file");
            }
            try (InputStream in = Files.newInputStream(kafkaConfig)) {
                p.load(in);
            }
            warnIfShared(p, err);
        }
        p.putAll(properties);
        if (bootstrapServers != null) {
            p.setProperty(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        }
        p.putIfAbsent(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, "localhost:9092");
        return p;
    }

    private void warnIfShared(Properties p, PrintWriter err) {
        if (warned) {
            return;
        }
        warned = true;
        boolean secrets = p.stringPropertyNames().stream().anyMatch(KafkaEventSink::isSecret);
        if (!secrets) {
            return;
        }
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(kafkaConfig);
            if (perms.contains(PosixFilePermission.OTHERS_READ) || perms.contains(PosixFilePermission.GROUP_READ)) {
                err.printf("hde-producer: warning: %s holds secrets and other users can read it (chmod 600 %s)%n", kafkaConfig, kafkaConfig);
            }
        } catch (IOException | UnsupportedOperationException ignored) {
            // not a POSIX file system: nothing to say
        }
    }

    /** Where the events go, without secrets: servers, topic, security protocol and SASL mechanism. */
    static String describe(Properties p, String topic) {
        StringBuilder s = new StringBuilder("topic ").append(topic).append(" at ").append(p.getProperty(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG));
        String protocol = p.getProperty(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG);
        if (protocol != null) {
            s.append(" over ").append(protocol);
            String mechanism = p.getProperty(SaslConfigs.SASL_MECHANISM);
            if (mechanism != null && protocol.startsWith("SASL")) {
                s.append(" (").append(mechanism).append(')');
            }
        }
        return s.toString();
    }
}
