package dev.hde.state.crdt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hde.codec.HdeException;
import dev.hde.codec.HdeException.Kind;
import dev.hde.codec.wire.FrameFormat;
import dev.hde.codec.wire.WireWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class CatalogFormatTest {

    private static final long T0 = 1_760_000_000_000L;
    private static final HexFormat HEX = HexFormat.of();

    /** The put delta of docs/crdt.md's example, byte for byte. */
    static final String GOLDEN_PUT = "48444543010200400464632d618080b3c19c3300013d010464632d6101000100010b766d2d34322f7230303037010001"
            + "fb80b3c19c338080b3c19c330004812080808001efcdab896745230100fb80b3c19c3325146cb0";
    static final String GOLDEN_REMOVE = "48444543010200400464632d618080b3c19c3301013d010464632d61010001000087974aef";
    static final String GOLDEN_DIGESTS = "484445470100040464632d618080b3c19c330100000000000000008d0422d82aba156c"
            + "00000000000000000000000000000000205d6fe9";

    private static BaselineCatalog catalog(String site, int buckets) {
        return new BaselineCatalog(site, buckets, new HybridLogicalClock(() -> T0));
    }

    @Test
    void goldenVectors() {
        BaselineCatalog c = catalog("dc-a", 64);
        CatalogDelta put = c.put("vm-42/r0007",
                new KeyframeInfo(1_760_000_000_123L, 3, 4096, 2_097_152, 0x0123456789ABCDEFL, "dc-a", 1_760_000_000_123L));
        assertThat(HEX.formatHex(CatalogFormat.write(put))).isEqualTo(GOLDEN_PUT);
        assertThat(HEX.formatHex(CatalogFormat.write(c.remove("vm-42/r0007")))).isEqualTo(GOLDEN_REMOVE);
        assertThat(c.bucketOf("vm-42/r0007")).isEqualTo(61);
        assertThat(CatalogFormat.parse(HEX.parseHex(GOLDEN_PUT), CatalogLimits.DEFAULT)).isEqualTo(put);

        BaselineCatalog g = catalog("dc-a", 4);
        g.put("vm-42/r0007", new KeyframeInfo(1, 0, 0, 100, 7, "dc-a", 5));
        assertThat(HEX.formatHex(CatalogFormat.writeDigests(g.digestMessage()))).isEqualTo(GOLDEN_DIGESTS);
        // The digest is XXH64 of the bucket's section as it would be written.
        CatalogDelta state = g.state();
        byte[] bytes = CatalogFormat.write(state);
        int sectionStart = 4 + 3 + 1 + 5 + 6 + 1 + 1; // magic, version/kind/flags, bucket count, origin, clock millis and logical, section count
        long digest = StateKeys.xxh64(bytes, sectionStart, bytes.length - 4 - sectionStart);
        assertThat(g.digest(g.bucketOf("vm-42/r0007"))).isEqualTo(digest).isEqualTo(0x6c15ba2ad822048dL);
    }

    /** Random catalogs with concurrent writers, removes, out-of-order deltas (cloud dots) and every message kind. */
    static List<CatalogDelta> sampleMessages(long seed, int count) {
        Random rnd = new Random(seed);
        int buckets = 1 + rnd.nextInt(8);
        BaselineCatalog[] cs = {catalog("dc-a", buckets), catalog("dc-b", buckets), catalog("site.c:2", buckets)};
        List<CatalogDelta> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            BaselineCatalog c = cs[rnd.nextInt(cs.length)];
            String key = "vm-" + rnd.nextInt(4) + "/r" + rnd.nextInt(8) + (rnd.nextInt(10) == 0 ? "/é\uD83D\uDE00" : "");
            CatalogDelta d = rnd.nextInt(4) == 0 ? c.remove(key)
                    : c.put(key, new KeyframeInfo(1 + rnd.nextInt(3), rnd.nextInt(3) - 1, rnd.nextInt(3) - 1 + rnd.nextInt(1 << 30),
                            rnd.nextInt(1 << 24), rnd.nextLong(), cs[rnd.nextInt(cs.length)].site(), rnd.nextInt(1 << 30)));
            out.add(d);
            for (BaselineCatalog o : cs) {
                if (o != c && rnd.nextInt(3) == 0) {
                    o.merge(d); // some arrive, so later deltas carry gaps and concurrent dots
                }
            }
        }
        for (BaselineCatalog c : cs) {
            out.add(c.state());
            out.add(c.bucketDelta(0, buckets - 1));
        }
        out.add(out.get(0).join(out.get(1)).join(out.get(2)));
        return out;
    }

    @Test
    void roundTripsAreExactAndCanonical() {
        int n = 0;
        for (long seed = 0; seed < 40; seed++) {
            for (CatalogDelta d : sampleMessages(seed, 60)) {
                byte[] bytes = CatalogFormat.write(d);
                CatalogDelta back = CatalogFormat.parse(bytes, CatalogLimits.DEFAULT);
                assertThat(back).isEqualTo(d);
                assertThat(CatalogFormat.write(back)).isEqualTo(bytes);
                n++;
            }
        }
        assertThat(n).isGreaterThan(2_000);
    }

    @Test
    void digestMessagesRoundTrip() {
        Random rnd = new Random(1);
        for (int i = 0; i < 200; i++) {
            long[] digests = new long[1 + rnd.nextInt(300)];
            for (int b = 0; b < digests.length; b++) {
                digests[b] = rnd.nextInt(3) == 0 ? 0 : rnd.nextLong();
            }
            DigestMessage m = new DigestMessage("site-" + i, new Hlc(rnd.nextLong() & 0xFFFF_FFFF_FFFL, rnd.nextInt(1000)), digests);
            assertThat(CatalogFormat.parseDigests(CatalogFormat.writeDigests(m), CatalogLimits.DEFAULT)).isEqualTo(m);
        }
    }

    @Test
    void everyBitFlipAndEveryTruncationIsRefused() {
        List<byte[]> messages = new ArrayList<>();
        messages.add(HEX.parseHex(GOLDEN_PUT));
        messages.add(HEX.parseHex(GOLDEN_REMOVE));
        List<CatalogDelta> sample = sampleMessages(99, 40);
        messages.add(CatalogFormat.write(sample.get(sample.size() - 1))); // a delta group
        messages.add(CatalogFormat.write(sample.get(sample.size() - 2))); // a repair
        messages.add(CatalogFormat.write(sample.get(sample.size() - 3))); // a state
        int cases = 0;
        for (byte[] m : messages) {
            for (int bit = 0; bit < m.length * 8; bit++) {
                byte[] c = m.clone();
                c[bit >> 3] ^= (byte) (1 << (bit & 7));
                Kind k = kindOf(() -> CatalogFormat.parse(c, CatalogLimits.DEFAULT));
                assertThat(k).as("bit %d", bit).isEqualTo(bit < 32 ? Kind.BAD_MAGIC : Kind.CHECKSUM_MISMATCH);
                cases++;
            }
            for (int len = 0; len < m.length; len++) {
                byte[] c = java.util.Arrays.copyOf(m, len);
                assertThat(kindOf(() -> CatalogFormat.parse(c, CatalogLimits.DEFAULT))).as("truncated to %d", len)
                        .isIn(Kind.TRUNCATED, Kind.BAD_MAGIC, Kind.CHECKSUM_MISMATCH);
                cases++;
            }
            byte[] longer = java.util.Arrays.copyOf(m, m.length + 1);
            assertThat(kindOf(() -> CatalogFormat.parse(longer, CatalogLimits.DEFAULT))).isEqualTo(Kind.CHECKSUM_MISMATCH);
        }
        byte[] digests = HEX.parseHex(GOLDEN_DIGESTS);
        for (int bit = 0; bit < digests.length * 8; bit++) {
            byte[] c = digests.clone();
            c[bit >> 3] ^= (byte) (1 << (bit & 7));
            assertThat(kindOf(() -> CatalogFormat.parseDigests(c, CatalogLimits.DEFAULT))).isIn(Kind.BAD_MAGIC, Kind.CHECKSUM_MISMATCH);
            cases++;
        }
        for (int len = 0; len < digests.length; len++) {
            byte[] c = java.util.Arrays.copyOf(digests, len);
            assertThat(kindOf(() -> CatalogFormat.parseDigests(c, CatalogLimits.DEFAULT))).isIn(Kind.TRUNCATED, Kind.BAD_MAGIC, Kind.CHECKSUM_MISMATCH);
            cases++;
        }
        // Each kind of message refuses the other's magic.
        assertThat(kindOf(() -> CatalogFormat.parse(digests, CatalogLimits.DEFAULT))).isEqualTo(Kind.BAD_MAGIC);
        assertThat(kindOf(() -> CatalogFormat.parseDigests(HEX.parseHex(GOLDEN_PUT), CatalogLimits.DEFAULT))).isEqualTo(Kind.BAD_MAGIC);
        assertThat(cases).isGreaterThan(10_000);
    }

    // ------------------------------------------------------------ crafted messages with a valid CRC

    /** A one-section catalog message, every field of which a test may bend. */
    static final class Spec {
        int version = 1;
        int kind = 2;
        int flags = 0;
        int buckets = 1;
        String origin = "dc-a";
        Integer sectionCount;
        int bucketId = 0;
        String[] sites = {"dc-a"};
        Integer siteCount;
        long[][] vv = {{0, 2}};
        long[][] cloud = {};
        String[] keys = {"vm-1/r1"};
        byte[][] rawKeys;
        Integer entryCount;
        Integer dotCount;
        long dotCounter = 0; // 0: the entry's index + 1
        int dotSite = 0;
        long epoch = 7;
        int infoSite = 0;
        byte[] trailing = {};

        byte[] build() {
            WireWriter w = new WireWriter(64);
            w.u32(CatalogFormat.MAGIC).u8(version).u8(kind).u8(flags).varint(buckets);
            w.u8(origin.length()).bytes(origin.getBytes(StandardCharsets.US_ASCII));
            w.varint64(T0).varint(0);
            w.varint(sectionCount != null ? sectionCount : 1);
            w.varint(bucketId).varint(siteCount != null ? siteCount : sites.length);
            for (String s : sites) {
                w.u8(s.length()).bytes(s.getBytes(StandardCharsets.US_ASCII));
            }
            w.varint(vv.length);
            for (long[] e : vv) {
                w.varint((int) e[0]).varint64(e[1]);
            }
            w.varint(cloud.length);
            for (long[] e : cloud) {
                w.varint((int) e[0]).varint64(e[1]);
            }
            byte[][] ks = rawKeys;
            if (ks == null) {
                ks = new byte[keys.length][];
                for (int i = 0; i < keys.length; i++) {
                    ks[i] = keys[i].getBytes(StandardCharsets.UTF_8);
                }
            }
            w.varint(entryCount != null ? entryCount : ks.length);
            for (int i = 0; i < ks.length; i++) {
                w.varint(ks[i].length).bytes(ks[i]).varint(dotCount != null ? dotCount : 1);
                w.varint(dotSite).varint64(dotCounter != 0 ? dotCounter : i + 1);
                w.varint64(epoch).varint64(T0).varint(0).varint(1).varint64(1).varint64(100).u64(42).varint(infoSite).varint64(T0);
            }
            w.bytes(trailing);
            return FrameFormat.finish(w);
        }
    }

    private static Kind refused(Consumer<Spec> bend) {
        Spec s = new Spec();
        bend.accept(s);
        byte[] m = s.build();
        return kindOf(() -> CatalogFormat.parse(m, CatalogLimits.DEFAULT));
    }

    @Test
    void theUnbentSpecIsValid() {
        Spec s = new Spec();
        s.keys = new String[] {"a", "b"};
        CatalogDelta d = CatalogFormat.parse(s.build(), CatalogLimits.DEFAULT);
        assertThat(d.entryCount()).isEqualTo(2);
        assertThat(CatalogFormat.write(d)).isEqualTo(s.build());
    }

    @Test
    void craftedMessagesAreRefusedWithTypedErrors() {
        assertThat(refused(s -> s.version = 2)).isEqualTo(Kind.UNSUPPORTED_VERSION);
        assertThat(refused(s -> s.kind = 0)).isEqualTo(Kind.UNKNOWN_TYPE);
        assertThat(refused(s -> s.kind = 9)).isEqualTo(Kind.UNKNOWN_TYPE);
        assertThat(refused(s -> s.flags = 1)).isEqualTo(Kind.UNSUPPORTED_VERSION);
        assertThat(refused(s -> s.buckets = 0)).isEqualTo(Kind.LIMIT_EXCEEDED);
        assertThat(refused(s -> s.buckets = 4097)).isEqualTo(Kind.LIMIT_EXCEEDED);
        assertThat(refused(s -> s.origin = "dc a")).isEqualTo(Kind.BAD_KEY);
        assertThat(refused(s -> s.origin = "")).isEqualTo(Kind.BAD_KEY);
        assertThat(refused(s -> s.sectionCount = 2)).isEqualTo(Kind.LIMIT_EXCEEDED); // more sections than buckets
        assertThat(refused(s -> s.bucketId = 1)).isEqualTo(Kind.LENGTH_MISMATCH); // id past the bucket count
        assertThat(refused(s -> {
            s.buckets = 64;
            s.bucketId = 0;
            s.keys = new String[] {"vm-42/r0007"}; // lives in bucket 61
        })).isEqualTo(Kind.BAD_KEY);
        // sites
        assertThat(refused(s -> s.siteCount = 1 << 20)).isEqualTo(Kind.LIMIT_EXCEEDED);
        assertThat(refused(s -> s.siteCount = 0)).isEqualTo(Kind.LENGTH_MISMATCH);
        assertThat(refused(s -> s.sites = new String[] {"dc-b", "dc-a"})).isEqualTo(Kind.LENGTH_MISMATCH);
        assertThat(refused(s -> s.sites = new String[] {"dc-a", "dc-a"})).isEqualTo(Kind.LENGTH_MISMATCH);
        assertThat(refused(s -> s.sites = new String[] {"dc-a", "dc-z"})).isEqualTo(Kind.LENGTH_MISMATCH); // named, unused
        assertThat(refused(s -> s.infoSite = 1)).isEqualTo(Kind.LENGTH_MISMATCH); // index past the table
        // context
        assertThat(refused(s -> s.vv = new long[][] {{0, 0}})).isEqualTo(Kind.LENGTH_MISMATCH);
        assertThat(refused(s -> s.vv = new long[][] {{1, 2}})).isEqualTo(Kind.LENGTH_MISMATCH);
        assertThat(refused(s -> s.cloud = new long[][] {{0, 3}})).isEqualTo(Kind.LENGTH_MISMATCH); // 3 = 2 + 1: not compacted
        assertThat(refused(s -> s.cloud = new long[][] {{0, 9}, {0, 5}})).isEqualTo(Kind.LENGTH_MISMATCH);
        assertThat(refused(s -> {
            s.vv = new long[][] {};
            s.keys = new String[] {};
        })).isEqualTo(Kind.LENGTH_MISMATCH); // an empty section
        Spec cloudOnly = new Spec();
        cloudOnly.vv = new long[][] {};
        cloudOnly.cloud = new long[][] {{0, 4}};
        cloudOnly.dotCounter = 4;
        assertThat(CatalogFormat.parse(cloudOnly.build(), CatalogLimits.DEFAULT).entryCount()).isEqualTo(1);
        // entries
        assertThat(refused(s -> s.entryCount = 1 << 21)).isEqualTo(Kind.LIMIT_EXCEEDED);
        assertThat(refused(s -> s.entryCount = 1_000)).isEqualTo(Kind.TRUNCATED); // cannot fit in the bytes left
        assertThat(refused(s -> s.keys = new String[] {"b", "a"})).isEqualTo(Kind.LENGTH_MISMATCH);
        assertThat(refused(s -> s.keys = new String[] {"a", "a"})).isEqualTo(Kind.LENGTH_MISMATCH);
        assertThat(refused(s -> s.rawKeys = new byte[][] {{(byte) 0xC3, 0x28}})).isEqualTo(Kind.BAD_KEY);
        assertThat(refused(s -> s.rawKeys = new byte[][] {{}})).isEqualTo(Kind.BAD_KEY);
        assertThat(refused(s -> s.rawKeys = new byte[][] {new byte[1025]})).isEqualTo(Kind.BAD_KEY);
        assertThat(refused(s -> s.dotCount = 0)).isEqualTo(Kind.LENGTH_MISMATCH);
        assertThat(refused(s -> s.dotCount = 1_000)).isEqualTo(Kind.LIMIT_EXCEEDED);
        assertThat(refused(s -> s.dotCounter = 3)).isEqualTo(Kind.LENGTH_MISMATCH); // not in the context
        assertThat(refused(s -> {
            s.keys = new String[] {"a", "b"};
            s.dotCounter = 1; // one dot for two keys
        })).isEqualTo(Kind.LENGTH_MISMATCH);
        assertThat(refused(s -> s.epoch = 0)).isEqualTo(Kind.LIMIT_EXCEEDED);
        assertThat(refused(s -> s.trailing = new byte[] {0})).isEqualTo(Kind.TRAILING_BYTES);
    }

    @Test
    void overLongVarintsAndOversizedMessagesAreRefused() {
        byte[] ok = new Spec().build();
        // Replace the one-byte bucket count (offset 7) by a 6-byte varint.
        byte[] body = new byte[ok.length - 4 + 5];
        System.arraycopy(ok, 0, body, 0, 7);
        byte[] varint = {(byte) 0x81, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x00};
        System.arraycopy(varint, 0, body, 7, 6);
        System.arraycopy(ok, 8, body, 13, ok.length - 4 - 8);
        WireWriter w = new WireWriter(body.length + 4);
        w.bytes(body);
        byte[] m = FrameFormat.finish(w);
        assertThat(kindOf(() -> CatalogFormat.parse(m, CatalogLimits.DEFAULT))).isEqualTo(Kind.LENGTH_MISMATCH);
        CatalogLimits tiny = new CatalogLimits(64, 4, 10, 4, 10, 40);
        byte[] big = CatalogFormat.write(sampleMessages(3, 30).get(30));
        assertThat(kindOf(() -> CatalogFormat.parse(big, tiny))).isEqualTo(Kind.LIMIT_EXCEEDED);
    }

    @Test
    void craftedDigestMessagesAreRefused() {
        Consumer<WireWriter> none = w -> {};
        assertThat(kindOf(() -> CatalogFormat.parseDigests(digests(1, 4, 4, none), CatalogLimits.DEFAULT))).isNull();
        assertThat(kindOf(() -> CatalogFormat.parseDigests(digests(1, 4, 3, none), CatalogLimits.DEFAULT))).isEqualTo(Kind.TRUNCATED);
        assertThat(kindOf(() -> CatalogFormat.parseDigests(digests(1, 4, 5, none), CatalogLimits.DEFAULT))).isEqualTo(Kind.TRAILING_BYTES);
        assertThat(kindOf(() -> CatalogFormat.parseDigests(digests(2, 4, 4, none), CatalogLimits.DEFAULT))).isEqualTo(Kind.UNSUPPORTED_VERSION);
        assertThat(kindOf(() -> CatalogFormat.parseDigests(digests(1, 1 << 20, 1, none), CatalogLimits.DEFAULT))).isEqualTo(Kind.LIMIT_EXCEEDED);
        assertThat(kindOf(() -> CatalogFormat.parseDigests(digests(1, 0, 1, none), CatalogLimits.DEFAULT))).isEqualTo(Kind.LIMIT_EXCEEDED);
    }

    private static byte[] digests(int version, int buckets, int written, Consumer<WireWriter> extra) {
        WireWriter w = new WireWriter(64);
        w.u32(CatalogFormat.DIGEST_MAGIC).u8(version).u8(0).varint(buckets).u8(4).bytes("dc-a".getBytes(StandardCharsets.US_ASCII));
        w.varint64(T0).varint(0);
        for (int i = 0; i < written; i++) {
            w.u64(i * 31L);
        }
        extra.accept(w);
        return FrameFormat.finish(w);
    }

    /** The kind of the refusal, or null when the input was accepted. */
    private static Kind kindOf(ThrowingRunnable r) {
        try {
            r.run();
            return null;
        } catch (HdeException e) {
            return e.kind();
        }
    }

    private interface ThrowingRunnable {
        void run();
    }

    @Test
    void aMessageOfAnotherBucketCountIsReadButNotMerged() {
        BaselineCatalog a = catalog("dc-a", 64);
        BaselineCatalog b = catalog("dc-b", 16);
        byte[] m = CatalogFormat.write(b.put("k", new KeyframeInfo(1, 0, 0, 1, 1, "dc-b", 1)));
        CatalogDelta d = CatalogFormat.parse(m, CatalogLimits.DEFAULT);
        assertThatThrownBy(() -> a.merge(d)).isInstanceOf(HdeException.class);
    }
}
