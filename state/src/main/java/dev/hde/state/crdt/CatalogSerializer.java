package dev.hde.state.crdt;

import dev.hde.codec.HdeException;
import java.io.IOException;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Flink serializer of a whole {@link BaselineCatalog}: a u32 length (big-endian, as Flink's
 * {@link DataOutputView#writeInt}) followed by the catalog's own STATE message (docs/crdt.md), so
 * that state written by one version is the documented format and evolves with its version byte.
 * A restored catalog runs its clock on {@link System#currentTimeMillis()} until
 * {@link BaselineCatalog#setWallClock} says otherwise; its HLC resumes from the stored one.
 *
 * <p>Stateless: one instance serves every thread. Use it as
 * {@code new ValueStateDescriptor<>("catalog", new CatalogSerializer())} or in operator list state.
 */
public final class CatalogSerializer extends TypeSerializer<BaselineCatalog> {

    private static final long serialVersionUID = 1L;

    public static final CatalogSerializer INSTANCE = new CatalogSerializer();

    @Override
    public boolean isImmutableType() {
        return false;
    }

    @Override
    public TypeSerializer<BaselineCatalog> duplicate() {
        return this;
    }

    /** There is no empty catalog without a site id; Flink only calls this for types it must instantiate. */
    @Override
    public BaselineCatalog createInstance() {
        return null;
    }

    @Override
    public BaselineCatalog copy(BaselineCatalog from) {
        return from == null ? null : from.copy();
    }

    @Override
    public BaselineCatalog copy(BaselineCatalog from, BaselineCatalog reuse) {
        return copy(from);
    }

    @Override
    public int getLength() {
        return -1;
    }

    @Override
    public void serialize(BaselineCatalog record, DataOutputView target) throws IOException {
        byte[] bytes = CatalogFormat.writeState(record);
        target.writeInt(bytes.length);
        target.write(bytes);
    }

    private static byte[] readBytes(DataInputView source) throws IOException {
        int n = source.readInt();
        if (n < CatalogFormat.MIN_MESSAGE_BYTES || n > CatalogLimits.STATE.maxMessageBytes()) {
            throw new IOException(new HdeException(HdeException.Kind.LIMIT_EXCEEDED, "catalog state of " + n + " bytes"));
        }
        byte[] bytes = new byte[n];
        source.readFully(bytes);
        return bytes;
    }

    @Override
    public BaselineCatalog deserialize(DataInputView source) throws IOException {
        byte[] bytes = readBytes(source);
        CatalogDelta state;
        try {
            state = CatalogFormat.parse(bytes, CatalogLimits.STATE);
        } catch (HdeException e) {
            throw new IOException("corrupt catalog state: " + e.getMessage(), e);
        }
        if (state.kind() != CatalogDelta.Kind.STATE) {
            throw new IOException("catalog state holds a " + state.kind() + " message");
        }
        return BaselineCatalog.restore(state, System::currentTimeMillis);
    }

    @Override
    public BaselineCatalog deserialize(BaselineCatalog reuse, DataInputView source) throws IOException {
        return deserialize(source);
    }

    @Override
    public void copy(DataInputView source, DataOutputView target) throws IOException {
        byte[] bytes = readBytes(source);
        target.writeInt(bytes.length);
        target.write(bytes);
    }

    @Override
    public boolean equals(Object obj) {
        return obj instanceof CatalogSerializer;
    }

    @Override
    public int hashCode() {
        return CatalogSerializer.class.hashCode();
    }

    @Override
    public TypeSerializerSnapshot<BaselineCatalog> snapshotConfiguration() {
        return new CatalogSerializerSnapshot();
    }

    /** The serializer has no configuration: the format carries its own version. */
    public static final class CatalogSerializerSnapshot extends SimpleTypeSerializerSnapshot<BaselineCatalog> {
        public CatalogSerializerSnapshot() {
            super(() -> INSTANCE);
        }
    }
}
