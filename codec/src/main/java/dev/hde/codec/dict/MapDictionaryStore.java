package dev.hde.codec.dict;

import dev.hde.codec.HdeException;
import dev.hde.codec.HdeException.Kind;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A thread-safe in-memory {@link DictionaryStore} that only grows: what a receiver or an encoder
 * subtask holds after reading the dictionary topic. Adding the same dictionary twice is a no-op;
 * adding different bytes under an id it already holds is refused, so an id keeps meaning one
 * dictionary for the life of the store.
 */
public final class MapDictionaryStore implements DictionaryStore {

    private final Map<Integer, TrainedDictionary> byId = new HashMap<>();
    private final Map<String, TrainedDictionary> latest = new HashMap<>();

    /**
     * Adds a dictionary; returns false when it was already there.
     *
     * @throws HdeException CHECKSUM_MISMATCH when another dictionary already has this id
     */
    public synchronized boolean add(TrainedDictionary d) {
        TrainedDictionary held = byId.get(d.id());
        if (held != null) {
            if (held.sameAs(d)) {
                return false;
            }
            throw new HdeException(Kind.CHECKSUM_MISMATCH, "dictionary id " + d.id() + " is already " + held + ", refusing " + d);
        }
        byId.put(d.id(), d);
        latest.merge(d.vmClass(), d, (a, b) -> newer(a, b) ? a : b);
        return true;
    }

    /** Reads a record ({@link DictionaryFormat}) and adds it; returns the dictionary. */
    public TrainedDictionary addRecord(byte[] record) {
        TrainedDictionary d = DictionaryFormat.read(record);
        add(d);
        return d;
    }

    private static boolean newer(TrainedDictionary a, TrainedDictionary b) {
        if (a.generation() != b.generation()) {
            return a.generation() > b.generation();
        }
        return Integer.compareUnsigned(a.id(), b.id()) > 0; // deterministic tie-break
    }

    @Override
    public synchronized TrainedDictionary byId(int id) {
        return byId.get(id);
    }

    @Override
    public synchronized TrainedDictionary latest(String vmClass) {
        return latest.get(vmClass);
    }

    public synchronized int size() {
        return byId.size();
    }

    public synchronized List<TrainedDictionary> all() {
        return new ArrayList<>(byId.values());
    }
}
