package dev.smimegateway.keystore;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.smimegateway.core.certificate.CertificateFacts;
import dev.smimegateway.core.testing.TestPki;

/**
 * The mailets' look-ups are answered from memory, and every change made through the store is seen by
 * the next look-up: a cached answer may never sign with a deleted or expired identity, nor encrypt to a
 * certificate that a newer one replaced.
 */
class LookupCacheTest {
    private static final TestPki PKI = TestPki.create("Lookup CA");
    private static final String ALICE = "alice@example.com";
    private static final String BOB = "bob@partner.example";

    @TempDir
    Path folder;
    KeyStoreFixture fixture;
    BreakableDataSource database;
    SmimeKeyStore store;

    @BeforeEach
    void setUp() {
        fixture = new KeyStoreFixture(folder);
        database = new BreakableDataSource(EmbeddedDerby.dataSource(fixture.databaseDirectory));
        store = SmimeKeyStore.open(database.dataSource(), KeyStoreFixture.MASTER_SECRET.toCharArray(), fixture.clock);
    }

    private TestPki.Issued leaf(String address, Instant notBefore, Duration life) {
        return PKI.leaf(address).email(address).validity(notBefore, notBefore.plus(life)).issue();
    }

    private void importIdentity(String name, TestPki.Issued issued, boolean activate) {
        store.importPkcs12(name, issued.pkcs12("pw"), "pw".toCharArray(), Optional.empty(), Optional.of(activate));
    }

    private HarvestResult harvest(TestPki.Issued issued, Optional<String> capabilities) {
        return store.harvest(new HarvestRequest(CertificateFacts.of(issued.certificate()), List.of(BOB), Optional.empty(), true,
            Duration.ofHours(48), 512L * 1024 * 1024, capabilities, Optional.of(fixture.clock.instant())));
    }

    @Test
    void aRepeatedLookUpIsAnsweredWithoutTheDatabase() {
        importIdentity("alice", leaf(ALICE, fixture.clock.instant().minus(Duration.ofDays(1)), Duration.ofDays(365)), true);
        store.addCertificate("bob", leaf(BOB, fixture.clock.instant().minus(Duration.ofDays(1)), Duration.ofDays(365)).pem()
            .getBytes(StandardCharsets.US_ASCII));
        SigningIdentity signer = store.signingIdentityFor(ALICE).orElseThrow();
        EncryptionTarget target = store.encryptionTargetFor(BOB).orElseThrow();

        database.breakWith(BreakableDataSource.Fault.REFUSES_CONNECTIONS);

        assertThat(store.signingIdentityFor(ALICE)).contains(signer);
        assertThat(store.encryptionTargetFor(BOB)).contains(target);
    }

    @Test
    void aDeletedOrReplacedIdentityNeverSignsTheNextMail() {
        Instant yesterday = fixture.clock.instant().minus(Duration.ofDays(1));
        importIdentity("alice-old", leaf(ALICE, yesterday, Duration.ofDays(365)), true);
        assertThat(store.signingIdentityFor(ALICE).orElseThrow().name()).isEqualTo("alice-old");

        importIdentity("alice-new", leaf(ALICE, yesterday, Duration.ofDays(365)), true);
        assertThat(store.signingIdentityFor(ALICE).orElseThrow().name()).as("after activation").isEqualTo("alice-new");

        store.archiveIdentity("alice-new");
        store.archiveIdentity("alice-old");
        assertThat(store.signingIdentityFor(ALICE)).as("after deletion (archiving)").isEmpty();
        assertThat(store.signingIdentity("alice-new")).isEmpty();
    }

    /**
     * Two gateways sharing one database: a change made through the other one (its webadmin, its
     * harvests) is used by this one within {@link LookupCache#SHARED_RECHECK}, without a restart.
     */
    @Test
    void anotherServersChangeIsUsedHereWithinTheSharedRecheck() {
        Instant yesterday = fixture.clock.instant().minus(Duration.ofDays(1));
        importIdentity("alice-old", leaf(ALICE, yesterday, Duration.ofDays(365)), true);
        SmimeKeyStore other = SmimeKeyStore.open(database.dataSource(), KeyStoreFixture.MASTER_SECRET.toCharArray(), fixture.clock);
        assertThat(store.signingIdentityFor(ALICE).orElseThrow().name()).isEqualTo("alice-old");
        assertThat(store.encryptionTargetFor(BOB)).isEmpty();

        other.importPkcs12("alice-new", leaf(ALICE, yesterday, Duration.ofDays(365)).pkcs12("pw"), "pw".toCharArray(), Optional.empty(),
            Optional.of(true));
        fixture.clock.advance(LookupCache.SHARED_RECHECK);
        assertThat(store.signingIdentityFor(ALICE).orElseThrow().name()).as("activated on the other server").isEqualTo("alice-new");

        other.archiveIdentity("alice-new");
        other.archiveIdentity("alice-old");
        fixture.clock.advance(LookupCache.SHARED_RECHECK);
        assertThat(store.signingIdentityFor(ALICE)).as("archived on the other server").isEmpty();

        TestPki.Issued bob = leaf(BOB, yesterday, Duration.ofDays(365));
        HarvestRequest cbc = new HarvestRequest(CertificateFacts.of(bob.certificate()), List.of(BOB), Optional.empty(), true,
            Duration.ofHours(48), 512L * 1024 * 1024, Optional.of("aes256-cbc"), Optional.of(fixture.clock.instant()));
        other.harvest(cbc);
        fixture.clock.advance(LookupCache.SHARED_RECHECK);
        assertThat(store.encryptionTargetFor(BOB).orElseThrow().certificate()).as("harvested on the other server").isEqualTo(bob.certificate());

        other.harvest(new HarvestRequest(CertificateFacts.of(bob.certificate()), List.of(BOB), Optional.empty(), true,
            Duration.ofHours(48), 512L * 1024 * 1024, Optional.of("aes256-gcm aes256-cbc"), Optional.of(fixture.clock.instant())));
        fixture.clock.advance(LookupCache.SHARED_RECHECK);
        assertThat(store.announcedCapabilities(BOB)).as("a newer announcement seen by the other server").contains("aes256-gcm aes256-cbc");
    }

