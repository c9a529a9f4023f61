package dev.smimegateway.keystore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.smimegateway.core.certificate.CertificateFacts;
import dev.smimegateway.core.certificate.CertificateRejectedException;
import dev.smimegateway.core.testing.TestPki;

class TrustAnchorStoreTest {
    private static final TestPki FIRST = TestPki.create("First Root");
    private static final TestPki SECOND = TestPki.create("Second Root");

    @TempDir
    Path folder;
    SmimeKeyStore store;

    @BeforeEach
    void setUp() {
        store = new KeyStoreFixture(folder).open();
    }

    @Test
    void importsACaListAndReportsEachCertificate() {
        String leaf = FIRST.leaf("Leaf").email("leaf@example.com").issue().pem();

        ImportReport report = store.importTrustAnchors(TestPki.pem(FIRST.caCertificate(), SECOND.caCertificate()) + leaf);

        assertThat(report.entries()).extracting(ImportReport.Entry::status)
            .containsExactly(ImportReport.Status.ACCEPTED, ImportReport.Status.ACCEPTED, ImportReport.Status.REJECTED);
        assertThat(report.entries().get(2).reason().orElseThrow()).contains("is neither a CA certificate");
        assertThat(store.listTrustAnchors()).extracting(anchor -> anchor.certificate().certificate())
            .containsExactlyInAnyOrder(FIRST.caCertificate(), SECOND.caCertificate());
    }

    @Test
    void reimportingAnAnchorIsReportedAsDuplicate() {
        store.importTrustAnchors(TestPki.pem(FIRST.caCertificate()));

        ImportReport report = store.importTrustAnchors(TestPki.pem(FIRST.caCertificate()));

        assertThat(report.entries()).extracting(ImportReport.Entry::status).containsExactly(ImportReport.Status.DUPLICATE);
        assertThat(store.listTrustAnchors()).hasSize(1);
    }

    @Test
    void getsAndDeletesAnAnchorByFingerprintInAnyCommonSpelling() {
        store.importTrustAnchors(TestPki.pem(FIRST.caCertificate()));
        String fingerprint = CertificateFacts.of(FIRST.caCertificate()).fingerprint();
        String openSslStyle = fingerprint.toUpperCase().replaceAll("(..)(?!$)", "$1:");

        assertThat(store.trustAnchor(openSslStyle)).isPresent();
        store.deleteTrustAnchor(fingerprint);

        assertThat(store.listTrustAnchors()).isEmpty();
        assertThatThrownBy(() -> store.deleteTrustAnchor(fingerprint)).isInstanceOf(EntryNotFoundException.class);
        assertThatThrownBy(() -> store.trustAnchor("nope")).isInstanceOf(InvalidRequestException.class);
    }

    @Test
    void importsListsAndDeletesCrlsOnce() throws Exception {
        java.security.cert.X509CRL crl = FIRST.crlRevoking(FIRST.leaf("Gone").email("gone@example.com").issue().certificate());
        String pem = "-----BEGIN X509 CRL-----\n" + java.util.Base64.getMimeEncoder().encodeToString(crl.getEncoded())
            + "\n-----END X509 CRL-----\n";

        assertThat(store.importCrls(pem.getBytes(java.nio.charset.StandardCharsets.US_ASCII))).isEqualTo(1);
        assertThat(store.importCrls(crl.getEncoded())).isZero();
        assertThat(store.listCrls()).containsExactly(crl);
        store.deleteCrl(CertificateFacts.sha256Hex(crl.getEncoded()));
        assertThat(store.listCrls()).isEmpty();
        assertThatThrownBy(() -> store.importCrls("nothing".getBytes(java.nio.charset.StandardCharsets.US_ASCII)))
            .isInstanceOf(CertificateRejectedException.class).hasMessageContaining("no CRL found");
    }

    @Test
    void refusesTextWithoutAnyCertificate() {
        assertThatThrownBy(() -> store.importTrustAnchors("just words"))
            .isInstanceOf(CertificateRejectedException.class)
            .hasMessageContaining("no PEM certificate found");
    }
}
