package dev.smimegateway.core.crypto;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** The engine's bounded caches: thread-safe maps that drop the least recently used entry beyond a size. */
public final class LruMaps {
    private LruMaps() {
    }

    /** A synchronized map of at most {@code size} entries; a read counts as a use. */
    public static <K, V> Map<K, V> bounded(int size) {
        return Collections.synchronizedMap(new LinkedHashMap<K, V>(16, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
                return size() > size;
            }
        });
    }
}
