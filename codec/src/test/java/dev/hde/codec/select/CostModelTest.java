package dev.hde.codec.select;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hde.codec.block.CodecSpec;
import dev.hde.codec.delta.DeltaMethod;
import dev.hde.codec.region.EncodeSpec;
import dev.hde.codec.wire.FrameType;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The priors' shape and the pseudo-count mean; EncodeChoice, NetworkMode and Link. */
class CostModelTest {

    static List<EncodeChoice> all() {
        return List.of(
                EncodeChoice.parse("raw+none"), EncodeChoice.parse("raw+lz4"), EncodeChoice.parse("raw+zstd-1"), EncodeChoice.parse("raw+zstd-19"),
                EncodeChoice.parse("xor+none"), EncodeChoice.parse("xor+lz4"), EncodeChoice.parse("xor+zstd-3"),
                EncodeChoice.parse("xbzrle+none"), EncodeChoice.parse("xbzrle+lz4"), EncodeChoice.parse("xbzrle+lz4hc-9"),
                EncodeChoice.parse("xbzrle+zstd--5"), EncodeChoice.parse("xbzrle+zstd-3"), EncodeChoice.parse("xbzrle+zstd-3+tdict"),
                EncodeChoice.parse("xbzrle+zstd-22"), EncodeChoice.parse("dict+zstd-3"), EncodeChoice.parse("dict+zstd-9"),
                EncodeChoice.parse("dict+zstd-19"), EncodeChoice.parse("split+zstd-3"), EncodeChoice.parse("split+brotli-5"),
                EncodeChoice.parse("split+lzma-0"), EncodeChoice.parse("raw+brotli-5"));
    }

    @Test
    void nothingCompressesRandomPages() {
        DataFeatures random = new DataFeatures(7.95, 0.004, 0.996, 64, 64 * 4096, 0.1);
        for (EncodeChoice c : all()) {
            assertThat(CostModel.prior(c, random).ratio()).as("%s", c).isGreaterThan(0.99).isLessThanOrEqualTo(1.001);
        }
        // and raw without a codec is the cheapest way to send them, on any link
        for (NetworkMode m : NetworkMode.values()) {
            double rawNone = CostModel.prior(EncodeChoice.parse("raw+none"), random).costNanosPerByte(m.link());
            for (EncodeChoice c : all()) {
                assertThat(CostModel.prior(c, random).costNanosPerByte(m.link())).as("%s %s", m, c).isGreaterThanOrEqualTo(rawNone);
            }
        }
    }

    @Test
    void repeatsEarnRawContentLessCreditAtLowEntropy() {
        EncodeChoice z3 = EncodeChoice.parse("raw+zstd-3");
        // the redis keyframes' regime (5 bits and up): the repeat share counts in full
        double redisLike = CostModel.prior(z3, new DataFeatures(5.1, 0.3, 1.0, 512, 2 << 20, 1.0, 0.3, 0.8)).ratio()
                / CostModel.prior(z3, new DataFeatures(5.1, 0.3, 1.0, 512, 2 << 20, 1.0, 0.3, 0.08)).ratio();
        // database pages (2.4 bits, repeat share 0.85: zstd-3 leaves about 0.05, not the 0.015 full credit says)
        double postgresLike = CostModel.prior(z3, new DataFeatures(2.4, 0.3, 1.0, 512, 2 << 20, 1.0, 0.3, 0.85)).ratio()
                / CostModel.prior(z3, new DataFeatures(2.4, 0.3, 1.0, 512, 2 << 20, 1.0, 0.3, 0.08)).ratio();
        assertThat(redisLike).isLessThan(0.3);
        assertThat(postgresLike).isBetween(0.5, 0.8);
        // at or below 1 bit, none
        assertThat(CostModel.prior(z3, new DataFeatures(0.8, 0.9, 1.0, 512, 2 << 20, 1.0, 0.3, 0.9)))
                .isEqualTo(CostModel.prior(z3, new DataFeatures(0.8, 0.9, 1.0, 512, 2 << 20, 1.0, 0.3, 0.08)));
    }

