package dev.hde.codec.dict;

import com.github.luben.zstd.ZstdDictTrainer;
import com.github.luben.zstd.ZstdException;
import dev.hde.codec.Pages;
import dev.hde.codec.region.PendingFrame;
import dev.hde.codec.wire.FrameType;
import java.util.Map;
import java.util.TreeMap;
import net.jpountz.xxhash.XXHash64;
import net.jpountz.xxhash.XXHashFactory;

/**
 * Trains the zstd dictionary of one VM class from the pages of its keyframes and its new pages.
 *
 * <p>The training set is a <em>bottom-k sample</em>: the {@code maxSamples} distinct pages with the
 * smallest {@link #sampleHash}. It does not depend on the order the pages arrive in or on how they
 * were split between encoder subtasks (merge two trainers with {@link #merge}), identical pages
 * count once, and the samples are handed to zstd's trainer in hash order, so the same pages always
 * give the same dictionary, and so the same id. Encoders can pre-filter with
 * {@link #isCandidate}: a page whose hash is above the threshold can never be in a bottom-k sample
 * that the threshold leaves full, so only about {@code 2^-shift} of the pages need to travel to the
 * trainer.
 *
 * <p>Not thread-safe; one trainer per VM class.
 */
public final class DictionaryTrainer {

    /**
     * @param dictionaryBytes size of the dictionary to train (16 KiB did as well as 64 or 112 KiB on the redis trace, and
     *     better on single pages; docs/selector.md)
     * @param maxSamples pages kept for training (the bottom-k sample)
     * @param minSamples fewer distinct pages than this: no dictionary
     * @param level the zstd level the trainer tunes its parameters for
     */
    public record Settings(int dictionaryBytes, int maxSamples, int minSamples, int level) {
        public static final Settings DEFAULT = new Settings(16 << 10, 1024, 64, 3);

        public Settings {
            if (dictionaryBytes < 1024 || dictionaryBytes > DictionaryFormat.DEFAULT_MAX_CONTENT_BYTES) {
                throw new IllegalArgumentException("dictionaryBytes must be in [1024, " + DictionaryFormat.DEFAULT_MAX_CONTENT_BYTES + "]");
            }
            if (maxSamples < 1 || maxSamples > 65_536) {
                throw new IllegalArgumentException("maxSamples must be in [1, 65536]");
            }
            if (minSamples < 1 || minSamples > maxSamples) {
                throw new IllegalArgumentException("minSamples must be in [1, maxSamples]");
            }
            if (level < 1 || level > 22) {
                throw new IllegalArgumentException("level must be in [1, 22]");
            }
        }
    }

    private static final XXHash64 XXH64 = XXHashFactory.fastestInstance().hash64();
    private static final long SAMPLE_SEED = 0x4844_4544_5341_4d50L; // "HDEDSAMP"

    private final String vmClass;
    private final Settings settings;
    /** Unsigned sample hash -> page, at most maxSamples entries, the smallest hashes seen. */
    private final TreeMap<Long, byte[]> samples = new TreeMap<>(Long::compareUnsigned);
    private long offered;

    public DictionaryTrainer(String vmClass, Settings settings) {
        TrainedDictionary.checkFields(vmClass, 1, 0, new byte[1]);
        this.vmClass = vmClass;
        this.settings = settings;
    }

    public String vmClass() {
        return vmClass;
    }

    /** The hash that orders pages in the sample: XXH64 of the page with seed "HDEDSAMP". */
    public static long sampleHash(byte[] page) {
        return XXH64.hash(page, 0, page.length, SAMPLE_SEED);
    }

    /** Whether a page passes the encoder-side pre-filter: its sample hash is below 2^(64-shift) (shift 0: every page). */
    public static boolean isCandidate(byte[] page, int shift) {
        if (shift < 0 || shift > 63) {
            throw new IllegalArgumentException("shift must be in [0, 63]");
        }
        return shift == 0 || Long.compareUnsigned(sampleHash(page), -1L >>> shift) <= 0;
    }

