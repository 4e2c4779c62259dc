package dev.hde.state;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hde.codec.region.RegionMeta;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.java.typeutils.GenericTypeInfo;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.api.java.typeutils.runtime.PojoSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

class RegionStateTest {

    private static RegionState sample() {
        RegionState s = new RegionState();
        s.pageShift = 12;
        s.regionPages = 512;
        s.epoch = 1_700_000_000_123L;
        s.chainIndex = 7;
        s.digest = 0xDEAD_BEEF_CAFE_F00DL;
        s.lastSequence = 42;
        s.epochStartMillis = 1_700_000_000_000L;
        s.deltaBytesSinceFull = 12_345;
        s.lastFullBytes = 999_999;
        s.pruneTimer = 3_600_000;
        s.ageTimer = 1_700_000_900_000L;
        s.lastActivity = 17;
        s.sourcePartition = 3;
        s.quiet = true;
        return s;
    }

    @Test
    void isAFlinkPojo() {
        TypeInformation<RegionState> info = TypeInformation.of(RegionState.class);
        assertThat(info).isInstanceOf(PojoTypeInfo.class).isNotInstanceOf(GenericTypeInfo.class);
        PojoTypeInfo<RegionState> pojo = (PojoTypeInfo<RegionState>) info;
        long instanceFields = Arrays.stream(RegionState.class.getDeclaredFields()).filter(f -> !Modifier.isStatic(f.getModifiers())).count();
        assertThat(pojo.getArity()).isEqualTo((int) instanceFields);
        for (int i = 0; i < pojo.getArity(); i++) {
            assertThat(pojo.getTypeAt(i)).as("field %s", pojo.getPojoFieldAt(i).getField().getName()).isNotInstanceOf(GenericTypeInfo.class);
        }
    }

    @Test
    void serializerRoundTripWithGenericTypesDisabled() throws Exception {
        SerializerConfigImpl config = new SerializerConfigImpl();
        config.setGenericTypes(false); // the job runs with pipeline.generic-types: false
        TypeSerializer<RegionState> serializer = TypeInformation.of(RegionState.class).createSerializer(config);
        assertThat(serializer).isInstanceOf(PojoSerializer.class);

        RegionState in = sample();
        DataOutputSerializer out = new DataOutputSerializer(64);
        serializer.serialize(in, out);
        RegionState back = serializer.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
        assertThat(back).usingRecursiveComparison().isEqualTo(in);
        assertThat(serializer.copy(in)).isNotSameAs(in).usingRecursiveComparison().isEqualTo(in);

        // Every field is carried: a field-by-field check that does not depend on the comparison's rules.
        for (Field f : RegionState.class.getFields()) {
            assertThat(f.get(back)).as(f.getName()).isEqualTo(f.get(in));
        }
    }

    @Test
    void serializerSnapshotRestoresACompatibleSerializer() throws Exception {
        TypeSerializer<RegionState> serializer = TypeInformation.of(RegionState.class).createSerializer(new SerializerConfigImpl());
        var snapshot = serializer.snapshotConfiguration();
        assertThat(snapshot.resolveSchemaCompatibility(serializer.snapshotConfiguration()).isCompatibleAsIs()).isTrue();
    }

    @Test
    void metaAndAdvance() {
        RegionState s = sample();
        assertThat(s.meta()).isEqualTo(new RegionMeta(12, 512, s.epoch, 7, s.digest));
        s.advance(new RegionMeta(13, 256, 99, 0, 5));
        assertThat(s.meta()).isEqualTo(new RegionMeta(13, 256, 99, 0, 5));
        // advance leaves the bookkeeping alone
        assertThat(s.lastSequence).isEqualTo(42);
        assertThat(s.lastFullBytes).isEqualTo(999_999);
    }
}
