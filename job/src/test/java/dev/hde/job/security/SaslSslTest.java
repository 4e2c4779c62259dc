package dev.hde.job.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hde.job.cli.HdeCli;
import dev.hde.job.embedded.KafkaBrokerProcess;
import dev.hde.job.kafka.KafkaTopics;
import dev.hde.producer.SyntheticWorkload;
import dev.hde.producer.cli.ProducerCli;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Kafka with SASL_SSL (SCRAM-SHA-512 over TLS with certificates made here by keytool): the
 * producer, the encoder job and the decoder job all connect through {@code --kafka-config}, and
 * every region is rebuilt byte for byte. A wrong password and an untrusted certificate fail at once
 * with one clear line and exit code 3, not a stack trace or a job restarting forever.
 */
class SaslSslTest {

    private static final String USER = "hde-encoder";
    private static final String PASSWORD = "s3cret-Scram-512";
    private static final int ROUNDS = 4;

    @Test
    void producerEncoderAndDecoderWorkOverSaslSslAndBadCredentialsOrCertificatesFailClearly(@TempDir Path dir) throws Exception {
        Path brokerKeys = dir.resolve("broker.p12");
        Path trusted = dir.resolve("truststore.p12");
        Path strangerKeys = dir.resolve("stranger.p12");
        Path untrusted = dir.resolve("untrusted-truststore.p12");
        Keytool.selfSignedKeyStore(brokerKeys, "broker", "broker-pass");
        Keytool.trustStoreFor(brokerKeys, "broker", "broker-pass", trusted, "trust-pass");
        Keytool.selfSignedKeyStore(strangerKeys, "stranger", "stranger-pass");
        Keytool.trustStoreFor(strangerKeys, "stranger", "stranger-pass", untrusted, "trust-pass");

        try (KafkaBrokerProcess kafka = KafkaBrokerProcess.builder()
                .saslSsl(new KafkaBrokerProcess.SaslSsl(brokerKeys, "broker-pass", Map.of(USER, PASSWORD)))
                .start()) {
            String servers = kafka.saslSslBootstrapServers();
            KafkaTopics.create(kafka.admin(), 2, (short) 1,
                    List.of("hde.page-updates", "hde.frames", "hde.dead-letters", "hde.selector-model", "hde.catalog", "hde.resync-requests",
                            "hde.keyframe-requests"), Set.of("hde.selector-model"));
            Path good = clientConfig(dir.resolve("client.properties"), PASSWORD, trusted);
            Path wrongPassword = clientConfig(dir.resolve("wrong-password.properties"), "not-the-password", trusted);
            Path wrongTrust = clientConfig(dir.resolve("untrusted.properties"), PASSWORD, untrusted);

            // The producer (Flink-free CLI) publishes the synthetic workload over SASL_SSL.
            StringWriter producerErr = new StringWriter();
            int produced = ProducerCli.run(new PrintWriter(new StringWriter()), new PrintWriter(producerErr), "synthetic", "-b", servers,
                    "--kafka-config", good.toString(), "--vms", "2", "--regions", "2", "--region-pages", "32", "--seed", "5", "-n",
                    Integer.toString(ROUNDS), "-i", "0ms", "-q");
            assertThat(produced).as(producerErr.toString()).isZero();

            // The encoder job (local runtime), bounded: reads what is there and commits its frames.
            Run encode = hde("encode", "-b", servers, "--kafka-config", good.toString(), "--bounded", "-p", "1", "--checkpoint-interval", "1s",
                    "--starting-offsets", "earliest", "--progress-interval", "0");
            assertThat(encode.code()).as(encode.err()).isZero();

            // The decoder job rebuilds every region; compare with the producer's memory.
            Path images = Files.createDirectories(dir.resolve("images"));
            Run decode = hde("decode", "-b", servers, "--kafka-config", good.toString(), "--images", images.toString(), "-p", "1", "--quiet");
            assertThat(decode.code()).as(decode.err() + decode.out()).isZero();
            SyntheticWorkload truth = new SyntheticWorkload(new SyntheticWorkload.Settings(2, 2, 32, 12, 0.03, 0.05, 0.05, 5L));
            for (int round = 0; round < ROUNDS; round++) {
                truth.nextRound(0);
            }
            for (String key : truth.stateKeys()) {
                byte[] rebuilt = Files.readAllBytes(images.resolve(key.replace('/', '_') + ".bin"));
                assertThat(Arrays.mismatch(rebuilt, truth.image(key))).as("%s: first byte that differs from the true memory", key).isEqualTo(-1);
            }

            // A wrong password: one line naming the refusal, exit code 3, no stack trace.
            Run refused = hde("encode", "-b", servers, "--kafka-config", wrongPassword.toString(), "--bounded", "--progress-interval", "0");
            assertThat(refused.code()).isEqualTo(HdeCli.EXIT_KAFKA_UNREACHABLE);
            assertThat(refused.err()).contains("hde encode: Kafka at " + servers + " (SASL_SSL SCRAM-SHA-512) refused the credentials")
                    .contains("Authentication failed").doesNotContain("\tat ").doesNotContain(PASSWORD);

            // A broker certificate the trust store does not hold: the TLS handshake fails, said plainly.
            Run untrustedRun = hde("decode", "-b", servers, "--kafka-config", wrongTrust.toString(), "--quiet");
            assertThat(untrustedRun.code()).isEqualTo(HdeCli.EXIT_KAFKA_UNREACHABLE);
            assertThat(untrustedRun.err()).contains("hde decode: Kafka at " + servers + " (SASL_SSL SCRAM-SHA-512): TLS handshake failed")
                    .contains("ssl.truststore.location").doesNotContain("\tat ");

            // The producer with a wrong password fails too (its own message), and publishes nothing more.
            StringWriter refusedProducer = new StringWriter();
            int code = ProducerCli.run(new PrintWriter(new StringWriter()), new PrintWriter(refusedProducer), "synthetic", "-b", servers,
                    "--kafka-config", wrongPassword.toString(), "--vms", "1", "--regions", "1", "--region-pages", "8", "-n", "1", "-i", "0ms", "-q",
                    "--max-block", "20s");
            assertThat(code).isNotZero();
            assertThat(refusedProducer.toString()).containsIgnoringCase("authentication");
        }
    }

