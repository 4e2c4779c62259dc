package dev.hde.operators;

import dev.hde.codec.HdeException;
import dev.hde.codec.Limits;
import dev.hde.codec.dict.MapDictionaryStore;
import dev.hde.codec.region.FrameApplier;
import dev.hde.codec.region.RegionReceiver;
import dev.hde.codec.region.PageStore;
import dev.hde.codec.wire.ControlRequest;
import dev.hde.codec.wire.ControlRequestFormat;
import dev.hde.codec.wire.FrameFormat;
import dev.hde.codec.wire.FrameType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * The receiver as a Flink function: rebuilds each region in keyed state from its frames, checks
 * every frame (chain, digest, format), and emits a verdict per frame. A frame that fails stops
 * its region with the error and asks the encoder for a keyframe ({@link #KEYFRAME_REQUESTS}); later
 * frames of that region are counted and ignored until a FULL frame brings it back (a new epoch,
 * checked like any other frame). A RESYNC frame leaves the image as it is and marks the region as
 * waiting for a keyframe: the encoder has lost the producer's state of it and asked for the whole
 * region, so the image is the last good one, not the current memory.
 *
 * <p>A receiver that starts mid-stream (at the keyframes the baseline catalog names, not at the
 * beginning of the frames topic) is made with {@code startAtKeyframe}: until a region has taken
 * its first frame, its DELTA frames are skipped (counted in {@code framesSkippedBeforeKeyframe},
 * no state, no verdict) instead of being refused with {@code NO_KEYFRAME}; the region starts at
 * its first FULL (or DELETE) frame. Every frame from there on is checked as always.
 *
 * <p>Trained dictionaries: with a dictionary topic ({@code hde.dictionaries}, read as it stands
 * with a {@link TopicReplay}), the subtask reads it to its end in {@code open} into a
 * {@link MapDictionaryStore} the applier decodes with. A frame naming a dictionary the store lacks
 * makes it read the topic once more (the dictionary is published before any frame uses it, so it is
 * there by now) before the frame is refused with {@code UNKNOWN_DICTIONARY}.
 */
public class FrameApplierFunction extends KeyedProcessFunction<String, FrameRecord, RegionVerdict> {

    private static final long serialVersionUID = 1L;
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(FrameApplierFunction.class);

    /** The base pages of the receiver's image ({@link PatchedPageStore}; before 7 December 2026, every page whole). */
    static final MapStateDescriptor<Integer, byte[]> PAGES =
            new MapStateDescriptor<>("received-pages", Types.INT, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);
    /**
     * The patches of {@link PatchedPageStore}: a page changed a little since its base is kept as its
     * patch, so a receiver at scale writes what changed, not whole pages, as the encoder does.
     */
    static final MapStateDescriptor<Integer, byte[]> PATCHES =
            new MapStateDescriptor<>("received-patches", Types.INT, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);
    static final ValueStateDescriptor<ReceivedRegion> REGION =
            new ValueStateDescriptor<>("received-region", TypeInformation.of(ReceivedRegion.class));
    static final ValueStateDescriptor<Boolean> ASKED = new ValueStateDescriptor<>("keyframe-asked", Types.BOOLEAN);

    /**
     * Keyframe requests ({@code HDEQ}, kind KEYFRAME) to the encoder: one when a region's frame is
     * refused, and one for a region whose first frame here is a DELTA (a receiver that started
     * mid-stream). The decoder job sinks them to the keyframe-request topic when asked to.
     */
    public static final OutputTag<ControlRecord> KEYFRAME_REQUESTS =
            new OutputTag<>("keyframe-requests", TypeInformation.of(ControlRecord.class));

    private final Limits limits;
    /** Where to write each rebuilt region after every frame, or null. */
    private final String imageDirectory;

    private transient MapState<Integer, byte[]> pages;
    private transient MapState<Integer, byte[]> patches;
    private transient ValueState<ReceivedRegion> region;
    private transient RegionReceiver receiver;
    private transient Counter applied;
    private transient Counter failed;
    private transient Counter ignored;
    private transient Counter skipped;
    private transient Counter waits;
    private transient Counter recovered;
    private transient Counter keyframeRequests;
    private transient ValueState<Boolean> asked;
    /** This receiver's name in its keyframe requests. */
    private transient String receiverName;
    /** Skip the DELTA frames a region receives before its first frame (a mid-stream start). */
    private final boolean startAtKeyframe;
    /** The dictionary topic as it stands, or null (no trained dictionaries: frames naming one are refused). */
    private final TopicReplay dictionaryTopic;
    private transient MapDictionaryStore dictionaries;
    private transient Counter dictionaryRereads;

    public FrameApplierFunction(Limits limits, String imageDirectory) {
        this(limits, imageDirectory, false);
    }

    /**
     * @param startAtKeyframe true for a receiver that does not start at the beginning of the frames:
     *     a region's DELTA frames before its first FULL frame are skipped, not refused
     */
    public FrameApplierFunction(Limits limits, String imageDirectory, boolean startAtKeyframe) {
        this(limits, imageDirectory, startAtKeyframe, null);
    }

    /** @param dictionaryTopic the dictionary topic as it stands (read at start and on an unknown id); null = none */
    public FrameApplierFunction(Limits limits, String imageDirectory, boolean startAtKeyframe, TopicReplay dictionaryTopic) {
        this.limits = limits;
        this.imageDirectory = imageDirectory;
        this.startAtKeyframe = startAtKeyframe;
        this.dictionaryTopic = dictionaryTopic;
    }

    @Override
    public void open(OpenContext openContext) {
        pages = getRuntimeContext().getMapState(PAGES);
        patches = getRuntimeContext().getMapState(PATCHES);
        region = getRuntimeContext().getState(REGION);
        dictionaries = new MapDictionaryStore();
        receiver = new RegionReceiver(new FrameApplier(limits, dictionaries));
        dictionaryRereads = getRuntimeContext().getMetricGroup().counter("dictionaryTopicReads");
        readDictionaries();
        applied = getRuntimeContext().getMetricGroup().counter("framesApplied");
        failed = getRuntimeContext().getMetricGroup().counter("regionsFailed");
        ignored = getRuntimeContext().getMetricGroup().counter("framesIgnored");
        skipped = getRuntimeContext().getMetricGroup().counter("framesSkippedBeforeKeyframe");
        waits = getRuntimeContext().getMetricGroup().counter("resyncNotices");
        recovered = getRuntimeContext().getMetricGroup().counter("regionsRecovered");
        keyframeRequests = getRuntimeContext().getMetricGroup().counter("keyframeRequests");
        asked = getRuntimeContext().getState(ASKED);
        receiverName = "decoder-" + getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
    }

    @Override
    public void processElement(FrameRecord frame, Context ctx, Collector<RegionVerdict> out) throws Exception {
        ReceivedRegion r = region.value();
        FrameType type = RegionReceiver.typeOf(frame.bytes);
        if (r == null) {
            if (startAtKeyframe && type == FrameType.DELTA) {
                skipped.inc();
                if (asked.value() == null) {
                    askForKeyframe(ctx, ControlRequest.Reason.NEW_RECEIVER, frame.bytes);
                }
                return;
            }
            r = new ReceivedRegion();
        }
        // One store per frame of a key: it keeps the bases it read for its own writes, never for another key's.
        PatchedPageStore store = PatchedPageStore.indexed(pages, patches, r.basePages, r.patchedPages);
        RegionReceiver.Step step = receiver.receive(frame.bytes, ctx.getCurrentKey(), r.state(), store);
        if (step.outcome() == RegionReceiver.Outcome.REFUSED && step.state().error().startsWith(HdeException.Kind.UNKNOWN_DICTIONARY.name())
                && dictionaryTopic != null && readDictionaries()) {
            // A refused frame leaves the region unchanged: read the dictionary topic again and retry once.
            step = receiver.receive(frame.bytes, ctx.getCurrentKey(), r.state(), store);
        }
        boolean wasStopped = r.error != null;
        r.set(step.state());
        r.basePages = store.basePages();
        r.patchedPages = store.patchedPages();
        switch (step.outcome()) {
            case IGNORED -> {
                ignored.inc();
                region.update(r);
                return;
            }
            case WAITING -> waits.inc();
            case REFUSED -> {
                if (!wasStopped) {
                    failed.inc();
                }
                askForKeyframe(ctx, ControlRequest.Reason.RECEIVER_FAILED, frame.bytes);
            }
            case APPLIED -> {
                if (wasStopped) {
                    recovered.inc();
                }
                applied.inc();
                if (imageDirectory != null) {
                    writeImage(ctx.getCurrentKey(), r, store);
                }
            }
        }
        region.update(r);
        out.collect(verdict(ctx.getCurrentKey(), r));
    }

    /** Asks the encoder for a keyframe of the current key (side output; sunk to the keyframe-request topic when the job asks for it). */
    private void askForKeyframe(Context ctx, ControlRequest.Reason reason, byte[] frame) throws Exception {
        asked.update(Boolean.TRUE);
        long sequence = sourceSequenceOf(frame);
        ctx.output(KEYFRAME_REQUESTS, new ControlRecord(ctx.getCurrentKey(), ControlRequestFormat.write(ControlRequest.keyframe(
                ctx.getCurrentKey(), reason, sequence, Math.max(0, ctx.timerService().currentProcessingTime()), receiverName))));
        keyframeRequests.inc();
    }

    /** The frame's source sequence if it parses (it may be the refused frame), else 0. */
    private long sourceSequenceOf(byte[] frame) {
        try {
            return FrameFormat.parse(frame, limits, dictionaries).header().sourceSequence();
        } catch (HdeException e) {
            return 0;
        }
    }

    /** Reads the dictionary topic into the store; returns whether it brought a dictionary the store lacked. */
    private boolean readDictionaries() {
        if (dictionaryTopic == null) {
            return false;
        }
        dictionaryRereads.inc();
        int before = dictionaries.size();
        try {
            dictionaryTopic.replay(bytes -> {
                try {
                    dictionaries.addRecord(bytes);
                } catch (HdeException | IllegalArgumentException e) {
                    LOG.warn("receiver: ignoring a dictionary record: {}", e.getMessage());
                }
            });
        } catch (Exception e) {
            LOG.warn("receiver: could not read the dictionary topic ({})", e.toString());
        }
        return dictionaries.size() > before;
    }

    static RegionVerdict verdict(String key, ReceivedRegion r) {
        RegionVerdict v = new RegionVerdict();
        v.stateKey = key;
        v.framesApplied = r.framesApplied;
        v.epoch = r.epoch;
        v.chainIndex = r.chainIndex;
        v.regionPages = r.regionPages;
        v.digest = r.digest;
        v.deleted = r.deleted;
        v.verified = r.error == null;
        v.error = r.error;
        v.waitingForKeyframe = r.waitingForKeyframe;
        return v;
    }

    /** The region as a flat file (zero pages written as zeros), replaced atomically. */
    private void writeImage(String key, ReceivedRegion r, PageStore store) {
        Path dir = Path.of(imageDirectory);
        Path target = dir.resolve(key.replace('/', '_') + ".bin");
        try {
            Files.createDirectories(dir);
            if (r.deleted) {
                Files.deleteIfExists(target);
                return;
            }
            int pageSize = 1 << r.pageShift;
            byte[] image = new byte[r.regionPages * pageSize];
            for (int i = 0; i < r.regionPages; i++) {
                byte[] page = store.get(i);
                if (page != null) {
                    System.arraycopy(page, 0, image, i * pageSize, pageSize);
                }
            }
            Path tmp = Files.createTempFile(dir, ".region", ".tmp");
            Files.write(tmp, image);
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("writing the image of " + key, e);
        }
    }
}
