package dev.smimegateway.core.revocation;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import dev.smimegateway.core.revocation.RevocationSources.Answer;

/** The shared cache of revocation answers stays within its bounds. */
class RevocationCacheTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-02T10:00:00Z"), ZoneOffset.UTC);
    private final AtomicInteger fetches = new AtomicInteger();

    private Answer<String> get(RevocationCache cache, String key, long weight) {
        return cache.get(key, () -> {
            fetches.incrementAndGet();
            return Answer.of(key);
        }, answer -> new RevocationCache.Keeping(CLOCK.instant().plus(Duration.ofHours(1)), weight));
    }

    @Test
    void theLeastRecentlyUsedAnswerLeavesFirstWhenTheCacheIsFull() {
        RevocationCache cache = new RevocationCache(CLOCK, 2, 1000);
        get(cache, "a", 1);
        get(cache, "b", 1);
        get(cache, "a", 1);
        get(cache, "c", 1);

        get(cache, "a", 1);
        assertThat(fetches).hasValue(3);
        get(cache, "b", 1);
        assertThat(fetches).hasValue(4);
    }

    @Test
    void heavyAnswersPushOutOthersAndTooHeavyOnesAreNotKept() {
        RevocationCache cache = new RevocationCache(CLOCK, 100, 1000);
        get(cache, "small", 100);
        get(cache, "large", 950);
        get(cache, "huge", 5000);

        assertThat(cache.size()).isEqualTo(1);
        get(cache, "large", 950);
        assertThat(fetches).hasValue(3);
    }

    @Test
    void anAnswerAlreadyExpiredIsNotKept() {
        RevocationCache cache = new RevocationCache(CLOCK, 100, 1000);

        cache.get("old", () -> Answer.of("old"), answer -> new RevocationCache.Keeping(CLOCK.instant(), 1));

        assertThat(cache.size()).isZero();
    }
}
