package dev.hde.codec.dict;

import com.github.luben.zstd.ZstdDictCompress;
import com.github.luben.zstd.ZstdDictContentType;
import com.github.luben.zstd.ZstdDictDecompress;
import dev.hde.codec.HdeException;
import dev.hde.codec.HdeException.Kind;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import net.jpountz.xxhash.XXHashFactory;

/**
 * A zstd dictionary for one class of VMs, shared by encoders and decoders under a 31-bit id that
 * frames carry in their {@code dictionary id} field (docs/selector.md, "Trained dictionaries").
 *
 * <p>The id is derived from the content ({@link #deriveId}), so that an id never names two
 * different dictionaries: two trainers that make the same dictionary give it the same id, and a
 * reader checks that the bytes it received are the ones the id names. The prepared native
 * dictionaries are made once per compression level and shared; they are freed with this object.
 *
 * @param id 1..2^31-1, {@link #deriveId} of the other fields
 * @param vmClass the class of VMs it was trained for, 1..{@value #MAX_CLASS_BYTES} UTF-8 bytes
 * @param generation the class's dictionary version, 1, 2, ... (newer dictionaries replace older ones for encoding)
 * @param type a zstd dictionary (with its header and entropy tables, as zstd's trainer makes it) or raw content
 * @param createdMillis when it was trained (informational)
 */
public final class TrainedDictionary {

    /** The first four bytes of a zstd dictionary (ZSTD_MAGIC_DICTIONARY, little-endian 0xEC30A437). */
    public static final int ZSTD_DICT_MAGIC = 0xEC30A437;
    public static final int MAX_CLASS_BYTES = 255;

    /** How zstd is to read the content. The id is the record's wire value. */
    public enum Type {
        /** A dictionary in zstd's format, as {@code ZstdDictTrainer} (ZDICT) makes it; loaded as ZSTD_dct_fullDict. */
        ZSTD(1),
        /** Plain sample bytes; loaded as ZSTD_dct_rawContent. The trainer's fallback when there are too few samples. */
        RAW_CONTENT(2);

        private final int id;

        Type(int id) {
            this.id = id;
        }

        public int id() {
            return id;
        }

        public static Type fromId(int id) {
            for (Type t : values()) {
                if (t.id == id) {
                    return t;
                }
            }
            throw new HdeException(Kind.UNKNOWN_DICTIONARY, "dictionary type " + id);
        }

        ZstdDictContentType contentType() {
            return this == ZSTD ? ZstdDictContentType.FULL_DICT : ZstdDictContentType.RAW_CONTENT;
        }
    }

    private final int id;
    private final String vmClass;
    private final long generation;
    private final Type type;
    private final long createdMillis;
    private final byte[] content;
    private final ConcurrentHashMap<Integer, ZstdDictCompress> compressors = new ConcurrentHashMap<>();
    private volatile ZstdDictDecompress decompressor;

    private TrainedDictionary(int id, String vmClass, long generation, Type type, long createdMillis, byte[] content) {
        this.id = id;
        this.vmClass = vmClass;
        this.generation = generation;
        this.type = type;
        this.createdMillis = createdMillis;
        this.content = content;
    }

    /**
     * A dictionary with its id derived from the rest.
     *
     * @throws IllegalArgumentException for an empty class or content, a class over 255 bytes, a generation below 1,
     *     or zstd content without the zstd dictionary magic
     */
    public static TrainedDictionary of(String vmClass, long generation, Type type, long createdMillis, byte[] content) {
        Objects.requireNonNull(type);
        checkFields(vmClass, generation, createdMillis, content);
        if (type == Type.ZSTD && !hasZstdMagic(content)) {
            throw new IllegalArgumentException("zstd dictionary content must start with the zstd dictionary magic");
        }
        byte[] copy = content.clone();
        return new TrainedDictionary(deriveId(vmClass, generation, type, copy), vmClass, generation, type, createdMillis, copy);
    }

    /** For the record reader: fields already checked, id compared with {@link #deriveId}. */
    static TrainedDictionary trusted(int id, String vmClass, long generation, Type type, long createdMillis, byte[] content) {
        return new TrainedDictionary(id, vmClass, generation, type, createdMillis, content);
    }

    static void checkFields(String vmClass, long generation, long createdMillis, byte[] content) {
        int classBytes = vmClass.getBytes(StandardCharsets.UTF_8).length;
        if (classBytes < 1 || classBytes > MAX_CLASS_BYTES) {
            throw new IllegalArgumentException("VM class of " + classBytes + " bytes, must be 1.." + MAX_CLASS_BYTES);
        }
        if (generation < 1) {
            throw new IllegalArgumentException("generation must be at least 1");
        }
        if (createdMillis < 0) {
            throw new IllegalArgumentException("negative creation time");
        }
        if (content.length == 0) {
            throw new IllegalArgumentException("empty dictionary");
        }
    }

    static boolean hasZstdMagic(byte[] content) {
        return content.length >= 8
                && ((content[0] & 0xFF) | (content[1] & 0xFF) << 8 | (content[2] & 0xFF) << 16 | (content[3] & 0xFF) << 24) == ZSTD_DICT_MAGIC;
    }

    /**
     * The id of a dictionary: the low 31 bits of XXH64 over the content, seeded with XXH64 of
     * (class UTF-8, generation as u64 LE, type as u8) with seed 0; 0 becomes 1. Any reader can
     * recompute it, so a record whose bytes do not match its id is refused.
     */
    public static int deriveId(String vmClass, long generation, Type type, byte[] content) {
        byte[] cls = vmClass.getBytes(StandardCharsets.UTF_8);
        byte[] head = Arrays.copyOf(cls, cls.length + 9);
        for (int i = 0; i < 8; i++) {
            head[cls.length + i] = (byte) (generation >>> (8 * i));
        }
        head[cls.length + 8] = (byte) type.id();
        var xxh = XXHashFactory.fastestInstance().hash64();
        long seed = xxh.hash(head, 0, head.length, 0L);
        int id = (int) (xxh.hash(content, 0, content.length, seed) & 0x7FFF_FFFFL);
        return id == 0 ? 1 : id;
    }

    public int id() {
        return id;
    }

    public String vmClass() {
        return vmClass;
    }

    public long generation() {
        return generation;
    }

    public Type type() {
        return type;
    }

    public long createdMillis() {
        return createdMillis;
    }

    public int size() {
        return content.length;
    }

    /** A copy of the dictionary bytes. */
    public byte[] content() {
        return content.clone();
    }

    byte[] contentUnsafe() {
        return content;
    }

    /** The prepared compression dictionary for a zstd level, made on first use and kept. */
    public ZstdDictCompress compressor(int level) {
        return compressors.computeIfAbsent(level, l -> new ZstdDictCompress(content, 0, content.length, l, type.contentType()));
    }

    /** The prepared decompression dictionary, made on first use and kept. */
    public ZstdDictDecompress decompressor() {
        ZstdDictDecompress d = decompressor;
        if (d == null) {
            synchronized (this) {
                d = decompressor;
                if (d == null) {
                    d = new ZstdDictDecompress(content, 0, content.length, type.contentType());
                    decompressor = d;
                }
            }
        }
        return d;
    }

    /** Same id and same bytes (and so, by the id's derivation, the same class, generation and type). */
    public boolean sameAs(TrainedDictionary other) {
        return other != null && id == other.id && type == other.type && generation == other.generation
                && vmClass.equals(other.vmClass) && Arrays.equals(content, other.content);
    }

    @Override
    public String toString() {
        return "dictionary " + id + " (" + vmClass + " v" + generation + ", " + type + ", " + content.length + " bytes)";
    }
}
