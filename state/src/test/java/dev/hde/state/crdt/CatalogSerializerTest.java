package dev.hde.state.crdt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.Arrays;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

class CatalogSerializerTest {

    private static final long T0 = 1_760_000_000_000L;

    private static BaselineCatalog sample() {
        BaselineCatalog a = new BaselineCatalog("dc-a", 64, new HybridLogicalClock(() -> T0));
        BaselineCatalog b = new BaselineCatalog("dc-b", 64, new HybridLogicalClock(() -> T0 + 5));
        for (int i = 0; i < 100; i++) {
            a.put("vm-" + i % 7 + "/r" + i, new KeyframeInfo(1 + i % 4, i % 3, i * 100L, 4096L * i, i * 0x9E3779B97F4A7C15L, "dc-a", T0 + i));
            if (i % 5 == 0) {
                CatalogDelta d = b.put("vm-" + i % 7 + "/r" + i, new KeyframeInfo(1 + i % 4, 0, i, 1, 2, "dc-b", T0));
                if (i % 10 == 0) {
                    a.merge(d); // the others are lost: a's context gets gaps
                }
            }
        }
        a.remove("vm-1/r1");
        return a;
    }

    private static byte[] serialize(TypeSerializer<BaselineCatalog> s, BaselineCatalog c) throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(1024);
        s.serialize(c, out);
        return out.getCopyOfBuffer();
    }

    @Test
    void roundTripKeepsContentSiteAndClock() throws IOException {
        CatalogSerializer s = new CatalogSerializer();
        BaselineCatalog c = sample();
        byte[] bytes = serialize(s, c);
        // u32 length (big-endian, Flink's writeInt) then the documented STATE message.
        int len = (bytes[0] & 0xFF) << 24 | (bytes[1] & 0xFF) << 16 | (bytes[2] & 0xFF) << 8 | bytes[3] & 0xFF;
        assertThat(len).isEqualTo(bytes.length - 4);
        CatalogDelta state = CatalogFormat.parse(Arrays.copyOfRange(bytes, 4, bytes.length), CatalogLimits.STATE);
        assertThat(state.kind()).isEqualTo(CatalogDelta.Kind.STATE);
        assertThat(state.sameContent(c.state())).isTrue();

        BaselineCatalog back = s.deserialize(new DataInputDeserializer(bytes));
        assertThat(back.sameContent(c)).isTrue();
        assertThat(back.site()).isEqualTo("dc-a");
        assertThat(back.clock().current()).isEqualTo(c.clock().current());
        assertThat(back.digests()).isEqualTo(c.digests());
        assertThat(serialize(s, back)).isEqualTo(bytes);
        assertThat(s.deserialize(null, new DataInputDeserializer(bytes)).sameContent(c)).isTrue();
    }

    @Test
    void copiesAreDeepAndTheStreamCopyIsExact() throws IOException {
        CatalogSerializer s = new CatalogSerializer();
        BaselineCatalog c = sample();
        BaselineCatalog copy = s.copy(c);
        copy.put("new-key", new KeyframeInfo(9, 0, 0, 1, 1, "dc-a", T0));
        assertThat(c.get("new-key")).isNull();
        assertThat(s.copy(c, null).sameContent(c)).isTrue();
        assertThat(s.copy((BaselineCatalog) null)).isNull();

        byte[] bytes = serialize(s, c);
        DataOutputSerializer out = new DataOutputSerializer(16);
        s.copy(new DataInputDeserializer(bytes), out);
        assertThat(out.getCopyOfBuffer()).isEqualTo(bytes);
    }

    @Test
    void corruptStateIsAnIOException() throws IOException {
        CatalogSerializer s = new CatalogSerializer();
        byte[] bytes = serialize(s, sample());
        bytes[bytes.length / 2] ^= 0x10;
        assertThatThrownBy(() -> s.deserialize(new DataInputDeserializer(bytes))).isInstanceOf(IOException.class)
                .hasMessageContaining("CHECKSUM_MISMATCH");
        byte[] lying = {0x7F, 0, 0, 0};
        assertThatThrownBy(() -> s.deserialize(new DataInputDeserializer(lying))).isInstanceOf(IOException.class);
        // A delta is not a state.
        BaselineCatalog c = sample();
        byte[] delta = CatalogFormat.write(c.put("k", new KeyframeInfo(1, 0, 0, 1, 1, "dc-a", 1)));
        DataOutputSerializer out = new DataOutputSerializer(64);
        out.writeInt(delta.length);
        out.write(delta);
        assertThatThrownBy(() -> s.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()))).isInstanceOf(IOException.class);
    }

    @Test
    void snapshotRestoresACompatibleSerializer() throws IOException {
        CatalogSerializer s = new CatalogSerializer();
        TypeSerializerSnapshot<BaselineCatalog> snap = s.snapshotConfiguration();
        DataOutputSerializer out = new DataOutputSerializer(64);
        TypeSerializerSnapshot.writeVersionedSnapshot(out, snap);
        TypeSerializerSnapshot<BaselineCatalog> read =
                TypeSerializerSnapshot.readVersionedSnapshot(new DataInputDeserializer(out.getCopyOfBuffer()), getClass().getClassLoader());
        assertThat(read.restoreSerializer()).isEqualTo(s);
        TypeSerializerSchemaCompatibility<BaselineCatalog> compat =
                new CatalogSerializer().snapshotConfiguration().resolveSchemaCompatibility(read);
        assertThat(compat.isCompatibleAsIs()).isTrue();
        assertThat(s.duplicate()).isSameAs(s);
        assertThat(s.isImmutableType()).isFalse();
        assertThat(s.getLength()).isEqualTo(-1);
        assertThat(s).isEqualTo(new CatalogSerializer()).hasSameHashCodeAs(new CatalogSerializer());
    }

    @Test
    void keyframeInfoAndHlcAreFlinkPojos() throws IOException {
        // Records are POJOs to Flink 2.x: the merger can emit them downstream with generic types disabled.
        SerializerConfigImpl config = new SerializerConfigImpl();
        config.setGenericTypes(false);
        assertThat(TypeInformation.of(KeyframeInfo.class)).isInstanceOf(PojoTypeInfo.class);
        assertThat(TypeInformation.of(Hlc.class)).isInstanceOf(PojoTypeInfo.class);
        TypeSerializer<KeyframeInfo> s = TypeInformation.of(KeyframeInfo.class).createSerializer(config);
        KeyframeInfo in = new KeyframeInfo(7, 2, 99, 4096, -5, "dc-a", T0);
        DataOutputSerializer out = new DataOutputSerializer(64);
        s.serialize(in, out);
        assertThat(s.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()))).isEqualTo(in);
    }
}
