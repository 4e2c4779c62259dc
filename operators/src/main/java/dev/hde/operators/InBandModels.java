package dev.hde.operators;

import dev.hde.codec.select.SelectorModel;
import dev.hde.codec.select.SelectorModelFormat;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.runtime.state.KeyGroupRange;

/**
 * One encoder subtask's selector models in band: for each of its key groups and each page-updates
 * partition, the newest model that partition's records have brought to the key group so far
 * ({@link SelectorModelMarkers}), and for each key group the model it started with. A frame of a key
 * from partition {@code p} is chosen with {@code modelFor(keyGroup(key), p)}: a function of the
 * input, so a job restored from a checkpoint chooses as a failure-free run does.
 *
 * <p>Kept in operator union state (one list of entries: each distinct model once, then one entry per
 * run of key groups and partition naming a model by a hash of its bytes, not its version: two models
 * of the same version, however unlikely, stay apart), so that a rescaled job's subtasks each take the
 * entries of the key groups they now own.
 */
final class InBandModels {

    /** The partition of a key group's starting model. */
    static final int START = -1;

    private static final byte MODEL_ENTRY = 'M';
    /** One key group and partition (the entries of checkpoints from before ranges). */
    private static final byte ASSIGNMENT_ENTRY = 'A';
    /** A run of key groups with one model for a partition: a copy per subtask sets a whole range at once. */
    private static final byte RANGE_ENTRY = 'R';

    private final KeyGroupRange own;
    /** Per partition (or {@link #START}), the model of each key group of {@code own} (index: key group − its first); null: the start's. */
    private final Map<Integer, SelectorModel[]> models = new HashMap<>();

    /** Every key group of {@code own} starts with {@code start}. */
    InBandModels(KeyGroupRange own, SelectorModel start) {
        this.own = own;
        SelectorModel[] starts = new SelectorModel[own.getNumberOfKeyGroups()];
        Arrays.fill(starts, start);
        models.put(START, starts);
    }

