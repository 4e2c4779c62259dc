package dev.hde.job.kafka;

/**
 * The Kafka cluster cannot be used with the given client properties: nothing answered, the TLS
 * handshake failed, or the credentials were refused. The message is one line for a person.
 */
public final class KafkaUnreachableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public KafkaUnreachableException(String message, Throwable cause) {
        super(message, cause);
    }
}
