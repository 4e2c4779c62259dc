package dev.hde.producer.cli;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.utils.Utils;

/**
 * Checks, before a job or a producer starts, that the Kafka cluster answers with these client
 * properties, within a bounded time: first a TCP connection to every bootstrap address (so that
 * "refused", "timed out" and "unknown host" are told apart at once), then the cluster's id through
 * the admin client (so that a wrong password or an untrusted certificate fails now, with one
 * line, instead of as restarts of a running job). Failures are {@link UserError}s: exit code 4
 * when nothing answered, 3 when the credentials or the TLS handshake were refused, 2 for a bad
 * address or client configuration.
 */
public final class KafkaConnectivity {

    /** The default of {@code --connect-timeout}. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(15);

    private KafkaConnectivity() {}

    /** How one bootstrap address answered a TCP connection. */
    record Probe(String address, String problem) {
        boolean connected() {
            return problem == null;
        }
    }

    /** Throws a {@link UserError} naming the address tried and what went wrong, or returns once the cluster answered. */
    public static void check(Properties clientProperties, Duration timeout) {
        check(clientProperties, timeout, List.of(), "");
    }

    /**
     * {@link #check(Properties, Duration)}, then that every topic of {@code topics} exists: a {@link UserError} (exit code 4)
     * naming the missing ones, followed by {@code ifMissing} (what to do), if not.
     */
    public static void check(Properties clientProperties, Duration timeout, java.util.Collection<String> topics, String ifMissing) {
        checkTopicUses(clientProperties, timeout, topics.stream().map(TopicUse::exists).toList(), ifMissing);
    }

    /**
     * What a job or a producer does with a topic: reads it, writes it, and why it writes it (said
     * when it may not: writing an input topic is what an operator does not expect to grant).
     */
    public record TopicUse(String topic, boolean reads, boolean writes, String why) {
        public TopicUse {
            java.util.Objects.requireNonNull(topic);
            why = why == null ? "" : why;
        }

        /** Only that the topic exists. */
        public static TopicUse exists(String topic) {
            return new TopicUse(topic, false, false, "");
        }

        public static TopicUse reads(String topic) {
            return new TopicUse(topic, true, false, "");
        }

        public static TopicUse writes(String topic, String why) {
            return new TopicUse(topic, false, true, why);
        }

        /** This use and {@code other} of the same topic together. */
        TopicUse and(TopicUse other) {
            String w = why.isEmpty() ? other.why : other.why.isEmpty() || other.why.equals(why) ? why : why + "; " + other.why;
            return new TopicUse(topic, reads || other.reads, writes || other.writes, w);
        }
    }

    /**
     * {@link #check(Properties, Duration)}, then that every topic used exists (a {@link UserError}, exit code 4, naming the
     * missing ones, followed by {@code ifMissing}) and that this client may read and write what it reads and writes (exit
     * code 3, naming each topic, the operation and why it is needed), as far as the cluster says: a cluster without an
     * authorizer allows everything. Without this a job that may not write one of its topics starts, fails on its first
     * record and restarts forever.
     */
    public static void checkTopicUses(Properties clientProperties, Duration timeout, List<TopicUse> uses, String ifMissing) {
        checkTopicUses(clientProperties, timeout, uses, ifMissing, true);
    }

    /**
     * {@link #checkTopicUses(Properties, Duration, List, String)} for a client that may find its topics created on first use
     * (a broker with {@code auto.create.topics.enable}): a missing topic is not an error, only a read or a write the cluster
     * refuses on one that exists.
     */
    public static void checkTopicPermissions(Properties clientProperties, Duration timeout, List<TopicUse> uses) {
        checkTopicUses(clientProperties, timeout, uses, "", false);
    }

