package dev.hde.operators;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;

/**
 * Selector models carried in the page-updates topic itself, so that which model a frame is chosen
 * with is a function of the input (docs/selector.md, "Models in band").
 *
 * <p>The selector trainer writes each model it publishes into every partition of the page-updates
 * topic, under the record key {@value #RECORD_KEY}. The validator turns one such record into one
 * copy per key group of the encoder (each under a state key of that key group, {@link #keyOf}), so
 * that every key group meets the model at the same place among its events on every run: after
 * every event that came before the record in the partition, before every event after it. A key's
 * events all come from one partition (its record key decides it), so the model a key's frame is
 * chosen with depends only on the partition's records before the event, not on when the model
 * reached the job.
 */
public final class SelectorModelMarkers {

    /** The Kafka record key of a model in the page-updates topic. */
    public static final String RECORD_KEY = "hde.selector-model";

    /** State keys beginning with this are the markers' own: no producer's region may use one. */
    public static final String STATE_KEY_PREFIX = RECORD_KEY + "#";

    private static final byte[] RECORD_KEY_BYTES = RECORD_KEY.getBytes(StandardCharsets.UTF_8);

    private static volatile String[] cachedKeys = new String[0];

    private SelectorModelMarkers() {}

    /** Whether a Kafka record key is the marker's. */
    public static boolean isMarkerRecordKey(byte[] key) {
        return key != null && Arrays.equals(key, RECORD_KEY_BYTES);
    }

    /** Whether a state key is reserved for the markers. */
    public static boolean isMarkerStateKey(String stateKey) {
        return stateKey.startsWith(STATE_KEY_PREFIX);
    }

    /** Whether an element of the encoder's input is a marker copy rather than an event or a request. */
    public static boolean isMarker(ValidEvent e) {
        return isMarkerStateKey(e.stateKey);
    }

    /**
     * One state key per key group: {@code keys[g]} falls into key group {@code g} with
     * {@code maxParallelism} key groups (Flink's own assignment of a String key).
     */
    public static String[] keysPerKeyGroup(int maxParallelism) {
        String[] cached = cachedKeys;
        if (cached.length == maxParallelism) {
            return cached;
        }
        if (maxParallelism < 1 || maxParallelism > KeyGroupRangeAssignment.UPPER_BOUND_MAX_PARALLELISM) {
            throw new IllegalArgumentException("max parallelism " + maxParallelism + " out of range");
        }
        String[] keys = new String[maxParallelism];
        int found = 0;
        for (long n = 0; found < maxParallelism; n++) {
            String k = STATE_KEY_PREFIX + n;
            int g = KeyGroupRangeAssignment.assignToKeyGroup(k, maxParallelism);
            if (keys[g] == null) {
                keys[g] = k;
                found++;
            }
        }
        cachedKeys = keys;
        return keys;
    }

    /** The state key of key group {@code keyGroup}'s copy. */
    public static String keyOf(int keyGroup, int maxParallelism) {
        return keysPerKeyGroup(maxParallelism)[keyGroup];
    }
}