    @Test
    void pagesMovedWithinTheFrameMakeOnlyDictCheaper() {
        // new content (compressed data, copied files): half of the pages are other listed pages' old content
        DataFeatures stayed = new DataFeatures(7.5, 0.01, 0.9, 128, 128 * 4096, 0.2, 0.1, 0.05, 0.0);
        DataFeatures moved = new DataFeatures(7.5, 0.01, 0.9, 128, 128 * 4096, 0.2, 0.1, 0.05, 0.5);
        EncodeChoice dict = EncodeChoice.parse("dict+zstd-3");
        EncodeChoice split = EncodeChoice.parse("split+zstd-3");
        assertThat(CostModel.prior(dict, moved).ratio()).isLessThan(0.6 * CostModel.prior(dict, stayed).ratio());
        assertThat(CostModel.prior(dict, moved).ratio()).isLessThan(CostModel.prior(split, moved).ratio());
        assertThat(CostModel.prior(dict, stayed).ratio()).isGreaterThanOrEqualTo(CostModel.prior(split, stayed).ratio());
        for (EncodeChoice c : all()) {
            if (c.method() != DeltaMethod.DICT) {
                assertThat(CostModel.prior(c, moved)).as("%s", c).isEqualTo(CostModel.prior(c, stayed));
            }
        }
        assertThat(new DataFeatures(7.5, 0.01, 0.9, 128, 128 * 4096, 0.2, 0.1, 0.05).movedShare()).isZero();
    }

    @Test
    void brotliSitsBetweenZstdAndLzmaAndPaysOnASlowLinkOnly() {
        // a database region's delta: a tenth of its pages edited in place, low-entropy content
        DataFeatures f = new DataFeatures(3.0, 0.3, 0.1, 100, 409_600, 0.05, 0.3, 0.6);
        CostModel.Estimate zstd = CostModel.prior(EncodeChoice.parse("split+zstd-3"), f);
        CostModel.Estimate brotli = CostModel.prior(EncodeChoice.parse("split+brotli-5"), f);
        CostModel.Estimate lzma = CostModel.prior(EncodeChoice.parse("split+lzma-0"), f);
        assertThat(brotli.ratio()).isLessThan(zstd.ratio()).isGreaterThan(lzma.ratio());
        assertThat(brotli.encodeNanosPerByte()).isGreaterThan(zstd.encodeNanosPerByte()).isLessThan(lzma.encodeNanosPerByte());
        assertThat(brotli.decodeNanosPerByte()).isGreaterThan(zstd.decodeNanosPerByte()).isLessThan(lzma.decodeNanosPerByte());
        // what hde replay measured on the postgres trace: at 10 Mbit/s Brotli is the cheapest of the three, at 100 Mbit/s zstd is
        Link slow = new Link(NetworkMode.INTERNET, 10_000_000L);
        assertThat(brotli.costNanosPerByte(slow)).isLessThan(zstd.costNanosPerByte(slow)).isLessThan(lzma.costNanosPerByte(slow));
        Link internet = NetworkMode.INTERNET.link();
        assertThat(zstd.costNanosPerByte(internet)).isLessThan(brotli.costNanosPerByte(internet));
    }

