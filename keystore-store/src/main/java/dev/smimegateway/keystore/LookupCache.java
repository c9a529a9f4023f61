package dev.smimegateway.keystore;

import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.LongSupplier;
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
 *   <li>A change made by another server sharing the database is seen within {@link #SHARED_RECHECK}:
 *   every change moves the database's {@link #SHARED_VERSION} counter on in its own transaction (see
 *   {@link Audit}), and this cache reads the counter at most once per {@link #SHARED_RECHECK}, discarding
 *   every answer when it moved. The counter is read before any answer is loaded, so an answer loaded
 *   after a moved counter was seen reflects the change. While the database cannot be reached the
 *   counter cannot be read: answers then serve until their {@link #TIME_TO_LIVE}, as before.</li>
 *   <li>Everything else (a certificate becoming valid because the clock passed its notBefore) is seen
 *   within {@link #TIME_TO_LIVE}.</li>
 * </ul>
 * At most {@link #MAX_ENTRIES} answers are kept, least recently used first out.
 */
final class LookupCache {
    static final Duration TIME_TO_LIVE = Duration.ofSeconds(60);
    static final int MAX_ENTRIES = 10_000;
    /** The {@code smime_meta} counter every change moves on, for the other servers sharing the database. */
    static final String SHARED_VERSION = "lookup.version";
    /** How long another server's change may go unseen. */
    static final Duration SHARED_RECHECK = Duration.ofSeconds(1);

    /** One cached answer: the generation it was loaded at, when, and the certificates whose validity it depends on. */
    private record Answer(long generation, Instant loadedAt, Object value, Collection<X509Certificate> dependsOn) {
    }

    /** The shared counter as last read, and when. */
    private record SharedCheck(long version, Instant checkedAt) {
    }

    private final Clock clock;
    private final AtomicLong generation = new AtomicLong();
    private final Map<Object, Answer> entries = LruMaps.bounded(MAX_ENTRIES);
    private final LongSupplier sharedVersion;
    private volatile SharedCheck shared;

    /** A cache that sees only this server's changes (tests). */
    LookupCache(Clock clock) {
        this(clock, null);
    }

    /** @param sharedVersion reads {@link #SHARED_VERSION}; may throw {@link KeyStoreFailureException} while the database is away */
    LookupCache(Clock clock, LongSupplier sharedVersion) {
        this.clock = clock;
        this.sharedVersion = sharedVersion;
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
        checkShared(now);
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

    /** Reads the shared counter when it was last read {@link #SHARED_RECHECK} ago or more; discards every answer when it moved. */
    private void checkShared(Instant now) {
        SharedCheck last = shared;
        if (sharedVersion == null || last != null && !now.isBefore(last.checkedAt()) && now.isBefore(last.checkedAt().plus(SHARED_RECHECK))) {
            return;
        }
        synchronized (this) {
            last = shared;
            if (last != null && !now.isBefore(last.checkedAt()) && now.isBefore(last.checkedAt().plus(SHARED_RECHECK))) {
                return;
            }
            long version;
            try {
                version = sharedVersion.getAsLong();
            } catch (KeyStoreFailureException unreachable) {
                // No change can be made while the database is away: answers serve until their time to
                // live, and the counter is tried again a recheck later, not on every mail.
                shared = new SharedCheck(last == null ? Long.MIN_VALUE : last.version(), now);
                return;
            }
            if (last != null && last.version() != version) {
                changed();
            }
            shared = new SharedCheck(version, now);
        }
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
