package dev.smimegateway.keystore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import dev.smimegateway.core.certificate.CertificateFacts;
import dev.smimegateway.core.certificate.CertificateRejectedException;
import dev.smimegateway.core.certificate.KeyKind;
import dev.smimegateway.core.testing.TestPki;

class IdentityStoreTest {
    private static final TestPki PKI = TestPki.create("Identity Test CA");
    private static final Optional<Boolean> AUTO = Optional.empty();

    @TempDir
    Path folder;
    KeyStoreFixture fixture;
    SmimeKeyStore store;

    @BeforeEach
    void setUp() {
        fixture = new KeyStoreFixture(folder);
        store = fixture.open();
    }

    private static SelfSignedRequest.Builder request(String email) {
        return SelfSignedRequest.builder().commonName("Test " + email).email(email);
    }

    @Test
    void importsPkcs12IdentityWithItsChain() {
        TestPki.Issued alice = PKI.leaf("Alice").email("alice@example.com").issue();

        Identity identity = store.importPkcs12("alice", alice.pkcs12("p12-password"), "p12-password".toCharArray(), Optional.empty(), AUTO);

        assertThat(identity.name()).isEqualTo("alice");
        assertThat(identity.active()).isTrue();
        assertThat(identity.chain()).extracting(CertificateFacts::certificate).containsExactly(alice.certificate(), PKI.caCertificate());
        assertThat(store.listIdentities()).extracting(Identity::name).containsExactly("alice");
    }

    @Test
    void refusesPkcs12WithWrongPassword() {
        TestPki.Issued alice = PKI.leaf("Alice").email("alice@example.com").issue();

        assertThatThrownBy(() -> store.importPkcs12("alice", alice.pkcs12("right"), "wrong".toCharArray(), Optional.empty(), AUTO))
            .isInstanceOf(InvalidRequestException.class)
            .hasMessageContaining("wrong PKCS#12 password");
        assertThat(store.listIdentities()).isEmpty();
    }

    @Test
    void refusesBytesThatAreNotPkcs12() {
        assertThatThrownBy(() -> store.importPkcs12("alice", "garbage".getBytes(StandardCharsets.US_ASCII), "x".toCharArray(),
            Optional.empty(), AUTO))
            .isInstanceOf(InvalidRequestException.class)
            .hasMessageContaining("PKCS#12");
    }

    @Test
    void asksForAnAliasWhenPkcs12HoldsSeveralKeys() throws Exception {
        TestPki.Issued alice = PKI.leaf("Alice").email("alice@example.com").issue();
        TestPki.Issued bob = PKI.leaf("Bob").email("bob@example.com").issue();
        java.security.KeyStore two = java.security.KeyStore.getInstance("PKCS12");
        two.load(null, null);
        two.setKeyEntry("alice", alice.privateKey(), "pw".toCharArray(), alice.chain().toArray(new X509Certificate[0]));
        two.setKeyEntry("bob", bob.privateKey(), "pw".toCharArray(), bob.chain().toArray(new X509Certificate[0]));
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        two.store(out, "pw".toCharArray());

        assertThatThrownBy(() -> store.importPkcs12("x", out.toByteArray(), "pw".toCharArray(), Optional.empty(), AUTO))
            .hasMessageContaining("several private keys");
        Identity chosen = store.importPkcs12("bob", out.toByteArray(), "pw".toCharArray(), Optional.of("bob"), AUTO);
        assertThat(chosen.certificate().emailAddresses()).containsExactly("bob@example.com");
    }

    @Test
    void refusesIdentityWhoseCertificateLacksEmailProtection() {
        TestPki.Issued tls = PKI.leaf("Server").email("alice@example.com").extendedKeyUsage(KeyPurposeId.id_kp_serverAuth).issue();

        assertThatThrownBy(() -> store.importPkcs12("alice", tls.pkcs12("pw"), "pw".toCharArray(), Optional.empty(), AUTO))
            .isInstanceOf(CertificateRejectedException.class)
            .hasMessage("certificate for alice@example.com has an extendedKeyUsage without emailProtection");
    }

