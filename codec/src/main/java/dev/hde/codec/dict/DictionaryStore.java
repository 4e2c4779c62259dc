package dev.hde.codec.dict;

/**
 * Where encoders and decoders find trained dictionaries: by id for a frame that names one, and
 * the newest one of a VM class for an encoder that wants to use one. A frame whose dictionary is
 * not in the reader's store is refused ({@code UNKNOWN_DICTIONARY}), never decoded without it.
 *
 * <p>In the job both sides fill a store from the compacted dictionary topic (records in
 * {@link DictionaryFormat}); encoders use only dictionaries they have read back from that topic, so a
 * dictionary is always published before the first frame that needs it.
 */
public interface DictionaryStore {

    /** A store that holds nothing: readers refuse every frame with a dictionary id. */
    DictionaryStore NONE = new DictionaryStore() {
        @Override
        public TrainedDictionary byId(int id) {
            return null;
        }

        @Override
        public String toString() {
            return "no dictionaries";
        }
    };

    /** The dictionary with this id, or null when this store does not have it. */
    TrainedDictionary byId(int id);

    /** The newest dictionary (highest generation) of a VM class, or null; encoders use it. */
    default TrainedDictionary latest(String vmClass) {
        return null;
    }
}
