package dev.hde.operators;

import dev.hde.codec.dict.DictionaryTrainer;
import java.io.Serializable;
import java.time.Duration;

/**
 * Trained dictionaries in the job (docs/selector.md, "Dictionaries in the job"): what the encoder
 * samples and how the dictionary trainer trains.
 *
 * @param sampleShift the encoder's pre-filter: a page is a candidate when its sample hash is below
 *     2^(64-shift) ({@link DictionaryTrainer#isCandidate}); 0 = every page
 * @param samplesPerFrame at most this many sample pages per frame
 * @param sampleBudgetBytes at most this many bytes of samples per VM class: the trainer keeps at most
 *     {@code sampleBudgetBytes / page size} pages of a class (its bottom-k sample), and each encoder
 *     subtask sends a class's pages only while they can still enter a sample of that size
 * @param dictionaryBytes size of the dictionaries trained
 * @param minSamples distinct pages of a class before its first dictionary is trained
 * @param level the zstd level the trainer tunes for
 * @param trainInterval how often (processing time) a class is trained again when its sample changed
 *     by at least {@code minSamples} pages since its last dictionary
 */
public record DictionarySettings(int sampleShift, int samplesPerFrame, long sampleBudgetBytes, int dictionaryBytes, int minSamples, int level,
        Duration trainInterval) implements Serializable {

    public static final int DEFAULT_SAMPLE_SHIFT = 2;
    public static final int DEFAULT_SAMPLES_PER_FRAME = 4;
    public static final long DEFAULT_SAMPLE_BUDGET_BYTES = 4L << 20;
    public static final Duration DEFAULT_TRAIN_INTERVAL = Duration.ofMinutes(10);

    public static final DictionarySettings DEFAULT = new DictionarySettings(DEFAULT_SAMPLE_SHIFT, DEFAULT_SAMPLES_PER_FRAME,
            DEFAULT_SAMPLE_BUDGET_BYTES, DictionaryTrainer.Settings.DEFAULT.dictionaryBytes(), DictionaryTrainer.Settings.DEFAULT.minSamples(),
            DictionaryTrainer.Settings.DEFAULT.level(), DEFAULT_TRAIN_INTERVAL);

    /** The largest page the trainer takes (pages are 4 KiB .. 64 KiB in practice). */
    public static final int MAX_PAGE_BYTES = 1 << 16;

    public DictionarySettings {
        if (sampleShift < 0 || sampleShift > 63) {
            throw new IllegalArgumentException("dictionary sample shift must be in [0, 63]");
        }
        if (samplesPerFrame < 1 || samplesPerFrame > 1024) {
            throw new IllegalArgumentException("dictionary samples per frame must be in [1, 1024]");
        }
        if (sampleBudgetBytes < 4096 || sampleBudgetBytes > (1L << 32)) {
            throw new IllegalArgumentException("dictionary sample budget must be in [4 KiB, 4 GiB]");
        }
        if (trainInterval == null || trainInterval.toMillis() < 1) {
            throw new IllegalArgumentException("dictionary training interval must be at least 1 ms");
        }
        // Checks the rest (the fields are not assigned yet in a compact constructor: use the parameters).
        new DictionaryTrainer.Settings(dictionaryBytes, 65_536, Math.max(1, Math.min(minSamples, 65_536)), level);
        if (minSamples < 1) {
            throw new IllegalArgumentException("dictionary min samples must be at least 1");
        }
    }

    /** Pages of {@code pageBytes} a class may keep: the budget in pages, at least {@code minSamples}, at most 65,536. */
    public int maxSamples(int pageBytes) {
        long n = sampleBudgetBytes / Math.max(1, pageBytes);
        return (int) Math.max(1, Math.min(65_536, n));
    }

    /** The codec trainer's settings for a class whose pages are {@code pageBytes} long. */
    public DictionaryTrainer.Settings trainerSettings(int pageBytes) {
        int max = maxSamples(pageBytes);
        return new DictionaryTrainer.Settings(dictionaryBytes, max, Math.min(minSamples, max), level);
    }

    public DictionarySettings withSampleBudgetBytes(long b) {
        return new DictionarySettings(sampleShift, samplesPerFrame, b, dictionaryBytes, minSamples, level, trainInterval);
    }

    public DictionarySettings withTrainInterval(Duration d) {
        return new DictionarySettings(sampleShift, samplesPerFrame, sampleBudgetBytes, dictionaryBytes, minSamples, level, d);
    }

    public DictionarySettings withSampling(int shift, int perFrame) {
        return new DictionarySettings(shift, perFrame, sampleBudgetBytes, dictionaryBytes, minSamples, level, trainInterval);
    }

    public DictionarySettings withMinSamples(int n) {
        return new DictionarySettings(sampleShift, samplesPerFrame, sampleBudgetBytes, dictionaryBytes, n, level, trainInterval);
    }
}
