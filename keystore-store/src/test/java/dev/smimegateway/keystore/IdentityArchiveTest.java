package dev.smimegateway.keystore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.Optional;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.smimegateway.core.certificate.CertificateFacts;
import dev.smimegateway.core.testing.TestPki;

/** Deleting an identity archives it: no look-up signs or decrypts with it, it can be restored, and destroying it is explicit. */
class IdentityArchiveTest {
    private static final TestPki PKI = TestPki.create("Archive Test CA");
    private static final Optional<Boolean> AUTO = Optional.empty();
    private static final String ALICE = "alice@example.com";

    @TempDir
    Path folder;
    SmimeKeyStore store;
    TestPki.Issued alice;
    X509Certificate certificate;

    @BeforeEach
    void setUp() {
        store = new KeyStoreFixture(folder).open();
        alice = PKI.leaf("Alice").email(ALICE).ec().issue();
        certificate = store.importPkcs12("alice", alice.pkcs12("pw"), "pw".toCharArray(), Optional.empty(), AUTO).certificate().certificate();
    }

    private String fingerprint() {
        return CertificateFacts.of(certificate).fingerprint();
    }

    private byte[] subjectKeyId() {
        return CertificateFacts.of(certificate).subjectKeyIdentifier().orElseThrow();
    }

    @Test
    void anArchivedIdentityNoLongerSignsOrDecryptsEvenWhenTheAnswerWasCached() {
        assertThat(store.signingIdentityFor(ALICE)).isPresent();
        assertThat(store.signingIdentity("alice")).isPresent();
        assertThat(store.decryptionKeyFor(certificate.getIssuerX500Principal(), certificate.getSerialNumber())).isPresent();
        assertThat(store.decryptionKeyFor(subjectKeyId())).isPresent();
        assertThat(store.encryptionCertificatesFor(ALICE)).containsExactly(certificate);

        Identity archived = store.archiveIdentity("alice");

        assertThat(archived.archived()).isTrue();
        assertThat(archived.active()).isFalse();
        assertThat(store.signingIdentityFor(ALICE)).isEmpty();
        assertThat(store.signingIdentity("alice")).isEmpty();
        assertThat(store.decryptionKeyFor(certificate.getIssuerX500Principal(), certificate.getSerialNumber())).isEmpty();
        assertThat(store.decryptionKeyFor(subjectKeyId())).isEmpty();
        assertThat(store.encryptionCertificatesFor(ALICE)).isEmpty();
    }

    @Test
    void anArchivedIdentityIsListedWithItsArchivingTime() {
        store.createSelfSigned("bob", SelfSignedRequest.builder().commonName("Bob").email("bob@example.com").build(), AUTO);

        store.archiveIdentity("alice");

        assertThat(store.listIdentities()).extracting(Identity::name, Identity::archived)
            .containsExactly(org.assertj.core.groups.Tuple.tuple("alice", true), org.assertj.core.groups.Tuple.tuple("bob", false));
        assertThat(store.identity("alice").orElseThrow().archivedAt()).isPresent();
        assertThat(store.identity("bob").orElseThrow().archivedAt()).isEmpty();
    }

    @Test
    void anArchivedIdentityCannotBeActivatedNorTakeACertificateNorMakeARequest() {
        store.archiveIdentity("alice");

        assertThatThrownBy(() -> store.activate("alice")).isInstanceOf(WrongStateException.class)
            .hasMessageContaining("identity 'alice' is archived: restore it");
        assertThatThrownBy(() -> store.importCertificate("alice", TestPki.pem(certificate).getBytes(java.nio.charset.StandardCharsets.US_ASCII)))
            .isInstanceOf(WrongStateException.class);
        assertThatThrownBy(() -> store.certificationRequest("alice")).isInstanceOf(WrongStateException.class);
        assertThatThrownBy(() -> store.archiveIdentity("alice")).isInstanceOf(WrongStateException.class)
            .hasMessageContaining("already archived");
        assertThat(store.identity("alice").orElseThrow().active()).isFalse();
    }

    @Test
    void aRestoredIdentityDecryptsAtOnceAndSignsOnlyOnceActivated() {
        store.archiveIdentity("alice");

        Identity restored = store.restoreIdentity("alice");

        assertThat(restored.archived()).isFalse();
        assertThat(restored.active()).isFalse();
        assertThat(store.decryptionKeyFor(subjectKeyId()).orElseThrow().privateKey().getEncoded()).isEqualTo(alice.privateKey().getEncoded());
        assertThat(store.signingIdentityFor(ALICE)).isEmpty();
        store.activate("alice");
        assertThat(store.signingIdentityFor(ALICE).orElseThrow().name()).isEqualTo("alice");
    }

