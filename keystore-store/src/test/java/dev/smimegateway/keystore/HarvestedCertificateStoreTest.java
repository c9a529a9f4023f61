package dev.smimegateway.keystore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.smimegateway.core.certificate.CertificateFacts;
import dev.smimegateway.core.testing.TestPki;

class HarvestedCertificateStoreTest {
    private static final TestPki PKI = TestPki.create("Partner CA");
    private static final Duration WINDOW = Duration.ofHours(48);
    private static final long NO_CAP = 512L * 1024 * 1024;

    @TempDir
    Path folder;
    KeyStoreFixture fixture;
    SmimeKeyStore store;

    @BeforeEach
    void setUp() {
        fixture = new KeyStoreFixture(folder);
        store = fixture.open();
    }

    /** A certificate for the address whose notBefore is {@code daysAgo} days before the fixture's clock. */
    private CertificateFacts certificate(String address, int daysAgo) {
        Instant notBefore = fixture.clock.instant().minus(Duration.ofDays(daysAgo));
        return CertificateFacts.of(PKI.leaf(address).email(address).ec()
            .validity(notBefore, notBefore.plus(Duration.ofDays(700))).issue().certificate());
    }

    private HarvestResult harvest(CertificateFacts facts, String address, boolean acceptUpdates) {
        return harvest(facts, address, acceptUpdates, NO_CAP);
    }

    private HarvestResult harvest(CertificateFacts facts, String address, boolean acceptUpdates, long cap) {
        return store.harvest(new HarvestRequest(facts, List.of(address), Optional.of("<m1@partner.example>"), acceptUpdates, WINDOW, cap,
            Optional.empty(), Optional.empty()));
    }

    @Test
    void aFirstCertificateIsStoredForTheAddressAndEncryptsMailToIt() {
        CertificateFacts bob = certificate("bob@partner.example", 10);

        HarvestResult result = harvest(bob, "bob@partner.example", false);

        assertThat(result.outcome()).isEqualTo(HarvestResult.Outcome.STORED);
        HarvestedCertificate stored = store.harvestedCertificate(result.name().orElseThrow()).orElseThrow();
        assertThat(stored.address()).isEqualTo("bob@partner.example");
        assertThat(stored.messageId()).contains("<m1@partner.example>");
        assertThat(stored.storedBytes()).isEqualTo(bob.der().length);
        assertThat(stored.firstSeen()).isEqualTo(fixture.clock.instant());
        assertThat(store.encryptionCertificatesFor("bob@partner.example")).containsExactly(bob.certificate());
        assertThat(store.certificate(stored.name()).orElseThrow().origin()).isEqualTo(StoredCertificate.Origin.HARVESTED);
        assertThat(store.listCertificates()).as("the administrator's list").isEmpty();
    }

    @Test
    void aHarvestedCertificateIsBoundOnlyToTheAddressesItWasHarvestedFor() {
        Instant now = fixture.clock.instant();
        CertificateFacts both = CertificateFacts.of(PKI.leaf("Bob").email("bob@partner.example").email("ceo@partner.example")
            .domain("partner.example").ec().validity(now.minus(Duration.ofDays(1)), now.plus(Duration.ofDays(300))).issue().certificate());

        harvest(both, "bob@partner.example", false);

        assertThat(store.encryptionCertificatesFor("bob@partner.example")).hasSize(1);
        assertThat(store.encryptionCertificatesFor("ceo@partner.example")).isEmpty();
        assertThat(store.encryptionCertificatesFor("anyone@partner.example")).as("no domain binding").isEmpty();
    }

    @Test
    void theSameCertificateSeenAgainMovesItsLastSeenTime() {
        CertificateFacts bob = certificate("bob@partner.example", 10);
        String name = harvest(bob, "bob@partner.example", false).name().orElseThrow();
        fixture.clock.advance(Duration.ofHours(3));

        HarvestResult again = harvest(bob, "bob@partner.example", false);

        assertThat(again.outcome()).isEqualTo(HarvestResult.Outcome.SEEN_AGAIN);
        HarvestedCertificate stored = store.harvestedCertificate(name).orElseThrow();
        assertThat(stored.lastSeen()).isEqualTo(fixture.clock.instant());
        assertThat(stored.firstSeen()).isEqualTo(fixture.clock.instant().minus(Duration.ofHours(3)));
        assertThat(store.listHarvested(Optional.empty(), Optional.empty(), 0, 100)).hasSize(1);
    }

