package dev.hde.job.kafka;

import dev.hde.producer.cli.KafkaConnectivity;
import java.time.Duration;
import java.util.Collection;
import java.util.Properties;

/**
 * Checks that the Kafka cluster answers before a job is built, so that a wrong address, a wrong
 * password or an untrusted certificate fails at once with one clear line instead of as restarts of
 * a running job ({@link KafkaConnectivity}: the producer checks the same way).
 */
public final class KafkaPreflight {

    private KafkaPreflight() {}

    /**
     * Connects with {@code clientProperties} within {@code timeout}; throws a
     * {@link dev.hde.producer.cli.UserError} naming the address tried and whether it refused, timed
     * out, or failed TLS or SASL.
     */
    public static void check(Properties clientProperties, Duration timeout) {
        KafkaConnectivity.check(clientProperties, timeout);
    }

    /**
     * {@link #check(Properties, Duration)}, then that every topic used exists ({@code ifMissing} says what to do if not)
     * and may be read and written as used ({@link KafkaConnectivity#checkTopicUses}).
     */
    public static void checkTopicUses(Properties clientProperties, Duration timeout, java.util.List<KafkaConnectivity.TopicUse> uses,
            String ifMissing) {
        KafkaConnectivity.checkTopicUses(clientProperties, timeout, uses, ifMissing);
    }

    /** {@link #check(Properties, Duration)}, then that every topic of {@code topics} exists; {@code ifMissing} says what to do if not. */
    public static void check(Properties clientProperties, Duration timeout, Collection<String> topics, String ifMissing) {
        KafkaConnectivity.check(clientProperties, timeout, topics, ifMissing);
    }
}
