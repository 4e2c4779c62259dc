package dev.hde.state.crdt;

import dev.hde.codec.HdeException;
import dev.hde.codec.HdeException.Kind;
import dev.hde.codec.wire.FrameFormat;
import dev.hde.codec.wire.WireReader;
import dev.hde.codec.wire.WireWriter;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.zip.CRC32C;

/**
 * The catalog's binary formats (docs/crdt.md): catalog messages (magic "HDEC": states, deltas and
 * repairs) and digest messages (magic "HDEG"). Little-endian, varints as in docs/wire-format.md,
 * a CRC32C of every byte before it at the end.
 *
 * <p>Each bucket is written in exactly one way (sites, context, keys and dots in ascending order,
 * every site named used), and a bucket's anti-entropy digest is XXH64 of that section's bytes, so
 * any implementation can compute the same digests. The readers refuse everything else with a typed
 * {@link HdeException}, and check every count against {@link CatalogLimits} and the bytes present
 * before allocating or looping for it.
 */
public final class CatalogFormat {

    /** "HDEC" in ASCII, little-endian. */
    public static final int MAGIC = 0x43454448;
    /** "HDEG" in ASCII, little-endian. */
    public static final int DIGEST_MAGIC = 0x47454448;
    public static final int VERSION = 1;

    /** magic, version, kind, flags, bucket count, origin (2), clock (2), section count, crc. */
    static final int MIN_MESSAGE_BYTES = 4 + 1 + 1 + 1 + 1 + 2 + 2 + 1 + 4;
    /** magic, version, flags, bucket count, origin (2), clock (2), one digest, crc. */
    static final int MIN_DIGEST_BYTES = 4 + 1 + 1 + 1 + 2 + 2 + 8 + 4;
    /** bucket id, site count, one site (2), vv count, cloud count, entry count. */
    private static final int MIN_SECTION_BYTES = 1 + 1 + 2 + 1 + 1 + 1;
    /** site index, counter, epoch, hlc (2), partition, offset, size, digest (8), info site, time. */
    private static final int MIN_DOT_BYTES = 1 + 1 + 1 + 2 + 1 + 1 + 1 + 8 + 1 + 1;
    /** key length, key, dot count, one dot. */
    private static final int MIN_ENTRY_BYTES = 1 + 1 + 1 + MIN_DOT_BYTES;

    private CatalogFormat() {}

    // ---------------------------------------------------------------- writing

    public static byte[] write(CatalogDelta d) {
        WireWriter out = new WireWriter(64 + 48 * d.entryCount());
        header(out, d.kind(), d.bucketCount(), d.origin(), d.clock());
        out.varint(d.buckets().size());
        d.buckets().forEach((b, m) -> writeSection(b, m, out));
        return FrameFormat.finish(out);
    }

    /** The catalog as its own STATE message, written from the live buckets without copying them. */
    public static byte[] writeState(BaselineCatalog c) {
        WireWriter out = new WireWriter(64 + 48 * c.size());
        header(out, CatalogDelta.Kind.STATE, c.bucketCount(), c.site(), c.clock().current());
        int sections = 0;
        for (int b = 0; b < c.bucketCount(); b++) {
            if (!c.bucket(b).isEmpty()) {
                sections++;
            }
        }
        out.varint(sections);
        for (int b = 0; b < c.bucketCount(); b++) {
            if (!c.bucket(b).isEmpty()) {
                writeSection(b, c.bucket(b), out);
            }
        }
        return FrameFormat.finish(out);
    }

    public static byte[] writeDigests(DigestMessage m) {
        WireWriter out = new WireWriter(32 + 8 * m.bucketCount());
        out.u32(DIGEST_MAGIC).u8(VERSION).u8(0).varint(m.bucketCount());
        site(out, m.origin());
        out.varint64(m.clock().millis()).varint(m.clock().logical());
        for (int b = 0; b < m.bucketCount(); b++) {
            out.u64(m.digest(b));
        }
        return FrameFormat.finish(out);
    }

    private static void header(WireWriter out, CatalogDelta.Kind kind, int bucketCount, String origin, Hlc clock) {
        out.u32(MAGIC).u8(VERSION).u8(kind.id()).u8(0).varint(bucketCount);
        site(out, origin);
        out.varint64(clock.millis()).varint(clock.logical());
    }

    private static void site(WireWriter out, String site) {
        out.u8(site.length());
        for (int i = 0; i < site.length(); i++) {
            out.u8(site.charAt(i));
        }
    }

