package dev.hde.producer.capture;

import java.io.IOException;

/** None of the process's mappings matches the selection; the message lists them. */
public final class NoMatchingMappingsException extends IOException {

    private static final long serialVersionUID = 1L;

    public NoMatchingMappingsException(String message) {
        super(message);
    }
}