    private static void checkTopicUses(Properties clientProperties, Duration timeout, List<TopicUse> uses, String ifMissing,
            boolean missingIsError) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String servers = clientProperties.getProperty(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, "").trim();
        String where = describe(clientProperties);
        List<Probe> probes = probe(addresses(servers), timeout);
        if (probes.stream().noneMatch(Probe::connected)) {
            throw new UserError(ExitCodes.UNREACHABLE, unreachable(where, probes, timeout));
        }
        long leftMs = Math.max(2_000, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
        Properties p = new Properties();
        p.putAll(clientProperties);
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, Long.toString(leftMs));
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, Long.toString(leftMs));
        try (Admin admin = Admin.create(p)) {
            admin.describeCluster().clusterId().get(leftMs + 1_000, TimeUnit.MILLISECONDS);
            if (!uses.isEmpty()) {
                checkTopics(admin, where, uses, ifMissing, missingIsError, leftMs);
            }
        } catch (ExecutionException e) {
            UserError known = explainFailure(e.getCause());
            if (known != null) { // "Kafka at … refused the credentials", "Kafka at …: TLS handshake failed"
                throw new UserError(known.exitCode(), where + (known.getMessage().startsWith("refused") ? " " : ": ") + known.getMessage(), e.getCause());
            }
            if (e.getCause() instanceof org.apache.kafka.common.errors.TimeoutException) {
                throw new UserError(ExitCodes.UNREACHABLE, silent(where, timeout), e.getCause());
            }
            throw new UserError(ExitCodes.FAILED, where + ": " + CliErrors.oneLine(rootMessage(e.getCause())), e.getCause());
        } catch (TimeoutException e) {
            throw new UserError(ExitCodes.UNREACHABLE, silent(where, timeout), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UserError(ExitCodes.FAILED, where + ": interrupted while connecting", e);
        } catch (KafkaException e) {
            // bad client properties (a trust store that cannot be read, a missing JAAS configuration) fail when the client is made
            UserError known = explainFailure(e);
            throw known != null ? new UserError(known.exitCode(), where + ": " + known.getMessage(), e)
                    : new UserError(ExitCodes.USAGE, where + ": the Kafka client configuration is wrong: " + CliErrors.oneLine(rootMessage(e)), e);
        }
    }

    private static void checkTopics(Admin admin, String where, List<TopicUse> uses, String ifMissing, boolean missingIsError, long timeoutMs)
            throws InterruptedException, ExecutionException, TimeoutException {
        java.util.Map<String, TopicUse> byTopic = new java.util.LinkedHashMap<>(); // in the caller's order
        for (TopicUse u : uses) {
            byTopic.merge(u.topic(), u, TopicUse::and);
        }
        List<String> missing = new ArrayList<>();
        List<String> refused = new ArrayList<>();
        var described = admin.describeTopics(byTopic.keySet(), new DescribeTopicsOptions().includeAuthorizedOperations(true))
                .topicNameValues();
        for (TopicUse use : byTopic.values()) {
            String topic = use.topic();
            TopicDescription d;
            try {
                d = described.get(topic).get(timeoutMs, TimeUnit.MILLISECONDS);
            } catch (ExecutionException ex) {
                if (ex.getCause() instanceof UnknownTopicOrPartitionException) {
                    missing.add(topic);
                    continue;
                } else if (ex.getCause() instanceof AuthorizationException) {
                    throw new UserError(ExitCodes.NO_PERMISSION, where + ": not authorized to describe topic " + topic, ex.getCause());
                }
                throw ex;
            }
            java.util.Set<AclOperation> allowed = d.authorizedOperations(); // null from a broker that does not say
            if (allowed == null) {
                continue;
            }
            List<String> ops = new ArrayList<>(2);
            if (use.reads() && !allowed.contains(AclOperation.READ)) {
                ops.add("read");
            }
            if (use.writes() && !allowed.contains(AclOperation.WRITE)) {
                ops.add("write");
            }
            if (!ops.isEmpty()) {
                refused.add(String.join(" and ", ops) + " topic " + topic + (use.writes() && ops.contains("write") && !use.why().isEmpty()
                        ? " (" + use.why() + ")" : ""));
            }
        }
        if (!missing.isEmpty() && missingIsError) {
            throw new UserError(ExitCodes.UNREACHABLE, where + ": no topic " + String.join(", ", missing)
                    + (ifMissing.isEmpty() ? "" : "; " + ifMissing));
        }
        if (!refused.isEmpty()) {
            throw new UserError(ExitCodes.NO_PERMISSION, where + ": not authorized to " + String.join("; to ", refused));
        }
    }

    /** {@code Kafka at HOST:PORT (SASL_SSL SCRAM-SHA-512)}: where, without secrets. */
    public static String describe(Properties p) {
        String protocol = p.getProperty(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "PLAINTEXT").toUpperCase(Locale.ROOT);
        return "Kafka at " + p.getProperty(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, "").trim() + " (" + protocol
                + (protocol.startsWith("SASL") ? " " + p.getProperty(SaslConfigs.SASL_MECHANISM, SaslConfigs.DEFAULT_SASL_MECHANISM) : "") + ")";
    }

    /** The user error a Kafka client exception is, or null: credentials, TLS, authorization and configuration. */
    public static UserError explainFailure(Throwable t) {
        if (t instanceof SaslAuthenticationException) {
            return new UserError(ExitCodes.NO_PERMISSION, "refused the credentials: " + CliErrors.oneLine(t.getMessage()), t);
        }
        if (t instanceof SslAuthenticationException) {
            return new UserError(ExitCodes.NO_PERMISSION, "TLS handshake failed (" + CliErrors.oneLine(rootMessage(t))
                    + "); is the broker's certificate, or its CA, in ssl.truststore.location?", t);
        }
        if (t instanceof AuthenticationException) {
            return new UserError(ExitCodes.NO_PERMISSION, "authentication failed: " + CliErrors.oneLine(rootMessage(t)), t);
        }
        if (t instanceof AuthorizationException) {
            return new UserError(ExitCodes.NO_PERMISSION, "not authorized: " + CliErrors.oneLine(t.getMessage()), t);
        }
        if (t instanceof org.apache.kafka.common.errors.InvalidReplicationFactorException) {
            return new UserError(ExitCodes.USAGE, CliErrors.oneLine(t.getMessage()) + " (--replication-factor)", t);
        }
        if (t instanceof UnknownTopicOrPartitionException) {
            return new UserError(ExitCodes.UNREACHABLE, "a topic is missing: " + CliErrors.oneLine(t.getMessage()), t);
        }
        if (t instanceof ConfigException) {
            return new UserError(ExitCodes.USAGE, "the Kafka client configuration is wrong: " + CliErrors.oneLine(t.getMessage()), t);
        }
        return null;
    }

    /** HOST:PORT pairs of {@code bootstrap.servers}; a usage error when one is not. */
    static List<String> addresses(String servers) {
        List<String> out = new ArrayList<>();
        for (String s : servers.split(",")) {
            String a = s.trim();
            if (a.isEmpty()) {
                continue;
            }
            int at = a.indexOf("://"); // a listener name in front (PLAINTEXT://host:port) is allowed by the Kafka client
            String hostPort = at >= 0 ? a.substring(at + 3) : a;
            if (Utils.getHost(hostPort) == null || Utils.getPort(hostPort) == null) {
                throw UserError.usage("bootstrap server '" + a + "' is not HOST:PORT (e.g. -b kafka:9092)");
            }
            out.add(hostPort);
        }
        if (out.isEmpty()) {
            throw UserError.usage("no Kafka bootstrap servers given (-b HOST:PORT)");
        }
        return out;
    }

    /** Connects to every address at once; each has the whole timeout. */
    static List<Probe> probe(List<String> addresses, Duration timeout) {
        List<CompletableFuture<Probe>> all = new ArrayList<>();
        for (String a : addresses) {
            CompletableFuture<Probe> f = new CompletableFuture<>();
            Thread t = new Thread(() -> f.complete(connect(a, timeout)), "kafka-probe " + a);
            t.setDaemon(true);
            t.start();
            all.add(f);
        }
        List<Probe> out = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) {
            try {
                // resolving a name has its own timeout in the resolver; do not wait much longer than asked
                out.add(all.get(i).get(timeout.toMillis() + 2_000, TimeUnit.MILLISECONDS));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                out.add(new Probe(addresses.get(i), "interrupted"));
            } catch (ExecutionException | TimeoutException e) {
                out.add(new Probe(addresses.get(i), "no answer within " + seconds(timeout)));
            }
        }
        return out;
    }

    private static Probe connect(String address, Duration timeout) {
        String host = Utils.getHost(address);
        int port = Utils.getPort(address);
        try (Socket s = new Socket()) {
            InetSocketAddress to = new InetSocketAddress(host, port);
            if (to.isUnresolved()) {
                return new Probe(address, "unknown host '" + host + "'");
            }
            s.connect(to, (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis())));
            return new Probe(address, null);
        } catch (ConnectException e) {
            return new Probe(address, "connection refused");
        } catch (SocketTimeoutException e) {
            return new Probe(address, "no answer within " + seconds(timeout) + " (timed out)");
        } catch (NoRouteToHostException e) {
            return new Probe(address, "no route to host");
        } catch (UnknownHostException e) {
            return new Probe(address, "unknown host '" + host + "'");
        } catch (IOException | RuntimeException e) {
            return new Probe(address, CliErrors.oneLine(e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
        }
    }

    private static String unreachable(String where, List<Probe> probes, Duration timeout) {
        if (probes.size() == 1) {
            return where + ": " + probes.get(0).problem() + hint(probes);
        }
        StringBuilder s = new StringBuilder(where).append(": no broker answered: ");
        for (int i = 0; i < probes.size(); i++) {
            s.append(i == 0 ? "" : ", ").append(probes.get(i).address()).append(' ').append(probes.get(i).problem());
        }
        return s.append(hint(probes)).toString();
    }

    /** What to check, after the problems of every address. */
    private static String hint(List<Probe> probes) {
        boolean refused = probes.stream().anyMatch(p -> p.problem().startsWith("connection refused"));
        boolean timedOut = probes.stream().anyMatch(p -> p.problem().contains("timed out") || p.problem().startsWith("no answer"));
        boolean unknown = probes.stream().anyMatch(p -> p.problem().startsWith("unknown host"));
        List<String> hints = new ArrayList<>();
        if (refused) {
            hints.add("is a broker listening there?");
        }
        if (timedOut) {
            hints.add("is a firewall in the way? (--connect-timeout waits longer)");
        }
        if (unknown) {
            hints.add("is the host name right?");
        }
        return hints.isEmpty() ? "" : "; " + String.join(" ", hints);
    }

    private static String silent(String where, Duration timeout) {
        return where + ": the port accepts connections but no Kafka answered within " + seconds(timeout)
                + "; does security.protocol match that listener, and can this machine reach the broker's advertised.listeners?";
    }

    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }

    private static String rootMessage(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    }
}
