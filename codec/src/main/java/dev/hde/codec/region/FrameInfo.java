package dev.hde.codec.region;

/** What a frame says about where it came from: the state key and the producer's event. */
public record FrameInfo(String stateKey, long sourceSequence, long captureTimeMillis) {}
