package dev.smimegateway.keystore;

import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Supplier;

import dev.smimegateway.core.crypto.LruMaps;

/**
 * The answers of the mailets' key-store look-ups (which identity signs for an address, which
 * certificate mail to an address is encrypted to, which key opens a RecipientInfo, …), kept so that a
 * mail costs no database round trip, no certificate parse and no private-key unsealing.
 *
 * <p>What an answer may hold stale, and for how long:
 * <ul>
 *   <li>A change made through this {@link SmimeKeyStore} (webadmin, harvesting: every write method
 *   of the facade calls {@link #changed()} after its transaction) discards every answer at once: the
 *   next mail sees it. An answer loaded while a change was committing is never kept, because it is
 *   stamped with the generation read <em>before</em> loading and the change moves the generation on
 *   after committing.</li>
 *   <li>An answer whose certificates have stopped being valid (the clock passed a notAfter) is not
 *   used: it is loaded again, so an expired identity never signs from the cache.</li>
 *   <li>Everything else (a certificate becoming valid because the clock passed its notBefore, or a
 *   change made by another server writing to the same database) is seen within {@link #TIME_TO_LIVE}.</li>
 * </ul>
 * At most {@link #MAX_ENTRIES} answers are kept, least recently used first out.
 */
final class LookupCache {
    static final Duration TIME_TO_LIVE = Duration.ofSeconds(60);
    static final int MAX_ENTRIES = 10_000;

    /** One cached answer: the generation it was loaded at, when, and the certificates whose validity it depends on. */
    private record Answer(long generation, Instant loadedAt, Object value, Collection<X509Certificate> dependsOn) {
    }

    private final Clock clock;
    private final AtomicLong generation = new AtomicLong();
    private final Map<Object, Answer> entries = LruMaps.bounded(MAX_ENTRIES);

    LookupCache(Clock clock) {
        this.clock = clock;
    }

    /**
     * The cached answer for the key, or the loader's, kept for the next call.
     *
     * @param key       the look-up and its arguments (a record: equal arguments, equal key)
     * @param loader    reads the answer from the database
     * @param dependsOn the certificates whose validity at the time of use the answer assumes
     */
    @SuppressWarnings("unchecked")
    <T> T get(Object key, Supplier<T> loader, Function<T, Collection<X509Certificate>> dependsOn) {
        Instant now = clock.instant();
        long current = generation.get();
        Answer entry = entries.get(key);
        if (entry != null && entry.generation() == current && fresh(entry, now)) {
            return (T) entry.value();
        }
        T value = loader.get();
        entries.put(key, new Answer(current, now, value, dependsOn.apply(value)));
        return value;
    }

    /** Discards every answer: called after each committed change to identities or certificates. */
    void changed() {
        generation.incrementAndGet();
        entries.clear();
    }

    private static boolean fresh(Answer entry, Instant now) {
        if (now.isBefore(entry.loadedAt()) || !now.isBefore(entry.loadedAt().plus(TIME_TO_LIVE))) {
            return false;
        }
        for (X509Certificate certificate : entry.dependsOn()) {
            if (now.isAfter(certificate.getNotAfter().toInstant())) {
                return false;
            }
        }
        return true;
    }
}
