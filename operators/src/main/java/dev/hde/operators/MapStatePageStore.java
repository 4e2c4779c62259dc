package dev.hde.operators;

import dev.hde.codec.region.PageStore;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.util.FlinkRuntimeException;

/** A region image in Flink keyed {@code MapState}, one entry per non-zero page: O(1) state access per page. */
final class MapStatePageStore implements PageStore {

    private final MapState<Integer, byte[]> pages;

    MapStatePageStore(MapState<Integer, byte[]> pages) {
        this.pages = pages;
    }

    @Override
    public byte[] get(int index) {
        try {
            return pages.get(index);
        } catch (Exception e) {
            throw new FlinkRuntimeException("reading page " + index + " from state", e);
        }
    }

    @Override
    public void put(int index, byte[] page) {
        try {
            pages.put(index, page);
        } catch (Exception e) {
            throw new FlinkRuntimeException("writing page " + index + " to state", e);
        }
    }

    @Override
    public void remove(int index) {
        try {
            pages.remove(index);
        } catch (Exception e) {
            throw new FlinkRuntimeException("removing page " + index + " from state", e);
        }
    }

    @Override
    public void clear() {
        pages.clear();
    }

    @Override
    public void forEach(PageVisitor visitor) {
        try {
            for (java.util.Map.Entry<Integer, byte[]> e : pages.entries()) {
                visitor.page(e.getKey(), e.getValue());
            }
        } catch (Exception e) {
            throw new FlinkRuntimeException("scanning the pages in state", e);
        }
    }
}
