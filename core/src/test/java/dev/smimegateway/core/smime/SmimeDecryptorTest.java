package dev.smimegateway.core.smime;

import static dev.smimegateway.core.smime.IncomingFixture.ALICE;
import static dev.smimegateway.core.smime.IncomingFixture.BOB;
import static dev.smimegateway.core.smime.IncomingFixture.BOB_EC;
import static dev.smimegateway.core.smime.IncomingFixture.decryptor;
import static dev.smimegateway.core.smime.IncomingFixture.parse;
import static dev.smimegateway.core.smime.IncomingFixture.text;
import static dev.smimegateway.core.smime.IncomingFixture.verifier;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.smimegateway.core.testing.OpenSsl;
import dev.smimegateway.core.testing.TestPki;
import jakarta.mail.internet.MimeMessage;

/** Decryption, including the EFAIL (USENIX Security 2018) malleability and tampering cases. */
class SmimeDecryptorTest {
    private static final List<String> TO_BOB = List.of("bob@partner.example");

    @TempDir
    Path folder;

    private static MimeMessage encryptedTo(String algorithm, MimeMessage message, java.security.cert.X509Certificate... recipients)
        throws Exception {
        return new SmimeEncryptor(ContentEncryption.parse(algorithm), KeyTransport.RSA_PKCS1).encrypt(message, List.of(recipients),
            Optional.empty());
    }

