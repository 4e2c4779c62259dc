package dev.hde.codec.trace;

import dev.hde.codec.Pages;
import dev.hde.codec.region.EncodeSpec;
import dev.hde.codec.region.FrameApplier;
import dev.hde.codec.region.FrameInfo;
import dev.hde.codec.region.HeapPageStore;
import dev.hde.codec.region.PageUpdate;
import dev.hde.codec.region.PendingFrame;
import dev.hde.codec.region.RegionEncoder;
import dev.hde.codec.region.RegionMeta;
import dev.hde.codec.region.RegionReceiver;
import dev.hde.codec.wire.FrameType;
import dev.hde.codec.wire.PageUpdateEvent;
import java.util.Arrays;
import java.util.List;

/**
 * Sends a sequence of memory images through the codec as a sender and a receiver would: each
 * image is cut into regions (one state key each) and diffed page by page against the previous image
 * ({@link ImageEvents}: the events a producer sends), each region's events go through its sender
 * ({@link RegionSender}: the codec on its own, or the encoder job's rules), every frame is applied by
 * a separate receiver, and the receiver's image is compared byte for byte with the input. Encode and
 * decode of the images after the first (the ones the changed and wire bytes count) are timed apart
 * from reading and diffing the images; the first image's keyframes are not timed.
 */
public final class TraceReplay {

    /**
     * @param specs the frame is rendered with each and the smallest is sent (one spec: a fixed choice)
     * @param keyPrefix state keys are {@code keyPrefix/rNNNN}
     */
    public record Settings(int pageShift, int regionPages, List<EncodeSpec> specs, String keyPrefix) {
        public Settings {
            if (specs.isEmpty()) {
                throw new IllegalArgumentException("no encode spec");
            }
            if (regionPages < 1) {
                throw new IllegalArgumentException("a region has at least one page");
            }
        }
    }

    /** The outcome; {@code failure} is null when every image verified. */
    public record Result(
            int images,
            long initialBytes,
            long changedBytes,
            long wireBytes,
            int fullFrames,
            int deltaFrames,
            long encodeNanos,
            long decodeNanos,
            String failure) {

        public boolean verified() {
            return failure == null;
        }

        public double encodeMbPerSecond() {
            return encodeNanos == 0 ? 0 : changedBytes / 1e6 / (encodeNanos / 1e9);
        }

        public double decodeMbPerSecond() {
            return decodeNanos == 0 ? 0 : changedBytes / 1e6 / (decodeNanos / 1e9);
        }
    }

    /** Called after each image with the running totals. */
    public interface Progress {
        void imageDone(int image, Result soFar);
    }

    private TraceReplay() {}

    /**
     * The sending side of one region: the frames it sends for each of the region's events, in order
     * (none for an event that changes nothing). {@code hde trace} plugs in the encoder job's own rules
     * ({@code dev.hde.state.EventEncoder}), so that it sends exactly the job's frames.
     */
    @FunctionalInterface
    public interface RegionSender {
        List<byte[]> send(PageUpdateEvent event);
    }

    /** A sender per state key. */
    @FunctionalInterface
    public interface Senders {
        RegionSender forKey(String stateKey);
    }

    /**
     * The codec on its own: a keyframe of each region's first event, then only deltas, each rendered
     * with every spec of {@code s} and the smallest kept.
     */
    public static Senders keyframeThenDeltas(Settings s) {
        return key -> new RegionSender() {
            final HeapPageStore reference = new HeapPageStore();
            RegionMeta meta;

            @Override
            public List<byte[]> send(PageUpdateEvent e) {
                PendingFrame pending = meta == null
                        ? RegionEncoder.full(null, e.pageShift(), reference, e.toPageUpdate())
                        : RegionEncoder.delta(meta, reference, e.toPageUpdate());
                FrameInfo info = new FrameInfo(key, e.sequence(), e.captureTimeMillis());
                byte[] frame = s.specs().size() == 1
                        ? RegionEncoder.render(info, pending, s.specs().get(0))
                        : RegionEncoder.renderSmallest(info, pending, s.specs());
                RegionEncoder.commit(pending, reference);
                meta = pending.after();
                return List.of(frame);
            }
        };
    }

    /** {@link #run(Iterable, Settings, Senders, Progress)} with the codec on its own ({@link #keyframeThenDeltas}). */
    public static Result run(Iterable<byte[]> images, Settings s, Progress progress) {
        return run(images, s, keyframeThenDeltas(s), progress);
    }

