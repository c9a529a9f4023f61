package dev.smimegateway.core.smime;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.smimegateway.core.testing.Peers;
import dev.smimegateway.core.testing.TestPki;
import jakarta.mail.internet.MimeMessage;

/** Mail made by gpgsm and by NSS (Thunderbird's library) is verified and decrypted by our engine. */
class PeerProducedMailTest {
    private static final TestPki.Issued BOB = IncomingFixture.BOB;
    private static final byte[] CONTENT = IncomingFixture.CONTENT.getBytes(StandardCharsets.US_ASCII);

    @TempDir
    static Path folder;
    private static Peers.GpgSm gpgsm;
    private static Peers.Nss nss;

    @BeforeAll
    static void setUp() throws Exception {
        gpgsm = new Peers.GpgSm(Files.createDirectories(folder.resolve("g")), IncomingFixture.PKI.caCertificate(), BOB);
        nss = new Peers.Nss(Files.createDirectories(folder.resolve("n")), IncomingFixture.PKI.caCertificate(), BOB);
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (gpgsm != null) {
            gpgsm.close();
        }
    }

    private static MimeMessage detached(byte[] signature) throws Exception {
        return IncomingFixture.parse("From: bob@partner.example\r\nTo: alice@example.com\r\nMIME-Version: 1.0\r\n"
            + "Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; micalg=sha-256; boundary=\"s\"\r\n\r\n"
            + "--s\r\n" + IncomingFixture.CONTENT + "\r\n--s\r\nContent-Type: application/pkcs7-signature; name=smime.p7s\r\n"
            + "Content-Transfer-Encoding: base64\r\n\r\n" + Base64.getMimeEncoder().encodeToString(signature) + "\r\n--s--\r\n");
    }

    private static MimeMessage pkcs7Mime(String smimeType, byte[] der) throws Exception {
        return IncomingFixture.parse("From: bob@partner.example\r\nTo: alice@example.com\r\nMIME-Version: 1.0\r\n"
            + "Content-Type: application/pkcs7-mime; smime-type=" + smimeType + "; name=smime.p7m\r\n"
            + "Content-Transfer-Encoding: base64\r\n\r\n" + Base64.getMimeEncoder().encodeToString(der) + "\r\n");
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"gpgsm, detached", "gpgsm, opaque", "nss, detached", "nss, opaque"})
    void verifiesTheirSignatures(String tool, String mode) throws Exception {
        boolean detached = mode.equals("detached");
        byte[] signature = tool.equals("gpgsm") ? gpgsm.sign(CONTENT, detached) : nss.sign(CONTENT, detached);

        VerificationResult result = IncomingFixture.verifier().verify(detached ? detached(signature) : pkcs7Mime("signed-data", signature));

        assertThat(result.verified()).as(result.toString()).isTrue();
        assertThat(result.signerAddress()).contains("bob@partner.example");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"gpgsm", "nss"})
    void decryptsWhatTheyEncrypt(String tool) throws Exception {
        byte[] encrypted = tool.equals("gpgsm") ? gpgsm.encrypt(CONTENT, IncomingFixture.ALICE.certificate())
            : nss.encrypt(CONTENT, IncomingFixture.ALICE.certificate());

        SmimeDecryptor.Decrypted decrypted = IncomingFixture.decryptor(IncomingFixture.ALICE).decrypt(pkcs7Mime("enveloped-data", encrypted),
            java.util.List.of("alice@example.com"));

        assertThat(decrypted.message().getContent().toString()).contains("Pay 100 EUR");
    }
}