    @ParameterizedTest
    @CsvSource({"aes256-cbc", "aes128-gcm", "aes256-gcm"})
    void decryptsOurOwnEncryptionKeepingOuterHeaders(String algorithm) throws Exception {
        SmimeDecryptor.Decrypted decrypted = decryptor(BOB).decrypt(encryptedTo(algorithm, IncomingFixture.plain("alice@example.com"),
            BOB.certificate()), TO_BOB);

        assertThat(decrypted.algorithm()).isEqualTo(algorithm);
        assertThat(decrypted.authenticated()).isEqualTo(algorithm.endsWith("gcm"));
        assertThat(decrypted.message().getSubject()).isEqualTo("payment");
        assertThat(decrypted.message().getContent().toString()).contains("Pay 100 EUR");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "AES-256-CBC RSA | -aes256 | rsa",
        "AES-128-CBC RSA | -aes128 | rsa",
        "AES-256-GCM RSA | -aes-256-gcm | rsa",
        "RSA-OAEP | -aes256 -keyopt rsa_padding_mode:oaep -keyopt rsa_oaep_md:sha256 | rsa",
        "ECDH | -aes256 | ec",
        "ECDH with GCM | -aes-128-gcm | ec"})
    void decryptsWhatOpenSslEncrypts(String name, String options, String key) throws Exception {
        OpenSsl openssl = new OpenSsl(folder);
        openssl.writePem("bob.pem", (key.equals("ec") ? BOB_EC : BOB).certificate());
        openssl.write("content.eml", IncomingFixture.CONTENT.getBytes(StandardCharsets.US_ASCII));
        List<String> command = new java.util.ArrayList<>(List.of("cms", "-encrypt", "-in", "content.eml", "-out", "enc.eml"));
        String[] parts = options.split(" ");
        command.add(parts[0]);
        command.add("-recip");
        command.add("bob.pem");
        command.addAll(List.of(parts).subList(1, parts.length));
        OpenSsl.Result result = openssl.run(command.toArray(String[]::new));
        assertThat(result.exitCode()).as(result.output()).isZero();

        MimeMessage decrypted = decryptor(BOB, BOB_EC).decrypt(parse("From: alice@example.com\r\n"
            + new String(openssl.read("enc.eml"), StandardCharsets.ISO_8859_1)), TO_BOB).message();

        assertThat(decrypted.getContent().toString()).contains("Pay 100 EUR");
    }

    @Test
    void signedThenEncryptedByOpenSslDecryptsAndVerifies() throws Exception {
        OpenSsl openssl = new OpenSsl(folder);
        openssl.writePem("alice.pem", ALICE.certificate());
        openssl.writeKey("alice.key", ALICE.privateKey());
        openssl.writePem("bob.pem", BOB.certificate());
        openssl.write("content.eml", IncomingFixture.CONTENT.getBytes(StandardCharsets.US_ASCII));
        openssl.run("cms", "-sign", "-in", "content.eml", "-signer", "alice.pem", "-inkey", "alice.key", "-out", "signed.eml");
        openssl.run("cms", "-encrypt", "-aes256", "-in", "signed.eml", "-out", "enc.eml", "bob.pem");

        MimeMessage decrypted = decryptor(BOB).decrypt(parse("From: alice@example.com\r\n"
            + new String(openssl.read("enc.eml"), StandardCharsets.ISO_8859_1)), TO_BOB).message();

        assertThat(SmimeLayer.of(decrypted)).isEqualTo(SmimeLayer.SIGNED_DETACHED);
        assertThat(verifier().verify(decrypted).verified()).isTrue();
    }

    @Test
    void noMatchingKeyIsAClearError() throws Exception {
        MimeMessage encrypted = encryptedTo("aes256-cbc", IncomingFixture.plain("alice@example.com"), ALICE.certificate());

        assertThatThrownBy(() -> decryptor(BOB).decrypt(encrypted, TO_BOB))
            .isInstanceOf(SmimeException.class)
            .hasMessageContaining("no stored private key matches any of the 1 recipients");
    }

    @Test
    void gcmWithAFlippedBitReleasesNoPlaintext() throws Exception {
        MimeMessage encrypted = encryptedTo("aes256-gcm", IncomingFixture.plain("alice@example.com"), BOB.certificate());
        byte[] der = Limits.readAtMost(encrypted, IncomingFixture.MAX_BYTES);
        der[der.length - 40] ^= 1;
        MimeMessage tampered = withCms(encrypted, der);

        assertThatThrownBy(() -> decryptor(BOB).decrypt(tampered, TO_BOB))
            .isInstanceOf(SmimeException.class)
            .hasMessageContaining("authenticated decryption failed");
    }

    @Test
    void cbcMalleabilityBreaksTheInnerSignature() throws Exception {
        MimeMessage signed = IncomingFixture.signedBy(ALICE, SignMode.DETACHED);
        MimeMessage encrypted = encryptedTo("aes256-cbc", signed, BOB.certificate());
        byte[] der = Limits.readAtMost(encrypted, IncomingFixture.MAX_BYTES);
        // flip a bit in a middle ciphertext block: EFAIL's CBC gadget changes the next block's plaintext at will
        der[der.length - 200] ^= 0x20;

        VerificationResult result;
        try {
            MimeMessage decrypted = decryptor(BOB).decrypt(withCms(encrypted, der), TO_BOB).message();
            result = verifier().verify(decrypted);
        } catch (SmimeException e) {
            result = VerificationResult.failed(VerificationFailure.MALFORMED, e.getMessage());
        }

        assertThat(result.verified()).isFalse();
    }

    @Test
    void garbageAndLengthBombsAreErrorsNotCrashes() throws Exception {
        MimeMessage encrypted = encryptedTo("aes256-cbc", IncomingFixture.plain("alice@example.com"), BOB.certificate());
        byte[] bomb = {0x30, (byte) 0x84, 0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x06, 0x09, 0x2a};

        assertThatThrownBy(() -> decryptor(BOB).decrypt(withCms(encrypted, "garbage".getBytes(StandardCharsets.US_ASCII)), TO_BOB))
            .isInstanceOf(SmimeException.class);
        assertThatThrownBy(() -> decryptor(BOB).decrypt(withCms(encrypted, bomb), TO_BOB)).isInstanceOf(SmimeException.class)
            .hasMessageContaining("malformed");
        String truncatedBase64 = text(encrypted);
        assertThatThrownBy(() -> decryptor(BOB).decrypt(parse(truncatedBase64.substring(0, truncatedBase64.length() / 2)), TO_BOB))
            .isInstanceOf(SmimeException.class);
    }

    @ParameterizedTest
    @CsvSource({"aes256-cbc, false", "aes256-gcm, true"})
    void restoresOurProtectedHeadersOnlyFromAnAuthenticatedLayer(String algorithm, boolean restored) throws Exception {
        MimeMessage encrypted = new SmimeEncryptor(ContentEncryption.parse(algorithm), KeyTransport.RSA_PKCS1)
            .encrypt(IncomingFixture.plain("alice@example.com"), List.of(BOB.certificate()), Optional.of("[...]"));

        MimeMessage decrypted = decryptor(BOB).decrypt(encrypted, TO_BOB).message();

        assertThat(encrypted.getSubject()).isEqualTo("[...]");
        assertThat(decrypted.getHeader("Subject")).containsExactly(restored ? "payment" : "[...]");
        assertThat(decrypted.getHeader("HP-Outer")).isNull();
    }

    @Test
    void aKeyDoesNotDecryptForAMailboxThatIsNotAmongTheRecipients() throws Exception {
        MimeMessage capturedForBob = encryptedTo("aes256-gcm", IncomingFixture.plain("alice@example.com"), BOB.certificate());

        assertThatThrownBy(() -> decryptor(BOB).decrypt(capturedForBob, List.of("carol@partner.example", "dave@example.org")))
            .isInstanceOf(SmimeException.class)
            .hasMessageContaining("identity 'bob' (bob@partner.example)")
            .hasMessageContaining("none of the envelope recipients (carol@partner.example, dave@example.org)");
    }

    @Test
    void recipientAddressesAreComparedIgnoringCase() throws Exception {
        MimeMessage encrypted = encryptedTo("aes256-cbc", IncomingFixture.plain("alice@example.com"), BOB.certificate());

        assertThat(decryptor(BOB).decrypt(encrypted, List.of("Bob@Partner.Example")).keyOwner()).isEqualTo("bob");
    }

    @Test
    void anEscrowIdentityDecryptsForAnyRecipient() throws Exception {
        MimeMessage encrypted = encryptedTo("aes256-cbc", IncomingFixture.plain("alice@example.com"), BOB.certificate());
        SmimeDecryptor archive = new SmimeDecryptor(IncomingFixture.keys("archive", BOB), IncomingFixture.MAX_BYTES, Set.of("archive"));

        SmimeDecryptor.Decrypted decrypted = archive.decrypt(encrypted, List.of("carol@partner.example"));

        assertThat(decrypted.keyOwner()).isEqualTo("archive");
        assertThat(decrypted.message().getContent().toString()).contains("Pay 100 EUR");
    }

    @Test
    void anOrganisationIdentityDecryptsForAddressesOfItsDomainOnly() throws Exception {
        TestPki.Issued partnerDomain = IncomingFixture.PKI.leaf("Partner gateway").domain("partner.example").issue();
        MimeMessage encrypted = encryptedTo("aes256-cbc", IncomingFixture.plain("alice@example.com"), partnerDomain.certificate());
        SmimeDecryptor decryptor = new SmimeDecryptor(IncomingFixture.keys("partner", partnerDomain), IncomingFixture.MAX_BYTES, Set.of());

        assertThat(decryptor.decrypt(encrypted, List.of("carol@partner.example")).keyOwner()).isEqualTo("partner");
        assertThatThrownBy(() -> decryptor.decrypt(encrypted, List.of("carol@partner.example.evil")))
            .isInstanceOf(SmimeException.class)
            .hasMessageContaining("identity 'partner'");
    }

    @Test
    void aKeyOfAnotherMailboxIsSkippedForTheRecipientsOwn() throws Exception {
        MimeMessage toBoth = encryptedTo("aes256-cbc", IncomingFixture.plain("alice@example.com"), BOB.certificate(), ALICE.certificate());
        SmimeDecryptor bothKeys = new SmimeDecryptor(new SmimeDecryptor.KeyLookup() {
            @Override
            public Optional<SmimeDecryptor.KeyAndCertificate> byIssuerAndSerial(javax.security.auth.x500.X500Principal issuer,
                                                                               java.math.BigInteger serial) {
                return IncomingFixture.keys("bob", BOB).byIssuerAndSerial(issuer, serial)
                    .or(() -> IncomingFixture.keys("alice", ALICE).byIssuerAndSerial(issuer, serial));
            }

            @Override
            public Optional<SmimeDecryptor.KeyAndCertificate> bySubjectKeyIdentifier(byte[] ski) {
                return Optional.empty();
            }
        }, IncomingFixture.MAX_BYTES, Set.of());

        assertThat(bothKeys.decrypt(toBoth, List.of("alice@example.com")).keyOwner()).isEqualTo("alice");
    }

    @Test
    void aFailingKeyStoreIsAFaultThatPropagatesNotAVerdict() throws Exception {
        MimeMessage encrypted = encryptedTo("aes256-cbc", IncomingFixture.plain("alice@example.com"), BOB.certificate());
        IllegalStateException outage = new IllegalStateException("database unreachable");
        SmimeDecryptor broken = new SmimeDecryptor(new SmimeDecryptor.KeyLookup() {
            @Override
            public Optional<SmimeDecryptor.KeyAndCertificate> byIssuerAndSerial(javax.security.auth.x500.X500Principal issuer,
                                                                               java.math.BigInteger serial) {
                throw outage;
            }

            @Override
            public Optional<SmimeDecryptor.KeyAndCertificate> bySubjectKeyIdentifier(byte[] ski) {
                throw outage;
            }
        }, IncomingFixture.MAX_BYTES, Set.of());

        assertThatThrownBy(() -> broken.decrypt(encrypted, TO_BOB)).isSameAs(outage);
    }

    private static MimeMessage withCms(MimeMessage message, byte[] der) throws Exception {
        String raw = text(message);
        int body = raw.indexOf("\r\n\r\n") + 4;
        return parse(raw.substring(0, body) + Base64.getMimeEncoder().encodeToString(der) + "\r\n");
    }
}