    @Test
    void withoutHarvestUpdatedKeysANewerCertificateIsRecordedAsARejectedUpdate() {
        CertificateFacts old = certificate("bob@partner.example", 100);
        CertificateFacts newer = certificate("bob@partner.example", 1);
        harvest(old, "bob@partner.example", false);

        HarvestResult result = harvest(newer, "bob@partner.example", false);

        assertThat(result.outcome()).isEqualTo(HarvestResult.Outcome.UPDATE_REJECTED);
        assertThat(store.encryptionCertificatesFor("bob@partner.example")).containsExactly(old.certificate());
        assertThat(store.certificateUpdates(Optional.of("bob@partner.example")))
            .singleElement()
            .satisfies(update -> {
                assertThat(update.outcome()).isEqualTo("REJECTED");
                assertThat(update.certificate().fingerprint()).isEqualTo(newer.fingerprint());
            });
    }

    @Test
    void withHarvestUpdatedKeysTheNewestEncryptsAndTheOldIsKept() {
        CertificateFacts old = certificate("bob@partner.example", 100);
        CertificateFacts newer = certificate("bob@partner.example", 1);
        harvest(old, "bob@partner.example", true);

        HarvestResult result = harvest(newer, "bob@partner.example", true);

        assertThat(result.outcome()).isEqualTo(HarvestResult.Outcome.UPDATED);
        assertThat(store.encryptionCertificatesFor("bob@partner.example")).containsExactly(newer.certificate(), old.certificate());
        assertThat(store.encryptionTargetFor("bob@partner.example").orElseThrow().certificate()).isEqualTo(newer.certificate());
        assertThat(store.listHarvested(Optional.of("bob@partner.example"), Optional.empty(), 0, 10)).hasSize(2);
    }

    @Test
    void anOlderCertificateNeverDisplacesTheKnownOne() {
        CertificateFacts newer = certificate("bob@partner.example", 1);
        CertificateFacts old = certificate("bob@partner.example", 100);
        harvest(newer, "bob@partner.example", true);

        HarvestResult result = harvest(old, "bob@partner.example", true);

        assertThat(result.outcome()).isEqualTo(HarvestResult.Outcome.OLDER);
        assertThat(store.encryptionCertificatesFor("bob@partner.example")).containsExactly(newer.certificate());
        assertThat(store.certificateUpdates(Optional.empty())).isEmpty();
    }

    @Test
    void anAdministratorsCertificateCountsAsKnown() throws Exception {
        TestPki.Issued added = PKI.leaf("Bob").email("bob@partner.example").ec()
            .validity(fixture.clock.instant().minus(Duration.ofDays(5)), fixture.clock.instant().plus(Duration.ofDays(300))).issue();
        store.addCertificate("bob", added.pem().getBytes(StandardCharsets.US_ASCII));

        assertThat(harvest(CertificateFacts.of(added.certificate()), "bob@partner.example", false).outcome())
            .isEqualTo(HarvestResult.Outcome.ALREADY_KNOWN);
        assertThat(harvest(certificate("bob@partner.example", 1), "bob@partner.example", false).outcome())
            .isEqualTo(HarvestResult.Outcome.UPDATE_REJECTED);
    }

    @Test
    void twoUpdatesForAnAddressWithinTheWindowRaiseExactlyOneAlert() {
        harvest(certificate("bob@partner.example", 100), "bob@partner.example", true);
        HarvestResult first = harvest(certificate("bob@partner.example", 50), "bob@partner.example", true);
        fixture.clock.advance(Duration.ofHours(47));

        HarvestResult second = harvest(certificate("bob@partner.example", 1), "bob@partner.example", true);

        assertThat(first.alert()).isEmpty();
        assertThat(second.alert()).isPresent();
        assertThat(store.listAlerts(Optional.empty())).singleElement().satisfies(alert -> {
            assertThat(alert.scope()).isEqualTo(RiskAlert.Scope.ADDRESS);
            assertThat(alert.subject()).isEqualTo("bob@partner.example");
            assertThat(alert.detail()).startsWith("2 updated certificates for address bob@partner.example within 48 hours");
            assertThat(alert.acknowledgedAt()).isEmpty();
        });
    }

    @Test
    void updatesFurtherApartThanTheWindowRaiseNoAlert() {
        harvest(certificate("bob@partner.example", 100), "bob@partner.example", true);
        harvest(certificate("bob@partner.example", 50), "bob@partner.example", true);
        fixture.clock.advance(Duration.ofHours(49));

        HarvestResult later = harvest(certificate("bob@partner.example", 1), "bob@partner.example", true);

        assertThat(later.alert()).isEmpty();
        assertThat(store.listAlerts(Optional.empty())).isEmpty();
    }

