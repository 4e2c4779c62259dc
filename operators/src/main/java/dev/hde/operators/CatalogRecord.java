package dev.hde.operators;

/**
 * One message of the catalog topic ({@code hde.catalog}): the record key is the site id of the
 * replica that wrote it, the value an {@code HDEC} catalog message (delta, repair or state) or an
 * {@code HDEG} digest message (docs/crdt.md). What the catalog merger reads and writes.
 */
public class CatalogRecord {

    /** The writer's site id (the Kafka record key); empty when the record had no key. */
    public String site;
    /** The message bytes as they are on the topic. */
    public byte[] message;

    public CatalogRecord() {}

    public CatalogRecord(String site, byte[] message) {
        this.site = site;
        this.message = message;
    }
}
