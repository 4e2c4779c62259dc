package dev.hde.job.replay;

/**
 * The adaptive selector's choice for one frame in one network mode (a Flink POJO), sent to the
 * adaptive replay that renders and decodes the frame again.
 */
public class AdaptiveChoice {

    public String stateKey;
    public long sequence;
    /** {@link dev.hde.codec.select.NetworkMode} name. */
    public String mode;
    /** {@link dev.hde.codec.select.EncodeChoice} as text, already mapped for the frame type. */
    public String choice;
    public boolean explored;
    /** The frame's length as the selector recorded it: the re-rendered frame must have it. */
    public long expectedWireBytes;

    public AdaptiveChoice() {}

    public AdaptiveChoice(String stateKey, long sequence, String mode, String choice, boolean explored, long expectedWireBytes) {
        this.stateKey = stateKey;
        this.sequence = sequence;
        this.mode = mode;
        this.choice = choice;
        this.explored = explored;
        this.expectedWireBytes = expectedWireBytes;
    }
}
