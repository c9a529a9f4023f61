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

/** An expired key kept to read archived mail: it decrypts, and nothing makes it sign. */
class DecryptOnlyIdentityTest {
    private static final TestPki PKI = TestPki.create("Archive CA");
    private static final Optional<Boolean> AUTO = Optional.empty();
    private static final Instant NOW = Instant.now();
    private static final TestPki.Issued EXPIRED = PKI.leaf("Old Alice").email("alice@example.com")
        .validity(NOW.minus(Duration.ofDays(800)), NOW.minus(Duration.ofDays(35))).issue();

    @TempDir
    Path folder;
    SmimeKeyStore store;

    @BeforeEach
    void setUp() {
        store = new KeyStoreFixture(folder).open();
    }

    private Identity importExpiredDecryptOnly() {
        return store.importPkcs12("alice-2023", EXPIRED.pkcs12("pw"), "pw".toCharArray(), Optional.empty(), AUTO, true);
    }

    @Test
    void anExpiredIdentityIsStillRefusedWithoutTheOptionAndTheRefusalNamesIt() {
        assertThatThrownBy(() -> store.importPkcs12("alice-2023", EXPIRED.pkcs12("pw"), "pw".toCharArray(), Optional.empty(), AUTO))
            .isInstanceOf(CertificateRejectedException.class)
            .hasMessageContaining("certificate for alice@example.com expired on")
            .hasMessageContaining("?decryptOnly=true");
        assertThat(store.listIdentities()).isEmpty();
    }

    @Test
    void anExpiredIdentityImportedDecryptOnlyIsListedAsSuchAndInactive() {
        Identity identity = importExpiredDecryptOnly();

        assertThat(identity.decryptOnly()).isTrue();
        assertThat(identity.active()).isFalse();
        assertThat(store.listIdentities()).extracting(Identity::name, Identity::decryptOnly).containsExactly(
            org.assertj.core.groups.Tuple.tuple("alice-2023", true));
    }

    @Test
    void itsKeyIsFoundByBothDecryptionLookUps() {
        importExpiredDecryptOnly();
        X509Certificate certificate = EXPIRED.certificate();

        DecryptionKey byIssuer = store.decryptionKeyFor(certificate.getIssuerX500Principal(), certificate.getSerialNumber()).orElseThrow();
        DecryptionKey bySki = store.decryptionKeyFor(CertificateFacts.of(certificate).subjectKeyIdentifier().orElseThrow()).orElseThrow();

        assertThat(byIssuer.identityName()).isEqualTo("alice-2023");
        assertThat(byIssuer.privateKey().getEncoded()).isEqualTo(EXPIRED.privateKey().getEncoded());
        assertThat(bySki.identityName()).isEqualTo("alice-2023");
    }

    @Test
    void itIsNeverChosenToSignEvenWhenItsCertificateIsStillValid() {
        TestPki.Issued valid = PKI.leaf("Escrow").email("escrow@example.com").issue();
        store.importPkcs12("escrow", valid.pkcs12("pw"), "pw".toCharArray(), Optional.empty(), AUTO, true);

        assertThat(store.signingIdentityFor("escrow@example.com")).isEmpty();
        assertThat(store.signingIdentity("escrow")).isEmpty();
        assertThat(store.identity("escrow").orElseThrow().active()).isFalse();
        assertThat(store.encryptionCertificatesFor("escrow@example.com")).isEmpty();
    }

    @Test
    void namingItForSigningFindsNoSignerAndActivatingItIsRefusedWithTheReason() {
        importExpiredDecryptOnly();

        assertThat(store.signingIdentity("alice-2023")).isEmpty();
        assertThatThrownBy(() -> store.activate("alice-2023"))
            .isInstanceOf(InvalidRequestException.class)
            .hasMessage("identity 'alice-2023' is decrypt-only (kept to read archived mail) and never signs, so it cannot be activated");
        assertThat(store.identity("alice-2023").orElseThrow().active()).isFalse();
    }

    @Test
    void askingToActivateItOnImportIsRefused() {
        assertThatThrownBy(() -> store.importPkcs12("alice-2023", EXPIRED.pkcs12("pw"), "pw".toCharArray(), Optional.empty(),
            Optional.of(true), true))
            .isInstanceOf(InvalidRequestException.class)
            .hasMessageContaining("cannot be activated");
        assertThat(store.listIdentities()).isEmpty();
    }

    @Test
    void itDoesNotTakeSigningAwayFromTheCurrentIdentityAndTheCurrentOneStaysActive() {
        store.createSelfSigned("alice", SelfSignedRequest.builder().commonName("Alice").email("alice@example.com").build(), AUTO);

        importExpiredDecryptOnly();

        assertThat(store.identity("alice").orElseThrow().active()).isTrue();
        assertThat(store.signingIdentityFor("alice@example.com").orElseThrow().name()).isEqualTo("alice");
        store.activate("alice");
        assertThat(store.identity("alice-2023").orElseThrow().active()).isFalse();
    }

    @Test
    void everyRuleButExpiryStillApplies() {
        TestPki.Issued signOnly = PKI.leaf("Signer").email("signer@example.com").keyUsage(KeyUsage.digitalSignature)
            .validity(NOW.minus(Duration.ofDays(800)), NOW.minus(Duration.ofDays(35))).issue();
        TestPki.Issued weak = PKI.leaf("Weak").email("weak@example.com").rsa(1024)
            .validity(NOW.minus(Duration.ofDays(800)), NOW.minus(Duration.ofDays(35))).issue();

        assertThatThrownBy(() -> store.importPkcs12("signer", signOnly.pkcs12("pw"), "pw".toCharArray(), Optional.empty(), AUTO, true))
            .isInstanceOf(CertificateRejectedException.class)
            .hasMessageContaining("would decrypt nothing");
        assertThatThrownBy(() -> store.importPkcs12("weak", weak.pkcs12("pw"), "pw".toCharArray(), Optional.empty(), AUTO, true))
            .isInstanceOf(CertificateRejectedException.class)
            .hasMessageContaining("has an RSA key of 1024 bits");
        assertThat(store.listIdentities()).isEmpty();
    }
}
