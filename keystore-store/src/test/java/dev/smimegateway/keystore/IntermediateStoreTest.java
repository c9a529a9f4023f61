package dev.smimegateway.keystore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import org.bouncycastle.asn1.x509.KeyUsage;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.smimegateway.core.certificate.CertificateFacts;
import dev.smimegateway.core.certificate.CertificateRejectedException;
import dev.smimegateway.core.testing.TestPki;

class IntermediateStoreTest {
    private static final CaCertificates CA = CaCertificates.create("Partner Root");
    private static final X509Certificate ISSUING = CA.intermediate("Partner Issuing CA");
    private static final X509Certificate OTHER = CA.intermediate("Partner Other CA");

    @TempDir
    Path folder;
    SmimeKeyStore store;

    @BeforeEach
    void setUp() {
        store = new KeyStoreFixture(folder).open();
    }

    @Test
    void importsIntermediatesAndReportsEachCertificate() {
        ImportReport report = store.importIntermediates(TestPki.pem(ISSUING, OTHER));

        assertThat(report.entries()).extracting(ImportReport.Entry::status)
            .containsExactly(ImportReport.Status.ACCEPTED, ImportReport.Status.ACCEPTED);
        assertThat(store.listIntermediates()).extracting(stored -> stored.certificate().certificate())
            .containsExactlyInAnyOrder(ISSUING, OTHER);
        assertThat(store.intermediateCertificates()).containsExactlyInAnyOrder(ISSUING, OTHER);
    }

    @Test
    void anIntermediateIsNeverATrustAnchor() {
        store.importIntermediates(TestPki.pem(ISSUING));

        assertThat(store.listTrustAnchors()).isEmpty();
        assertThat(store.trustAnchor(CertificateFacts.of(ISSUING).fingerprint())).isEmpty();
    }

    @Test
    void reimportingAnIntermediateIsReportedAsDuplicate() {
        store.importIntermediates(TestPki.pem(ISSUING));

        ImportReport report = store.importIntermediates(TestPki.pem(OTHER, ISSUING));

        assertThat(report.entries()).extracting(ImportReport.Entry::status)
            .containsExactly(ImportReport.Status.ACCEPTED, ImportReport.Status.DUPLICATE);
        assertThat(report.entries().get(1).reason()).contains("already stored");
        assertThat(store.listIntermediates()).hasSize(2);
    }

    @Test
    void refusesASelfSignedCertificateAndPointsToTheTrustAnchors() {
        ImportReport report = store.importIntermediates(TestPki.pem(CA.root()));

        assertThat(report.entries()).extracting(ImportReport.Entry::status).containsExactly(ImportReport.Status.REJECTED);
        assertThat(report.entries().get(0).reason().orElseThrow())
            .contains("is self-signed").contains("import it as a trust anchor");
        assertThat(store.listIntermediates()).isEmpty();
    }

    @Test
    void acceptsASelfIssuedCertificateSignedByAnotherKey() {
        ImportReport report = store.importIntermediates(TestPki.pem(CA.selfIssuedWithAnotherKey()));

        assertThat(report.entries()).extracting(ImportReport.Entry::status).containsExactly(ImportReport.Status.ACCEPTED);
    }

    @Test
    void refusesCertificatesThatCannotIssueCertificates() {
        X509Certificate notCa = CA.intermediate("Not a CA", false, Optional.of(KeyUsage.keyCertSign), Instant.now().plus(Duration.ofDays(9)));
        X509Certificate noCertSign = CA.intermediate("No keyCertSign", true, Optional.of(KeyUsage.digitalSignature | KeyUsage.cRLSign),
            Instant.now().plus(Duration.ofDays(9)));
        String leaf = TestPki.create("Leaf Issuer").leaf("Leaf").email("leaf@example.com").issue().pem();

        ImportReport report = store.importIntermediates(TestPki.pem(notCa, noCertSign) + leaf);

        assertThat(report.entries()).extracting(ImportReport.Entry::status).containsOnly(ImportReport.Status.REJECTED);
        assertThat(report.entries().get(0).reason().orElseThrow()).contains("is not a CA certificate (basicConstraints cA is not set)");
        assertThat(report.entries().get(1).reason().orElseThrow()).contains("has a keyUsage without keyCertSign");
        assertThat(report.entries().get(2).reason().orElseThrow()).contains("is not a CA certificate");
        assertThat(store.listIntermediates()).isEmpty();
    }

    @Test
    void acceptsACaCertificateWithoutKeyUsage() {
        X509Certificate noKeyUsage = CA.intermediate("No keyUsage", true, Optional.empty(), Instant.now().plus(Duration.ofDays(9)));

        assertThat(store.importIntermediates(TestPki.pem(noKeyUsage)).count(ImportReport.Status.ACCEPTED)).isEqualTo(1);
    }

    @Test
    void refusesAnExpiredIntermediate() {
        X509Certificate expired = CA.intermediate("Expired CA", true, Optional.of(KeyUsage.keyCertSign), Instant.now().minus(Duration.ofDays(2)));

        ImportReport report = store.importIntermediates(TestPki.pem(expired));

        assertThat(report.entries().get(0).reason().orElseThrow()).contains("expired on");
    }

    @Test
    void getsAndDeletesAnIntermediateByFingerprintInAnyCommonSpelling() {
        store.importIntermediates(TestPki.pem(ISSUING));
        String fingerprint = CertificateFacts.of(ISSUING).fingerprint();
        String openSslStyle = fingerprint.toUpperCase().replaceAll("(..)(?!$)", "$1:");

        assertThat(store.intermediate(openSslStyle)).map(IntermediateCertificate::fingerprint).contains(fingerprint);
        store.deleteIntermediate(fingerprint);

        assertThat(store.listIntermediates()).isEmpty();
        assertThat(store.intermediate(fingerprint)).isEmpty();
        assertThatThrownBy(() -> store.deleteIntermediate(fingerprint)).isInstanceOf(EntryNotFoundException.class)
            .hasMessage("no intermediate CA certificate with fingerprint " + fingerprint);
        assertThatThrownBy(() -> store.intermediate("nope")).isInstanceOf(InvalidRequestException.class);
    }

    @Test
    void refusesTextWithoutAnyCertificate() {
        assertThatThrownBy(() -> store.importIntermediates("just words"))
            .isInstanceOf(CertificateRejectedException.class)
            .hasMessageContaining("no PEM certificate found");
    }
}
