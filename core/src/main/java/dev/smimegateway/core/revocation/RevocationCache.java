package dev.smimegateway.core.revocation;

import java.time.Clock;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;

import dev.smimegateway.core.revocation.RevocationSources.Answer;

/**
 * Answers of revocation sources, kept until they expire, shared by every thread. Bounded by entry
 * count and by total weight (bytes of the encoded answers), least recently used first out, so that
 * a stream of certificates naming huge CRLs cannot fill the heap. A fetch runs outside the lock: two
 * threads that miss at once both fetch, which is cheaper than making every mail wait on one slow
 * responder.
 */
final class RevocationCache {
    /** How long an answer is kept, and what it weighs. */
    record Keeping(Instant until, long weight) {
    }

    private record Entry(Answer<?> answer, Instant until, long weight) {
    }

    private final Clock clock;
    private final int maxEntries;
    private final long maxWeight;
    private final LinkedHashMap<String, Entry> entries = new LinkedHashMap<>(64, 0.75f, true);
    private long weight;

    RevocationCache(Clock clock, int maxEntries, long maxWeight) {
        this.clock = clock;
        this.maxEntries = maxEntries;
        this.maxWeight = maxWeight;
    }

    /** The cached answer for {@code key}, or a fresh one from {@code fetch}, kept as {@code keeping} decides. */
    @SuppressWarnings("unchecked")
    <T> Answer<T> get(String key, Supplier<Answer<T>> fetch, Function<Answer<T>, Keeping> keeping) {
        synchronized (this) {
            Entry entry = entries.get(key);
            if (entry != null && clock.instant().isBefore(entry.until())) {
                return (Answer<T>) entry.answer();
            }
        }
        Answer<T> answer = fetch.get();
        Keeping keep = keeping.apply(answer);
        if (clock.instant().isBefore(keep.until()) && keep.weight() <= maxWeight) {
            put(key, new Entry(answer, keep.until(), keep.weight()));
        }
        return answer;
    }

    synchronized int size() {
        return entries.size();
    }

    private synchronized void put(String key, Entry entry) {
        Entry replaced = entries.put(key, entry);
        if (replaced != null) {
            weight -= replaced.weight();
        }
        weight += entry.weight();
        evict();
    }

    private void evict() {
        Instant now = clock.instant();
        Iterator<Map.Entry<String, Entry>> expired = entries.entrySet().iterator();
        while (expired.hasNext() && (entries.size() > maxEntries || weight > maxWeight)) {
            Entry entry = expired.next().getValue();
            if (!now.isBefore(entry.until())) {
                weight -= entry.weight();
                expired.remove();
            }
        }
        Iterator<Map.Entry<String, Entry>> leastRecentlyUsed = entries.entrySet().iterator();
        while (leastRecentlyUsed.hasNext() && (entries.size() > maxEntries || weight > maxWeight)) {
            weight -= leastRecentlyUsed.next().getValue().weight();
            leastRecentlyUsed.remove();
        }
    }
}