    @Test
    void xbzrleScalesWithTheChangedShareAndItsRunsAndHigherLevelsCompressMoreButSlower() {
        double previous = 0;
        for (double changed : new double[] {0.001, 0.01, 0.05, 0.2, 0.6}) {
            DataFeatures f = new DataFeatures(4.5, 0.4, changed, 100, 409_600, 0.0, 0.3, 0.1);
            double r = CostModel.prior(EncodeChoice.parse("xbzrle+none"), f).ratio();
            assertThat(r).as("changed %s", changed).isGreaterThan(previous);
            // the changed bytes, 2.1 bytes per run of them, 5 bytes per page, the header
            assertThat(r).isCloseTo(Math.min(4097.0 / 4096, changed * (1 + 2.1 * 0.3) + 5.0 / 4096) + (100 + 70 + 20) / 409_600.0,
                    org.assertj.core.data.Offset.offset(1e-9));
            previous = r;
            // raw does not care
            assertThat(CostModel.prior(EncodeChoice.parse("raw+zstd-3"), f).ratio())
                    .isEqualTo(CostModel.prior(EncodeChoice.parse("raw+zstd-3"), new DataFeatures(4.5, 0.4, 0.5, 100, 409_600, 0.0, 0.3, 0.1)).ratio());
        }
        // short runs cost more than long ones
        assertThat(CostModel.prior(EncodeChoice.parse("xbzrle+none"), new DataFeatures(4.5, 0.4, 0.05, 100, 409_600, 0.0, 0.5, 0.1)).ratio())
                .isGreaterThan(CostModel.prior(EncodeChoice.parse("xbzrle+none"), new DataFeatures(4.5, 0.4, 0.05, 100, 409_600, 0.0, 0.05, 0.1)).ratio());
        // redundant content compresses better than its entropy says
        EncodeChoice z3 = EncodeChoice.parse("raw+zstd-3");
        assertThat(CostModel.prior(z3, new DataFeatures(5.1, 0.3, 1.0, 512, 2 << 20, 1.0, 0.3, 0.8)).ratio())
                .isLessThan(0.5 * CostModel.prior(z3, new DataFeatures(5.1, 0.3, 1.0, 512, 2 << 20, 1.0, 0.3, 0.08)).ratio());
        DataFeatures f = new DataFeatures(4.5, 0.4, 0.05, 100, 409_600, 0.05, 0.3, 0.1);
        double lastRatio = 2;
        double lastSpeed = 0;
        for (int level : new int[] {1, 3, 9, 19}) {
            CostModel.Estimate e = CostModel.prior(EncodeChoice.of(DeltaMethod.XBZRLE, CodecSpec.zstd(level)), f);
            assertThat(e.ratio()).isLessThanOrEqualTo(lastRatio);
            assertThat(e.encodeNanosPerByte()).isGreaterThan(lastSpeed);
            lastRatio = e.ratio();
            lastSpeed = e.encodeNanosPerByte();
        }
        assertThat(CostModel.prior(EncodeChoice.parse("xbzrle+lz4"), f).ratio())
                .isBetween(CostModel.prior(EncodeChoice.parse("xbzrle+zstd-1"), f).ratio(), CostModel.prior(EncodeChoice.parse("xbzrle+none"), f).ratio());
    }

