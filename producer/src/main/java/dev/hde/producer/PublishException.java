package dev.hde.producer;

/** Publishing failed: the events of this run after the failure are not in the topic. */
public final class PublishException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public PublishException(String message, Throwable cause) {
        super(message, cause);
    }
}
