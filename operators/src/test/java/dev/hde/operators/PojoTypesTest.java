package dev.hde.operators;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.stream.Stream;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.java.typeutils.GenericTypeInfo;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.api.java.typeutils.runtime.PojoSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every record the operators pass between tasks or keep in state is a Flink POJO: the job runs with generic types off. */
class PojoTypesTest {

    static Stream<Arguments> samples() {
        SourceRecord source = new SourceRecord("vm-01/r0002".getBytes(), new byte[] {1, 2, 3}, "hde.page-updates", 3, 1234567L);

        ValidEvent valid = new ValidEvent("vm-01/r0002", new byte[] {9, 8, 7, 6});

        FrameRecord frame = new FrameRecord("vm-01/r0002", new byte[] {0x48, 0x44, 0x45, 0x46});

        DeadLetter dead = new DeadLetter(source, "BAD_MAGIC", "not an HDE page-update event");
        DeadLetter deadNoKey = new DeadLetter(new SourceRecord(null, null, "t", 0, 0), "TRUNCATED", "record has no value");

        PerformanceRecord perf = new PerformanceRecord();
        perf.stateKey = "vm-01/r0002";
        perf.frameType = "DELTA";
        perf.method = "XBZRLE";
        perf.codec = "ZSTD";
        perf.level = 3;
        perf.pagesOffered = 17;
        perf.pagesChanged = 12;
        perf.zeroPages = 2;
        perf.entropyBits = 4.25;
        perf.zeroFraction = 0.5;
        perf.changedShare = 0.0625;
        perf.dataKind = 4;
        perf.bytesIn = 40960;
        perf.bytesOut = 812;
        perf.encodeNanos = 123456;
        perf.captureTimeMillis = 1_700_000_000_000L;

        BaselineEvent baseline = new BaselineEvent("vm-01/r0002", BaselineEvent.Kind.REFRESHED, "SIZE", 77, 512, 99_000, -5L, 1_700_000_000_000L);
        BaselineEvent pruned = new BaselineEvent("vm-01/r0002", BaselineEvent.Kind.PRUNED, null, 77, 512, 0, 5L, 3_600_000L);

        RegionVerdict verdict = new RegionVerdict();
        verdict.stateKey = "vm-01/r0002";
        verdict.framesApplied = 5;
        verdict.epoch = 1_700_000_000_000L;
        verdict.chainIndex = 4;
        verdict.regionPages = 512;
        verdict.digest = 0x1234_5678_9ABC_DEF0L;
        verdict.deleted = false;
        verdict.verified = false;
        verdict.error = "SEQUENCE_GAP: delta 1.3 after 1.1";

        ReceivedRegion received = new ReceivedRegion();
        received.hasImage = true;
        received.pageShift = 12;
        received.regionPages = 512;
        received.epoch = 8;
        received.chainIndex = 2;
        received.digest = -1L;
        received.framesApplied = 11;
        received.deleted = false;
        received.error = null;

        return Stream.of(
                Arguments.of(SourceRecord.class, source),
                Arguments.of(ValidEvent.class, valid),
                Arguments.of(FrameRecord.class, frame),
                Arguments.of(DeadLetter.class, dead),
                Arguments.of(DeadLetter.class, deadNoKey),
                Arguments.of(PerformanceRecord.class, perf),
                Arguments.of(DictionarySample.class, new DictionarySample("vm", new byte[] {1, 2, 3})),
                Arguments.of(BaselineEvent.class, baseline),
                Arguments.of(BaselineEvent.class, pruned),
                Arguments.of(RegionVerdict.class, verdict),
                Arguments.of(ReceivedRegion.class, received),
                Arguments.of(CatalogRecord.class, new CatalogRecord("site-a", new byte[] {0x48, 0x44, 0x45, 0x43, 1})));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("samples")
    <T> void isAPojoWithAFlinkSerializer(Class<T> type, T sample) throws Exception {
        TypeInformation<T> info = TypeInformation.of(type);
        assertThat(info).as(type.getName()).isInstanceOf(PojoTypeInfo.class).isNotInstanceOf(GenericTypeInfo.class);
        PojoTypeInfo<T> pojo = (PojoTypeInfo<T>) info;
        long instanceFields = Arrays.stream(type.getDeclaredFields()).filter(f -> !Modifier.isStatic(f.getModifiers())).count();
        assertThat(pojo.getArity()).as("every field of %s is a POJO field", type.getSimpleName()).isEqualTo((int) instanceFields);
        for (int i = 0; i < pojo.getArity(); i++) {
            assertThat(pojo.getTypeAt(i)).as("%s.%s", type.getSimpleName(), pojo.getPojoFieldAt(i).getField().getName())
                    .isNotInstanceOf(GenericTypeInfo.class);
        }

        SerializerConfigImpl config = new SerializerConfigImpl();
        config.setGenericTypes(false);
        TypeSerializer<T> serializer = info.createSerializer(config);
        assertThat(serializer).isInstanceOf(PojoSerializer.class);

        DataOutputSerializer out = new DataOutputSerializer(64);
        serializer.serialize(sample, out);
        T back = serializer.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
        assertThat(back).usingRecursiveComparison().isEqualTo(sample);
        for (Field f : type.getFields()) {
            if (!Modifier.isStatic(f.getModifiers())) {
                Object expected = f.get(sample);
                Object actual = f.get(back);
                if (expected instanceof byte[] b) {
                    assertThat((byte[]) actual).as(f.getName()).isEqualTo(b);
                } else {
                    assertThat(actual).as(f.getName()).isEqualTo(expected);
                }
            }
        }
        assertThat(serializer.copy(sample)).usingRecursiveComparison().isEqualTo(sample);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("samples")
    <T> void defaultConstructedInstanceSerializes(Class<T> type, T ignored) throws Exception {
        TypeSerializer<T> serializer = TypeInformation.of(type).createSerializer(new SerializerConfigImpl());
        T empty = type.getConstructor().newInstance();
        DataOutputSerializer out = new DataOutputSerializer(16);
        serializer.serialize(empty, out);
        assertThat(serializer.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()))).usingRecursiveComparison().isEqualTo(empty);
    }

    @org.junit.jupiter.api.Test
    void outputTagsUsePojoTypes() {
        assertThat(PageUpdateValidator.DEAD_LETTERS.getTypeInfo()).isInstanceOf(PojoTypeInfo.class);
        assertThat(RegionEncoderFunction.PERFORMANCE.getTypeInfo()).isInstanceOf(PojoTypeInfo.class);
        assertThat(RegionEncoderFunction.BASELINES.getTypeInfo()).isInstanceOf(PojoTypeInfo.class);
        SerializerConfigImpl config = new SerializerConfigImpl();
        config.setGenericTypes(false);
        assertThat(PageUpdateValidator.DEAD_LETTERS.getTypeInfo().createSerializer(config)).isInstanceOf(PojoSerializer.class);
        assertThat(RegionEncoderFunction.PERFORMANCE.getTypeInfo().createSerializer(config)).isInstanceOf(PojoSerializer.class);
        assertThat(RegionEncoderFunction.BASELINES.getTypeInfo().createSerializer(config)).isInstanceOf(PojoSerializer.class);
    }
}
