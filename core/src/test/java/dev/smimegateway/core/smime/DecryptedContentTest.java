package dev.smimegateway.core.smime;

import static dev.smimegateway.core.smime.IncomingFixture.BOB;
import static dev.smimegateway.core.smime.IncomingFixture.decryptor;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.Random;

import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.cms.CMSAlgorithm;
import org.bouncycastle.cms.CMSAuthEnvelopedDataGenerator;
import org.bouncycastle.cms.CMSEnvelopedDataGenerator;
import org.bouncycastle.cms.CMSProcessableByteArray;
import org.bouncycastle.cms.jcajce.JceCMSContentEncryptorBuilder;
import org.bouncycastle.cms.jcajce.JceKeyTransRecipientInfoGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.smimegateway.core.crypto.JdkGcmContentEncryptor;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;

/**
 * What a decrypted message shows: RFC 9788 protected headers only from an authenticated layer
 * (AES-GCM) and only the allow-listed fields; body bytes exactly as they were encrypted.
 */
class DecryptedContentTest {
    private static final String EVE_OUTER = "From: eve@example.net\r\nTo: bob@partner.example\r\nSubject: hello\r\n"
        + "Message-ID: <eve-1@example.net>\r\nMIME-Version: 1.0\r\n";
    /** Eve's inner entity claims to be from Alice, and adds a verdict of her own. */
    private static final String EVE_INNER = "From: alice@example.com\r\n"
        + "Authentication-Results: gw.example.com; smime=pass header.from=alice@example.com\r\n"
        + "X-Smime-Gateway-Status: verified; signer=alice@example.com\r\n"
        + "Received: from trusted.example.com by gw.example.com\r\n"
        + "Subject: Pay 9999 EUR to Eve\r\n"
        + "Content-Type: text/plain; charset=us-ascii; hp=\"cipher\"\r\n\r\nPay Eve.\r\n";

    static MimeMessage encrypted(String outerHeaders, byte[] innerEntity, boolean gcm, X509Certificate recipient) throws Exception {
        byte[] der;
        if (gcm) {
            CMSAuthEnvelopedDataGenerator generator = new CMSAuthEnvelopedDataGenerator();
            generator.addRecipientInfoGenerator(new JceKeyTransRecipientInfoGenerator(recipient));
            der = generator.generate(new CMSProcessableByteArray(innerEntity),
                JdkGcmContentEncryptor.create(CMSAlgorithm.AES256_GCM, 256, new SecureRandom())).toASN1Structure().getEncoded(ASN1Encoding.DER);
        } else {
            CMSEnvelopedDataGenerator generator = new CMSEnvelopedDataGenerator();
            generator.addRecipientInfoGenerator(new JceKeyTransRecipientInfoGenerator(recipient));
            der = generator.generate(new CMSProcessableByteArray(innerEntity), new JceCMSContentEncryptorBuilder(CMSAlgorithm.AES256_CBC).build())
                .toASN1Structure().getEncoded(ASN1Encoding.DER);
        }
        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        raw.writeBytes(outerHeaders.getBytes(StandardCharsets.ISO_8859_1));
        raw.writeBytes(IncomingFixture.pkcs7MimeEntity(gcm ? "authEnveloped-data" : "enveloped-data", der));
        return MimeEntities.parse(raw.toByteArray());
    }

    private static MimeMessage decrypt(MimeMessage message) throws Exception {
        return decryptor(BOB).decrypt(message, java.util.List.of("bob@partner.example")).message();
    }

    @Test
    void eveCannotRestoreHeadersFromAnUnauthenticatedCbcLayer() throws Exception {
        MimeMessage decrypted = decrypt(encrypted(EVE_OUTER, EVE_INNER.getBytes(StandardCharsets.US_ASCII), false, BOB.certificate()));

        assertThat(decrypted.getHeader("From")).containsExactly("eve@example.net");
        assertThat(decrypted.getHeader("Subject")).containsExactly("hello");
        assertThat(decrypted.getHeader("Authentication-Results")).isNull();
        assertThat(decrypted.getHeader("X-Smime-Gateway-Status")).isNull();
        assertThat(decrypted.getHeader("Received")).isNull();
        assertThat(decrypted.getContent().toString()).isEqualTo("Pay Eve.\r\n");
    }

