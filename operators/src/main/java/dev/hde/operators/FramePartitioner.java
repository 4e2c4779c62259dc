package dev.hde.operators;

import java.io.Serializable;

/**
 * The frames-topic partition a state key's frames go to, as the Kafka producer of the frames sink
 * chooses it (the record key is the state key, so the default partitioner's murmur2 of the key's
 * UTF-8 bytes modulo the partition count), or -1 when it is not known. The catalog merger records
 * it in each keyframe's {@link dev.hde.state.crdt.KeyframeInfo}.
 */
@FunctionalInterface
public interface FramePartitioner extends Serializable {

    FramePartitioner UNKNOWN = key -> -1;

    int partition(String stateKey);
}
