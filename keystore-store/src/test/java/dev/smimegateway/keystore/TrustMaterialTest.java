package dev.smimegateway.keystore;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.security.cert.X509CRL;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.smimegateway.core.certificate.CertificateFacts;
import dev.smimegateway.core.testing.TestPki;

/** {@link SmimeKeyStore#trustMaterial()}: read again only after a change, on whichever server made it. */
class TrustMaterialTest {
    private static final TestPki ROOT = TestPki.create("Material Root");
    private static final CaCertificates CA = CaCertificates.create("Material CA");

    @TempDir
    Path folder;
    KeyStoreFixture fixture;
    SmimeKeyStore store;

    @BeforeEach
    void setUp() {
        fixture = new KeyStoreFixture(folder);
        store = fixture.open();
    }

    @Test
    void unchangedTrustMaterialIsNotReadAgain() {
        store.importTrustAnchors(TestPki.pem(ROOT.caCertificate()));

        TrustMaterial first = store.trustMaterial();

        assertThat(store.trustMaterial()).isSameAs(first);
        assertThat(first.trustAnchors()).containsExactly(ROOT.caCertificate());
    }

    @Test
    void everyKindOfChangeIsSeenByTheNextRead() throws Exception {
        TrustMaterial empty = store.trustMaterial();
        store.importTrustAnchors(TestPki.pem(ROOT.caCertificate()));
        TrustMaterial withAnchor = store.trustMaterial();
        store.importIntermediates(TestPki.pem(CA.intermediate("Issuing CA")));
        TrustMaterial withIntermediate = store.trustMaterial();
        X509CRL crl = ROOT.crlRevoking(ROOT.leaf("Gone").email("gone@example.com").issue().certificate());
        store.importCrls(crl.getEncoded());
        TrustMaterial withCrl = store.trustMaterial();
        store.deleteCrl(CertificateFacts.sha256Hex(crl.getEncoded()));
        TrustMaterial withoutCrl = store.trustMaterial();
        store.deleteTrustAnchor(CertificateFacts.of(ROOT.caCertificate()).fingerprint());

        assertThat(empty.trustAnchors()).isEmpty();
        assertThat(withAnchor.trustAnchors()).containsExactly(ROOT.caCertificate());
        assertThat(withIntermediate.intermediates()).hasSize(1);
        assertThat(withCrl.crls()).containsExactly(crl);
        assertThat(withoutCrl.crls()).isEmpty();
        assertThat(store.trustMaterial().trustAnchors()).isEmpty();
        assertThat(store.importTrustAnchors(TestPki.pem(ROOT.caCertificate())).count(ImportReport.Status.ACCEPTED)).isEqualTo(1);
        long before = store.trustMaterial().version();
        store.importTrustAnchors(TestPki.pem(ROOT.caCertificate()));
        assertThat(store.trustMaterial().version()).as("a duplicate changes nothing").isEqualTo(before);
    }

    @Test
    void aChangeMadeByAnotherServerSharingTheDatabaseIsSeenWithinTheRecheckInterval() {
        SmimeKeyStore otherServer = fixture.open();
        TrustMaterial before = store.trustMaterial();

        otherServer.importTrustAnchors(TestPki.pem(ROOT.caCertificate()));
        fixture.clock.advance(SmimeKeyStore.TRUST_RECHECK);

        assertThat(before.trustAnchors()).isEmpty();
        assertThat(store.trustMaterial().trustAnchors()).containsExactly(ROOT.caCertificate());
    }
}