    @Test
    void estimatesMoveFromThePriorByTheRatioOfWhatTheRecordsCostToWhatThePriorsPredicted() {
        EncodeChoice c = EncodeChoice.parse("xbzrle+lz4");
        DataFeatures f = new DataFeatures(4.0, 0.45, 0.02, 200, 800_000, 0.03);
        CostModel.Estimate prior = CostModel.prior(c, f);
        assertThat(CostModel.estimate(c, f, Aggregate.ZERO, 3)).isEqualTo(prior);
        assertThat(CostModel.estimate(c, f, null, 3)).isEqualTo(prior);
        // A million records that cost 2x the bytes and 0.5x the encode time the priors predicted: the records decide.
        Aggregate many = new Aggregate(1_000_000, 800_000_000_000L, 2_000_000_000L, 1_000_000_000L, 500_000_000L, 1_000_000_000L, 0, 0, 0, 0);
        CostModel.Estimate e = CostModel.estimate(c, f, many, 3);
        assertThat(e.ratio()).isCloseTo(2 * prior.ratio(), org.assertj.core.data.Percentage.withPercentage(0.01));
        assertThat(e.encodeNanosPerByte()).isCloseTo(0.5 * prior.encodeNanosPerByte(), org.assertj.core.data.Percentage.withPercentage(0.01));
        assertThat(e.decodeNanosPerByte()).isEqualTo(prior.decodeNanosPerByte());
        // 3 records carry half the weight (pseudo-count 3)
        Aggregate three = new Aggregate(3, 2_400_000L, 6_000L, 3_000L, 1_500L, 3_000L, 0, 0, 0, 0);
        assertThat(CostModel.estimate(c, f, three, 3).ratio()).isCloseTo(1.5 * prior.ratio(), org.assertj.core.data.Percentage.withPercentage(1e-6));
        // an empty cell starts from its pool: what the other codecs of the kind showed
        CostModel.Pool pool = new CostModel.Pool(9, 1_000, 4_000);
        assertThat(pool.factor(3)).isCloseTo((3 + 9 * 0.25) / 12, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(CostModel.estimate(c, f, Aggregate.ZERO, pool, 3).ratio()).isCloseTo(prior.ratio() * pool.factor(3),
                org.assertj.core.data.Offset.offset(1e-12));
        assertThat(CostModel.estimate(c, f, three, pool, 3).ratio()).isCloseTo(prior.ratio() * (3 * pool.factor(3) + 3 * 2.0) / 6,
                org.assertj.core.data.Offset.offset(1e-12));
        // costs add up
        Link link = NetworkMode.INTERNET.link();
        assertThat(e.costNanos(1000, link)).isCloseTo(1000 * (e.encodeNanosPerByte() + e.decodeNanosPerByte() + e.ratio() * 80.0),
                org.assertj.core.data.Offset.offset(1e-6));
    }

    @Test
    void keyframeRecordsDoNotMoveTheDeltaEstimatesOfTheirKindNorTheOtherWayRound() {
        // A delta and a keyframe of the same kind (entropy below 6.5 bits, changed share above 40 %): PostgreSQL's
        // busiest region is such a delta, its first image's keyframes are the same kind.
        DataFeatures delta = new DataFeatures(4.3, 0.2, 0.69, 499, 499 * 4096, 0.0, 0.22, 0.38, 0.0);
        DataFeatures keyframe = new DataFeatures(4.5, 0.3, 1.0, 512, 512 * 4096, 1.0, 0.3, 0.5, 0.0);
        assertThat(delta.kind()).isEqualTo(keyframe.kind());
        EncodeChoice rawZstd1 = EncodeChoice.parse("raw+zstd-1");
        EncodeChoice rawZstd3 = EncodeChoice.parse("raw+zstd-3");
        EncodeChoice split = EncodeChoice.parse("split+zstd-3");
        EncodeChoice xbzrle = EncodeChoice.parse("xbzrle+zstd-3");
        // Keyframes that zstd-1 left 30 % larger than its prior said.
        SelectorModel.Builder b = new SelectorModel.Builder(0);
        long predicted = Math.round(CostModel.prior(rawZstd1, keyframe).ratio() * keyframe.bytes());
        for (int i = 0; i < 36; i++) {
            b.add(Observation.encoded(keyframe, rawZstd1, Math.round(predicted * 1.3), 1_000_000, i));
        }
        SelectorModel keyframesOnly = b.build();
        CostModel.Pool[] pools = CostModel.pools(keyframesOnly, delta.kind());
        // The delta streams' pool has seen nothing: the delta candidates keep their priors ...
        assertThat(pools[CostModel.poolOf(split)]).isEqualTo(CostModel.Pool.EMPTY);
        assertThat(CostModel.estimate(split, delta, keyframesOnly.aggregate(delta.kind(), split), pools[CostModel.poolOf(split)], 3))
                .isEqualTo(CostModel.prior(split, delta));
        // ... while another keyframe codec starts from what zstd-1 showed about the content.
        double start = pools[CostModel.poolOf(rawZstd3)].factor(3);
        assertThat(start).isCloseTo((3 + 36 * 1.3) / 39, org.assertj.core.data.Offset.offset(1e-3));
        assertThat(CostModel.estimate(rawZstd3, keyframe, Aggregate.ZERO, pools[CostModel.poolOf(rawZstd3)], 3).ratio())
                .isCloseTo(CostModel.prior(rawZstd3, keyframe).ratio() * start, org.assertj.core.data.Offset.offset(1e-9));
        // And the other way round: delta records of a codec move the other delta codecs, not the keyframes.
        SelectorModel.Builder d = new SelectorModel.Builder(0);
        long predictedDelta = Math.round(CostModel.prior(xbzrle, delta).ratio() * delta.bytes());
        for (int i = 0; i < 10; i++) {
            d.add(Observation.encoded(delta, xbzrle, predictedDelta / 2, 1_000_000, i));
        }
        CostModel.Pool[] deltaPools = CostModel.pools(d.build(), delta.kind());
        assertThat(deltaPools[CostModel.poolOf(split)].factor(3)).isCloseTo((3 + 10 * 0.5) / 13, org.assertj.core.data.Offset.offset(1e-3));
        assertThat(deltaPools[CostModel.poolOf(rawZstd3)]).isEqualTo(CostModel.Pool.EMPTY);
        // Four pools: keyframe content and delta streams, each with a codec that compresses or without.
        assertThat(List.of(EncodeChoice.parse("xbzrle+none"), split, EncodeChoice.parse("raw+none"), rawZstd3).stream()
                .map(CostModel::poolOf).toList()).containsExactly(0, 1, 2, 3);
    }

    @Test
    void choicesParseAndPrint() {
        for (EncodeChoice c : all()) {
            assertThat(EncodeChoice.parse(c.toString())).isEqualTo(c);
        }
        assertThat(EncodeChoice.parse(" XBZRLE+ZSTD-3+TDICT ")).isEqualTo(new EncodeChoice(EncodeSpec.of(DeltaMethod.XBZRLE, CodecSpec.zstd(3)), true));
        assertThat(EncodeChoice.parse("xbzrle+zstd-3").forFrame(FrameType.FULL)).hasToString("raw+zstd-3");
        assertThat(EncodeChoice.parse("dict+zstd-9").forFrame(FrameType.FULL)).hasToString("raw+zstd-9");
        assertThat(EncodeChoice.parse("xor+lz4").forFrame(FrameType.DELTA)).hasToString("xor+lz4");
        for (String bad : List.of("raw", "foo+none", "raw+zip", "raw+zstd-x", "raw+zstd-0", "dict+lz4", "xbzrle+lz4+tdict", "dict+zstd-3+tdict",
                "raw+none+tdict", "raw+lz4hc-99")) {
            assertThatThrownBy(() -> EncodeChoice.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
        assertThat(EncodeChoice.parse("raw+none").compareTo(EncodeChoice.parse("xbzrle+none"))).isNegative();
        assertThat(EncodeChoice.parse("xbzrle+zstd-3").compareTo(EncodeChoice.parse("xbzrle+zstd-3+tdict"))).isNegative();
    }

    @Test
    void networkModesAndLinks() {
        assertThat(NetworkMode.DATACENTER.link().bitsPerSecond()).isEqualTo(10_000_000_000L);
        assertThat(NetworkMode.INTERNET.link().bitsPerSecond()).isEqualTo(100_000_000L);
        assertThat(NetworkMode.HYBRID.link().bitsPerSecond()).isEqualTo(1_000_000_000L);
        assertThat(NetworkMode.DATACENTER.link().nanosPerByte()).isEqualTo(0.8);
        assertThat(NetworkMode.INTERNET.link().nanosPerByte()).isEqualTo(80.0);
        assertThat(NetworkMode.parse(" Hybrid")).isEqualTo(NetworkMode.HYBRID);
        assertThatThrownBy(() -> NetworkMode.parse("lan")).isInstanceOf(IllegalArgumentException.class);
        // 250 MB in 10 s = 200 Mbit/s
        assertThat(Link.measured(NetworkMode.HYBRID, 250_000_000L, 10_000_000_000L)).isEqualTo(new Link(NetworkMode.HYBRID, 200_000_000L));
        assertThat(Link.measured(NetworkMode.HYBRID, 1, Long.MAX_VALUE).bitsPerSecond()).isEqualTo(Link.MIN_BITS_PER_SECOND);
        assertThatThrownBy(() -> new Link(NetworkMode.HYBRID, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Link.measured(NetworkMode.HYBRID, 0, 5)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void featuresKeepTheirOldConstructorAndAddThePayloadShare() {
        DataFeatures old = new DataFeatures(4.0, 0.5, 0.1, 3, 12288);
        assertThat(old.newShare()).isZero();
        assertThat(old.payloadShare()).isEqualTo(0.1);
        assertThat(new DataFeatures(4.0, 0.5, 1.0, 3, 12288).payloadShare()).isEqualTo(1.0);
        assertThat(new DataFeatures(4.0, 0.5, 0.1, 3, 12288, 0.5).payloadShare()).isCloseTo(0.55, org.assertj.core.data.Offset.offset(1e-12));
    }
}