    @Test
    void theSameRejectedUpdateArrivingWithEveryMailCountsOnce() {
        harvest(certificate("bob@partner.example", 100), "bob@partner.example", false);
        CertificateFacts renewed = certificate("bob@partner.example", 1);

        for (int i = 0; i < 5; i++) {
            harvest(renewed, "bob@partner.example", false);
        }

        assertThat(store.certificateUpdates(Optional.empty())).hasSize(1);
        assertThat(store.listAlerts(Optional.empty())).isEmpty();
    }

    @Test
    void updatesForTwoAddressesOfOneDomainRaiseADomainAlert() {
        harvest(certificate("bob@partner.example", 100), "bob@partner.example", true);
        harvest(certificate("carol@partner.example", 100), "carol@partner.example", true);
        harvest(certificate("bob@partner.example", 1), "bob@partner.example", true);

        HarvestResult second = harvest(certificate("carol@partner.example", 1), "carol@partner.example", true);

        assertThat(second.alert()).hasValueSatisfying(alert -> {
            assertThat(alert.scope()).isEqualTo(RiskAlert.Scope.DOMAIN);
            assertThat(alert.subject()).isEqualTo("partner.example");
        });
        assertThat(store.listAlerts(Optional.empty())).hasSize(1);
    }

    @Test
    void anAlertIsAcknowledgedOnce() {
        harvest(certificate("bob@partner.example", 100), "bob@partner.example", false);
        harvest(certificate("bob@partner.example", 50), "bob@partner.example", false);
        String id = harvest(certificate("bob@partner.example", 1), "bob@partner.example", false).alert().orElseThrow().id();
        fixture.clock.advance(Duration.ofMinutes(5));

        RiskAlert acknowledged = store.acknowledgeAlert(id);
        fixture.clock.advance(Duration.ofMinutes(5));
        store.acknowledgeAlert(id);

        assertThat(acknowledged.acknowledgedAt()).contains(fixture.clock.instant().minus(Duration.ofMinutes(5)));
        assertThat(store.listAlerts(Optional.of(false))).isEmpty();
        assertThat(store.listAlerts(Optional.of(true))).extracting(RiskAlert::acknowledgedAt)
            .containsExactly(Optional.of(fixture.clock.instant().minus(Duration.ofMinutes(5))));
        assertThatThrownBy(() -> store.acknowledgeAlert("nope")).isInstanceOf(EntryNotFoundException.class);
    }

    @Test
    void overTheCapTheLeastRecentlyUsedHarvestedCertificatesGoFirst() {
        CertificateFacts a = certificate("a@partner.example", 3);
        CertificateFacts b = certificate("b@partner.example", 3);
        CertificateFacts c = certificate("c@partner.example", 3);
        CertificateFacts d = certificate("d@partner.example", 3);
        long cap = a.der().length + b.der().length + c.der().length + 10;
        harvest(a, "a@partner.example", false, cap);
        fixture.clock.advance(Duration.ofMinutes(1));
        harvest(b, "b@partner.example", false, cap);
        fixture.clock.advance(Duration.ofMinutes(1));
        harvest(c, "c@partner.example", false, cap);
        fixture.clock.advance(Duration.ofMinutes(1));
        store.encryptionTargetFor("a@partner.example");

        HarvestResult result = harvest(d, "d@partner.example", false, cap);

        assertThat(result.evicted()).hasSize(1);
        assertThat(store.encryptionCertificatesFor("b@partner.example")).as("b was least recently used").isEmpty();
        assertThat(store.encryptionCertificatesFor("a@partner.example")).as("a was used for encryption").hasSize(1);
        assertThat(store.encryptionCertificatesFor("c@partner.example")).hasSize(1);
        assertThat(store.encryptionCertificatesFor("d@partner.example")).hasSize(1);
        long stored = store.listHarvested(Optional.empty(), Optional.empty(), 0, 100).stream()
            .mapToLong(HarvestedCertificate::storedBytes).sum();
        assertThat(stored).isLessThanOrEqualTo(cap);
    }

    @Test
    void administratorsCertificatesAreNeverEvicted() throws Exception {
        TestPki.Issued added = PKI.leaf("Admin").email("admin@partner.example").issue();
        store.addCertificate("admin", added.pem().getBytes(StandardCharsets.US_ASCII));
        CertificateFacts a = certificate("a@partner.example", 3);
        String promoted = harvest(a, "a@partner.example", false, 1).name().orElseThrow();
        store.promoteHarvested(promoted);

        harvest(certificate("b@partner.example", 3), "b@partner.example", false, 1);
        harvest(certificate("c@partner.example", 3), "c@partner.example", false, 1);

        assertThat(store.encryptionCertificatesFor("admin@partner.example")).hasSize(1);
        assertThat(store.encryptionCertificatesFor("a@partner.example")).as("promoted").hasSize(1);
        assertThat(store.encryptionCertificatesFor("b@partner.example")).as("evicted for c").isEmpty();
        assertThat(store.listCertificates()).extracting(StoredCertificate::name).containsExactlyInAnyOrder("admin", promoted);
    }

