package dev.hde.job.cli;

import dev.hde.job.config.HdeJobConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * Where the Kafka cluster is and how to talk to it. Client properties (security, TLS, SASL) come
 * from {@code --kafka-config FILE}, then JVM system properties {@code -Dkafka.NAME=VALUE}, then
 * {@code -Dkafka.NAME=VALUE} options on the command line (later wins). Values of secret
 * properties are never printed. Other {@code -D KEY=VALUE} options are Flink options
 * ({@link dev.hde.job.config.FlinkSettings}).
 */
public final class KafkaOptions {

    @Option(names = {"-b", "--bootstrap-servers"}, paramLabel = "HOST:PORT[,...]",
            description = "Kafka bootstrap servers (default: localhost:9092).")
    String bootstrapServers;

    @Option(names = "--kafka-config", paramLabel = "FILE",
            description = "Kafka client properties file (security.protocol, sasl.*, ssl.*, ...), as for the Kafka console tools.")
    Path kafkaConfig;

    @Option(names = "-D", paramLabel = "KEY=VALUE", mapFallbackValue = "",
            description = {"-D kafka.NAME=VALUE: a Kafka client property, e.g. -Dkafka.security.protocol=SASL_SSL (also read from JVM "
                    + "system properties); -D KEY=VALUE: any Flink option, e.g. -D state.backend.type=rocksdb or "
                    + "-D metrics.reporter.prom.factory.class=... (repeatable). On a cluster, the cluster's own state backend, "
                    + "checkpoint storage, reporters and memory win over these."})
    Map<String, String> properties = new LinkedHashMap<>();

    @Option(names = "--page-updates-topic", paramLabel = "TOPIC", description = "Topic of page-update events (default: hde.page-updates).")
    String pageUpdatesTopic;

    @Option(names = "--frames-topic", paramLabel = "TOPIC", description = "Topic of frames (default: hde.frames).")
    String framesTopic;

    @Option(names = "--dead-letters-topic", paramLabel = "TOPIC", description = "Topic of refused events (default: hde.dead-letters).")
    String deadLettersTopic;

    @Option(names = "--selector-model-topic", paramLabel = "TOPIC", description = "Compacted topic of the selector model (default: hde.selector-model).")
    String selectorModelTopic;

    @Option(names = "--group-id", paramLabel = "ID",
            description = "Consumer group of the job's Kafka source (default: hde-encoder for encode, hde-decoder for decode).")
    String groupId;

    void applyTo(HdeJobConfig c, boolean decoder) {
        if (kafkaConfig != null) {
            try {
                c.loadKafkaProperties(kafkaConfig);
            } catch (IOException e) {
                throw new UncheckedIOException("reading " + kafkaConfig, e);
            }
        }
        c.applyKafkaOverrides(System.getProperties());
        c.applyKafkaOverrides(properties);
        properties.forEach((key, value) -> {
            if (!key.startsWith(HdeJobConfig.KAFKA_PROPERTY_PREFIX)) {
                c.flinkOption(key, value);
            }
        });
        if (bootstrapServers != null) {
            c.bootstrapServers(bootstrapServers);
        }
        if (pageUpdatesTopic != null) {
            c.pageUpdatesTopic(pageUpdatesTopic);
        }
        if (framesTopic != null) {
            c.framesTopic(framesTopic);
        }
        if (deadLettersTopic != null) {
            c.deadLettersTopic(deadLettersTopic);
        }
        if (selectorModelTopic != null) {
            c.selectorModelTopic(selectorModelTopic);
        }
        if (groupId != null) {
            if (decoder) {
                c.decoderGroupId(groupId);
            } else {
                c.encoderGroupId(groupId);
            }
        }
    }
}