    /** Offers one page (zero pages are ignored); returns whether it is in the sample now. */
    public boolean offer(byte[] page) {
        if (page == null || Pages.isZero(page)) {
            return false;
        }
        offered++;
        long h = sampleHash(page);
        if (samples.containsKey(h)) {
            return true;
        }
        if (samples.size() < settings.maxSamples()) {
            samples.put(h, page.clone());
            return true;
        }
        if (Long.compareUnsigned(h, samples.lastKey()) < 0) {
            samples.pollLastEntry();
            samples.put(h, page.clone());
            return true;
        }
        return false;
    }

    /** Offers the pages a dictionary is for: every page of a keyframe, the new pages (no old content) of a delta. */
    public void offerFrame(PendingFrame f) {
        for (int i = 0; i < f.count(); i++) {
            byte[] page = f.newPages()[i];
            if (page != null && (f.type() == FrameType.FULL || f.oldPages()[i] == null)) {
                offer(page);
            }
        }
    }

    /** Adds another trainer's sample (of the same class): the result is the bottom-k of both, whatever the order. */
    public void merge(DictionaryTrainer other) {
        if (!other.vmClass.equals(vmClass)) {
            throw new IllegalArgumentException("cannot merge the samples of " + other.vmClass + " into " + vmClass);
        }
        for (Map.Entry<Long, byte[]> e : other.samples.entrySet()) {
            offer(e.getValue());
        }
        offered += other.offered - other.samples.size();
    }

    public int sampleCount() {
        return samples.size();
    }

    public long offeredPages() {
        return offered;
    }

    /** The sampled pages in hash order (copies), e.g. to keep them in operator state. */
    public byte[][] samples() {
        return samples.values().stream().map(byte[]::clone).toArray(byte[][]::new);
    }

    /**
     * Trains a dictionary from the sample, or returns null when it holds fewer than
     * {@code minSamples} pages. When zstd's trainer refuses the sample (too uniform), the dictionary
     * is the sample's leading bytes as raw content.
     */
    public TrainedDictionary train(long generation, long createdMillis) {
        if (samples.size() < settings.minSamples()) {
            return null;
        }
        long total = 0;
        for (byte[] p : samples.values()) {
            total += p.length;
        }
        byte[] content;
        TrainedDictionary.Type type;
        try {
            ZstdDictTrainer trainer = new ZstdDictTrainer((int) Math.min(Integer.MAX_VALUE - 8, total), settings.dictionaryBytes(),
                    settings.level());
            for (byte[] p : samples.values()) {
                trainer.addSample(p);
            }
            content = trainer.trainSamples();
            type = TrainedDictionary.Type.ZSTD;
            if (!TrainedDictionary.hasZstdMagic(content)) {
                throw new ZstdException(0, "trainer gave no dictionary");
            }
        } catch (ZstdException | IllegalStateException e) {
            byte[] raw = new byte[(int) Math.min(settings.dictionaryBytes(), total)];
            int at = 0;
            for (byte[] p : samples.values()) {
                int n = Math.min(p.length, raw.length - at);
                System.arraycopy(p, 0, raw, at, n);
                at += n;
                if (at == raw.length) {
                    break;
                }
            }
            content = raw;
            type = TrainedDictionary.Type.RAW_CONTENT;
        }
        return TrainedDictionary.of(vmClass, generation, type, createdMillis, content);
    }

    /**
     * The default VM class of a state key, for deployments that configure none: the VM part (before
     * the first '/') with trailing digits and '-', '_', '.' removed, so that "web-17/r0003" and
     * "web-18/r0001" share the class "web". A key with no such prefix is its own class.
     */
    public static String defaultVmClass(String stateKey) {
        int slash = stateKey.indexOf('/');
        String vm = slash < 0 ? stateKey : stateKey.substring(0, slash);
        int end = vm.length();
        while (end > 0) {
            char c = vm.charAt(end - 1);
            if ((c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.') {
                end--;
            } else {
                break;
            }
        }
        String cls = end == 0 ? vm : vm.substring(0, end);
        if (cls.isEmpty()) {
            cls = "default";
        }
        while (cls.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > TrainedDictionary.MAX_CLASS_BYTES) {
            cls = cls.substring(0, cls.offsetByCodePoints(0, cls.codePointCount(0, cls.length()) - 1));
        }
        return cls;
    }
}
