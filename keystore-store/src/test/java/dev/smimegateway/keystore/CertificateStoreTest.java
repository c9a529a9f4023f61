package dev.smimegateway.keystore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.smimegateway.core.certificate.CertificateRejectedException;
import dev.smimegateway.core.testing.TestPki;

class CertificateStoreTest {
    private static final TestPki PKI = TestPki.create("Partner CA");

    @TempDir
    Path folder;
    KeyStoreFixture fixture;
    SmimeKeyStore store;

    @BeforeEach
    void setUp() {
        fixture = new KeyStoreFixture(folder);
        store = fixture.open();
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void addsAPartnerCertificateUnderAName() {
        TestPki.Issued bob = PKI.leaf("Bob").email("bob@partner.example").issue();

        StoredCertificate stored = store.addCertificate("bob", bytes(bob.pem()));

        assertThat(stored.name()).isEqualTo("bob");
        assertThat(stored.origin()).isEqualTo(StoredCertificate.Origin.ADDED);
        assertThat(store.certificate("bob").orElseThrow().certificate().certificate()).isEqualTo(bob.certificate());
        assertThat(store.listCertificates()).extracting(StoredCertificate::name).containsExactly("bob");
    }

    @Test
    void acceptsDerAsWellAsPem() throws Exception {
        TestPki.Issued bob = PKI.leaf("Bob").email("bob@partner.example").issue();

        store.addCertificate("bob", bob.certificate().getEncoded());

        assertThat(store.certificate("bob")).isPresent();
    }

    @Test
    void refusesRsaCertificateWithoutKeyEncipherment() {
        TestPki.Issued signOnly = PKI.leaf("Bob").email("bob@partner.example").keyUsage(KeyUsage.digitalSignature).issue();

        assertThatThrownBy(() -> store.addCertificate("bob", bytes(signOnly.pem())))
            .isInstanceOf(CertificateRejectedException.class)
            .hasMessage("certificate for bob@partner.example lacks keyEncipherment");
        assertThat(store.listCertificates()).isEmpty();
    }

    @Test
    void refusesEcCertificateWithoutKeyAgreement() {
        TestPki.Issued signOnly = PKI.leaf("Bob").email("bob@partner.example").ec().keyUsage(KeyUsage.digitalSignature).issue();

        assertThatThrownBy(() -> store.addCertificate("bob", bytes(signOnly.pem())))
            .hasMessage("certificate for bob@partner.example lacks keyAgreement");
    }

    @Test
    void refusesEd25519CertificateForEncryption() {
        TestPki.Issued ed = PKI.leaf("Bob").email("bob@partner.example").ed25519().issue();

        assertThatThrownBy(() -> store.addCertificate("bob", bytes(ed.pem())))
            .hasMessageContaining("Ed25519 key, which can sign but cannot receive encrypted mail");
    }

    @Test
    void refusesCertificateWithoutEmailProtection() {
        TestPki.Issued tls = PKI.leaf("Bob").email("bob@partner.example").extendedKeyUsage(KeyPurposeId.id_kp_serverAuth).issue();

        assertThatThrownBy(() -> store.addCertificate("bob", bytes(tls.pem())))
            .hasMessage("certificate for bob@partner.example has an extendedKeyUsage without emailProtection");
    }

    @Test
    void refusesGarbageAndTruncatedPem() {
        String pem = PKI.leaf("Bob").email("bob@partner.example").issue().pem();
        String truncated = pem.substring(0, pem.length() / 2) + "\n-----END CERTIFICATE-----\n";

        assertThatThrownBy(() -> store.addCertificate("bob", bytes("hello, not a certificate")))
            .isInstanceOf(CertificateRejectedException.class)
            .hasMessageContaining("no PEM certificate found");
        assertThatThrownBy(() -> store.addCertificate("bob", bytes(truncated)))
            .isInstanceOf(CertificateRejectedException.class)
            .hasMessageContaining("invalid");
        assertThatThrownBy(() -> store.addCertificate("bob", new byte[] {0x30, 0x03, 0x01, 0x02}))
            .isInstanceOf(CertificateRejectedException.class)
            .hasMessageContaining("not a valid X.509 certificate");
    }

    @Test
    void refusesABundleWhereOneCertificateIsExpected() {
        String two = PKI.leaf("A").email("a@partner.example").issue().pem() + PKI.leaf("B").email("b@partner.example").issue().pem();

        assertThatThrownBy(() -> store.addCertificate("ab", bytes(two)))
            .isInstanceOf(InvalidRequestException.class)
            .hasMessageContaining("expected one certificate, found 2");
    }

    @Test
    void refusesDuplicateNameAndTheSameCertificateTwice() {
        TestPki.Issued bob = PKI.leaf("Bob").email("bob@partner.example").issue();
        store.addCertificate("bob", bytes(bob.pem()));

        assertThatThrownBy(() -> store.addCertificate("bob", bytes(PKI.leaf("B2").email("b2@partner.example").issue().pem())))
            .isInstanceOf(EntryExistsException.class)
            .hasMessage("a certificate named 'bob' already exists");
        assertThatThrownBy(() -> store.addCertificate("bob-again", bytes(bob.pem())))
            .isInstanceOf(EntryExistsException.class)
            .hasMessage("this certificate is already stored as 'bob'");
    }

    @Test
    void deletesACertificate() {
        store.addCertificate("bob", bytes(PKI.leaf("Bob").email("bob@partner.example").issue().pem()));

        store.deleteCertificate("bob");

        assertThat(store.certificate("bob")).isEmpty();
        assertThat(store.encryptionCertificatesFor("bob@partner.example")).isEmpty();
        assertThatThrownBy(() -> store.deleteCertificate("bob")).isInstanceOf(EntryNotFoundException.class);
    }

    @Test
    void partnerCertificatesForVerificationAreThoseOfTheExactAddressWhateverTheirValidity() {
        Instant now = Instant.now();
        TestPki.Issued older = PKI.leaf("Bob 1").email("bob@partner.example").validity(now.minus(Duration.ofDays(20)), now.plus(Duration.ofDays(30))).issue();
        TestPki.Issued newer = PKI.leaf("Bob 2").email("bob@partner.example").validity(now.minus(Duration.ofDays(2)), now.plus(Duration.ofDays(300))).issue();
        TestPki.Issued gateway = PKI.leaf("Gateway").domain("partner.example").issue();
        TestPki.Issued carol = PKI.leaf("Carol").email("carol@partner.example").issue();
        store.addCertificate("bob-1", bytes(older.pem()));
        store.addCertificate("bob-2", bytes(newer.pem()));
        store.addCertificate("gateway", bytes(gateway.pem()));
        store.addCertificate("carol", bytes(carol.pem()));
        fixture.clock.advance(Duration.ofDays(31));

        assertThat(store.partnerCertificatesFor("Bob@Partner.Example")).containsExactly(newer.certificate(), older.certificate());
        assertThat(store.partnerCertificatesFor("dave@partner.example")).isEmpty();
        assertThat(store.partnerCertificatesFor("partner.example")).isEmpty();
    }

    @Test
    void partnerCertificatesForVerificationLeaveOurOwnIdentitiesOut() {
        store.createSelfSigned("alice", SelfSignedRequest.builder().commonName("Alice").email("alice@example.com").build(), Optional.empty());

        assertThat(store.partnerCertificatesFor("alice@example.com")).isEmpty();
    }

    @Test
    void exportWritesNamesThatReimportRestores() {
        TestPki.Issued bob = PKI.leaf("Bob").email("bob@partner.example").issue();
        TestPki.Issued carol = PKI.leaf("Carol").email("carol@partner.example").issue();
        store.addCertificate("bob-at-partner", bytes(bob.pem()));
        store.addCertificate("carol", bytes(carol.pem()));
        String export = store.exportCertificates();
        store.deleteCertificate("bob-at-partner");
        store.deleteCertificate("carol");

        ImportReport report = store.importCertificates(export);

        assertThat(report.count(ImportReport.Status.ACCEPTED)).isEqualTo(2);
        assertThat(store.listCertificates()).extracting(StoredCertificate::name).containsExactly("bob-at-partner", "carol");
        assertThat(store.certificate("bob-at-partner").orElseThrow().certificate().certificate()).isEqualTo(bob.certificate());
    }

    @Test
    void bulkImportReportsEachCertificateAndKeepsTheGoodOnes() {
        TestPki.Issued good = PKI.leaf("Good").email("good@partner.example").issue();
        TestPki.Issued expired = PKI.leaf("Expired").email("expired@partner.example")
            .validity(Instant.now().minus(Duration.ofDays(100)), Instant.now().minus(Duration.ofDays(1))).issue();
        TestPki.Issued already = PKI.leaf("Already").email("already@partner.example").issue();
        store.addCertificate("already", bytes(already.pem()));
        String corrupt = "-----BEGIN CERTIFICATE-----\nMIIBAAAA\n-----END CERTIFICATE-----\n";
        String bundle = "subject=openssl style comment\n" + good.pem() + expired.pem() + corrupt + already.pem();

        ImportReport report = store.importCertificates(bundle);

        assertThat(report.entries()).extracting(ImportReport.Entry::status).containsExactly(
            ImportReport.Status.ACCEPTED, ImportReport.Status.REJECTED, ImportReport.Status.REJECTED, ImportReport.Status.DUPLICATE);
        assertThat(report.entries().get(0).name()).contains("good@partner.example");
        assertThat(report.entries().get(1).reason().orElseThrow()).contains("expired");
        assertThat(report.entries().get(2).reason().orElseThrow()).contains("not a valid X.509 certificate");
        assertThat(report.entries().get(3).reason()).contains("already stored as 'already'");
        assertThat(store.listCertificates()).extracting(StoredCertificate::name).containsExactly("already", "good@partner.example");
    }

    @Test
    void bulkImportNamesClashingCertificatesApart() {
        TestPki.Issued first = PKI.leaf("Bob").email("bob@partner.example").issue();
        TestPki.Issued second = PKI.leaf("Bob renewed").email("bob@partner.example").issue();

        ImportReport report = store.importCertificates(first.pem() + second.pem());

        assertThat(report.count(ImportReport.Status.ACCEPTED)).isEqualTo(2);
        assertThat(report.entries().get(1).name().orElseThrow()).startsWith("bob@partner.example-");
    }
}
