package dev.hde.codec.trace;

import java.io.IOException;

/**
 * A directory of memory images that cannot be read as one: missing, not a directory, without
 * images, an unreadable or corrupt file, images of unequal size. Bad input, not a failed check:
 * the command lines end with exit code 2 and this message.
 */
public final class ImageInputException extends IOException {

    private static final long serialVersionUID = 1L;

    public ImageInputException(String message) {
        super(message);
    }

    public ImageInputException(String message, Throwable cause) {
        super(message, cause);
    }
}