    @Test
    void refusesExpiredIdentityCertificate() {
        TestPki.Issued old = PKI.leaf("Old").email("old@example.com")
            .validity(Instant.now().minus(Duration.ofDays(400)), Instant.now().minus(Duration.ofDays(35))).issue();

        assertThatThrownBy(() -> store.importPkcs12("old", old.pkcs12("pw"), "pw".toCharArray(), Optional.empty(), AUTO))
            .isInstanceOf(CertificateRejectedException.class)
            .hasMessageContaining("certificate for old@example.com expired on");
    }

    @Test
    void refusesRsaKeysShorterThan2048Bits() {
        TestPki.Issued weak = PKI.leaf("Weak").email("weak@example.com").rsa(1024).issue();

        assertThatThrownBy(() -> store.importPkcs12("weak", weak.pkcs12("pw"), "pw".toCharArray(), Optional.empty(), AUTO))
            .isInstanceOf(CertificateRejectedException.class)
            .hasMessage("certificate for weak@example.com has an RSA key of 1024 bits; at least 2048 are required");
    }

    @Test
    void refusesCertificateThatNamesNoAddress() {
        TestPki.Issued anonymous = PKI.leaf("Nobody").issue();

        assertThatThrownBy(() -> store.importPkcs12("nobody", anonymous.pkcs12("pw"), "pw".toCharArray(), Optional.empty(), AUTO))
            .hasMessageContaining("names no email address or domain");
    }

    @ParameterizedTest
    @EnumSource(value = SignatureAlgorithm.class, names = {"RSA_SHA256", "RSA_PSS_SHA256", "ECDSA_P256_SHA256", "ECDSA_P384_SHA384", "ED25519"})
    void createsSelfSignedIdentityWithEveryAlgorithm(SignatureAlgorithm algorithm) throws Exception {
        Identity identity = store.createSelfSigned("org", SelfSignedRequest.builder()
            .commonName("Example Gateway").organisation("Example Ltd").organisationalUnit("IT").locality("Berlin").state("Berlin")
            .country("DE").domain("example.com").domain("*.example.net").email("gateway@example.com")
            .signatureAlgorithm(algorithm).validityDays(30).build(), AUTO);

        CertificateFacts certificate = identity.certificate();
        assertThat(certificate.subject()).isEqualTo("CN=Example Gateway,OU=IT,O=Example Ltd,L=Berlin,ST=Berlin,C=DE");
        assertThat(certificate.emailAddresses()).containsExactly("gateway@example.com");
        assertThat(certificate.domains()).containsExactly("example.com", "*.example.net");
        assertThat(certificate.canSignMail()).isTrue();
        assertThat(certificate.extendedKeyUsageAllowsEmail()).isTrue();
        assertThat(Duration.between(certificate.notBefore(), certificate.notAfter())).isBetween(Duration.ofDays(30), Duration.ofDays(31));
        certificate.certificate().verify(certificate.certificate().getPublicKey());
        SigningIdentity signing = store.signingIdentity("org").orElseThrow();
        assertThat(signing.privateKey().getAlgorithm()).isIn("RSA", "EC", "EdDSA", "Ed25519");
        assertThat(certificate.keyKind().map(KeyKind::canReceiveKeys).orElseThrow()).isEqualTo(algorithm != SignatureAlgorithm.ED25519);
    }

    @Test
    void createsRsaKeyOfRequestedSize() {
        Identity identity = store.createSelfSigned("big", request("big@example.com").keySize(3072).build(), AUTO);

        assertThat(identity.certificate().keyDescription()).isEqualTo("RSA 3072");
    }

    @Test
    void refusesDuplicateIdentityName() {
        store.createSelfSigned("alice", request("alice@example.com").build(), AUTO);

        assertThatThrownBy(() -> store.createSelfSigned("alice", request("alice@example.com").build(), AUTO))
            .isInstanceOf(EntryExistsException.class)
            .hasMessage("an identity named 'alice' already exists");
    }

    @Test
    void refusesNamesUnfitForUrls() {
        assertThatThrownBy(() -> store.createSelfSigned("../etc", request("alice@example.com").build(), AUTO))
            .isInstanceOf(InvalidRequestException.class)
            .hasMessageContaining("invalid name '../etc'");
    }