    /**
     * GCM proves the ciphertext unaltered, not who wrote it: anyone with Bob's certificate writes one.
     * The outer From is what upstream SPF/DKIM/DMARC judged, so an unsigned layer never replaces it;
     * only a verified signature over protected headers can (SMimeVerify).
     */
    @Test
    void anAuthenticatedGcmLayerRestoresTheAllowListedHeadersButNeverFrom() throws Exception {
        MimeMessage decrypted = decrypt(encrypted(EVE_OUTER, EVE_INNER.getBytes(StandardCharsets.US_ASCII), true, BOB.certificate()));

        assertThat(decrypted.getHeader("From")).containsExactly("eve@example.net");
        assertThat(decrypted.getHeader("Subject")).containsExactly("Pay 9999 EUR to Eve");
        assertThat(decrypted.getHeader("Message-ID")).containsExactly("<eve-1@example.net>");
        assertThat(decrypted.getHeader("Authentication-Results")).isNull();
        assertThat(decrypted.getHeader("X-Smime-Gateway-Status")).isNull();
        assertThat(decrypted.getHeader("Received")).isNull();
    }

    @Test
    void withoutHpInnerHeadersAreIgnoredEvenWhenAuthenticated() throws Exception {
        String inner = "From: alice@example.com\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nhello\r\n";

        MimeMessage decrypted = decrypt(encrypted(EVE_OUTER, inner.getBytes(StandardCharsets.US_ASCII), true, BOB.certificate()));

        assertThat(decrypted.getHeader("From")).containsExactly("eve@example.net");
    }

    @Test
    void aRestoredFieldNeverRunsIntoTheNextOne() throws Exception {
        // no blank line: the whole entity is a header section whose last field has no line end
        String inner = "Content-Type: text/plain; hp=\"cipher\"\r\nSubject: Hello";

        MimeMessage decrypted = decrypt(encrypted(EVE_OUTER, inner.getBytes(StandardCharsets.US_ASCII), true, BOB.certificate()));

        assertThat(decrypted.getHeader("Subject")).containsExactly("Hello");
        assertThat(decrypted.getHeader("MIME-Version")).containsExactly("1.0");
    }

    @ParameterizedTest
    @ValueSource(strings = {"binary", "8bit"})
    void decryptedBinaryContentIsKeptByteForByte(String transferEncoding) throws Exception {
        byte[] body = new byte[64 * 1024];
        new Random(11).nextBytes(body);
        // lone CR and LF bytes, and a CRLF, that a line-end conversion would change
        body[100] = '\n';
        body[200] = '\r';
        body[300] = '\r';
        body[301] = '\n';
        ByteArrayOutputStream entity = new ByteArrayOutputStream();
        entity.writeBytes(("Content-Type: application/octet-stream\nContent-Transfer-Encoding: " + transferEncoding + "\n\n")
            .getBytes(StandardCharsets.US_ASCII));
        entity.writeBytes(body);

        for (boolean gcm : new boolean[] {false, true}) {
            MimeMessage decrypted = decrypt(encrypted(EVE_OUTER, entity.toByteArray(), gcm, BOB.certificate()));

            byte[] shown;
            try (InputStream in = decrypted.getRawInputStream()) {
                shown = Limits.readAtMost(in, Integer.MAX_VALUE);
            }
            assertThat(shown.length).as("body length, gcm=" + gcm).isEqualTo(body.length);
            assertThat(java.util.Arrays.equals(shown, body)).as("same body bytes, gcm=" + gcm).isTrue();
            assertThat(decrypted.getContentType()).isEqualTo("application/octet-stream");
            // the written message carries the same bytes as well
            MimeMessage reparsed = MimeEntities.parse(MimeEntities.write(decrypted));
            try (InputStream in = new MimeBodyPart(new java.io.ByteArrayInputStream(MimeEntities.write(reparsed))).getRawInputStream()) {
                assertThat(java.util.Arrays.equals(Limits.readAtMost(in, Integer.MAX_VALUE), body)).isTrue();
            }
        }
    }
}
