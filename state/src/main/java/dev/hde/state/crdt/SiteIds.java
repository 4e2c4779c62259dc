package dev.hde.state.crdt;

/**
 * Site ids name the replicas of a CRDT: one per catalog merger (one per site). They are 1..64
 * printable ASCII bytes (0x21..0x7E, no space), so that {@link String#compareTo} is the same order
 * as comparing the UTF-8 bytes, and every language breaks LWW ties the same way.
 *
 * <p>Two live replicas must never share a site id: each generates dots {@code (site, 1), (site, 2), …}
 * alone. A replica restored from an older savepoint than the one it last ran from must get a new
 * site id (for example {@code dc1#2}), or it could hand out dots it had already published.
 */
public final class SiteIds {

    public static final int MAX_BYTES = 64;

    private SiteIds() {}

    public static boolean isValid(String site) {
        if (site == null || site.isEmpty() || site.length() > MAX_BYTES) {
            return false;
        }
        for (int i = 0; i < site.length(); i++) {
            char c = site.charAt(i);
            if (c < 0x21 || c > 0x7E) {
                return false;
            }
        }
        return true;
    }

    /** Returns {@code site} or throws {@link IllegalArgumentException}. */
    public static String check(String site) {
        if (!isValid(site)) {
            throw new IllegalArgumentException("site id must be 1.." + MAX_BYTES + " printable ASCII characters: " + site);
        }
        return site;
    }
}
