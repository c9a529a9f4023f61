package dev.smimegateway.keystore;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import org.bouncycastle.asn1.x509.KeyUsage;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.smimegateway.core.testing.TestPki;

/** {@link CertificateSelection}: which identity signs for a sender, which certificates encrypt to a recipient. */
class CertificateSelectionTest {
    private static final TestPki PKI = TestPki.create("Selection Test CA");
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

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    private static SelfSignedRequest.Builder request(String email) {
        return SelfSignedRequest.builder().commonName("Alice").email(email);
    }

    @Test
    void signingFallsBackToTheOrganisationIdentityCoveringTheDomain() {
        store.createSelfSigned("org", SelfSignedRequest.builder().commonName("Org").domain("example.com").domain("*.example.net").build(), AUTO);
        store.createSelfSigned("alice", request("alice@example.com").build(), AUTO);

        assertThat(store.signingIdentityFor("alice@example.com").orElseThrow().name()).isEqualTo("alice");
        assertThat(store.signingIdentityFor("carol@example.com").orElseThrow().name()).isEqualTo("org");
        assertThat(store.signingIdentityFor("dave@sales.example.net").orElseThrow().name()).isEqualTo("org");
        assertThat(store.signingIdentityFor("dave@example.net")).isEmpty();
        assertThat(store.signingIdentityFor("dave@a.b.example.net")).isEmpty();
        assertThat(store.signingIdentityFor("eve@example.org")).isEmpty();
    }

    @Test
    void signingSkipsAnExpiredIdentity() {
        store.createSelfSigned("alice", request("alice@example.com").validityDays(10).build(), AUTO);

        fixture.clock.advance(Duration.ofDays(11));

        assertThat(store.signingIdentityFor("alice@example.com")).isEmpty();
        assertThat(store.signingIdentity("alice")).isPresent();
    }

    @Test
    void signingSkipsACertificateThatMayNotSign() {
        TestPki.Issued encryptOnly = PKI.leaf("Alice").email("alice@example.com").keyUsage(KeyUsage.keyEncipherment).issue();
        store.importPkcs12("alice", encryptOnly.pkcs12("pw"), "pw".toCharArray(), Optional.empty(), AUTO);

        assertThat(store.signingIdentityFor("alice@example.com")).isEmpty();
    }

    @Test
    void encryptsToTheExactAddressBeforeTheDomainCertificate() {
        TestPki.Issued gateway = PKI.leaf("Partner gateway").domain("partner.example").issue();
        TestPki.Issued bob = PKI.leaf("Bob").email("bob@partner.example").issue();
        store.addCertificate("partner-gateway", bytes(gateway.pem()));
        store.addCertificate("bob", bytes(bob.pem()));

        assertThat(store.encryptionCertificatesFor("BOB@partner.example")).containsExactly(bob.certificate());
        assertThat(store.encryptionCertificatesFor("carol@partner.example")).containsExactly(gateway.certificate());
        assertThat(store.encryptionCertificatesFor("carol@other.example")).isEmpty();
    }

    @Test
    void wildcardDomainCertificateCoversOneSubdomainLevel() {
        TestPki.Issued gateway = PKI.leaf("Partner gateway").domain("*.partner.example").issue();
        store.addCertificate("partner-gateway", bytes(gateway.pem()));

        assertThat(store.encryptionCertificatesFor("bob@sales.partner.example")).containsExactly(gateway.certificate());
        assertThat(store.encryptionCertificatesFor("bob@partner.example")).isEmpty();
    }

    @Test
    void listsSeveralValidCertificatesNewestFirstAndSkipsExpiredOnes() {
        Instant now = Instant.now();
        TestPki.Issued older = PKI.leaf("Bob 1").email("bob@partner.example").validity(now.minus(Duration.ofDays(20)), now.plus(Duration.ofDays(30))).issue();
        TestPki.Issued newer = PKI.leaf("Bob 2").email("bob@partner.example").validity(now.minus(Duration.ofDays(2)), now.plus(Duration.ofDays(300))).issue();
        store.addCertificate("bob-1", bytes(older.pem()));
        store.addCertificate("bob-2", bytes(newer.pem()));

        assertThat(store.encryptionCertificatesFor("bob@partner.example")).containsExactly(newer.certificate(), older.certificate());
        fixture.clock.advance(Duration.ofDays(31));
        assertThat(store.encryptionCertificatesFor("bob@partner.example")).containsExactly(newer.certificate());
    }

    @Test
    void encryptsToOurOwnActiveIdentitiesToo() {
        Identity alice = store.createSelfSigned("alice", SelfSignedRequest.builder().commonName("Alice").email("alice@example.com").build(),
            Optional.empty());

        assertThat(store.encryptionCertificatesFor("alice@example.com")).containsExactly(alice.certificate().certificate());
    }

    @Test
    void anInactiveIdentityNeitherSignsNorReceivesEncryptedMail() {
        Identity first = store.createSelfSigned("alice-1", request("alice@example.com").build(), AUTO);
        Identity second = store.createSelfSigned("alice-2", request("alice@example.com").build(), Optional.of(true));

        assertThat(store.identity("alice-1").orElseThrow().active()).isFalse();
        assertThat(store.signingIdentityFor("alice@example.com").orElseThrow().name()).isEqualTo("alice-2");
        assertThat(store.encryptionCertificatesFor("alice@example.com")).containsExactly(second.certificate().certificate())
            .doesNotContain(first.certificate().certificate());
    }

    @Test
    void aCertificateThatCannotReceiveEncryptedMailIsSkipped() {
        Identity signOnly = store.importPkcs12("alice", PKI.leaf("Alice").email("alice@example.com").keyUsage(KeyUsage.digitalSignature)
            .issue().pkcs12("pw"), "pw".toCharArray(), Optional.empty(), AUTO);

        assertThat(signOnly.active()).isTrue();
        assertThat(store.encryptionCertificatesFor("alice@example.com")).isEmpty();
        assertThat(store.encryptionTargetFor("alice@example.com")).isEmpty();
    }
}