    /** A model's name in the state: the first 8 bytes of the SHA-256 of its bytes. */
    static long id(byte[] modelBytes) {
        try {
            return ByteBuffer.wrap(MessageDigest.getInstance("SHA-256").digest(modelBytes)).getLong();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    private int index(int keyGroup) {
        if (!own.contains(keyGroup)) {
            throw new IllegalStateException("key group " + keyGroup + " is not this subtask's (" + own + ")");
        }
        return keyGroup - own.getStartKeyGroup();
    }

    /**
     * A model of partition {@code partition} reached key group {@code keyGroup}: it applies from now
     * on to the keys of both, if it is newer than what they have. Returns whether it is.
     */
    boolean take(int keyGroup, int partition, SelectorModel m) {
        if (partition < 0) {
            throw new IllegalArgumentException("a model in band comes from a partition, not " + partition);
        }
        if (!m.isNewerThan(modelFor(keyGroup, partition))) {
            return false;
        }
        models.computeIfAbsent(partition, p -> new SelectorModel[own.getNumberOfKeyGroups()])[index(keyGroup)] = m;
        return true;
    }

    /**
     * The model for a frame of a key in {@code keyGroup} whose events come from {@code partition}.
     * With no partition known ({@code < 0}: a region the encoder has no event of since a restore from
     * before models went in band), the newest the key group has.
     */
    SelectorModel modelFor(int keyGroup, int partition) {
        int i = index(keyGroup);
        SelectorModel start = models.get(START)[i];
        if (partition >= 0) {
            SelectorModel[] of = models.get(partition);
            return of == null || of[i] == null ? start : of[i];
        }
        SelectorModel newest = start;
        for (SelectorModel[] of : models.values()) {
            if (of[i] != null && of[i].isNewerThan(newest)) {
                newest = of[i];
            }
        }
        return newest;
    }

    /** Distinct models held (each is kept once, however many key groups use it). */
    int distinctModels() {
        return distinct().size();
    }

    private Map<SelectorModel, Boolean> distinct() {
        Map<SelectorModel, Boolean> d = new IdentityHashMap<>();
        for (SelectorModel[] of : models.values()) {
            for (SelectorModel m : of) {
                if (m != null) {
                    d.put(m, true);
                }
            }
        }
        return d;
    }

    /**
     * The entries for operator state: each distinct model once, then per partition each run of
     * consecutive key groups with one model ({@code R}: first and last key group, partition, model
     * id). Models in band come one copy per subtask, so a subtask's key groups share them: a few
     * entries per partition, not one per key group.
     */
    List<byte[]> snapshot() {
        List<byte[]> out = new ArrayList<>();
        Map<SelectorModel, Long> ids = new IdentityHashMap<>();
        for (SelectorModel m : distinct().keySet()) {
            byte[] bytes = SelectorModelFormat.write(m);
            ids.put(m, id(bytes));
            out.add(ByteBuffer.allocate(1 + bytes.length).put(MODEL_ENTRY).put(bytes).array());
        }
        int first = own.getStartKeyGroup();
        for (Map.Entry<Integer, SelectorModel[]> e : models.entrySet()) {
            SelectorModel[] of = e.getValue();
            int i = 0;
            while (i < of.length) {
                if (of[i] == null) {
                    i++;
                    continue;
                }
                int j = i;
                while (j + 1 < of.length && of[j + 1] == of[i]) {
                    j++;
                }
                out.add(ByteBuffer.allocate(1 + 4 + 4 + 4 + 8).put(RANGE_ENTRY).putInt(first + i).putInt(first + j).putInt(e.getKey())
                        .putLong(ids.get(of[i])).array());
                i = j + 1;
            }
        }
        return out;
    }

    /**
     * A subtask's models from the union of every subtask's entries: those of the key groups in
     * {@code own}; a key group with none (a checkpoint from before models went in band) starts
     * with {@code start}. Reads the per-key-group entries of earlier checkpoints too.
     */
    static InBandModels restore(Iterable<byte[]> entries, KeyGroupRange own, SelectorModel start) {
        Map<Long, SelectorModel> byId = new HashMap<>();
        List<ByteBuffer> assignments = new ArrayList<>();
        for (byte[] entry : entries) {
            if (entry.length == 0) {
                throw new IllegalStateException("an empty entry in the state of the selector models in band");
            }
            if (entry[0] == MODEL_ENTRY) {
                byte[] bytes = Arrays.copyOfRange(entry, 1, entry.length);
                byId.putIfAbsent(id(bytes), SelectorModelFormat.read(bytes));
            } else if (entry[0] == ASSIGNMENT_ENTRY || entry[0] == RANGE_ENTRY) {
                assignments.add(ByteBuffer.wrap(entry, 0, entry.length));
            } else {
                throw new IllegalStateException("unknown entry " + entry[0] + " in the state of the selector models in band");
            }
        }
        InBandModels restored = new InBandModels(own, start);
        for (ByteBuffer a : assignments) {
            boolean range = a.get() == RANGE_ENTRY;
            int from = a.getInt();
            int to = range ? a.getInt() : from;
            int partition = a.getInt();
            long id = a.getLong();
            int lo = Math.max(from, own.getStartKeyGroup());
            int hi = Math.min(to, own.getEndKeyGroup());
            if (lo > hi) {
                continue;
            }
            SelectorModel m = byId.get(id);
            if (m == null) {
                throw new IllegalStateException("the state of the selector models in band names model " + Long.toHexString(id)
                        + " but does not hold it");
            }
            SelectorModel[] of = restored.models.computeIfAbsent(partition, p -> new SelectorModel[own.getNumberOfKeyGroups()]);
            for (int g = lo; g <= hi; g++) {
                of[g - own.getStartKeyGroup()] = m;
            }
        }
        return restored;
    }
}