    /** XXH64 (seed 0) of the bucket's section as {@link #write} lays it out. */
    static long sectionDigest(int bucket, OrMap<String, KeyframeInfo> m) {
        WireWriter out = new WireWriter(64 + 48 * m.dotCount());
        writeSection(bucket, m, out);
        return StateKeys.xxh64(out.buffer(), 0, out.position());
    }

    static void writeSection(int bucket, OrMap<String, KeyframeInfo> m, WireWriter out) {
        CausalContext ctx = m.contextView();
        TreeSet<String> sites = new TreeSet<>(ctx.sites());
        m.forEachEntry((k, dots) -> dots.forEach((d, r) -> {
            sites.add(d.site());
            sites.add(r.value().site());
        }));
        Map<String, Integer> index = new HashMap<>();
        out.varint(bucket).varint(sites.size());
        for (String s : sites) {
            index.put(s, index.size());
            site(out, s);
        }
        SortedMap<String, Long> vv = ctx.versionVector().asMap();
        out.varint(vv.size());
        vv.forEach((s, n) -> out.varint(index.get(s)).varint64(n));
        List<Dot> cloud = ctx.cloud();
        out.varint(cloud.size());
        for (Dot d : cloud) {
            out.varint(index.get(d.site())).varint64(d.counter());
        }
        out.varint(m.size());
        m.forEachEntry((k, dots) -> {
            byte[] key = StateKeys.utf8(k);
            out.varint(key.length).bytes(key).varint(dots.size());
            dots.forEach((d, r) -> {
                KeyframeInfo v = r.value();
                out.varint(index.get(d.site())).varint64(d.counter())
                        .varint64(r.epoch()).varint64(r.time().millis()).varint(r.time().logical())
                        .varint(v.partition() + 1).varint64(v.offset() + 1).varint64(v.sizeBytes()).u64(v.regionDigest())
                        .varint(index.get(v.site())).varint64(v.timeMillis());
            });
        });
    }

    // ---------------------------------------------------------------- reading

    private static HdeException malformed(String message) {
        return new HdeException(Kind.LENGTH_MISMATCH, message);
    }