    @Test
    void certificationRequestCarriesSubjectAltNamesAndIsSignedByTheIdentityKey() throws Exception {
        Identity identity = store.createSelfSigned("alice", request("alice@example.com").domain("example.com").build(), AUTO);

        String pem = store.certificationRequest("alice");

        assertThat(pem).startsWith("-----BEGIN CERTIFICATE REQUEST-----");
        PKCS10CertificationRequest csr = new PKCS10CertificationRequest(
            Base64.getMimeDecoder().decode(pem.replaceAll("-----[A-Z ]+-----", "")));
        assertThat(csr.isSignatureValid(new JcaContentVerifierProviderBuilder().build(identity.certificate().certificate().getPublicKey())))
            .isTrue();
        assertThat(csr.getSubject().toString()).isEqualTo("CN=Test alice@example.com");
        X509Certificate issued = PKI.sign(pem, Duration.ofDays(100));
        assertThat(CertificateFacts.of(issued).emailAddresses()).containsExactly("alice@example.com");
        assertThat(CertificateFacts.of(issued).domains()).containsExactly("example.com");
    }

    @Test
    void importsCaSignedCertificateOntoTheSameKeyAndKeepsTheOldOneForDecryption() {
        Identity selfSigned = store.createSelfSigned("alice", request("alice@example.com").build(), AUTO);
        X509Certificate issued = PKI.sign(store.certificationRequest("alice"), Duration.ofDays(100));

        Identity updated = store.importCertificate("alice", TestPki.pem(issued, PKI.caCertificate()).getBytes(StandardCharsets.US_ASCII));

        assertThat(updated.certificate().certificate()).isEqualTo(issued);
        assertThat(updated.chain()).hasSize(2);
        assertThat(updated.previousCertificates()).extracting(CertificateFacts::certificate)
            .containsExactly(selfSigned.certificate().certificate());
        assertThat(updated.active()).isTrue();
        X509Certificate old = selfSigned.certificate().certificate();
        assertThat(store.decryptionKeyFor(old.getIssuerX500Principal(), old.getSerialNumber())).isPresent();
        assertThat(store.signingIdentityFor("alice@example.com").orElseThrow().certificate()).isEqualTo(issued);
    }

    @Test
    void refusesCaCertificateForAnotherKey() {
        store.createSelfSigned("alice", request("alice@example.com").build(), AUTO);
        TestPki.Issued other = PKI.leaf("Other").email("alice@example.com").issue();

        assertThatThrownBy(() -> store.importCertificate("alice", other.pem().getBytes(StandardCharsets.US_ASCII)))
            .isInstanceOf(InvalidRequestException.class)
            .hasMessageContaining("none of the certificates given belongs to the key of identity 'alice'");
    }

    @Test
    void refusesPkcs12WhoseCertificateDoesNotMatchItsKey() {
        TestPki.Issued alice = PKI.leaf("Alice").email("alice@example.com").issue();
        TestPki.Issued bob = PKI.leaf("Bob").email("bob@example.com").issue();
        byte[] mismatched = TestPki.pkcs12(alice.privateKey(), bob.chain(), "pw", "key");

        assertThatThrownBy(() -> store.importPkcs12("x", mismatched, "pw".toCharArray(), Optional.empty(), AUTO))
            .satisfiesAnyOf(
                e -> assertThat(e).hasMessageContaining("does not belong to the private key"),
                e -> assertThat(e).isInstanceOf(InvalidRequestException.class));
        assertThat(store.listIdentities()).isEmpty();
    }

    @Test
    void firstIdentityForAnAddressIsActiveAndTheNextIsNot() {
        Identity first = store.createSelfSigned("alice-2025", request("alice@example.com").build(), AUTO);
        Identity second = store.createSelfSigned("alice-2026", request("alice@example.com").build(), AUTO);

        assertThat(first.active()).isTrue();
        assertThat(second.active()).isFalse();
        assertThat(store.signingIdentityFor("alice@example.com").orElseThrow().name()).isEqualTo("alice-2025");
    }

    @Test
    void activatingAnIdentityDeactivatesTheOthersForItsAddresses() {
        store.createSelfSigned("alice-2025", request("alice@example.com").build(), AUTO);
        store.createSelfSigned("bob", request("bob@example.com").build(), AUTO);
        store.createSelfSigned("alice-2026", request("alice@example.com").build(), AUTO);

        store.activate("alice-2026");

        assertThat(store.identity("alice-2025").orElseThrow().active()).isFalse();
        assertThat(store.identity("alice-2026").orElseThrow().active()).isTrue();
        assertThat(store.identity("bob").orElseThrow().active()).isTrue();
        assertThat(store.signingIdentityFor("Alice@Example.COM").orElseThrow().name()).isEqualTo("alice-2026");
    }

