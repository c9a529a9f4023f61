package dev.smimegateway.core.smime;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Random;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.smimegateway.core.testing.OpenSsl;
import dev.smimegateway.core.testing.TestPki;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;

/**
 * A 10 MB message, large enough that the engine streams it in many chunks, signed and encrypted by
 * us and read back by OpenSSL: an 8bit text part (re-encoded to quoted-printable), a 1 MB text part
 * whose lines end with LF alone (made CRLF as it streams) and a 9 MB attachment.
 */
class LargeMessageInteropTest {
    private static final TestPki PKI = TestPki.create("Large CA");
    private static final TestPki.Issued ALICE = PKI.leaf("Alice").email("alice@example.com").issue();
    private static final TestPki.Issued BOB = PKI.leaf("Bob").email("bob@partner.example").issue();
    private static final String LF_TEXT = "a line of a text file written with LF line ends only\n".repeat(20_000);
    private static byte[] attachment;
    private static byte[] raw;

    @TempDir
    Path folder;

    @BeforeAll
    static void makeMessage() {
        attachment = new byte[9 * 1024 * 1024];
        new Random(9).nextBytes(attachment);
        String boundary = "------------8Vd0C2uA5YwPkpl1OXoU2Bf7";
        raw = ("From: alice@example.com\r\nTo: bob@partner.example\r\nSubject: the large one\r\nMIME-Version: 1.0\r\n"
            + "Content-Type: multipart/mixed; boundary=\"" + boundary + "\"\r\n\r\n"
            + "--" + boundary + "\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
            + new String("Grüße, anbei die Daten.\r\n".getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1)
            + "--" + boundary + "\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n" + LF_TEXT
            + "\r\n--" + boundary + "\r\nContent-Type: application/octet-stream; name=\"data.bin\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
            + Base64.getMimeEncoder().encodeToString(attachment) + "\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.ISO_8859_1);
    }

    @ParameterizedTest
    @CsvSource({"detached", "opaque"})
    void openSslVerifiesALargeSignedMessage(String mode) throws Exception {
        MimeMessage signed = new SmimeSigner(ALICE.privateKey(), ALICE.chain(), DigestAlgorithm.SHA256, false)
            .sign(MimeEntities.parse(raw), SignMode.parse(mode));
        OpenSsl openssl = new OpenSsl(folder);
        openssl.writePem("ca.pem", PKI.caCertificate());
        openssl.write("signed.eml", MimeEntities.write(signed));

        // -binary for the opaque content only: with it, OpenSSL 3.0 also reads a multipart/signed's content without its CRLFs
        OpenSsl.Result result = mode.equals("opaque")
            ? openssl.run("cms", "-verify", "-in", "signed.eml", "-CAfile", "ca.pem", "-purpose", "smimesign", "-binary", "-out", "content.eml")
            : openssl.run("cms", "-verify", "-in", "signed.eml", "-CAfile", "ca.pem", "-purpose", "smimesign", "-out", "content.eml");

        assertThat(result.exitCode()).as(result.output()).isZero();
        assertContentIntact(openssl.read("content.eml"));
    }

    @ParameterizedTest
    @CsvSource({"aes256-cbc", "aes256-gcm"})
    void openSslDecryptsALargeEncryptedMessage(String algorithm) throws Exception {
        MimeMessage encrypted = new SmimeEncryptor(ContentEncryption.parse(algorithm), KeyTransport.RSA_PKCS1)
            .encrypt(MimeEntities.parse(raw), List.of(BOB.certificate()), Optional.empty());
        OpenSsl openssl = new OpenSsl(folder);
        openssl.writePem("bob.pem", BOB.certificate());
        openssl.writeKey("bob.key", BOB.privateKey());
        openssl.write("encrypted.eml", MimeEntities.write(encrypted));

        OpenSsl.Result result = openssl.run("cms", "-decrypt", "-in", "encrypted.eml", "-recip", "bob.pem", "-inkey", "bob.key",
            "-binary", "-out", "decrypted.eml");

        assertThat(result.exitCode()).as(result.output()).isZero();
        assertContentIntact(openssl.read("decrypted.eml"));
    }

    /** The content entity as OpenSSL hands it out: CRLF, the 8bit text quoted-printable, the attachment unchanged. */
    private static void assertContentIntact(byte[] entity) throws Exception {
        String text = new String(entity, StandardCharsets.ISO_8859_1);
        assertThat(text).doesNotContain("\r\r").doesNotContainPattern("[^\r]\n").contains("Content-Transfer-Encoding: quoted-printable");
        MimeMultipart parts = (MimeMultipart) MimeEntities.parse(entity).getContent();
        assertThat(parts.getBodyPart(0).getContent()).isEqualTo("Grüße, anbei die Daten.");
        assertThat(parts.getBodyPart(1).getContent()).isEqualTo(LF_TEXT.replace("\n", "\r\n"));
        assertThat(parts.getBodyPart(2).getInputStream().readAllBytes()).isEqualTo(attachment);
    }
}
