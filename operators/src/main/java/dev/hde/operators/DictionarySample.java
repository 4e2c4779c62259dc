package dev.hde.operators;

/**
 * One page the encoder offers the dictionary trainer: a page of a keyframe, or a new page (no old
 * content) of a delta, that passed {@link dev.hde.codec.dict.DictionaryTrainer#isCandidate}. A POJO
 * (generic types are off).
 */
public class DictionarySample {

    /** The VM class the page belongs to ({@link dev.hde.codec.dict.DictionaryTrainer#defaultVmClass} of the state key). */
    public String vmClass;
    public byte[] page;

    public DictionarySample() {}

    public DictionarySample(String vmClass, byte[] page) {
        this.vmClass = vmClass;
        this.page = page;
    }
}
