package dev.hde.state.crdt;

import dev.hde.codec.Limits;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Comparator;
import net.jpountz.xxhash.XXHash64;
import net.jpountz.xxhash.XXHashFactory;

/** State keys in the catalog: validation, their canonical order, and their anti-entropy bucket. */
public final class StateKeys {

    private static final XXHash64 XXH64 = XXHashFactory.fastestInstance().hash64();

    /** Longest key, as for events and frames. */
    public static final int MAX_KEY_BYTES = Limits.DEFAULT.maxKeyBytes();

    /**
     * The order of the keys' UTF-8 bytes (unsigned), which is Unicode code point order; differs
     * from {@link String#compareTo} for characters above U+FFFF. Every serialization sorts by it.
     */
    public static final Comparator<String> UTF8_ORDER = StateKeys::compareUtf8;

    private StateKeys() {}

    private static int compareUtf8(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i);
            int cb = b.codePointAt(j);
            if (ca != cb) {
                return Integer.compare(ca, cb);
            }
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Integer.compare(a.length() - i, b.length() - j);
    }

    /** The key's UTF-8 bytes; throws {@link IllegalArgumentException} for an empty, too long or ill-formed (lone surrogate) key. */
    public static byte[] utf8(String key) {
        if (key == null || key.isEmpty()) {
            throw new IllegalArgumentException("empty state key");
        }
        ByteBuffer b;
        try {
            b = StandardCharsets.UTF_8.newEncoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .encode(CharBuffer.wrap(key));
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("state key is not well-formed Unicode", e);
        }
        if (b.remaining() > MAX_KEY_BYTES) {
            throw new IllegalArgumentException("state key of " + b.remaining() + " bytes, at most " + MAX_KEY_BYTES);
        }
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    /** XXH64 (seed 0) of the key's UTF-8 bytes. */
    public static long hash(byte[] utf8) {
        return XXH64.hash(utf8, 0, utf8.length, 0);
    }

    /** The key's bucket: XXH64 of its UTF-8 bytes, as an unsigned number, modulo the bucket count. */
    public static int bucketOf(byte[] utf8, int bucketCount) {
        return (int) Long.remainderUnsigned(hash(utf8), bucketCount);
    }

    public static int bucketOf(String key, int bucketCount) {
        return bucketOf(utf8(key), bucketCount);
    }

    static long xxh64(byte[] buf, int off, int len) {
        return XXH64.hash(buf, off, len, 0);
    }
}
