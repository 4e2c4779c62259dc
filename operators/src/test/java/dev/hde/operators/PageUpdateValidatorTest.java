package dev.hde.operators;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hde.codec.HdeException.Kind;
import dev.hde.codec.Limits;
import dev.hde.codec.wire.PageUpdateEvent;
import dev.hde.codec.wire.PageUpdateEventFormat;
import dev.hde.codec.wire.WireWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PageUpdateValidatorTest {

    /** Pages up to 2^13, regions up to 32 pages, keys up to 24 bytes: small enough to cross every limit. */
    private static final Limits LIMITS = new Limits(13, 32, 24);
    private static final String KEY = "vm-01/r0003";
    private static final String TOPIC = "hde.page-updates";
    private static final int PS = 1 << 12;

    private OneInputStreamOperatorTestHarness<SourceRecord, ValidEvent> harness;
    private long offset;

    @BeforeEach
    void open() throws Exception {
        harness = ProcessFunctionTestHarnesses.forProcessFunction(new PageUpdateValidator(LIMITS));
    }

    @AfterEach
    void close() throws Exception {
        harness.close();
    }

    // ---- events --------------------------------------------------------------------------------

    private static byte[] pagesEvent(String key, long seq) {
        Random r = new Random(seq);
        return PageUpdateEventFormat.write(PageUpdateEvent.pages(key, 12, 16, seq, 1_700_000_000_000L + seq, new int[] {1, 5, 6},
                new byte[][] {TestPages.text(r, PS), TestPages.sparse(r, PS), new byte[PS]}));
    }

    private static byte[] regionEvent(String key, long seq, int regionPages) {
        Random r = new Random(seq);
        byte[][] pages = new byte[regionPages][];
        for (int i = 0; i < regionPages; i++) {
            pages[i] = TestPages.page(r, PS);
        }
        return PageUpdateEventFormat.write(PageUpdateEvent.region(key, 12, seq, 1_700_000_000_000L + seq, pages));
    }

    /**
     * An event written field by field, so that any field can lie; the CRC is right.
     *
     * @param table the raw page-table bytes (gap varints), written for any kind
     * @param pageBytes how many bytes of page content follow
     */
    private static byte[] raw(int version, int kind, int shift, int flags, byte[] key, int keyLength, int regionPages, int pageCount,
            byte[] table, int pageBytes) {
        WireWriter w = new WireWriter(64);
        w.u32(PageUpdateEventFormat.MAGIC).u8(version).u8(kind).u8(shift).u8(flags)
                .varint(keyLength).varint(regionPages).varint64(7).varint64(1_700_000_000_000L).varint(pageCount)
                .bytes(key).bytes(table);
        byte[] pages = new byte[pageBytes];
        Arrays.fill(pages, (byte) 0x5A);
        w.bytes(pages);
        return TestPages.seal(w.toByteArray());
    }

    private static byte[] rawPages(int regionPages, int pageCount, byte[] table) {
        return raw(1, 1, 12, 0, KEY.getBytes(StandardCharsets.UTF_8), KEY.length(), regionPages, pageCount, table, pageCount * PS);
    }

    private static byte[] gaps(int... gaps) {
        WireWriter w = new WireWriter(16);
        for (int g : gaps) {
            w.varint(g);
        }
        return w.toByteArray();
    }

    /** Malformed records: name, Kafka key, value, expected dead-letter reason. */
    static Stream<Arguments> malformed() {
        byte[] good = pagesEvent(KEY, 3);
        byte[] key = KEY.getBytes(StandardCharsets.UTF_8);
        List<Arguments> cases = new ArrayList<>();
        cases.add(Arguments.of("bad magic", key, TestPages.setByte(good, 0, 'X'), Kind.BAD_MAGIC));
        cases.add(Arguments.of("frame magic, not an event", key, TestPages.withCrc(new byte[] {0x48, 0x44, 0x45, 0x46, 1, 1, 0, 0, 12, 0, 0, 0, 0, 0, 0, 0}),
                Kind.BAD_MAGIC));
        cases.add(Arguments.of("unsupported version", key, TestPages.setByte(good, 4, 3), Kind.UNSUPPORTED_VERSION));
        cases.add(Arguments.of("version zero", key, TestPages.setByte(good, 4, 0), Kind.UNSUPPORTED_VERSION));
        cases.add(Arguments.of("unknown kind", key, TestPages.setByte(good, 5, 9), Kind.UNKNOWN_TYPE));
        cases.add(Arguments.of("unknown flags", key, TestPages.setByte(good, 7, 1), Kind.UNSUPPORTED_VERSION));
        cases.add(Arguments.of("shorter than any event", key, Arrays.copyOf(good, 11), Kind.TRUNCATED));
        cases.add(Arguments.of("empty value", key, new byte[0], Kind.TRUNCATED));
        cases.add(Arguments.of("null value", key, null, Kind.TRUNCATED));
        cases.add(Arguments.of("cut, CRC of the whole", key, Arrays.copyOf(good, good.length - 100), Kind.CHECKSUM_MISMATCH));
        byte[] whole = regionEvent(KEY, 4, 3);
        cases.add(Arguments.of("REGION cut inside a page, CRC fixed", key,
                TestPages.seal(Arrays.copyOf(TestPages.body(whole), whole.length - 4 - 100)), Kind.TRUNCATED));
        // A cut PAGES event: the table length is what is left after the pages, so the codec reports that
        // the pages do not fit (LENGTH_MISMATCH) rather than TRUNCATED; either way it is dead-lettered.
        cases.add(Arguments.of("PAGES cut inside a page, CRC fixed", key,
                TestPages.seal(Arrays.copyOf(TestPages.body(good), good.length - 4 - 100)), Kind.LENGTH_MISMATCH));
        cases.add(Arguments.of("cut inside the varints, CRC fixed", key, TestPages.seal(Arrays.copyOf(good, 10)), Kind.TRUNCATED));
        byte[] flipped = good.clone();
        flipped[good.length / 2] ^= 0x10;
        cases.add(Arguments.of("flipped bit in a page", key, flipped, Kind.CHECKSUM_MISMATCH));
        byte[] badCrc = good.clone();
        badCrc[good.length - 1] ^= 1;
        cases.add(Arguments.of("flipped bit in the CRC", key, badCrc, Kind.CHECKSUM_MISMATCH));
        cases.add(Arguments.of("bytes after the CRC", key, TestPages.concat(good, new byte[] {1, 2, 3}), Kind.CHECKSUM_MISMATCH));
        cases.add(Arguments.of("trailing bytes, PAGES, CRC fixed", key, TestPages.seal(TestPages.concat(TestPages.body(good), new byte[] {0, 0, 0})),
                Kind.TRAILING_BYTES));
        byte[] region = regionEvent(KEY, 4, 3);
        cases.add(Arguments.of("trailing bytes, REGION, CRC fixed", key, TestPages.seal(TestPages.concat(TestPages.body(region), new byte[] {7})),
                Kind.TRAILING_BYTES));
        cases.add(Arguments.of("page count over region pages", key, rawPages(4, 5, gaps(0, 0, 0, 0, 0)), Kind.LENGTH_MISMATCH));
        cases.add(Arguments.of("REGION event missing pages", key,
                raw(1, 2, 12, 0, key, key.length, 4, 3, new byte[0], 3 * PS), Kind.LENGTH_MISMATCH));
        cases.add(Arguments.of("DELETE event with pages", key, raw(1, 3, 12, 0, key, key.length, 0, 1, new byte[0], PS), Kind.LENGTH_MISMATCH));
        cases.add(Arguments.of("page index out of range", key, rawPages(8, 2, gaps(3, 4)), Kind.PAGE_INDEX_OUT_OF_RANGE));
        cases.add(Arguments.of("first page index out of range", key, rawPages(8, 1, gaps(8)), Kind.PAGE_INDEX_OUT_OF_RANGE));
        // Indices are gaps, so they can only increase; a gap that overflows 31 bits (which as an int would
        // be -1, i.e. the same index again or a smaller one) is refused rather than wrapped.
        cases.add(Arguments.of("decreasing index via an overflowing gap", key,
                rawPages(8, 2, new byte[] {2, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x0F}), Kind.LENGTH_MISMATCH));
        cases.add(Arguments.of("more index bytes than pages fit", key, rawPages(8, 2, gaps(0, 0, 0)), Kind.TRAILING_BYTES));
        cases.add(Arguments.of("page size over the limit", key, raw(1, 1, 14, 0, key, key.length, 4, 0, new byte[0], 0), Kind.LIMIT_EXCEEDED));
        cases.add(Arguments.of("page size 2^31 (shift 31)", key, raw(1, 1, 31, 0, key, key.length, 4, 0, new byte[0], 0), Kind.LIMIT_EXCEEDED));
        cases.add(Arguments.of("page size under the minimum", key, raw(1, 1, 8, 0, key, key.length, 4, 0, new byte[0], 0), Kind.LIMIT_EXCEEDED));
        cases.add(Arguments.of("region over the limit", key, rawPages(33, 0, new byte[0]), Kind.LIMIT_EXCEEDED));
        cases.add(Arguments.of("page count with no bytes behind it", key, raw(1, 1, 12, 0, key, key.length, 32, 32, new byte[0], 0),
                Kind.TRUNCATED));
        cases.add(Arguments.of("empty key", new byte[0], raw(1, 1, 12, 0, new byte[0], 0, 4, 0, new byte[0], 0), Kind.BAD_KEY));
        byte[] longKey = "vm-000000000001/r0000000003".getBytes(StandardCharsets.UTF_8); // 27 bytes > 24
        cases.add(Arguments.of("key over the limit", longKey, raw(1, 1, 12, 0, longKey, longKey.length, 4, 0, new byte[0], 0), Kind.BAD_KEY));
        byte[] notUtf8 = {'v', 'm', (byte) 0xC3, (byte) 0x28, '/', 'r'};
        cases.add(Arguments.of("key not UTF-8", notUtf8, raw(1, 1, 12, 0, notUtf8, notUtf8.length, 4, 0, new byte[0], 0), Kind.BAD_KEY));
        cases.add(Arguments.of("key length beyond the event", key, raw(1, 1, 12, 0, key, 20, 4, 0, new byte[0], 0), Kind.TRUNCATED));
        cases.add(Arguments.of("Kafka key differs from the state key", "vm-01/r0004".getBytes(StandardCharsets.UTF_8), good, Kind.KEY_MISMATCH));
        cases.add(Arguments.of("Kafka key empty", new byte[0], good, Kind.KEY_MISMATCH));
        cases.add(Arguments.of("no Kafka key", null, good, Kind.KEY_MISMATCH));
        byte[][] pages = {TestPages.text(new Random(1), PS), new byte[PS]};
        PageUpdateEvent region2 = PageUpdateEvent.region(KEY, 12, 4, 1_700_000_000_004L, pages);
        long truth = dev.hde.codec.PageHash.of(0, pages[0]);
        cases.add(Arguments.of("REGION whose pages are not its digest", key, PageUpdateEventFormat.write(region2.withDigest(truth ^ 1)),
                Kind.DIGEST_MISMATCH));
        cases.add(Arguments.of("DELETE with a digest", key, PageUpdateEventFormat.write(PageUpdateEvent.delete(KEY, 12, 5, 5).withDigest(9)),
                Kind.DIGEST_MISMATCH));
        cases.add(Arguments.of("a resync request among the events", key, dev.hde.codec.wire.ControlRequestFormat.write(
                dev.hde.codec.wire.ControlRequest.resync(KEY, dev.hde.codec.wire.ControlRequest.Reason.SEQUENCE_GAP, 1, 2, 3, 1, "")),
                Kind.UNKNOWN_TYPE));
        cases.add(Arguments.of("a keyframe request of another key", key, dev.hde.codec.wire.ControlRequestFormat.write(
                dev.hde.codec.wire.ControlRequest.keyframe("vm-01/r0004", dev.hde.codec.wire.ControlRequest.Reason.NEW_RECEIVER, 0, 3, "")),
                Kind.KEY_MISMATCH));
        byte[] request = dev.hde.codec.wire.ControlRequestFormat.write(
                dev.hde.codec.wire.ControlRequest.keyframe(KEY, dev.hde.codec.wire.ControlRequest.Reason.NEW_RECEIVER, 0, 3, ""));
        cases.add(Arguments.of("a cut keyframe request", key, Arrays.copyOf(request, request.length - 2), Kind.CHECKSUM_MISMATCH));
        return cases.stream();
    }

    private SourceRecord record(byte[] key, byte[] value) {
        return new SourceRecord(key, value, TOPIC, 5, offset++);
    }

    private List<DeadLetter> deadLetters() {
        var queue = harness.getSideOutput(PageUpdateValidator.DEAD_LETTERS);
        return queue == null ? List.of() : queue.stream().map(StreamRecord::getValue).toList();
    }

    @Test
    void goodEventsPass() throws Exception {
        byte[] a = pagesEvent(KEY, 1);
        byte[] b = regionEvent("vm-02/r0000", 1, 32);
        byte[] c = PageUpdateEventFormat.write(PageUpdateEvent.delete(KEY, 12, 2, 1_700_000_000_500L));
        byte[] d = PageUpdateEventFormat.write(PageUpdateEvent.pages("vm-ü/r0001", 13, 32, 9, 5, new int[0], new byte[0][]));
        byte[][] pages = {TestPages.text(new Random(2), PS), new byte[PS], TestPages.sparse(new Random(3), PS)};
        long digest = 0;
        for (int i = 0; i < pages.length; i++) {
            digest ^= dev.hde.codec.PageHash.of(i, pages[i]);
        }
        byte[] e = PageUpdateEventFormat.write(PageUpdateEvent.region(KEY, 12, 3, 1_700_000_000_600L, pages).withDigest(digest));
        byte[] f = dev.hde.codec.wire.ControlRequestFormat.write(
                dev.hde.codec.wire.ControlRequest.keyframe(KEY, dev.hde.codec.wire.ControlRequest.Reason.RECEIVER_FAILED, 2, 9, "decoder-1"));
        harness.processElement(record(KEY.getBytes(StandardCharsets.UTF_8), a), 10);
        harness.processElement(record("vm-02/r0000".getBytes(StandardCharsets.UTF_8), b), 11);
        harness.processElement(record(KEY.getBytes(StandardCharsets.UTF_8), c), 12);
        harness.processElement(record("vm-ü/r0001".getBytes(StandardCharsets.UTF_8), d), 13);
        harness.processElement(record(KEY.getBytes(StandardCharsets.UTF_8), e), 14);
        harness.processElement(record(KEY.getBytes(StandardCharsets.UTF_8), f), 15);

        List<ValidEvent> out = harness.extractOutputValues();
        assertThat(out).extracting(v -> v.stateKey).containsExactly(KEY, "vm-02/r0000", KEY, "vm-ü/r0001", KEY, KEY);
        assertThat(out.get(0).bytes).isEqualTo(a);
        assertThat(out.get(1).bytes).isEqualTo(b);
        assertThat(out.get(2).bytes).isEqualTo(c);
        assertThat(out.get(3).bytes).isEqualTo(d);
        assertThat(out.get(4).bytes).as("a whole region with its true digest").isEqualTo(e);
        assertThat(out.get(5).bytes).as("a receiver's keyframe request").isEqualTo(f);
        assertThat(deadLetters()).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformed")
    void malformedGoesToDeadLettersAndTheJobGoesOn(String name, byte[] key, byte[] value, Kind reason) throws Exception {
        byte[] before = pagesEvent(KEY, 1);
        byte[] after = pagesEvent(KEY, 2);
        byte[] original = value == null ? null : value.clone();
        byte[] originalKey = key == null ? null : key.clone();
        harness.processElement(record(KEY.getBytes(StandardCharsets.UTF_8), before), 1);
        harness.processElement(record(key, value), 2);
        harness.processElement(record(KEY.getBytes(StandardCharsets.UTF_8), after), 3);

        List<ValidEvent> valid = harness.extractOutputValues();
        assertThat(valid).as(name).hasSize(2);
        assertThat(valid.get(0).bytes).isEqualTo(before);
        assertThat(valid.get(1).bytes).isEqualTo(after);

        List<DeadLetter> dead = deadLetters();
        assertThat(dead).as(name).hasSize(1);
        DeadLetter d = dead.get(0);
        assertThat(d.reason).as("%s: %s", name, d.detail).isEqualTo(reason.name());
        assertThat(d.detail).isNotBlank();
        assertThat(d.value).as("original bytes").isEqualTo(original);
        assertThat(d.key).as("original key").isEqualTo(originalKey);
        assertThat(d.sourceTopic).isEqualTo(TOPIC);
        assertThat(d.sourcePartition).isEqualTo(5);
        assertThat(d.sourceOffset).isEqualTo(1);
    }

    @Test
    void everyMalformedKindInOneStreamKeepsTheGoodOnesInOrder() throws Exception {
        List<Arguments> cases = malformed().toList();
        List<byte[]> goods = new ArrayList<>();
        for (int i = 0; i < cases.size(); i++) {
            byte[] good = pagesEvent(KEY, 100 + i);
            goods.add(good);
            harness.processElement(record(KEY.getBytes(StandardCharsets.UTF_8), good), i);
            Object[] c = cases.get(i).get();
            harness.processElement(record((byte[]) c[1], (byte[]) c[2]), i);
        }
        List<ValidEvent> valid = harness.extractOutputValues();
        assertThat(valid).hasSize(goods.size());
        for (int i = 0; i < goods.size(); i++) {
            assertThat(valid.get(i).bytes).isEqualTo(goods.get(i));
        }
        List<DeadLetter> dead = deadLetters();
        assertThat(dead).hasSize(cases.size());
        for (int i = 0; i < cases.size(); i++) {
            Object[] c = cases.get(i).get();
            assertThat(dead.get(i).reason).as((String) c[0]).isEqualTo(((Kind) c[3]).name());
            assertThat(dead.get(i).sourceOffset).isEqualTo(2L * i + 1);
        }
    }

    @Test
    void randomGarbageNeverThrows() throws Exception {
        long seed = Long.getLong("hde.test.seed", 7L);
        Random r = new Random(seed);
        byte[][] goods = {pagesEvent(KEY, 5), regionEvent(KEY, 6, 2),
            PageUpdateEventFormat.write(PageUpdateEvent.delete(KEY, 12, 7, 1)),
            PageUpdateEventFormat.write(PageUpdateEvent.pages(KEY, 9, 32, 8, 1, new int[] {0, 1, 2, 30, 31}, new byte[5][512]))};
        int n = 3_000;
        for (int i = 0; i < n; i++) {
            byte[] good = goods[r.nextInt(goods.length)];
            byte[] v;
            switch (r.nextInt(5)) {
                case 0 -> {
                    v = new byte[r.nextInt(64)];
                    r.nextBytes(v);
                }
                case 1 -> {
                    // header and varint surgery, CRC fixed so that the parser sees it
                    v = good.clone();
                    for (int k = 0; k <= r.nextInt(4); k++) {
                        v[4 + r.nextInt(Math.min(v.length - 8, 40))] = (byte) r.nextInt(256);
                    }
                    v = TestPages.withCrc(v);
                }
                case 2 -> {
                    // bytes anywhere, CRC fixed
                    v = good.clone();
                    for (int k = 0; k <= r.nextInt(8); k++) {
                        v[r.nextInt(v.length - 4)] = (byte) r.nextInt(256);
                    }
                    v = TestPages.withCrc(v);
                }
                case 3 -> v = TestPages.seal(Arrays.copyOf(TestPages.body(good), r.nextInt(good.length - 4)));
                default -> {
                    // bytes inserted or removed in the middle, CRC fixed
                    byte[] body = TestPages.body(good);
                    int at = 4 + r.nextInt(Math.min(body.length - 4, 48));
                    byte[] extra = new byte[1 + r.nextInt(6)];
                    r.nextBytes(extra);
                    v = r.nextBoolean()
                            ? TestPages.seal(TestPages.concat(Arrays.copyOf(body, at), extra, Arrays.copyOfRange(body, at, body.length)))
                            : TestPages.seal(TestPages.concat(Arrays.copyOf(body, at), Arrays.copyOfRange(body, Math.min(body.length, at + extra.length), body.length)));
                }
            }
            byte[] value = v;
            try {
                harness.processElement(record(KEY.getBytes(StandardCharsets.UTF_8), value), i);
            } catch (Exception e) {
                throw new AssertionError("seed " + seed + ", record " + i + " made the validator throw: " + java.util.HexFormat.of().formatHex(value), e);
            }
        }
        int accepted = harness.extractOutputValues().size();
        List<DeadLetter> dead = deadLetters();
        assertThat(accepted + dead.size()).as("seed %d: every record is either passed or dead-lettered", seed).isEqualTo(n);
        assertThat(dead).allSatisfy(d -> assertThat(Kind.valueOf(d.reason)).isNotNull());
        // whatever passed parses again, as the encoder will parse it
        for (ValidEvent e : harness.extractOutputValues()) {
            assertThat(PageUpdateEventFormat.parse(e.bytes, LIMITS).stateKey()).isEqualTo(e.stateKey);
        }
    }

    @Test
    void regionBytesOverTheLimitAreRefused() throws Exception {
        // 1 MiB per region: 32 pages of 64 KiB (2 MiB) pass the page-count and page-size limits but not this one.
        var h = ProcessFunctionTestHarnesses.forProcessFunction(new PageUpdateValidator(new Limits(16, 1_000, 64, 1 << 20)));
        try {
            byte[] big = raw(1, 1, 16, 0, KEY.getBytes(StandardCharsets.UTF_8), KEY.length(), 32, 0, new byte[0], 0);
            byte[] fits = raw(1, 1, 16, 0, KEY.getBytes(StandardCharsets.UTF_8), KEY.length(), 16, 0, new byte[0], 0);
            h.processElement(record(KEY.getBytes(StandardCharsets.UTF_8), big), 1);
            h.processElement(record(KEY.getBytes(StandardCharsets.UTF_8), fits), 2);
            assertThat(h.extractOutputValues()).hasSize(1);
            assertThat(h.getSideOutput(PageUpdateValidator.DEAD_LETTERS)).singleElement()
                    .satisfies(d -> assertThat(d.getValue().reason).isEqualTo(Kind.LIMIT_EXCEEDED.name()));
        } finally {
            h.close();
        }
    }

    @Test
    void countsAcceptedAndRefusedRecords() throws Exception {
        harness.processElement(record(KEY.getBytes(StandardCharsets.UTF_8), pagesEvent(KEY, 1)), 1);
        harness.processElement(record(KEY.getBytes(StandardCharsets.UTF_8), new byte[3]), 2);
        harness.processElement(record(KEY.getBytes(StandardCharsets.UTF_8), null), 3);
        harness.processElement(record(null, pagesEvent(KEY, 2)), 4);
        assertThat(counter("accepted")).isEqualTo(1);
        assertThat(counter("refused")).isEqualTo(3);
    }

    private long counter(String field) throws ReflectiveOperationException {
        java.lang.reflect.Field f = PageUpdateValidator.class.getDeclaredField(field);
        f.setAccessible(true);
        PageUpdateValidator fn = (PageUpdateValidator) ((org.apache.flink.streaming.api.operators.AbstractUdfStreamOperator<?, ?>) harness.getOperator())
                .getUserFunction();
        return ((org.apache.flink.metrics.Counter) f.get(fn)).getCount();
    }

    @Test
    void decreasingIndicesCannotBeWritten() {
        // The writer refuses them, so the only way to send them is a hand-made gap list (see malformed()).
        assertThatThrownBy(() -> PageUpdateEventFormat.write(PageUpdateEvent.pages(KEY, 12, 8, 1, 1, new int[] {5, 3},
                new byte[][] {new byte[PS], new byte[PS]}))).isInstanceOf(IllegalArgumentException.class);
    }
}
