package dev.hde.codec;

/**
 * The one error type of the codec: every way input can be bad or a frame can be refused has its
 * own {@link Kind}, so that callers (the validator's dead-letter reason, the decoder's per-region
 * verdict) can act on the kind without parsing messages.
 */
public final class HdeException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** What went wrong. Stable names: they appear in dead-letter headers and decoder results. */
    public enum Kind {
        // Malformed bytes.
        BAD_MAGIC,
        UNSUPPORTED_VERSION,
        UNKNOWN_TYPE,
        UNKNOWN_METHOD,
        UNKNOWN_CODEC,
        UNKNOWN_DICTIONARY,
        TRUNCATED,
        TRAILING_BYTES,
        CHECKSUM_MISMATCH,
        LENGTH_MISMATCH,
        LIMIT_EXCEEDED,
        PAGE_INDEX_OUT_OF_RANGE,
        BAD_KEY,
        CODEC_FAILURE,
        // Frames that are well-formed but do not fit the receiver's image.
        NO_KEYFRAME,
        EPOCH_MISMATCH,
        SEQUENCE_GAP,
        DIGEST_MISMATCH,
        KEY_MISMATCH
    }

    private final Kind kind;

    public HdeException(Kind kind, String message) {
        super(kind + ": " + message);
        this.kind = kind;
    }

    public HdeException(Kind kind, String message, Throwable cause) {
        super(kind + ": " + message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
