package dev.smimegateway.keystore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.groups.Tuple.tuple;

import java.nio.file.Path;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import org.bouncycastle.asn1.x509.KeyUsage;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.smimegateway.core.certificate.CertificateFacts;
import dev.smimegateway.core.testing.TestPki;
import dev.smimegateway.keystore.ExpiringEntry.Kind;

/**
 * What expires within a window: of every kind, the entry valid for 10 more days is listed with a
 * 30-day window and the one valid for 40 more days is not; what has expired is listed and marked.
 */
class ExpiringEntriesTest {
    private static final Duration THIRTY_DAYS = Duration.ofDays(30);
    private static final TestPki PKI = TestPki.create("Expiry Test CA");
    private static final CaCertificates CAS = CaCertificates.create("Expiry Test Root");
    private static final Optional<Boolean> AUTO = Optional.empty();
    private static final Instant NOW = Instant.now();

    private static X509Certificate partnerSoon;
    private static X509Certificate partnerLater;
    private static X509Certificate harvestedSoon;
    private static X509Certificate harvestedLater;
    private static X509Certificate anchorSoon;
    private static X509Certificate anchorLater;
    private static X509Certificate intermediateSoon;
    private static X509Certificate intermediateLater;
    /** nextUpdate in 7 days. */
    private static X509CRL crl;

    @TempDir
    Path folder;
    KeyStoreFixture fixture;
    SmimeKeyStore store;

    @BeforeAll
    static void issue() {
        partnerSoon = leaf("soon@partner.example", 10);
        partnerLater = leaf("later@partner.example", 40);
        harvestedSoon = leaf("soon@harvest.example", 10);
        harvestedLater = leaf("later@harvest.example", 40);
        anchorSoon = ca("Anchor Soon", 10);
        anchorLater = ca("Anchor Later", 40);
        intermediateSoon = ca("Intermediate Soon", 10);
        intermediateLater = ca("Intermediate Later", 40);
        crl = PKI.crlRevoking(partnerSoon);
    }

    private static X509Certificate leaf(String address, int daysLeft) {
        return PKI.leaf(address).email(address).ec().validity(NOW.minus(Duration.ofDays(1)), NOW.plus(Duration.ofDays(daysLeft)))
            .issue().certificate();
    }

    private static X509Certificate ca(String name, int daysLeft) {
        return CAS.intermediate(name, true, Optional.of(KeyUsage.keyCertSign | KeyUsage.cRLSign), NOW.plus(Duration.ofDays(daysLeft)));
    }

    @BeforeEach
    void setUp() {
        fixture = new KeyStoreFixture(folder);
        store = fixture.open();
        store.createSelfSigned("org-soon", SelfSignedRequest.builder().commonName("Soon").email("soon@example.com").validityDays(10)
            .signatureAlgorithm(SignatureAlgorithm.ECDSA_P256_SHA256).build(), AUTO);
        store.createSelfSigned("org-later", SelfSignedRequest.builder().commonName("Later").email("later@example.com").validityDays(40)
            .signatureAlgorithm(SignatureAlgorithm.ECDSA_P256_SHA256).build(), AUTO);
        store.addCertificate("partner-soon", TestPki.pem(partnerSoon).getBytes());
        store.addCertificate("partner-later", TestPki.pem(partnerLater).getBytes());
        harvest(harvestedSoon, "soon@harvest.example");
        harvest(harvestedLater, "later@harvest.example");
        store.importTrustAnchors(TestPki.pem(anchorSoon, anchorLater));
        store.importIntermediates(TestPki.pem(intermediateSoon, intermediateLater));
        store.importCrls(encoded(crl));
    }

    private void harvest(X509Certificate certificate, String address) {
        store.harvest(new HarvestRequest(CertificateFacts.of(certificate), List.of(address), Optional.empty(), false, Duration.ofHours(48),
            512L << 20, Optional.empty(), Optional.empty()));
    }