    @Test
    void listsByAddressOrDomainInPagesAndDeletes() {
        for (String address : List.of("a@one.example", "b@one.example", "c@two.example")) {
            harvest(certificate(address, 3), address, false);
        }

        assertThat(store.listHarvested(Optional.empty(), Optional.of("one.example"), 0, 10))
            .extracting(HarvestedCertificate::address).containsExactly("a@one.example", "b@one.example");
        assertThat(store.listHarvested(Optional.empty(), Optional.empty(), 1, 1))
            .extracting(HarvestedCertificate::address).containsExactly("b@one.example");
        assertThat(store.listHarvested(Optional.of("C@two.example"), Optional.empty(), 0, 10)).hasSize(1);
        assertThatThrownBy(() -> store.listHarvested(Optional.empty(), Optional.of("%"), 0, 10)).isInstanceOf(InvalidRequestException.class);

        String name = store.listHarvested(Optional.of("c@two.example"), Optional.empty(), 0, 10).get(0).name();
        store.deleteHarvested(name);
        assertThat(store.encryptionCertificatesFor("c@two.example")).isEmpty();
        assertThatThrownBy(() -> store.deleteHarvested(name)).isInstanceOf(EntryNotFoundException.class);
        assertThatThrownBy(() -> store.promoteHarvested(name)).isInstanceOf(EntryNotFoundException.class);
    }

    @Test
    void theNewestAnnouncedCapabilitiesWinBySigningTime() {
        CertificateFacts bob = certificate("bob@partner.example", 3);
        Instant now = fixture.clock.instant();
        announce(bob, "aes256-gcm,aes256-cbc", now.minus(Duration.ofHours(1)));
        announce(bob, "aes256-cbc", now.minus(Duration.ofHours(2)));

        assertThat(store.announcedCapabilities("Bob@partner.example")).contains("aes256-gcm,aes256-cbc");
        assertThat(store.encryptionTargetFor("bob@partner.example").orElseThrow().capabilities()).contains("aes256-gcm,aes256-cbc");

        announce(bob, "aes128-cbc", now);
        assertThat(store.announcedCapabilities("bob@partner.example")).contains("aes128-cbc");
    }

    @Test
    void aRefusedUpdateNeverChangesWhatTheKnownCertificateIsSentWith() {
        CertificateFacts known = certificate("bob@partner.example", 100);
        CertificateFacts refused = certificate("bob@partner.example", 1);
        Instant now = fixture.clock.instant();
        announce(known, "aes256-cbc", now.minus(Duration.ofHours(2)));

        HarvestResult result = announce(refused, "aes256-gcm,rsa-oaep", now);

        assertThat(result.outcome()).isEqualTo(HarvestResult.Outcome.UPDATE_REJECTED);
        EncryptionTarget target = store.encryptionTargetFor("bob@partner.example").orElseThrow();
        assertThat(target.certificate()).isEqualTo(known.certificate());
        assertThat(target.capabilities()).contains("aes256-cbc");
    }

    @Test
    void aSigningTimeInTheFutureCountsAsNow() {
        CertificateFacts bob = certificate("bob@partner.example", 3);
        Instant now = fixture.clock.instant();
        announce(bob, "aes256-cbc", now.plus(Duration.ofDays(200)));
        fixture.clock.advance(Duration.ofHours(1));

        announce(bob, "aes256-gcm,aes256-cbc", fixture.clock.instant());

        assertThat(store.announcedCapabilities("bob@partner.example")).contains("aes256-gcm,aes256-cbc");
    }

    @Test
    void anOlderCertificateNeverStoredIsReportedAsOlder() {
        harvest(certificate("bob@partner.example", 1), "bob@partner.example", true);

        assertThat(harvest(certificate("bob@partner.example", 100), "bob@partner.example", true).outcome())
            .isEqualTo(HarvestResult.Outcome.OLDER);
    }

    private HarvestResult announce(CertificateFacts facts, String capabilities, Instant signingTime) {
        return store.harvest(new HarvestRequest(facts, List.of("bob@partner.example"), Optional.empty(), false, WINDOW, NO_CAP,
            Optional.of(capabilities), Optional.of(signingTime)));
    }
}
