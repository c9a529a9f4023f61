package dev.smimegateway.core.smime;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.smimegateway.core.testing.Peers;
import dev.smimegateway.core.testing.TestPki;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;

/**
 * What we sign and encrypt, read by GnuPG's gpgsm and by NSS's cmsutil (Thunderbird's library).
 * Each row states whether the tool can read that combination; a "false" row is a documented gap of
 * the tool (GCM, RSA-OAEP, ECDH and RSA-PSS where noted), asserted so that a tool upgrade that closes
 * it shows up here.
 */
class PeerInteropTest {
    private static final TestPki PKI = TestPki.create("Peer CA");
    private static final TestPki.Issued SIGNER_RSA = PKI.leaf("Alice RSA").email("alice@example.com").issue();
    private static final TestPki.Issued SIGNER_EC = PKI.leaf("Alice EC").email("alice@example.com").ec().issue();
    private static final TestPki.Issued BOB_RSA = PKI.leaf("Bob RSA").email("bob@partner.example").issue();
    private static final TestPki.Issued BOB_EC = PKI.leaf("Bob EC").email("bob@partner.example").ec().issue();

    @TempDir
    static Path folder;
    private static Peers.GpgSm gpgsmRsa;
    private static Peers.Nss nssRsa;
    private static Peers.Nss nssEc;

    @BeforeAll
    static void setUpPeers() throws Exception {
        gpgsmRsa = new Peers.GpgSm(java.nio.file.Files.createDirectories(folder.resolve("g1")), PKI.caCertificate(), BOB_RSA);
        nssRsa = new Peers.Nss(java.nio.file.Files.createDirectories(folder.resolve("n1")), PKI.caCertificate(), BOB_RSA);
        nssEc = new Peers.Nss(java.nio.file.Files.createDirectories(folder.resolve("n2")), PKI.caCertificate(), BOB_EC);
    }

    @AfterAll
    static void stopAgents() throws Exception {
        if (gpgsmRsa != null) {
            gpgsmRsa.close();
        }
    }

    private static MimeMessage message() throws Exception {
        return MimeEntities.parse(SmimeInteropTest.MESSAGE.getBytes(StandardCharsets.ISO_8859_1));
    }

    @ParameterizedTest(name = "sign {0} {1} pss={2}: gpgsm {3}, NSS {4}")
    @CsvSource({
        "detached, rsa, false, true, true",
        "opaque, rsa, false, true, true",
        "detached, ec, false, true, true",
        "opaque, ec, false, true, true",
        "detached, rsa, true, true, true"})
    void peersVerifyWhatWeSign(String mode, String key, boolean pss, boolean gpgsmReads, boolean nssReads) throws Exception {
        TestPki.Issued signer = key.equals("rsa") ? SIGNER_RSA : SIGNER_EC;
        MimeMessage signed = new SmimeSigner(signer.privateKey(), signer.chain(), DigestAlgorithm.SHA256, pss)
            .sign(message(), SignMode.parse(mode));
        byte[] signature;
        byte[] content = null;
        if (mode.equals("detached")) {
            MimeMultipart multipart = (MimeMultipart) signed.getContent();
            content = MimeEntities.write((MimeBodyPart) multipart.getBodyPart(0));
            signature = multipart.getBodyPart(1).getInputStream().readAllBytes();
        } else {
            signature = signed.getInputStream().readAllBytes();
        }

        assertThat(gpgsmRsa.verifies(signature, content)).as("gpgsm").isEqualTo(gpgsmReads);
        assertThat(nssRsa.verifies(signature, content)).as("NSS cmsutil").isEqualTo(nssReads);
    }

    @org.junit.jupiter.api.Test
    void peersRejectATamperedSignature() throws Exception {
        MimeMessage signed = new SmimeSigner(SIGNER_RSA.privateKey(), SIGNER_RSA.chain(), DigestAlgorithm.SHA256, false)
            .sign(message(), SignMode.DETACHED);
        MimeMultipart multipart = (MimeMultipart) signed.getContent();
        byte[] content = MimeEntities.write((MimeBodyPart) multipart.getBodyPart(0));
        byte[] signature = multipart.getBodyPart(1).getInputStream().readAllBytes();
        content[content.length - 10] ^= 1;

        assertThat(gpgsmRsa.verifies(signature, content)).as("gpgsm").isFalse();
        assertThat(nssRsa.verifies(signature, content)).as("NSS cmsutil").isFalse();
    }

    @ParameterizedTest(name = "encrypt {0} {1} to {2}: gpgsm {3}, NSS {4}")
    @CsvSource({
        "aes256-cbc, rsa-pkcs1, rsa, true, true",
        "aes128-cbc, rsa-pkcs1, rsa, true, true",
        "aes256-cbc, rsa-oaep, rsa, false, false",
        "aes256-gcm, rsa-pkcs1, rsa, false, false",
        "aes256-cbc, rsa-pkcs1, ec, , false"})
    void peersDecryptWhatWeEncrypt(String algorithm, String transport, String recipient, Boolean gpgsmReads, boolean nssReads)
        throws Exception {
        TestPki.Issued bob = recipient.equals("rsa") ? BOB_RSA : BOB_EC;
        MimeMessage encrypted = new SmimeEncryptor(ContentEncryption.parse(algorithm), KeyTransport.parse(transport))
            .encrypt(message(), List.of(bob.certificate()), Optional.empty());
        byte[] cms = encrypted.getInputStream().readAllBytes();

        byte[] byNss = (recipient.equals("rsa") ? nssRsa : nssEc).decrypt(cms);

        // An empty gpgsm column: gpgsm 2.2.40 crashes importing an EC key from PKCS#12, so it cannot be set up as an EC recipient.
        if (gpgsmReads != null) {
            byte[] byGpgsm = gpgsmRsa.decrypt(cms);
            assertThat(byGpgsm != null && new String(byGpgsm, StandardCharsets.ISO_8859_1).contains("multipart/mixed")).as("gpgsm")
                .isEqualTo(gpgsmReads);
        }
        assertThat(byNss != null && new String(byNss, StandardCharsets.ISO_8859_1).contains("multipart/mixed")).as("NSS cmsutil")
            .isEqualTo(nssReads);
    }
}