    /** Checks size, magic and CRC; returns a reader over the body after the magic. */
    private static WireReader open(byte[] bytes, int magic, int minBytes, CatalogLimits limits, String what) {
        if (bytes.length > limits.maxMessageBytes()) {
            throw new HdeException(Kind.LIMIT_EXCEEDED, what + " of " + bytes.length + " bytes exceeds the limit of " + limits.maxMessageBytes());
        }
        if (bytes.length < minBytes) {
            throw new HdeException(Kind.TRUNCATED, what + " of " + bytes.length + " bytes is shorter than any " + what);
        }
        if ((int) new WireReader(bytes, 0, 4).u32("magic") != magic) {
            throw new HdeException(Kind.BAD_MAGIC, "not an HDE " + what);
        }
        int bodyEnd = bytes.length - 4;
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, bodyEnd);
        if (new WireReader(bytes, bodyEnd, 4).u32("crc") != crc.getValue()) {
            throw new HdeException(Kind.CHECKSUM_MISMATCH, what + " CRC32C does not match (truncated or corrupt)");
        }
        WireReader r = new WireReader(bytes, 4, bodyEnd - 4);
        int version = r.u8("version");
        if (version != VERSION) {
            throw new HdeException(Kind.UNSUPPORTED_VERSION, what + " version " + version + ", this reader knows " + VERSION);
        }
        return r;
    }

    private static void flags(WireReader r, String what) {
        int flags = r.u8("flags");
        if (flags != 0) {
            throw new HdeException(Kind.UNSUPPORTED_VERSION, "unknown " + what + " flags " + flags);
        }
    }

    private static int bucketCount(WireReader r, CatalogLimits limits) {
        int n = r.varint("bucket count");
        if (n < 1 || n > limits.maxBuckets()) {
            throw new HdeException(Kind.LIMIT_EXCEEDED, "bucket count " + n + " outside [1, " + limits.maxBuckets() + "]");
        }
        return n;
    }

    private static String readSite(WireReader r, String what) {
        int len = r.u8(what + " length");
        if (len < 1 || len > SiteIds.MAX_BYTES) {
            throw new HdeException(Kind.BAD_KEY, what + " of " + len + " bytes outside [1, " + SiteIds.MAX_BYTES + "]");
        }
        int at = r.skip(len, what);
        byte[] b = r.buffer();
        for (int i = at; i < at + len; i++) {
            if (b[i] < 0x21 || b[i] > 0x7E) {
                throw new HdeException(Kind.BAD_KEY, what + " is not printable ASCII");
            }
        }
        return new String(b, at, len, StandardCharsets.US_ASCII);
    }

    private static Hlc readClock(WireReader r, String what) {
        long millis = r.varint64(what + " millis");
        if (millis > Hlc.MAX_MILLIS) {
            throw new HdeException(Kind.LIMIT_EXCEEDED, what + " " + millis + " ms is after the year 9999");
        }
        return new Hlc(millis, r.varint(what + " logical"));
    }

    private static int count(WireReader r, String what, long limit, int minBytesEach) {
        int n = r.varint(what);
        if (n > limit) {
            throw new HdeException(Kind.LIMIT_EXCEEDED, what + " " + n + " exceeds the limit of " + limit);
        }
        if ((long) n * minBytesEach > r.remaining()) {
            throw new HdeException(Kind.TRUNCATED, what + " " + n + " cannot fit in " + r.remaining() + " bytes");
        }
        return n;
    }

    /** Reads a catalog message (state, delta or repair). */
    public static CatalogDelta parse(byte[] bytes, CatalogLimits limits) {
        WireReader r = open(bytes, MAGIC, MIN_MESSAGE_BYTES, limits, "catalog message");
        CatalogDelta.Kind kind = CatalogDelta.Kind.fromId(r.u8("kind"));
        flags(r, "catalog message");
        int bucketCount = bucketCount(r, limits);
        String origin = readSite(r, "origin site");
        Hlc clock = readClock(r, "clock");
        int sections = count(r, "section count", bucketCount, MIN_SECTION_BYTES);
        int[] budget = {limits.maxEntries(), limits.maxCloudDots()};
        TreeMap<Integer, OrMap<String, KeyframeInfo>> buckets = new TreeMap<>();
        int previous = -1;
        for (int i = 0; i < sections; i++) {
            int b = r.varint("bucket id");
            if (b >= bucketCount || b <= previous) {
                throw malformed("bucket " + b + " after " + previous + " of " + bucketCount + " (ids must increase)");
            }
            previous = b;
            buckets.put(b, readSection(r, b, bucketCount, limits, budget));
        }
        r.expectEnd("catalog message");
        return new CatalogDelta(kind, origin, clock, bucketCount, buckets);
    }

    private static OrMap<String, KeyframeInfo> readSection(WireReader r, int bucket, int bucketCount, CatalogLimits limits, int[] budget) {
        int siteCount = count(r, "site count", limits.maxSites(), 2);
        if (siteCount == 0) {
            throw malformed("bucket " + bucket + " names no site (empty buckets are never written)");
        }
        String[] sites = new String[siteCount];
        boolean[] used = new boolean[siteCount];
        for (int i = 0; i < siteCount; i++) {
            sites[i] = readSite(r, "site id");
            if (i > 0 && sites[i].compareTo(sites[i - 1]) <= 0) {
                throw malformed("site ids out of order: " + sites[i - 1] + ", " + sites[i]);
            }
        }
        OrMap<String, KeyframeInfo> m = new OrMap<>(StateKeys.UTF8_ORDER);
        long[] prefix = new long[siteCount];
        int vvCount = count(r, "version vector count", siteCount, 2);
        int last = -1;
        for (int i = 0; i < vvCount; i++) {
            int s = siteIndex(r, siteCount, used);
            long n = r.varint64("vector counter");
            if (s <= last || n < 1) {
                throw malformed("version vector entries must name increasing sites with counters >= 1");
            }
            last = s;
            prefix[s] = n;
            m.contextView().addPrefix(sites[s], n);
        }
        int cloudCount = count(r, "cloud count", budget[1], 2);
        budget[1] -= cloudCount;
        int lastSite = -1;
        long lastCounter = 0;
        for (int i = 0; i < cloudCount; i++) {
            int s = siteIndex(r, siteCount, used);
            long n = r.varint64("cloud counter");
            if (s < lastSite || s == lastSite && n <= lastCounter) {
                throw malformed("cloud dots out of order");
            }
            if (n <= prefix[s] + 1) {
                throw malformed("cloud dot " + sites[s] + ":" + n + " is not above its vector counter + 1 (not compacted)");
            }
            lastSite = s;
            lastCounter = n;
            m.addContext(new Dot(sites[s], n));
        }
        if (vvCount + cloudCount == 0) {
            throw malformed("bucket " + bucket + " has an empty context");
        }
        int entryCount = count(r, "entry count", budget[0], MIN_ENTRY_BYTES);
        budget[0] -= entryCount;
        byte[] previousKey = null;
        HashSet<Dot> seen = new HashSet<>();
        for (int i = 0; i < entryCount; i++) {
            int keyLength = r.varint("key length");
            if (keyLength < 1 || keyLength > StateKeys.MAX_KEY_BYTES) {
                throw new HdeException(Kind.BAD_KEY, "state key of " + keyLength + " bytes outside [1, " + StateKeys.MAX_KEY_BYTES + "]");
            }
            int at = r.skip(keyLength, "state key");
            byte[] keyBytes = Arrays.copyOfRange(r.buffer(), at, at + keyLength);
            String key = decodeKey(keyBytes);
            if (previousKey != null && Arrays.compareUnsigned(previousKey, keyBytes) >= 0) {
                throw malformed("state keys out of order");
            }
            previousKey = keyBytes;
            if (StateKeys.bucketOf(keyBytes, bucketCount) != bucket) {
                throw new HdeException(Kind.BAD_KEY, "state key " + key + " does not belong to bucket " + bucket);
            }
            int dotCount = count(r, "dot count", limits.maxDotsPerEntry(), MIN_DOT_BYTES);
            if (dotCount == 0) {
                throw malformed("state key " + key + " without a dot");
            }
            TreeMap<Dot, LwwRegister<KeyframeInfo>> dots = new TreeMap<>();
            Dot lastDot = null;
            for (int j = 0; j < dotCount; j++) {
                int s = siteIndex(r, siteCount, used);
                long counter = r.varint64("dot counter");
                if (counter < 1) {
                    throw malformed("dot counter 0");
                }
                Dot d = new Dot(sites[s], counter);
                if (lastDot != null && d.compareTo(lastDot) <= 0) {
                    throw malformed("dots of " + key + " out of order");
                }
                lastDot = d;
                if (!m.contextView().contains(d) || !seen.add(d)) {
                    throw malformed("dot " + d + " of " + key + " is missing from the context or used twice");
                }
                long epoch = r.varint64("epoch");
                if (epoch < 1) {
                    throw new HdeException(Kind.LIMIT_EXCEEDED, "keyframe epoch 0");
                }
                Hlc time = readClock(r, "register time");
                int partition = r.varint("partition") - 1;
                long offset = r.varint64("offset") - 1;
                long size = r.varint64("size");
                long digest = r.u64("region digest");
                int infoSite = siteIndex(r, siteCount, used);
                long timeMillis = r.varint64("capture time");
                if (timeMillis > Hlc.MAX_MILLIS) {
                    throw new HdeException(Kind.LIMIT_EXCEEDED, "capture time " + timeMillis + " ms is after the year 9999");
                }
                KeyframeInfo info = new KeyframeInfo(epoch, partition, offset, size, digest, sites[infoSite], timeMillis);
                dots.put(d, new LwwRegister<>(info, epoch, time, d.site()));
            }
            m.load(key, dots);
        }
        for (int i = 0; i < siteCount; i++) {
            if (!used[i]) {
                throw malformed("site " + sites[i] + " is named but never used");
            }
        }
        return m;
    }

    private static int siteIndex(WireReader r, int siteCount, boolean[] used) {
        int s = r.varint("site index");
        if (s >= siteCount) {
            throw malformed("site index " + s + " of " + siteCount);
        }
        used[s] = true;
        return s;
    }

    private static String decodeKey(byte[] b) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(b)).toString();
        } catch (CharacterCodingException e) {
            throw new HdeException(Kind.BAD_KEY, "state key is not valid UTF-8");
        }
    }

    /** Reads a digest message. */
    public static DigestMessage parseDigests(byte[] bytes, CatalogLimits limits) {
        WireReader r = open(bytes, DIGEST_MAGIC, MIN_DIGEST_BYTES, limits, "digest message");
        flags(r, "digest message");
        int bucketCount = bucketCount(r, limits);
        String origin = readSite(r, "origin site");
        Hlc clock = readClock(r, "clock");
        if (r.remaining() != (long) bucketCount * 8) {
            throw new HdeException(r.remaining() < (long) bucketCount * 8 ? Kind.TRUNCATED : Kind.TRAILING_BYTES,
                    bucketCount + " digests need " + bucketCount * 8L + " bytes, " + r.remaining() + " present");
        }
        long[] digests = new long[bucketCount];
        for (int b = 0; b < bucketCount; b++) {
            digests[b] = r.u64("digest");
        }
        return new DigestMessage(origin, clock, digests);
    }
}