    /**
     * Sends the images' events ({@link ImageEvents}: per region, sequences from 1, the producer's
     * digest) through each region's sender, applies every frame at a separate receiver, and compares
     * the receiver's region with the image after each event.
     */
    public static Result run(Iterable<byte[]> images, Settings s, Senders senders, Progress progress) {
        int pageSize = 1 << s.pageShift();
        RegionReceiver receiver = new RegionReceiver(new FrameApplier());
        ImageEvents events = new ImageEvents(new ImageEvents.Settings(s.pageShift(), s.regionPages(), s.keyPrefix()));
        java.util.Map<String, Region> regions = new java.util.HashMap<>();
        long[] totals = new long[4]; // initial bytes, changed bytes, wire bytes, encode+decode nanos unused
        int[] frames = new int[2]; // full, delta
        long[] nanos = new long[2]; // encode, decode
        String[] failure = {null};
        int image = 0;
        for (byte[] current : images) {
            int imageIndex = image;
            try {
                events.next(current, e -> {
                    if (failure[0] != null) {
                        return;
                    }
                    Region region = regions.computeIfAbsent(e.stateKey(), k -> new Region(k, senders.forKey(k)));
                    long t0 = System.nanoTime();
                    List<byte[]> sent = region.sender.send(e);
                    long t1 = System.nanoTime();
                    if (imageIndex > 0) { // timed like the bytes: the frames after the first image, whose changed pages the MB/s count
                        nanos[0] += t1 - t0;
                    }
                    for (byte[] frame : sent) {
                        long d0 = System.nanoTime();
                        RegionReceiver.Step step = receiver.receive(frame, region.key, region.received, region.receiverPages);
                        if (imageIndex > 0) {
                            nanos[1] += System.nanoTime() - d0;
                        }
                        region.received = step.state();
                        if (step.outcome() != RegionReceiver.Outcome.APPLIED) {
                            failure[0] = "region " + region.key + " image " + imageIndex + ": " + (step.state().error() != null
                                    ? step.state().error() : "the sender could not make the producer's state (" + step.outcome() + ")");
                            return;
                        }
                        FrameType type = step.header().type();
                        if (imageIndex == 0) {
                            totals[0] += frame.length;
                        } else {
                            totals[2] += frame.length;
                        }
                        frames[type == FrameType.FULL ? 0 : 1]++;
                    }
                    if (imageIndex > 0) {
                        totals[1] += (long) e.indices().length * pageSize;
                    }
                    int first = regionIndex(e.stateKey(), s.keyPrefix()) * s.regionPages();
                    String mismatch = compare(region, current, first, e.regionPages(), pageSize);
                    if (mismatch != null) {
                        failure[0] = "region " + region.key + " image " + imageIndex + ": " + mismatch;
                    }
                });
            } catch (IllegalArgumentException ex) {
                // not a whole number of pages, or a size change: the input cannot be a memory image sequence (not a failed check)
                throw new java.io.UncheckedIOException(new ImageInputException(ex.getMessage(), ex));
            }
            if (failure[0] != null) {
                return failed(image, failure[0]);
            }
            image++;
            if (progress != null) {
                progress.imageDone(image - 1, new Result(image, totals[0], totals[1], totals[2], frames[0], frames[1], nanos[0], nanos[1], null));
            }
        }
        return new Result(image, totals[0], totals[1], totals[2], frames[0], frames[1], nanos[0], nanos[1], null);
    }

    private static int regionIndex(String key, String prefix) {
        return Integer.parseInt(key.substring(prefix.length() + 2));
    }

    private static Result failed(int images, String why) {
        return new Result(images, 0, 0, 0, 0, 0, 0, 0, why);
    }

    private static final class Region {
        final String key;
        final RegionSender sender;
        final HeapPageStore receiverPages = new HeapPageStore();
        RegionReceiver.State received = RegionReceiver.State.EMPTY;

        Region(String key, RegionSender sender) {
            this.key = key;
            this.sender = sender;
        }
    }

    private static String compare(Region region, byte[] image, int first, int pages, int pageSize) {
        RegionMeta held = region.received.image();
        if (held == null || held.regionPages() != pages) {
            return "receiver holds " + (held == null ? "nothing" : held.regionPages() + " pages") + ", expected " + pages;
        }
        for (int i = 0; i < pages; i++) {
            int off = (first + i) * pageSize;
            byte[] got = region.receiverPages.get(i);
            boolean same = got == null
                    ? Pages.isZero(image, off, pageSize)
                    : Arrays.equals(got, 0, pageSize, image, off, off + pageSize);
            if (!same) {
                return "page " + i + " differs from the input";
            }
        }
        return null;
    }
}