    @Test
    void explicitActivationOnCreateTakesOverTheAddress() {
        store.createSelfSigned("alice-2025", request("alice@example.com").build(), AUTO);

        Identity replacement = store.createSelfSigned("alice-2026", request("alice@example.com").build(), Optional.of(true));

        assertThat(replacement.active()).isTrue();
        assertThat(store.identity("alice-2025").orElseThrow().active()).isFalse();
    }

    @Test
    void signingIdentityKeySignsWhatItsCertificateVerifies() throws Exception {
        store.createSelfSigned("alice", request("alice@example.com").build(), AUTO);
        SigningIdentity identity = store.signingIdentityFor("alice@example.com").orElseThrow();

        Signature signer = Signature.getInstance("SHA256withRSA");
        signer.initSign(identity.privateKey());
        signer.update("hello".getBytes(StandardCharsets.US_ASCII));
        Signature verifier = Signature.getInstance("SHA256withRSA");
        verifier.initVerify(identity.certificate());
        verifier.update("hello".getBytes(StandardCharsets.US_ASCII));

        assertThat(verifier.verify(signer.sign())).isTrue();
    }

    @Test
    void findsDecryptionKeyByIssuerAndSerialAndBySubjectKeyIdentifier() {
        TestPki.Issued alice = PKI.leaf("Alice").email("alice@example.com").issue();
        TestPki.Issued bare = PKI.leaf("Bare").email("bare@example.com").withoutSubjectKeyIdentifier().issue();
        store.importPkcs12("alice", alice.pkcs12("pw"), "pw".toCharArray(), Optional.empty(), AUTO);
        store.importPkcs12("bare", bare.pkcs12("pw"), "pw".toCharArray(), Optional.empty(), AUTO);
        X509Certificate certificate = alice.certificate();

        DecryptionKey byIssuer = store.decryptionKeyFor(certificate.getIssuerX500Principal(), certificate.getSerialNumber()).orElseThrow();
        DecryptionKey bySki = store.decryptionKeyFor(CertificateFacts.of(certificate).subjectKeyIdentifier().orElseThrow()).orElseThrow();
        byte[] computedSki = computeMethodOneSki(bare.certificate());

        assertThat(byIssuer.identityName()).isEqualTo("alice");
        assertThat(byIssuer.privateKey().getEncoded()).isEqualTo(alice.privateKey().getEncoded());
        assertThat(bySki.certificate()).isEqualTo(certificate);
        assertThat(store.decryptionKeyFor(computedSki).orElseThrow().identityName()).isEqualTo("bare");
        assertThat(store.decryptionKeyFor(certificate.getIssuerX500Principal(), certificate.getSerialNumber().add(java.math.BigInteger.ONE)))
            .isEmpty();
        assertThat(store.decryptionKeyFor(new byte[] {1, 2, 3})).isEmpty();
    }

    @Test
    void destroysAnArchivedIdentityWithItsKey() {
        Identity alice = store.createSelfSigned("alice", request("alice@example.com").build(), AUTO);
        X509Certificate certificate = alice.certificate().certificate();

        store.archiveIdentity("alice");
        store.destroyIdentity("alice", alice.certificate().fingerprint());

        assertThat(store.identity("alice")).isEmpty();
        assertThat(store.decryptionKeyFor(certificate.getIssuerX500Principal(), certificate.getSerialNumber())).isEmpty();
        assertThatThrownBy(() -> store.archiveIdentity("alice")).isInstanceOf(EntryNotFoundException.class);
    }

    private static byte[] computeMethodOneSki(X509Certificate certificate) {
        try {
            return new org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils()
                .createSubjectKeyIdentifier(certificate.getPublicKey()).getKeyIdentifier();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void listsIdentitiesByName() {
        store.createSelfSigned("zed", request("zed@example.com").build(), AUTO);
        store.createSelfSigned("amy", request("amy@example.com").build(), AUTO);

        assertThat(store.listIdentities()).extracting(Identity::name).isEqualTo(List.of("amy", "zed"));
    }
}