    @Test
    void restoringNeverTakesSigningAwayFromTheIdentityThatReplacedIt() {
        store.archiveIdentity("alice");
        store.createSelfSigned("alice-new", SelfSignedRequest.builder().commonName("Alice").email(ALICE).build(), AUTO);
        assertThat(store.identity("alice-new").orElseThrow().active()).isTrue();

        store.restoreIdentity("alice");

        assertThat(store.signingIdentityFor(ALICE).orElseThrow().name()).isEqualTo("alice-new");
        store.activate("alice");
        assertThat(store.listIdentities()).filteredOn(Identity::active).extracting(Identity::name).containsExactly("alice");
    }

    @Test
    void onlyAnArchivedIdentityIsRestored() {
        assertThatThrownBy(() -> store.restoreIdentity("alice")).isInstanceOf(WrongStateException.class).hasMessageContaining("not archived");
        assertThatThrownBy(() -> store.restoreIdentity("nobody")).isInstanceOf(EntryNotFoundException.class);
        assertThatThrownBy(() -> store.archiveIdentity("nobody")).isInstanceOf(EntryNotFoundException.class);
    }

    @Test
    void destroyingNeedsAnArchivedIdentityAndItsCurrentFingerprintAndChangesNothingOtherwise() {
        assertThatThrownBy(() -> store.destroyIdentity("alice", fingerprint())).isInstanceOf(WrongStateException.class)
            .hasMessageContaining("archive it first");
        store.archiveIdentity("alice");
        String other = "0".repeat(64);
        assertThatThrownBy(() -> store.destroyIdentity("alice", other)).isInstanceOf(WrongStateException.class)
            .hasMessageContaining("not that of the current certificate");
        assertThatThrownBy(() -> store.destroyIdentity("nobody", fingerprint())).isInstanceOf(EntryNotFoundException.class);

        assertThat(store.identity("alice")).isPresent();
        store.restoreIdentity("alice");
        assertThat(store.decryptionKeyFor(subjectKeyId())).isPresent();
    }

    @Test
    void aDestroyedIdentityIsGoneWithItsKeyAndItsCertificateCanBeImportedAgain() {
        store.archiveIdentity("alice");

        store.destroyIdentity("alice", fingerprint().toUpperCase(java.util.Locale.ROOT));

        assertThat(store.identity("alice")).isEmpty();
        assertThatThrownBy(() -> store.restoreIdentity("alice")).isInstanceOf(EntryNotFoundException.class);
        store.importPkcs12("alice-again", alice.pkcs12("pw"), "pw".toCharArray(), Optional.empty(), AUTO);
        assertThat(store.decryptionKeyFor(subjectKeyId()).orElseThrow().identityName()).isEqualTo("alice-again");
    }

    @Test
    void anArchivedIdentityStillHoldsItsNameAndCertificate() {
        store.archiveIdentity("alice");

        assertThatThrownBy(() -> store.importPkcs12("alice", alice.pkcs12("pw"), "pw".toCharArray(), Optional.empty(), AUTO))
            .isInstanceOf(EntryExistsException.class);
        assertThatThrownBy(() -> store.importPkcs12("alice-2", alice.pkcs12("pw"), "pw".toCharArray(), Optional.empty(), AUTO))
            .isInstanceOf(EntryExistsException.class).hasMessageContaining("already held by identity 'alice'");
    }

    @Test
    void anArchivedDecryptOnlyIdentityStopsDecryptingToo() {
        TestPki.Issued old = PKI.leaf("Old Carol").email("carol@example.com").ec().issue();
        X509Certificate oldCertificate = store.importPkcs12("carol-old", old.pkcs12("pw"), "pw".toCharArray(), Optional.empty(), AUTO, true)
            .certificate().certificate();
        assertThat(store.decryptionKeyFor(oldCertificate.getIssuerX500Principal(), oldCertificate.getSerialNumber())).isPresent();

        store.archiveIdentity("carol-old");

        assertThat(store.decryptionKeyFor(oldCertificate.getIssuerX500Principal(), oldCertificate.getSerialNumber())).isEmpty();
        assertThat(store.restoreIdentity("carol-old").decryptOnly()).isTrue();
    }
}
