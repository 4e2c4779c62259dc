package dev.hde.job.kafka;

import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.SslAuthenticationException;

/**
 * Asks the Kafka cluster for its id before a job is built, so that a wrong password, an untrusted
 * certificate or a wrong address fails at once with one clear line instead of as restarts of a
 * running job.
 */
public final class KafkaPreflight {

    private KafkaPreflight() {}

    /** Connects with {@code clientProperties}; throws {@link KafkaUnreachableException} naming what is wrong. */
    public static void check(Properties clientProperties, Duration timeout) {
        Properties p = new Properties();
        p.putAll(clientProperties);
        int ms = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, Integer.toString(ms));
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, Integer.toString(ms));
        String where = "Kafka at " + p.getProperty(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG) + " ("
                + p.getProperty(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "PLAINTEXT")
                + (p.getProperty(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "").startsWith("SASL")
                        ? " " + p.getProperty(SaslConfigs.SASL_MECHANISM, SaslConfigs.DEFAULT_SASL_MECHANISM) : "")
                + ")";
        try (Admin admin = Admin.create(p)) {
            admin.describeCluster().clusterId().get(ms + 1000L, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw explain(where, e.getCause());
        } catch (TimeoutException e) {
            throw new KafkaUnreachableException(where + ": no broker answered within " + timeout.toSeconds() + " s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaUnreachableException(where + ": interrupted while connecting", e);
        } catch (org.apache.kafka.common.KafkaException e) {
            // bad client properties (e.g. a trust store that cannot be read) fail when the client is made
            throw new KafkaUnreachableException(where + ": " + rootMessage(e), e);
        }
    }

    static KafkaUnreachableException explain(String where, Throwable cause) {
        if (cause instanceof SaslAuthenticationException) {
            return new KafkaUnreachableException(where + " refused the credentials: " + cause.getMessage(), cause);
        }
        if (cause instanceof SslAuthenticationException) {
            return new KafkaUnreachableException(where + ": TLS handshake failed (" + rootMessage(cause)
                    + "); is the broker's certificate, or its CA, in ssl.truststore.location?", cause);
        }
        if (cause instanceof AuthenticationException) {
            return new KafkaUnreachableException(where + ": authentication failed: " + rootMessage(cause), cause);
        }
        if (cause instanceof org.apache.kafka.common.errors.TimeoutException) {
            return new KafkaUnreachableException(where + ": no broker answered (" + cause.getMessage() + ")", cause);
        }
        return new KafkaUnreachableException(where + ": " + rootMessage(cause), cause);
    }

    private static String rootMessage(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    }
}
