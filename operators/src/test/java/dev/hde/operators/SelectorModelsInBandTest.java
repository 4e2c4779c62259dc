package dev.hde.operators;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hde.codec.Limits;
import dev.hde.codec.select.NetworkMode;
import dev.hde.codec.select.SelectorConfig;
import dev.hde.codec.select.SelectorModel;
import dev.hde.codec.wire.ControlRequest;
import dev.hde.codec.wire.ControlRequestFormat;
import dev.hde.codec.wire.PageUpdateEvent;
import dev.hde.codec.wire.PageUpdateEventFormat;
import dev.hde.state.RefreshPolicy;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.KeyGroupRange;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.AbstractStreamOperatorTestHarness;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Selector models in band: the validator sends a model of the page-updates topic to every encoder subtask (or key group),
 * and the encoder chooses each key's frames with the model its own partition has brought so far, the
 * same after a restore; the broadcast model does not change that.
 */
class SelectorModelsInBandTest {

    static final long T0 = 1_700_000_000_000L;
    static final int SHIFT = 12;
    static final int N = 16;
    static final int KEY_GROUPS = 128;
    static final String KEY = "vm-00/r0000";
    static final RefreshPolicy LAX = new RefreshPolicy(Duration.ofHours(10), 1_000, Duration.ofHours(10), false, Duration.ofHours(1));
    static final String FAVOURED = "xbzrle+zstd-19";
    static final String OTHER_FAVOURED = "xbzrle+zstd-9";