    @Test
    void aPrincipalThatMayNotWriteATopicTheEncoderWritesIsRefusedBeforeTheJobStarts(@TempDir Path dir) throws Exception {
        Path brokerKeys = dir.resolve("broker.p12");
        Path trusted = dir.resolve("truststore.p12");
        Keytool.selfSignedKeyStore(brokerKeys, "broker", "broker-pass");
        Keytool.trustStoreFor(brokerKeys, "broker", "broker-pass", trusted, "trust-pass");
        try (KafkaBrokerProcess kafka = KafkaBrokerProcess.builder()
                .saslSsl(new KafkaBrokerProcess.SaslSsl(brokerKeys, "broker-pass", Map.of(USER, PASSWORD)))
                .property("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer")
                .property("super.users", "User:ANONYMOUS") // the PLAINTEXT listeners: the broker itself, the controller, the test's admin
                .start()) {
            String servers = kafka.saslSslBootstrapServers();
            List<String> topics = List.of("hde.page-updates", "hde.frames", "hde.dead-letters", "hde.selector-model", "hde.catalog",
                    "hde.resync-requests", "hde.keyframe-requests");
            KafkaTopics.create(kafka.admin(), 2, (short) 1, topics, Set.of("hde.selector-model"));
            // The encoder's principal may do anything with every topic, except write the page-updates topic (its input).
            org.apache.kafka.common.resource.ResourcePattern anyTopic = new org.apache.kafka.common.resource.ResourcePattern(
                    org.apache.kafka.common.resource.ResourceType.TOPIC, "*", org.apache.kafka.common.resource.PatternType.LITERAL);
            org.apache.kafka.common.resource.ResourcePattern pageUpdates = new org.apache.kafka.common.resource.ResourcePattern(
                    org.apache.kafka.common.resource.ResourceType.TOPIC, "hde.page-updates", org.apache.kafka.common.resource.PatternType.LITERAL);
            try (var admin = kafka.admin()) {
                admin.createAcls(List.of(
                        new org.apache.kafka.common.acl.AclBinding(anyTopic, new org.apache.kafka.common.acl.AccessControlEntry("User:" + USER, "*",
                                org.apache.kafka.common.acl.AclOperation.ALL, org.apache.kafka.common.acl.AclPermissionType.ALLOW)),
                        new org.apache.kafka.common.acl.AclBinding(pageUpdates, new org.apache.kafka.common.acl.AccessControlEntry("User:" + USER, "*",
                                org.apache.kafka.common.acl.AclOperation.WRITE, org.apache.kafka.common.acl.AclPermissionType.DENY))))
                        .all().get();
            }
            Path good = clientConfig(dir.resolve("client.properties"), PASSWORD, trusted);

            // The adaptive selector writes its models into the page-updates topic (models in band): refused, one line, exit code 3.
            Run adaptive = hde("encode", "-b", servers, "--kafka-config", good.toString(), "--selector", "adaptive", "--bounded",
                    "--progress-interval", "0");
            assertThat(adaptive.code()).as(adaptive.err()).isEqualTo(HdeCli.EXIT_KAFKA_UNREACHABLE);
            assertThat(adaptive.err()).contains("hde encode: Kafka at " + servers + " (SASL_SSL SCRAM-SHA-512): not authorized to write topic "
                    + "hde.page-updates (the selector trainer writes each model into every partition of it: models in band; "
                    + "--selector-models on-arrival does not)").doesNotContain("\tat ").doesNotContain("Exception");
            assertThat(adaptive.err().lines().filter(l -> l.contains("not authorized")).count()).isEqualTo(1);

            // A producer with the same principal may not publish there either: refused before its first round, one line, exit 3.
            StringWriter producerErr = new StringWriter();
            int produced = ProducerCli.run(new PrintWriter(new StringWriter()), new PrintWriter(producerErr), "synthetic", "-b", servers,
                    "--kafka-config", good.toString(), "--vms", "1", "--regions", "1", "--region-pages", "8", "-n", "1", "-i", "0ms", "-q");
            assertThat(produced).as(producerErr.toString()).isEqualTo(3);
            assertThat(producerErr.toString()).contains("not authorized to write topic hde.page-updates (the page updates)")
                    .doesNotContain("\tat ");

            // The same principal passes the check where the job only reads that topic: the fixed selector, and the adaptive one
            // with its models on arrival.
            dev.hde.job.config.HdeJobConfig fixed = new dev.hde.job.config.HdeJobConfig().bootstrapServers(servers);
            clientProperties(good).forEach((k, v) -> fixed.setKafkaProperty((String) k, (String) v));
            dev.hde.job.kafka.KafkaPreflight.checkTopicUses(fixed.kafkaClientProperties(), java.time.Duration.ofSeconds(30), fixed.encoderTopicUses(), "");
            assertThat(fixed.encoderTopicUses()).noneMatch(u -> u.topic().equals("hde.page-updates") && u.writes());

            // And a topic the job reads but may not: named with the operation.
            try (var admin = kafka.admin()) {
                admin.createAcls(List.of(new org.apache.kafka.common.acl.AclBinding(new org.apache.kafka.common.resource.ResourcePattern(
                        org.apache.kafka.common.resource.ResourceType.TOPIC, "hde.keyframe-requests", org.apache.kafka.common.resource.PatternType.LITERAL),
                        new org.apache.kafka.common.acl.AccessControlEntry("User:" + USER, "*", org.apache.kafka.common.acl.AclOperation.READ,
                                org.apache.kafka.common.acl.AclPermissionType.DENY)))).all().get();
            }
            Run reads = hde("encode", "-b", servers, "--kafka-config", good.toString(), "--bounded", "--progress-interval", "0");
            assertThat(reads.code()).as(reads.err()).isEqualTo(HdeCli.EXIT_KAFKA_UNREACHABLE);
            assertThat(reads.err()).contains("not authorized to read topic hde.keyframe-requests").doesNotContain("hde.page-updates")
                    .doesNotContain("\tat ");
        }
    }

    private static java.util.Properties clientProperties(Path file) throws Exception {
        java.util.Properties p = new java.util.Properties();
        try (var in = Files.newInputStream(file)) {
            p.load(in);
        }
        return p;
    }

    private record Run(int code, String out, String err) {}

    private static Run hde(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = HdeCli.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    private static Path clientConfig(Path file, String password, Path trustStore) throws Exception {
        Files.writeString(file, String.join("\n",
                "security.protocol=SASL_SSL",
                "sasl.mechanism=SCRAM-SHA-512",
                "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + USER + "\" password=\""
                        + password + "\";",
                "ssl.truststore.type=PKCS12",
                "ssl.truststore.location=" + trustStore,
                "ssl.truststore.password=trust-pass",
                ""));
        return file;
    }
}