    private static byte[] encoded(X509CRL crl) {
        try {
            return crl.getEncoded();
        } catch (java.security.cert.CRLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String fingerprint(X509Certificate certificate) {
        return CertificateFacts.of(certificate).fingerprint();
    }

    @Test
    void aThirtyDayWindowListsTheEntriesValidForTenMoreDaysAndNotThoseValidForForty() {
        List<ExpiringEntry> expiring = store.expiringWithin(THIRTY_DAYS);

        assertThat(expiring).extracting(ExpiringEntry::kind, ExpiringEntry::name).containsExactlyInAnyOrder(
            tuple(Kind.IDENTITY, "org-soon"),
            tuple(Kind.CERTIFICATE, "partner-soon"),
            tuple(Kind.HARVESTED, "soon@harvest.example"),
            tuple(Kind.TRUST_ANCHOR, CertificateFacts.of(anchorSoon).subject()),
            tuple(Kind.INTERMEDIATE, CertificateFacts.of(intermediateSoon).subject()),
            tuple(Kind.CRL, crl.getIssuerX500Principal().getName()));
        assertThat(expiring).noneMatch(ExpiringEntry::expired);
    }

    @Test
    void entriesComeSoonestFirst() {
        List<ExpiringEntry> expiring = store.expiringWithin(THIRTY_DAYS);

        assertThat(expiring).extracting(ExpiringEntry::notAfter).isSorted();
        assertThat(expiring.get(0).kind()).as("the CRL's nextUpdate is in 7 days").isEqualTo(Kind.CRL);
    }

    @Test
    void eachEntryCarriesWhatIdentifiesItAndWhenItEnds() {
        List<ExpiringEntry> expiring = store.expiringWithin(THIRTY_DAYS);

        ExpiringEntry identity = only(expiring, Kind.IDENTITY);
        Identity soon = store.identity("org-soon").orElseThrow();
        assertThat(identity.fingerprint()).isEqualTo(soon.certificate().fingerprint());
        assertThat(identity.subject()).isEqualTo(soon.certificate().subject());
        assertThat(identity.addresses()).containsExactly("soon@example.com");
        assertThat(identity.notAfter()).isEqualTo(soon.certificate().notAfter());
        assertThat(identity.active()).isTrue();

        ExpiringEntry partner = only(expiring, Kind.CERTIFICATE);
        assertThat(partner.fingerprint()).isEqualTo(fingerprint(partnerSoon));
        assertThat(partner.addresses()).containsExactly("soon@partner.example");
        assertThat(partner.notAfter()).isEqualTo(partnerSoon.getNotAfter().toInstant());
        assertThat(partner.active()).isFalse();

        assertThat(only(expiring, Kind.HARVESTED).addresses()).containsExactly("soon@harvest.example");
        assertThat(only(expiring, Kind.TRUST_ANCHOR).fingerprint()).isEqualTo(fingerprint(anchorSoon));
        assertThat(only(expiring, Kind.INTERMEDIATE).fingerprint()).isEqualTo(fingerprint(intermediateSoon));
        ExpiringEntry revocationList = only(expiring, Kind.CRL);
        assertThat(revocationList.fingerprint()).isEqualTo(CertificateFacts.sha256Hex(encoded(crl)));
        assertThat(revocationList.notAfter()).isEqualTo(crl.getNextUpdate().toInstant());
        assertThat(revocationList.addresses()).isEmpty();
    }

    @Test
    void whatHasExpiredIsListedAndMarkedExpired() {
        fixture.clock.advance(Duration.ofDays(15));

        List<ExpiringEntry> expiring = store.expiringWithin(THIRTY_DAYS);

        assertThat(expiring).filteredOn(ExpiringEntry::expired).extracting(ExpiringEntry::kind)
            .containsExactlyInAnyOrder(Kind.IDENTITY, Kind.CERTIFICATE, Kind.HARVESTED, Kind.TRUST_ANCHOR, Kind.INTERMEDIATE, Kind.CRL);
        assertThat(expiring).filteredOn(entry -> !entry.expired()).extracting(ExpiringEntry::name)
            .as("valid for 25 more days now").contains("org-later", "partner-later", "later@harvest.example");
    }

    @Test
    void aZeroWindowListsOnlyWhatHasExpired() {
        assertThat(store.expiringWithin(Duration.ZERO)).isEmpty();

        fixture.clock.advance(Duration.ofDays(8));

        assertThat(store.expiringWithin(Duration.ZERO)).extracting(ExpiringEntry::kind, ExpiringEntry::expired)
            .containsExactly(tuple(Kind.CRL, true));
    }

    @Test
    void aCrlIsListedByItsNextUpdate() {
        assertThat(store.expiringWithin(Duration.ofDays(6))).extracting(ExpiringEntry::kind).doesNotContain(Kind.CRL);
        assertThat(store.expiringWithin(Duration.ofDays(8))).extracting(ExpiringEntry::kind).containsExactly(Kind.CRL);
    }

    @Test
    void aDecryptOnlyIdentityIsNeverListedItIsKeptExpiredOnPurpose() {
        TestPki.Issued expired = PKI.leaf("Old").email("old@example.com").ec()
            .validity(NOW.minus(Duration.ofDays(800)), NOW.minus(Duration.ofDays(35))).issue();
        store.importPkcs12("old-2023", expired.pkcs12("pw"), "pw".toCharArray(), Optional.empty(), AUTO, true);

        assertThat(store.expiringWithin(Duration.ofDays(3650))).extracting(ExpiringEntry::name).doesNotContain("old-2023");
    }

    @Test
    void anArchivedIdentityIsNotListedItWasRetiredOnPurposeAndIsListedAgainOnceRestored() {
        assertThat(store.expiringWithin(THIRTY_DAYS)).extracting(ExpiringEntry::name).contains("org-soon");

        store.archiveIdentity("org-soon");
        assertThat(store.expiringWithin(THIRTY_DAYS)).extracting(ExpiringEntry::name).doesNotContain("org-soon");

        store.restoreIdentity("org-soon");
        assertThat(store.expiringWithin(THIRTY_DAYS)).extracting(ExpiringEntry::name).contains("org-soon");
    }

    @Test
    void anInactiveIdentityIsListedAsInactive() {
        store.createSelfSigned("org-soon-spare", SelfSignedRequest.builder().commonName("Soon spare").email("soon@example.com")
            .validityDays(12).signatureAlgorithm(SignatureAlgorithm.ECDSA_P256_SHA256).build(), Optional.of(false));

        assertThat(store.expiringWithin(THIRTY_DAYS)).filteredOn(entry -> entry.kind() == Kind.IDENTITY)
            .extracting(ExpiringEntry::name, ExpiringEntry::active)
            .containsExactly(tuple("org-soon", true), tuple("org-soon-spare", false));
    }

    @Test
    void anIdentityIsListedByItsCurrentCertificateOnly() {
        String csr = store.certificationRequest("org-soon");
        store.importCertificate("org-soon", TestPki.pem(PKI.sign(csr, Duration.ofDays(365))).getBytes());

        assertThat(store.expiringWithin(THIRTY_DAYS)).extracting(ExpiringEntry::kind).doesNotContain(Kind.IDENTITY);
    }

    @Test
    void aNegativeWindowIsRefused() {
        assertThatThrownBy(() -> store.expiringWithin(Duration.ofDays(-1))).isInstanceOf(InvalidRequestException.class);
    }

    private static ExpiringEntry only(List<ExpiringEntry> entries, Kind kind) {
        return entries.stream().filter(entry -> entry.kind() == kind).reduce((first, second) -> {
            throw new AssertionError("more than one " + kind);
        }).orElseThrow();
    }
}