    private final List<AutoCloseable> open = new ArrayList<>();
    private final Receiver receiver = new Receiver();
    private final Map<String, RegionModel> models = new HashMap<>();
    private final Random random = new Random(7);

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
    }

    static EncoderSettings inBand() {
        SelectorConfig config = SelectorConfig.defaults(NetworkMode.DATACENTER, 42).withExploration(0, 0, 3);
        return new EncoderSettings(List.of(EncoderSettings.DEFAULT_SPEC), false, LAX, Limits.DEFAULT).withSelector(config).withModelsInBand(true);
    }

    private EncoderHarness encoder(OperatorSubtaskState snapshot) throws Exception {
        EncoderHarness h = new EncoderHarness(new RegionEncoderFunction(inBand()), KEY_GROUPS, snapshot);
        open.add(h);
        return h;
    }

    private PageUpdateEvent region(String key, long seq) {
        return TestEvents.textRegion(random, key, SHIFT, N, seq, T0 + seq);
    }

    private PageUpdateEvent edit(String key, long seq) {
        return TestEvents.edits(random, models.get(key), key, SHIFT, seq, T0 + seq, 3);
    }

    /** Sends an event from {@code partition}, applies its frames at the receiver (which must then hold the producer's region) and returns the model versions the frames were chosen with. */
    private List<PerformanceRecord> accept(EncoderHarness h, PageUpdateEvent e, int partition) throws Exception {
        models.computeIfAbsent(e.stateKey(), k -> new RegionModel(e.pageShift())).apply(e);
        for (FrameRecord f : h.send(e, partition)) {
            receiver.apply(f);
            assertThat(receiver.image(f.stateKey)).isEqualTo(models.get(f.stateKey).image);
        }
        return h.performance();
    }

    // ---- the validator -----------------------------------------------------------------------

    /** A validator of one subtask that sends each model to every key group. */
    private OneInputStreamOperatorTestHarness<SourceRecord, ValidEvent> validator(int keyGroups) throws Exception {
        OneInputStreamOperatorTestHarness<SourceRecord, ValidEvent> v =
                ProcessFunctionTestHarnesses.forProcessFunction(new PageUpdateValidator(Limits.DEFAULT, keyGroups, "hde.page-updates", true));
        open.add(v::close);
        return v;
    }

    /** Subtask {@code subtask} of a validator of {@code parallelism} that sends each model to every encoder subtask (the job's way). */
    private OneInputStreamOperatorTestHarness<SourceRecord, ValidEvent> validator(int keyGroups, int parallelism, int subtask) throws Exception {
        OneInputStreamOperatorTestHarness<SourceRecord, ValidEvent> v = new OneInputStreamOperatorTestHarness<>(
                new org.apache.flink.streaming.api.operators.ProcessOperator<>(new PageUpdateValidator(Limits.DEFAULT, keyGroups, "hde.page-updates")),
                keyGroups, parallelism, subtask);
        v.open();
        open.add(v::close);
        return v;
    }

    /** A key of encoder subtask {@code subtask} of {@code parallelism} whose key group is not {@code notKeyGroup}. */
    private static String keyOfSubtaskOutside(int parallelism, int subtask, int notKeyGroup) {
        for (int i = 0; ; i++) {
            String key = String.format("vm-%02d/r%04d", i % 7, i);
            if (KeyGroupRangeAssignment.assignKeyToParallelOperator(key, KEY_GROUPS, parallelism) == subtask
                    && KeyGroupRangeAssignment.assignToKeyGroup(key, KEY_GROUPS) != notKeyGroup) {
                return key;
            }
        }
    }

    @Test
    void theValidatorSendsAModelToEachEncoderSubtaskAndThatCopyReachesEveryKeyGroupOfTheSubtask() throws Exception {
        int parallelism = 4;
        OneInputStreamOperatorTestHarness<SourceRecord, ValidEvent> v = validator(KEY_GROUPS, parallelism, 2);
        SelectorModel a = SelectorModels.favouring(1, T0, FAVOURED);
        v.processElement(record(SelectorModelMarkers.RECORD_KEY, SelectorModels.bytes(a), 3), T0);
        List<ValidEvent> copies = out(v);
        assertThat(copies).as("one copy per encoder subtask, not per key group").hasSize(parallelism);
        for (int i = 0; i < parallelism; i++) {
            ValidEvent copy = copies.get(i);
            assertThat(SelectorModelMarkers.isMarker(copy)).isTrue();
            assertThat(copy.partition).isEqualTo(3);
            assertThat(SelectorModelMarkers.copyParallelism(copy.stateKey)).isEqualTo(parallelism);
            assertThat(KeyGroupRangeAssignment.assignToKeyGroup(copy.stateKey, KEY_GROUPS)).as("the first key group of subtask %d", i)
                    .isEqualTo(KeyGroupRangeAssignment.computeKeyGroupRangeForOperatorIndex(KEY_GROUPS, parallelism, i).getStartKeyGroup());
        }

        // On encoder subtask 1 of 4, its copy sets the model of a key in another of its key groups, from that place in the partition on.
        ValidEvent copy = copies.get(1);
        int copyGroup = KeyGroupRangeAssignment.assignToKeyGroup(copy.stateKey, KEY_GROUPS);
        String key = keyOfSubtaskOutside(parallelism, 1, copyGroup);
        EncoderHarness h = new EncoderHarness(new RegionEncoderFunction(inBand()), KEY_GROUPS, parallelism, 1, null);
        open.add(h);
        assertThat(accept(h, region(key, 1), 3)).singleElement().satisfies(p -> assertThat(p.modelVersion).isEqualTo(SelectorModel.EMPTY.version()));
        h.harness.processElement(copy, T0 + 1);
        assertThat(accept(h, edit(key, 2), 3)).singleElement().satisfies(p -> {
            assertThat(p.modelVersion).isEqualTo(a.version());
            assertThat(p.choice).isEqualTo(FAVOURED);
        });
        assertThat(accept(h, edit(key, 3), 0)).as("another partition's key group entry is untouched").singleElement()
                .satisfies(p -> assertThat(p.modelVersion).isEqualTo(SelectorModel.EMPTY.version()));
        assertThat(h.metrics().modelsInBandTaken.getCount()).isEqualTo(1);
        assertThat(h.metrics().modelsInBandMisrouted.getCount()).isZero();
    }

    @Test
    void aCopyMadeForAnotherParallelismReachesItsOwnKeyGroupOnlyAndIsCounted() throws Exception {
        // Copies made for 3 subtasks reach an encoder of 4: each stands for the key group it falls into, no more.
        String[] forThree = SelectorModelMarkers.keysPerSubtask(KEY_GROUPS, 3);
        String copyKey = forThree[1];
        int copyGroup = KeyGroupRangeAssignment.assignToKeyGroup(copyKey, KEY_GROUPS);
        int subtask = KeyGroupRangeAssignment.assignKeyToParallelOperator(copyKey, KEY_GROUPS, 4);
        String other = keyOfSubtaskOutside(4, subtask, copyGroup);
        EncoderHarness h = new EncoderHarness(new RegionEncoderFunction(inBand()), KEY_GROUPS, 4, subtask, null);
        open.add(h);
        accept(h, region(other, 1), 0);
        SelectorModel a = SelectorModels.favouring(1, T0, FAVOURED);
        h.harness.processElement(new ValidEvent(copyKey, SelectorModels.bytes(a), 0), T0 + 1);
        assertThat(h.metrics().modelsInBandMisrouted.getCount()).isEqualTo(1);
        assertThat(accept(h, edit(other, 2), 0)).as("another key group of the subtask keeps its model").singleElement()
                .satisfies(p -> assertThat(p.modelVersion).isEqualTo(SelectorModel.EMPTY.version()));
    }

    private static List<ValidEvent> out(OneInputStreamOperatorTestHarness<SourceRecord, ValidEvent> v) {
        List<ValidEvent> out = new ArrayList<>();
        for (Object o : v.getOutput()) {
            if (o instanceof StreamRecord<?> r) {
                out.add((ValidEvent) r.getValue());
            }
        }
        v.getOutput().clear();
        return out;
    }

    private static SourceRecord record(String key, byte[] value, int partition) {
        return new SourceRecord(key.getBytes(StandardCharsets.UTF_8), value, "hde.page-updates", partition, 0);
    }

    @Test
    void theValidatorSendsAModelInTheTopicToEveryKeyGroupInThePartitionsOrder() throws Exception {
        OneInputStreamOperatorTestHarness<SourceRecord, ValidEvent> v = validator(KEY_GROUPS);
        byte[] model = SelectorModels.bytes(SelectorModels.favouring(1, T0, FAVOURED));
        byte[] event = PageUpdateEventFormat.write(region(KEY, 1));
        v.processElement(record(KEY, event, 3), T0);
        v.processElement(record(SelectorModelMarkers.RECORD_KEY, model, 3), T0);
        v.processElement(record(KEY, event, 3), T0);

        List<ValidEvent> out = out(v);
        assertThat(out).hasSize(1 + KEY_GROUPS + 1);
        assertThat(out.get(0).stateKey).isEqualTo(KEY);
        assertThat(out.get(0).partition).isEqualTo(3);
        assertThat(out.get(out.size() - 1).stateKey).isEqualTo(KEY);
        Set<Integer> groups = new HashSet<>();
        for (ValidEvent copy : out.subList(1, 1 + KEY_GROUPS)) {
            assertThat(SelectorModelMarkers.isMarker(copy)).isTrue();
            assertThat(copy.bytes).isEqualTo(model);
            assertThat(copy.partition).isEqualTo(3);
            groups.add(KeyGroupRangeAssignment.assignToKeyGroup(copy.stateKey, KEY_GROUPS));
        }
        assertThat(groups).as("one copy in each key group").hasSize(KEY_GROUPS);
        assertThat(v.getSideOutput(PageUpdateValidator.DEAD_LETTERS)).isNullOrEmpty();
    }

    @Test
    void aModelThatDoesNotParseIsADeadLetterAndAJobNotInBandDropsGoodOnes() throws Exception {
        OneInputStreamOperatorTestHarness<SourceRecord, ValidEvent> inBand = validator(KEY_GROUPS);
        byte[] model = SelectorModels.bytes(SelectorModels.favouring(1, T0, FAVOURED));
        byte[] corrupt = model.clone();
        corrupt[corrupt.length / 2] ^= 1;
        inBand.processElement(record(SelectorModelMarkers.RECORD_KEY, corrupt, 0), T0);
        assertThat(out(inBand)).isEmpty();
        assertThat(inBand.getSideOutput(PageUpdateValidator.DEAD_LETTERS)).hasSize(1)
                .allSatisfy(r -> assertThat(r.getValue().reason).isEqualTo("CHECKSUM_MISMATCH"));

        OneInputStreamOperatorTestHarness<SourceRecord, ValidEvent> notInBand = validator(0);
        notInBand.processElement(record(SelectorModelMarkers.RECORD_KEY, model, 0), T0);
        assertThat(out(notInBand)).isEmpty();
        assertThat(notInBand.getSideOutput(PageUpdateValidator.DEAD_LETTERS)).isNullOrEmpty();

        // A model on another topic (the keyframe requests beside the page updates): its partition says nothing of the events'.
        OneInputStreamOperatorTestHarness<SourceRecord, ValidEvent> otherTopic = validator(KEY_GROUPS);
        otherTopic.processElement(new SourceRecord(SelectorModelMarkers.RECORD_KEY.getBytes(StandardCharsets.UTF_8), model, "hde.keyframe-requests",
                0, 0), T0);
        assertThat(out(otherTopic)).isEmpty();
        assertThat(otherTopic.getSideOutput(PageUpdateValidator.DEAD_LETTERS)).hasSize(1)
                .allSatisfy(r -> assertThat(r.getValue().reason).isEqualTo(PageUpdateValidator.KEY_MISMATCH));
    }

    @Test
    void anEventMayNotUseAMarkersStateKeyAndARequestHasNoPartition() throws Exception {
        OneInputStreamOperatorTestHarness<SourceRecord, ValidEvent> v = validator(KEY_GROUPS);
        String reserved = SelectorModelMarkers.keyOf(5, KEY_GROUPS);
        v.processElement(record(reserved, PageUpdateEventFormat.write(region(reserved, 1)), 0), T0);
        assertThat(out(v)).isEmpty();
        assertThat(v.getSideOutput(PageUpdateValidator.DEAD_LETTERS)).hasSize(1)
                .allSatisfy(r -> assertThat(r.getValue().reason).isEqualTo(PageUpdateValidator.KEY_MISMATCH));

        byte[] request = ControlRequestFormat.write(ControlRequest.keyframe(KEY, ControlRequest.Reason.NEW_RECEIVER, 4, T0, "receiver-1"));
        v.processElement(new SourceRecord(KEY.getBytes(StandardCharsets.UTF_8), request, "hde.keyframe-requests", 2, 0), T0);
        assertThat(out(v)).singleElement().satisfies(e -> assertThat(e.partition).isEqualTo(-1));
    }

    // ---- the encoder -------------------------------------------------------------------------

    @Test
    void aKeysFramesFollowTheModelsOfItsOwnPartitionAtTheirPlaceInIt() throws Exception {
        EncoderHarness h = encoder(null);
        assertThat(accept(h, region(KEY, 1), 0)).singleElement()
                .satisfies(p -> assertThat(p.modelVersion).isEqualTo(SelectorModel.EMPTY.version()));

        SelectorModel a = SelectorModels.favouring(1, T0, FAVOURED);
        int entries = h.keyedStateEntries();
        assertThat(h.modelInBand(SelectorModels.bytes(a), 1, KEY_GROUPS, T0 + 1)).isEmpty();
        assertThat(h.keyedStateEntries()).as("a marker is no region: no keyed state").isEqualTo(entries);
        assertThat(accept(h, edit(KEY, 2), 0)).as("another partition's model").singleElement()
                .satisfies(p -> assertThat(p.modelVersion).isEqualTo(SelectorModel.EMPTY.version()));

        h.harness.processBroadcastElement(SelectorModels.bytes(SelectorModels.favouring(5, T0, OTHER_FAVOURED)), T0);
        assertThat(accept(h, edit(KEY, 3), 0)).as("the broadcast model does not choose in band").singleElement()
                .satisfies(p -> assertThat(p.modelVersion).isEqualTo(SelectorModel.EMPTY.version()));

        h.modelInBand(SelectorModels.bytes(a), 0, KEY_GROUPS, T0 + 4);
        assertThat(accept(h, edit(KEY, 4), 0)).singleElement().satisfies(p -> {
            assertThat(p.modelVersion).isEqualTo(a.version());
            assertThat(p.choice).isEqualTo(FAVOURED);
        });
        SelectorModel older = SelectorModels.favouring(0, T0 + 100, OTHER_FAVOURED);
        h.modelInBand(SelectorModels.bytes(older), 0, KEY_GROUPS, T0 + 5);
        assertThat(accept(h, edit(KEY, 5), 0)).as("an older model changes nothing").singleElement()
                .satisfies(p -> assertThat(p.modelVersion).isEqualTo(a.version()));
        assertThat(h.metrics().modelsInBandTaken.getCount()).isEqualTo(2 * KEY_GROUPS);

        // Restored from a snapshot: the key keeps its partition's model; the next model of it applies from its place on.
        OperatorSubtaskState snapshot = h.harness.snapshot(1, T0);
        EncoderHarness restored = encoder(snapshot);
        assertThat(accept(restored, edit(KEY, 6), 0)).singleElement().satisfies(p -> assertThat(p.modelVersion).isEqualTo(a.version()));
        SelectorModel b = SelectorModels.favouring(2, T0, OTHER_FAVOURED);
        restored.modelInBand(SelectorModels.bytes(b), 0, KEY_GROUPS, T0 + 7);
        assertThat(accept(restored, edit(KEY, 7), 0)).singleElement().satisfies(p -> {
            assertThat(p.modelVersion).isEqualTo(b.version());
            assertThat(p.choice).isEqualTo(OTHER_FAVOURED);
        });
    }

    @Test
    void aKeyframeOfTheEncodersOwnIsChosenWithTheModelOfTheRegionsPartition() throws Exception {
        EncoderHarness h = encoder(null);
        accept(h, region(KEY, 1), 2);
        h.performance();
        SelectorModel a = SelectorModels.favouring(1, T0, FAVOURED);
        h.modelInBand(SelectorModels.bytes(a), 2, KEY_GROUPS, T0 + 1);
        h.modelInBand(SelectorModels.bytes(SelectorModels.favouring(3, T0, OTHER_FAVOURED)), 1, KEY_GROUPS, T0 + 1);

        byte[] request = ControlRequestFormat.write(ControlRequest.keyframe(KEY, ControlRequest.Reason.NEW_RECEIVER, 1_000, T0 + 2, "receiver-1"));
        h.harness.processElement(new ValidEvent(KEY, request), T0 + 2);
        List<FrameRecord> keyframe = h.frames();
        assertThat(keyframe).hasSize(1);
        receiver.apply(keyframe.get(0));
        assertThat(receiver.image(KEY)).isEqualTo(models.get(KEY).image);
        assertThat(h.performance()).singleElement().satisfies(p -> {
            assertThat(p.frameType).isEqualTo("FULL");
            assertThat(p.modelVersion).as("partition 2's model, not partition 1's newer one").isEqualTo(a.version());
        });
    }

    /** A key of the subtask {@code subtask} of two, after {@code prefix}. */
    private static String keyOfSubtask(String prefix, int subtask) {
        for (int i = 0; ; i++) {
            String key = prefix + String.format("/r%04d", i);
            if (KeyGroupRangeAssignment.assignKeyToParallelOperator(key, KEY_GROUPS, 2) == subtask) {
                return key;
            }
        }
    }

    @Test
    void aJobRescaledFromOneSubtaskToTwoKeepsEachKeysModelInBand() throws Exception {
        String first = keyOfSubtask("vm-01", 0);
        String second = keyOfSubtask("vm-02", 1);
        EncoderHarness one = encoder(null);
        accept(one, region(first, 1), 0);
        accept(one, region(second, 1), 1);
        SelectorModel a = SelectorModels.favouring(1, T0, FAVOURED);
        SelectorModel b = SelectorModels.favouring(2, T0, OTHER_FAVOURED);
        one.modelInBand(SelectorModels.bytes(a), 0, KEY_GROUPS, T0 + 1);
        one.modelInBand(SelectorModels.bytes(b), 1, KEY_GROUPS, T0 + 1);
        one.performance();
        OperatorSubtaskState snapshot = one.harness.snapshot(1, T0);

        EncoderHarness[] two = new EncoderHarness[2];
        for (int i = 0; i < 2; i++) {
            OperatorSubtaskState part = AbstractStreamOperatorTestHarness.repartitionOperatorState(snapshot, KEY_GROUPS, 1, 2, i);
            two[i] = new EncoderHarness(new RegionEncoderFunction(inBand()), KEY_GROUPS, 2, i, part);
            open.add(two[i]);
        }
        assertThat(accept(two[0], edit(first, 2), 0)).singleElement().satisfies(p -> {
            assertThat(p.modelVersion).as("partition 0's model on subtask 0").isEqualTo(a.version());
            assertThat(p.choice).isEqualTo(FAVOURED);
        });
        assertThat(accept(two[1], edit(second, 2), 1)).singleElement().satisfies(p -> {
            assertThat(p.modelVersion).as("partition 1's model on subtask 1").isEqualTo(b.version());
            assertThat(p.choice).isEqualTo(OTHER_FAVOURED);
        });
    }

    // ---- the state ---------------------------------------------------------------------------

    @Test
    void theModelsInBandSurviveASnapshotSplitAcrossRescaledSubtasks() {
        SelectorModel start = SelectorModels.favouring(1, T0, FAVOURED);
        SelectorModel a = SelectorModels.favouring(2, T0, OTHER_FAVOURED);
        SelectorModel b = SelectorModels.favouring(3, T0, FAVOURED);
        InBandModels first = new InBandModels(new KeyGroupRange(0, 63), start);
        InBandModels second = new InBandModels(new KeyGroupRange(64, 127), start);
        assertThat(first.take(10, 0, a)).isTrue();
        assertThat(first.take(10, 0, a)).as("not newer than itself").isFalse();
        assertThat(second.take(100, 1, b)).isTrue();
        assertThat(second.take(100, 1, a)).as("older").isFalse();
        List<byte[]> union = new ArrayList<>(first.snapshot());
        union.addAll(second.snapshot());

        SelectorModel other = SelectorModel.EMPTY;
        InBandModels lower = InBandModels.restore(union, new KeyGroupRange(0, 31), other);
        InBandModels upper = InBandModels.restore(union, new KeyGroupRange(32, 127), other);
        assertThat(lower.modelFor(10, 0)).isEqualTo(a);
        assertThat(lower.modelFor(10, 7)).as("a partition without a model: the key group's start").isEqualTo(start);
        assertThat(lower.modelFor(11, 0)).isEqualTo(start);
        assertThat(upper.modelFor(100, 1)).isEqualTo(b);
        assertThat(upper.modelFor(100, -1)).as("partition unknown: the newest of the key group").isEqualTo(b);
        assertThat(upper.modelFor(40, 1)).isEqualTo(start);
        assertThat(upper.distinctModels()).isEqualTo(2);
    }

    @Test
    void aModelCopiedToAWholeSubtaskIsOneEntryOfTheStateNotOnePerKeyGroupAndOldEntriesStillRead() {
        SelectorModel start = SelectorModels.favouring(1, T0, FAVOURED);
        SelectorModel a = SelectorModels.favouring(2, T0, OTHER_FAVOURED);
        KeyGroupRange own = new KeyGroupRange(0, 16_383); // one subtask of two at Flink's largest max parallelism
        InBandModels models = new InBandModels(own, start);
        for (int partition = 0; partition < 32; partition++) {
            for (int g = 0; g <= 16_383; g++) {
                models.take(g, partition, a);
            }
        }
        List<byte[]> entries = models.snapshot();
        // two models, the start's run, and one run per partition: not 16,384 × 33 entries
        assertThat(entries).hasSize(2 + 1 + 32);
        InBandModels restored = InBandModels.restore(entries, new KeyGroupRange(8_000, 9_000), SelectorModel.EMPTY);
        assertThat(restored.modelFor(8_500, 31)).isEqualTo(a);
        assertThat(restored.modelFor(8_500, 32)).as("a partition without a model: the start").isEqualTo(start);

        // A checkpoint of the per-key-group form ('A': key group, partition, model id) restores as before.
        byte[] modelBytes = dev.hde.codec.select.SelectorModelFormat.write(a);
        List<byte[]> old = List.of(java.nio.ByteBuffer.allocate(1 + modelBytes.length).put((byte) 'M').put(modelBytes).array(),
                java.nio.ByteBuffer.allocate(17).put((byte) 'A').putInt(8_500).putInt(3).putLong(InBandModels.id(modelBytes)).array());
        InBandModels fromOld = InBandModels.restore(old, new KeyGroupRange(8_000, 9_000), start);
        assertThat(fromOld.modelFor(8_500, 3)).isEqualTo(a);
        assertThat(fromOld.modelFor(8_501, 3)).isEqualTo(start);
    }
}
