package dev.smimegateway.core.smime;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.smimegateway.core.testing.TestPki;
import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;

/**
 * The byte scan never calls a message 7-bit safe that Jakarta Mail would re-encode, and calls the common
 * message (7-bit text, base64 attachments) safe, so that it is signed and encrypted without Jakarta Mail
 * parsing its parts.
 */
class SevenBitScanTest {
    private static final Session SESSION = Session.getInstance(new Properties());
    private static final String HEADERS = "From: alice@example.com\r\nTo: bob@example.com\r\nSubject: s\r\nMIME-Version: 1.0\r\n";
    private static final String COMMON = HEADERS + "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n"
        + "--b\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nThe report is attached.\r\n"
        + "--b\r\nContent-Type: text/html; charset=UTF-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n<p>Gr=C3=BC=C3=9Fe</p>\r\n"
        + "--b\r\nContent-Type: application/octet-stream\r\ncontent-transfer-encoding:   BASE64  \r\n\r\nAAECAw==\r\n--b--\r\n";

    @Test
    void theCommonMessageNeedsNoReencodingAndIsSignedAndEncryptedWithoutTheStreamProviderLookUp() throws Exception {
        byte[] raw = COMMON.getBytes(StandardCharsets.US_ASCII);
        TestPki pki = TestPki.create("Scan CA");
        TestPki.Issued alice = pki.leaf("Alice").email("alice@example.com").issue();
        SmimeSigner signer = new SmimeSigner(alice.privateKey(), alice.chain(), DigestAlgorithm.SHA256, false);
        SmimeEncryptor encryptor = new SmimeEncryptor(ContentEncryption.AES256_GCM, KeyTransport.RSA_PKCS1);
        // classes initialised on first use may look it up once
        encryptor.encrypt(signer.sign(MimeEntities.parse(raw), SignMode.DETACHED), List.of(alice.certificate()), Optional.empty());

        assertThat(SevenBitScan.nothingToReencode(raw, raw.length)).isTrue();
        assertThat(StreamProviderLookups.during(() -> signer.sign(MimeEntities.parse(raw), SignMode.DETACHED))).isZero();
        assertThat(StreamProviderLookups.during(() -> signer.sign(MimeEntities.parse(raw), SignMode.OPAQUE))).isZero();
        assertThat(StreamProviderLookups.during(() -> encryptor.encrypt(signer.sign(MimeEntities.parse(raw), SignMode.DETACHED),
            List.of(alice.certificate()), Optional.empty()))).isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "Content-Type: text/plain\r\nContent-Transfer-Encoding: 8bit\r\n\r\nonly ascii\r\n",
        "Content-Type: text/plain\r\nContent-Transfer-Encoding: binary\r\n\r\nonly ascii\r\n",
        "Content-Type: text/plain\r\nContent-Transfer-Encoding: x-uuencode\r\n\r\nbegin\r\n",
        "Content-Type: text/plain\r\nContent-Transfer-Encoding: base64 (a comment)\r\n\r\nAAAA\r\n",
        "Content-Type: text/plain\r\nContent-Transfer-Encoding:\r\n base64\r\n\r\nAAAA\r\n",
        "Content-Type: text/plain\r\nContent-Transfer-Encoding : 8bit\r\n\r\nx\r\n",
        "Content-Type: text/plain\r\n\u0001Content-Transfer-Encoding: 8bit\r\n\r\nx\r\n",
        "Content-Type: text/plain\rContent-Transfer-Encoding: 8bit\r\n\r\nx\r\n",
        "Content-Type: text/plain\r\n\r\nan 8-bit byte \u00e9\r\n",
        "Content-Type: text/plain\r\n\r\na NUL \u0000\r\n",
        "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Transfer-Encoding: 8BIT\r\n\r\nx\r\n--b--\r\n",
        "Content-Type: message/rfc822\r\n\r\nSubject: inner\r\nContent-Transfer-Encoding: 8bit\r\n\r\nx\r\n"})
    void aMessageThatMayNeedReencodingIsLeftToJakartaMail(String content) {
        byte[] raw = (HEADERS + content).getBytes(StandardCharsets.ISO_8859_1);

        assertThat(SevenBitScan.nothingToReencode(raw, raw.length)).isFalse();
    }

    @Test
    void aLineOf998BytesIsSevenBitSafeAndOneOf999IsNot() {
        for (int length : new int[] {997, 998, 999}) {
            for (String lineEnd : new String[] {"\r\n", "\n", ""}) {
                byte[] raw = (HEADERS + "Content-Type: text/plain\r\n\r\nfirst\r\n" + "x".repeat(length) + lineEnd)
                    .getBytes(StandardCharsets.US_ASCII);
                // Jakarta Mail's rule counts the CR of a CRLF in the line
                int counted = length + (lineEnd.equals("\r\n") ? 1 : 0);

                assertThat(SevenBitScan.nothingToReencode(raw, raw.length)).as("%d + %s", length, lineEnd.length())
                    .isEqualTo(counted <= 998);
            }
        }
    }

    @Test
    void noRandomMessageCalledSafeIsReencodedByJakartaMailAndItsLoneLineBreaksAreCounted() throws Exception {
        Random random = new Random(20261202);
        int calledSafe = 0;
        for (int i = 0; i < 5_000; i++) {
            byte[] raw = randomMessage(random).getBytes(StandardCharsets.ISO_8859_1);
            if (SevenBitScan.nothingToReencode(raw, raw.length)) {
                calledSafe++;
                int bodyStart = MimeEntities.headerEnd(raw);

                assertThat(SevenBitScan.loneLineBreaksWhenNothingToReencode(raw, raw.length))
                    .isEqualTo(LineBreaks.countLone(raw, bodyStart, raw.length));

                assertThat(MimeEntities.makeSevenBitSafe(new MimeMessage(SESSION, new jakarta.mail.util.SharedByteArrayInputStream(raw))))
                    .as(new String(raw, StandardCharsets.ISO_8859_1)).isFalse();
            }
        }
        assertThat(calledSafe).isGreaterThan(200);
    }

    private static final String[] ENCODINGS = {"", "Content-Transfer-Encoding: 7bit\r\n", "Content-Transfer-Encoding: base64\r\n",
        "Content-Transfer-Encoding: quoted-printable\r\n", "Content-Transfer-Encoding: 8bit\r\n", "content-transfer-encoding: BINARY\r\n",
        "Content-Transfer-Encoding: x-token\r\n", "Content-Transfer-Encoding:\r\n\t7bit\r\n", " Content-Transfer-Encoding: 8bit\r\n"};
    private static final String[] BODIES = {"text\r\n", "AAECAw==\r\n", "line\nwith\rbreaks\r\n", "8-bit \u00e9\r\n", "nul \u0000\r\n",
        "x".repeat(998) + "\r\n", "y".repeat(1000) + "\n", "Content-Transfer-Encoding: 8bit\r\n", "\r\n"};

    /** A message of one to three levels of multipart, its parts' encodings and bodies picked at random. */
    private static String randomMessage(Random random) {
        return HEADERS + randomPart(random, 0);
    }

    private static String randomPart(Random random, int depth) {
        if (depth < 2 && random.nextInt(3) == 0) {
            String boundary = "b" + depth;
            StringBuilder part = new StringBuilder("Content-Type: multipart/mixed; boundary=" + boundary + "\r\n\r\n");
            int count = 1 + random.nextInt(3);
            for (int i = 0; i < count; i++) {
                part.append("--").append(boundary).append("\r\n").append(randomPart(random, depth + 1));
            }
            return part.append("--").append(boundary).append("--\r\n").toString();
        }
        String type = random.nextInt(5) == 0 ? "message/rfc822" : "text/plain";
        return "Content-Type: " + type + "\r\n" + ENCODINGS[random.nextInt(ENCODINGS.length)] + "\r\n"
            + BODIES[random.nextInt(BODIES.length)] + BODIES[random.nextInt(BODIES.length)];
    }
}
