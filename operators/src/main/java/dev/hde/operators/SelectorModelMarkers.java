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
 * copy per encoder subtask ({@link #keysPerSubtask}: each under a state key of the first key group of
 * that subtask's range, naming the parallelism it was made for), or, when it does not know the
 * encoder's parallelism, one copy per key group ({@link #keysPerKeyGroup}). A copy travels to its
 * subtask on the same channel as the events the validator read before and after it, so every key
 * group of the subtask meets the model at the same place among its events on every run: after every
 * event that came before the record in the partition, before every event after it. A key's events
 * all come from one partition (its record key decides it), so the model a key's frame is chosen with
 * depends only on the partition's records before the event, not on when the model reached the job.
 * One copy per subtask instead of per key group: with Flink's largest max parallelism (32,768) and 32
 * partitions a model of 7 KB would otherwise be 7 GB of copies.
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

    private static volatile SubtaskKeys cachedSubtaskKeys = new SubtaskKeys(0, 0, new String[0]);

    private record SubtaskKeys(int maxParallelism, int parallelism, String[] keys) {}

    /**
     * One state key per subtask of an operator with {@code parallelism} subtasks and {@code maxParallelism}
     * key groups: {@code keys[i]} falls into the first key group of subtask {@code i}'s range, and names the
     * parallelism ({@link #copyParallelism}), so that a subtask that runs at another one can tell.
     */
    public static String[] keysPerSubtask(int maxParallelism, int parallelism) {
        SubtaskKeys cached = cachedSubtaskKeys;
        if (cached.maxParallelism() == maxParallelism && cached.parallelism() == parallelism) {
            return cached.keys();
        }
        if (maxParallelism < 1 || maxParallelism > KeyGroupRangeAssignment.UPPER_BOUND_MAX_PARALLELISM || parallelism < 1
                || parallelism > maxParallelism) {
            throw new IllegalArgumentException("parallelism " + parallelism + " with max parallelism " + maxParallelism);
        }
        java.util.Map<Integer, Integer> subtaskOfFirstGroup = new java.util.HashMap<>();
        for (int i = 0; i < parallelism; i++) {
            subtaskOfFirstGroup.put(KeyGroupRangeAssignment.computeKeyGroupRangeForOperatorIndex(maxParallelism, parallelism, i)
                    .getStartKeyGroup(), i);
        }
        String[] keys = new String[parallelism];
        int found = 0;
        String prefix = STATE_KEY_PREFIX + parallelism + "/";
        for (long n = 0; found < parallelism; n++) {
            String k = prefix + n;
            Integer i = subtaskOfFirstGroup.get(KeyGroupRangeAssignment.assignToKeyGroup(k, maxParallelism));
            if (i != null && keys[i] == null) {
                keys[i] = k;
                found++;
            }
        }
        cachedSubtaskKeys = new SubtaskKeys(maxParallelism, parallelism, keys);
        return keys;
    }

    /**
     * The parallelism a copy was made for ({@link #keysPerSubtask}): it stands for every key group of
     * its subtask's range under that parallelism; 0 for a copy of one key group ({@link #keysPerKeyGroup}).
     */
    public static int copyParallelism(String markerStateKey) {
        int slash = markerStateKey.indexOf('/', STATE_KEY_PREFIX.length());
        if (!markerStateKey.startsWith(STATE_KEY_PREFIX) || slash < 0) {
            return 0;
        }
        try {
            return Integer.parseInt(markerStateKey, STATE_KEY_PREFIX.length(), slash, 10);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** The state key of key group {@code keyGroup}'s copy. */
    public static String keyOf(int keyGroup, int maxParallelism) {
        return keysPerKeyGroup(maxParallelism)[keyGroup];
    }
}