    @Test
    void anIdentityThatExpiresWhileCachedNoLongerSigns() {
        Instant now = fixture.clock.instant();
        importIdentity("alice", leaf(ALICE, now.minus(Duration.ofDays(10)), Duration.ofDays(10).plusSeconds(20)), true);
        assertThat(store.signingIdentityFor(ALICE)).isPresent();

        fixture.clock.advance(Duration.ofSeconds(30));

        assertThat(store.signingIdentityFor(ALICE)).as("expired 10 s ago, within the cache's lifetime").isEmpty();
    }

    @Test
    void aHarvestedCertificateAndItsAnnouncementAreUsedByTheNextMail() {
        Instant yesterday = fixture.clock.instant().minus(Duration.ofDays(1));
        assertThat(store.encryptionTargetFor(BOB)).isEmpty();

        TestPki.Issued first = leaf(BOB, yesterday, Duration.ofDays(365));
        harvest(first, Optional.of("aes256-cbc"));
        assertThat(store.encryptionTargetFor(BOB).orElseThrow().certificate()).isEqualTo(first.certificate());
        assertThat(store.announcedCapabilities(BOB)).contains("aes256-cbc");

        fixture.clock.advance(Duration.ofSeconds(1));
        harvest(first, Optional.of("aes256-gcm aes256-cbc"));
        assertThat(store.encryptionTargetFor(BOB).orElseThrow().capabilities()).as("a newer announcement").contains("aes256-gcm aes256-cbc");

        TestPki.Issued second = leaf(BOB, yesterday.plus(Duration.ofHours(1)), Duration.ofDays(365));
        harvest(second, Optional.empty());
        assertThat(store.encryptionTargetFor(BOB).orElseThrow().certificate()).as("an accepted update").isEqualTo(second.certificate());

        store.deleteHarvested(store.listHarvested(Optional.of(BOB), Optional.empty(), 0, 10).stream()
            .filter(harvested -> harvested.certificate().certificate().equals(second.certificate())).findFirst().orElseThrow().name());
        assertThat(store.encryptionTargetFor(BOB)).as("after deletion, what a store without a cache answers")
            .isEqualTo(SmimeKeyStore.open(database.dataSource(), KeyStoreFixture.MASTER_SECRET.toCharArray(), fixture.clock).encryptionTargetFor(BOB))
            .map(EncryptionTarget::certificate).isNotEqualTo(Optional.of(second.certificate()));
    }

    @Test
    void aHarvestedCertificatesLastUseMovesAtMostOnceAMinute() {
        harvest(leaf(BOB, fixture.clock.instant().minus(Duration.ofDays(1)), Duration.ofDays(365)), Optional.empty());
        store.encryptionTargetFor(BOB);
        Instant firstUse = lastUsed();

        fixture.clock.advance(Duration.ofSeconds(30));
        store.encryptionTargetFor(BOB);
        assertThat(lastUsed()).isEqualTo(firstUse);

        fixture.clock.advance(Duration.ofSeconds(31));
        store.encryptionTargetFor(BOB);
        assertThat(lastUsed()).isEqualTo(fixture.clock.instant());
    }

    private Instant lastUsed() {
        return store.listHarvested(Optional.of(BOB), Optional.empty(), 0, 1).get(0).lastUsed();
    }

    @Test
    void anAnswerLoadedWhileAChangeCommitsIsNotKept() {
        LookupCache cache = new LookupCache(fixture.clock);
        AtomicInteger loads = new AtomicInteger();

        String first = cache.get("key", () -> {
            loads.incrementAndGet();
            cache.changed();
            return "read before the change committed";
        }, value -> List.of());
        String second = cache.get("key", () -> "read after " + loads.incrementAndGet(), value -> List.of());

        assertThat(first).isEqualTo("read before the change committed");
        assertThat(second).isEqualTo("read after 2");
        assertThat(cache.get("key", () -> "a third read", value -> List.of())).isEqualTo("read after 2");
    }

    @Test
    void answersAreReadAgainAfterTheirTimeToLive() {
        LookupCache cache = new LookupCache(fixture.clock);
        cache.get("key", () -> "first", value -> List.of());

        fixture.clock.advance(LookupCache.TIME_TO_LIVE.minusSeconds(1));
        assertThat(cache.get("key", () -> "second", value -> List.of())).isEqualTo("first");

        fixture.clock.advance(Duration.ofSeconds(1));
        assertThat(cache.get("key", () -> "second", value -> List.of())).isEqualTo("second");
    }
}
