package dev.hde.state.crdt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hde.codec.HdeException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BaselineCatalogTest {

    private static final long T0 = 1_760_000_000_000L;

    private final long[] wallA = {T0};
    private final long[] wallB = {T0};

    private BaselineCatalog a() {
        return new BaselineCatalog("dc-a", 64, new HybridLogicalClock(() -> wallA[0]));
    }

    private BaselineCatalog b() {
        return new BaselineCatalog("dc-b", 64, new HybridLogicalClock(() -> wallB[0]));
    }

    private static KeyframeInfo info(long epoch, String site) {
        return new KeyframeInfo(epoch, 3, 1_000 + epoch, 2_097_152, 0xABCDL * epoch, site, T0 + epoch);
    }

    @Test
    void putGetRemove() {
        BaselineCatalog c = a();
        CatalogDelta d = c.put("vm-42/r0007", info(1, "dc-a"));
        assertThat(d.kind()).isEqualTo(CatalogDelta.Kind.DELTA);
        assertThat(d.buckets()).containsOnlyKeys(c.bucketOf("vm-42/r0007"));
        assertThat(c.get("vm-42/r0007")).isEqualTo(info(1, "dc-a"));
        assertThat(c.register("vm-42/r0007").time()).isEqualTo(new Hlc(T0, 0));
        assertThat(c.size()).isEqualTo(1);
        c.put("vm-42/r0008", info(1, "dc-a"));
        c.put("vm-42/r0007", info(2, "dc-a"));
        assertThat(c.get("vm-42/r0007").epoch()).isEqualTo(2);
        assertThat(c.size()).isEqualTo(2);
        assertThat(c.remove("vm-42/r0007").isEmpty()).isFalse();
        assertThat(c.remove("vm-42/r0007").isEmpty()).isTrue();
        assertThat(c.get("vm-42/r0007")).isNull();
        assertThat(c.toMap()).containsOnlyKeys("vm-42/r0008");
    }

    @Test
    void aLaterEpochAlwaysWinsWhateverTheClocks() {
        BaselineCatalog a = a();
        BaselineCatalog b = b();
        wallA[0] = T0 + 60_000; // a's clock runs a minute ahead
        a.put("k", info(5, "dc-a"));
        b.put("k", info(6, "dc-b"));
        a.merge(b.state());
        b.merge(a.state());
        assertThat(a.get("k").epoch()).isEqualTo(6);
        assertThat(b.get("k")).isEqualTo(a.get("k"));
        // an older keyframe written later does not hide the newer one
        a.put("k", info(4, "dc-a"));
        assertThat(a.get("k").epoch()).isEqualTo(6);
    }

    @Test
    void sameEpochAWriteMadeAfterSeeingAnotherWinsEvenWithASlowerWallClock() {
        BaselineCatalog a = a();
        BaselineCatalog b = b();
        wallA[0] = T0 + 60_000;
        a.put("k", info(5, "dc-a"));
        b.merge(a.state()); // b's HLC moves past a's timestamp
        b.put("k", info(5, "dc-b"));
        assertThat(b.register("k").time()).isGreaterThan(a.register("k").time());
        a.merge(b.state());
        assertThat(a.get("k").site()).isEqualTo("dc-b");
        assertThat(a.bucket(a.bucketOf("k")).entry("k")).hasSize(1); // b's write retired a's
    }

    @Test
    void concurrentEqualStampsAreBrokenBySiteId() {
        BaselineCatalog a = a();
        BaselineCatalog b = b();
        a.put("k", info(5, "dc-a"));
        b.put("k", info(5, "dc-b")); // same epoch, same HLC (T0.0): the site decides
        assertThat(a.register("k").time()).isEqualTo(b.register("k").time());
        BaselineCatalog x = a.copy();
        x.merge(b.state());
        BaselineCatalog y = b.copy();
        y.merge(a.state());
        assertThat(x.get("k").site()).isEqualTo("dc-b");
        assertThat(x.sameContent(y)).isTrue();
        MergeReport r = a.merge(b.state());
        assertThat(r.concurrent()).isEqualTo(1);
        assertThat(r.updated()).isEqualTo(1);
    }

    @Test
    void aConcurrentPutWinsOverARemoveAndRemovedKeysStayRemoved() {
        BaselineCatalog a = a();
        BaselineCatalog b = b();
        CatalogDelta first = a.put("k", info(1, "dc-a"));
        b.merge(first);
        CatalogDelta removal = b.remove("k");
        CatalogDelta concurrent = a.put("k", info(2, "dc-a"));
        a.merge(removal);
        b.merge(concurrent);
        assertThat(a.get("k").epoch()).isEqualTo(2);
        assertThat(b.get("k").epoch()).isEqualTo(2);
        // Now a remove that saw everything; stale deltas replayed afterwards change nothing.
        CatalogDelta gone = b.remove("k");
        a.merge(gone);
        a.merge(first);
        a.merge(concurrent);
        b.merge(first);
        assertThat(a.get("k")).isNull();
        assertThat(b.get("k")).isNull();
        assertThat(a.sameContent(b)).isTrue();
    }

    @Test
    void digestsFindTheBucketsThatDifferAndOneExchangeMakesReplicasEqual() {
        BaselineCatalog a = a();
        BaselineCatalog b = b();
        assertThat(a.digests()).containsOnly(0L);
        List<CatalogDelta> fromA = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            fromA.add(a.put("vm-" + i / 10 + "/r" + i % 10, info(1 + i % 3, "dc-a")));
        }
        for (int i = 0; i < 50; i++) {
            b.put("vm-x/r" + i, info(1, "dc-b"));
        }
        Random rnd = new Random(5);
        for (CatalogDelta d : fromA) {
            if (rnd.nextInt(4) != 0) {
                b.merge(d); // a quarter lost
            }
        }
        a.remove("vm-0/r1");
        int[] differ = b.differingBuckets(a.digestMessage());
        assertThat(differ).isNotEmpty().hasSizeLessThan(64);
        assertThat(a.differingBuckets(b.digestMessage())).isEqualTo(differ);
        CatalogDelta repairFromA = a.bucketDelta(differ);
        CatalogDelta repairFromB = b.bucketDelta(differ);
        assertThat(repairFromA.kind()).isEqualTo(CatalogDelta.Kind.REPAIR);
        b.merge(repairFromA);
        a.merge(repairFromB);
        assertThat(a.digests()).isEqualTo(b.digests());
        assertThat(a.sameContent(b)).isTrue();
        assertThat(a.size()).isEqualTo(249);
    }

    @Test
    void digestsDependOnContextsNotJustValues() {
        BaselineCatalog a = a();
        BaselineCatalog b = b();
        a.put("k", info(1, "dc-a"));
        long before = a.digest(a.bucketOf("k"));
        a.remove("k");
        assertThat(a.size()).isZero();
        // Same visible map as an empty replica, but a remembers the removed dot: not the same state.
        assertThat(a.digest(a.bucketOf("k"))).isNotZero().isNotEqualTo(before);
        assertThat(a.differingBuckets(b.digestMessage())).containsExactly(a.bucketOf("k"));
    }

    @Test
    void aReplicaRestoresFromItsStateWithItsClock() {
        BaselineCatalog a = a();
        for (int i = 0; i < 30; i++) {
            a.put("k" + i, info(1, "dc-a"));
        }
        a.remove("k3");
        BaselineCatalog back = BaselineCatalog.restore(a.state(), () -> T0 - 10_000); // the wall clock went back
        assertThat(back.sameContent(a)).isTrue();
        assertThat(back.digests()).isEqualTo(a.digests());
        assertThat(back.site()).isEqualTo("dc-a");
        CatalogDelta d = back.put("k0", info(2, "dc-a"));
        assertThat(d.clock()).isGreaterThan(a.clock().current());
        assertThat(back.bucket(back.bucketOf("k0")).entry("k0").firstKey().counter()).isGreaterThan(1);
    }

    @Test
    void catalogsOfDifferentBucketCountsCannotMerge() {
        BaselineCatalog a = a();
        BaselineCatalog other = new BaselineCatalog("dc-c", 32, new HybridLogicalClock(() -> T0));
        other.put("k", info(1, "dc-c"));
        assertThatThrownBy(() -> a.merge(other.state())).isInstanceOf(HdeException.class)
                .extracting(e -> ((HdeException) e).kind()).isEqualTo(HdeException.Kind.LENGTH_MISMATCH);
        assertThatThrownBy(() -> a.differingBuckets(other.digestMessage())).isInstanceOf(HdeException.class);
    }

    @Test
    void aRemoteClockFarAheadIsMergedButNotAdopted() {
        BaselineCatalog a = a();
        BaselineCatalog b = b();
        wallB[0] = T0 + 3_600_000; // an hour ahead
        CatalogDelta d = b.put("k", info(1, "dc-b"));
        MergeReport r = a.merge(d);
        assertThat(r.clockSkewRejected()).isEqualTo(1);
        assertThat(r.added()).isEqualTo(1);
        assertThat(a.clock().current().millis()).isLessThan(T0 + 3_600_000);
    }

    @Test
    void keysAreCheckedAndBucketedByXxh64OfTheirUtf8() {
        // XXH64 test vector: the empty input with seed 0.
        assertThat(StateKeys.hash(new byte[0])).isEqualTo(0xEF46DB3751D8E999L);
        byte[] k = "vm-42/r0007".getBytes(StandardCharsets.UTF_8);
        assertThat(StateKeys.bucketOf(k, 64)).isEqualTo((int) Long.remainderUnsigned(StateKeys.hash(k), 64));
        assertThat(StateKeys.bucketOf("vm-42/r0007", 1)).isZero();
        BaselineCatalog c = a();
        assertThatThrownBy(() -> c.put("", info(1, "dc-a"))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> c.put("bad\uD800", info(1, "dc-a"))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> c.put("x".repeat(1025), info(1, "dc-a"))).isInstanceOf(IllegalArgumentException.class);
        c.put("x".repeat(1024), info(1, "dc-a"));
        c.put("région-é/\uD83D\uDE00", info(1, "dc-a"));
        assertThat(c.size()).isEqualTo(2);
        // UTF-8 byte order, not UTF-16 order: U+FFFD sorts before U+1F600 in UTF-8 but after it in UTF-16.
        assertThat(StateKeys.UTF8_ORDER.compare("\uFFFD", "\uD83D\uDE00")).isNegative();
        assertThat("\uFFFD".compareTo("\uD83D\uDE00")).isPositive();
    }

    @Test
    void keyframeInfoRefusesNonsense() {
        assertThatThrownBy(() -> new KeyframeInfo(0, 0, 0, 0, 0, "s", 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new KeyframeInfo(1, -2, 0, 0, 0, "s", 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new KeyframeInfo(1, 0, -2, 0, 0, "s", 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new KeyframeInfo(1, 0, 0, -1, 0, "s", 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new KeyframeInfo(1, 0, 0, 0, 0, "s s", 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new KeyframeInfo(1, 0, 0, 0, 0, "s", Hlc.MAX_MILLIS + 1)).isInstanceOf(IllegalArgumentException.class);
        assertThat(new KeyframeInfo(1, -1, -1, 0, 0, "s", 0).hasPosition()).isFalse();
        assertThat(new KeyframeInfo(1, 0, 0, 0, 0, "s", 0).hasPosition()).isTrue();
    }

    @Test
    void aSiteThatPrunesARegionRemovesOnlyItsOwnKeyframes() {
        BaselineCatalog a = a();
        BaselineCatalog b = b();
        a.put("k", info(7, "dc-a"));
        b.put("k", info(6, "dc-b"));
        a.merge(b.state());
        assertThat(a.get("k").site()).isEqualTo("dc-a");
        CatalogDelta pruned = a.removeFrom("k", "dc-a");
        assertThat(a.get("k").site()).isEqualTo("dc-b"); // b's keyframe is still good
        b.merge(pruned);
        b.merge(a.state());
        assertThat(b.get("k")).isEqualTo(info(6, "dc-b"));
        assertThat(a.removeFrom("k", "dc-a").isEmpty()).isTrue();
        assertThat(a.sameContent(b)).isTrue();
    }
}
