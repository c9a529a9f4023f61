package dev.smimegateway.core.smime;

import static dev.smimegateway.core.smime.IncomingFixture.ALICE;
import static dev.smimegateway.core.smime.IncomingFixture.BOB;
import static dev.smimegateway.core.smime.IncomingFixture.decryptor;
import static dev.smimegateway.core.smime.IncomingFixture.parse;
import static dev.smimegateway.core.smime.IncomingFixture.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;

import javax.security.auth.x500.X500Principal;

import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.cms.AuthEnvelopedData;
import org.bouncycastle.asn1.cms.CMSObjectIdentifiers;
import org.bouncycastle.asn1.cms.ContentInfo;
import org.bouncycastle.asn1.cms.EncryptedContentInfo;
import org.bouncycastle.asn1.cms.EnvelopedData;
import org.bouncycastle.cms.CMSAlgorithm;
import org.bouncycastle.cms.CMSAuthEnvelopedDataStreamGenerator;
import org.bouncycastle.cms.CMSEnvelopedDataStreamGenerator;
import org.bouncycastle.cms.jcajce.JceCMSContentEncryptorBuilder;
import org.bouncycastle.cms.jcajce.JceKeyTransRecipientInfoGenerator;
import org.bouncycastle.operator.OutputAEADEncryptor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.smimegateway.core.crypto.Providers;
import jakarta.mail.internet.MimeMessage;

/**
 * The streaming decryption path (our DER reader, the JCA content cipher, decryption in place): what it
 * refuses, with nothing released, and the BER forms of streaming encoders it reads.
 */
class StreamedDecryptionTest {
    private static final List<String> TO_BOB = List.of("bob@partner.example");

    private static MimeMessage encrypted(String algorithm) throws Exception {
        return new SmimeEncryptor(ContentEncryption.parse(algorithm), KeyTransport.RSA_PKCS1).encrypt(
            IncomingFixture.plain("alice@example.com"), List.of(BOB.certificate()), Optional.empty());
    }

    private static MimeMessage withCms(MimeMessage message, byte[] der) throws Exception {
        String raw = text(message);
        int body = raw.indexOf("\r\n\r\n") + 4;
        return parse(raw.substring(0, body) + Base64.getMimeEncoder().encodeToString(der) + "\r\n");
    }

    private static byte[] der(MimeMessage message) throws Exception {
        return Limits.readAtMost(message, IncomingFixture.MAX_BYTES);
    }

    /** The AuthEnvelopedData of a message with its ciphertext and mac changed. */
    private static MimeMessage gcmAltered(MimeMessage message, UnaryOperator<byte[]> ciphertext, UnaryOperator<byte[]> mac) throws Exception {
        ContentInfo info = ContentInfo.getInstance(ASN1Primitive.fromByteArray(der(message)));
        AuthEnvelopedData data = AuthEnvelopedData.getInstance(info.getContent());
        EncryptedContentInfo content = data.getAuthEncryptedContentInfo();
        EncryptedContentInfo altered = new EncryptedContentInfo(content.getContentType(), content.getContentEncryptionAlgorithm(),
            new DEROctetString(ciphertext.apply(content.getEncryptedContent().getOctets().clone())));
        AuthEnvelopedData rebuilt = new AuthEnvelopedData(data.getOriginatorInfo(), data.getRecipientInfos(), altered, data.getAuthAttrs(),
            new DEROctetString(mac.apply(data.getMac().getOctets().clone())), data.getUnauthAttrs());
        return withCms(message, new ContentInfo(CMSObjectIdentifiers.authEnvelopedData, rebuilt).getEncoded(ASN1Encoding.DER));
    }

    private static MimeMessage cbcAltered(MimeMessage message, UnaryOperator<byte[]> ciphertext) throws Exception {
        ContentInfo info = ContentInfo.getInstance(ASN1Primitive.fromByteArray(der(message)));
        EnvelopedData data = EnvelopedData.getInstance(info.getContent());
        EncryptedContentInfo content = data.getEncryptedContentInfo();
        EncryptedContentInfo altered = new EncryptedContentInfo(content.getContentType(), content.getContentEncryptionAlgorithm(),
            new DEROctetString(ciphertext.apply(content.getEncryptedContent().getOctets().clone())));
        EnvelopedData rebuilt = new EnvelopedData(data.getOriginatorInfo(), data.getRecipientInfos(), altered, data.getUnprotectedAttrs());
        return withCms(message, new ContentInfo(CMSObjectIdentifiers.envelopedData, rebuilt).getEncoded(ASN1Encoding.DER));
    }

    private static byte[] flipped(byte[] bytes, int index) {
        bytes[index < 0 ? bytes.length + index : index] ^= 0x01;
        return bytes;
    }

    private static void assertRefusedUnchanged(MimeMessage tampered, String message) throws Exception {
        byte[] before = MimeEntities.write(tampered);
        assertThatThrownBy(() -> decryptor(BOB).decrypt(tampered, TO_BOB))
            .isInstanceOf(SmimeException.class)
            .hasMessageContaining(message);
        assertThat(MimeEntities.write(tampered)).isEqualTo(before);
    }

    @ParameterizedTest
    @CsvSource({"0", "17", "-1"})
    void gcmWithAFlippedCiphertextByteIsRefused(int index) throws Exception {
        assertRefusedUnchanged(gcmAltered(encrypted("aes256-gcm"), bytes -> flipped(bytes, index), UnaryOperator.identity()),
            "authenticated decryption failed");
    }

    @ParameterizedTest
    @CsvSource({"0", "-1"})
    void gcmWithAFlippedTagByteIsRefused(int index) throws Exception {
        assertRefusedUnchanged(gcmAltered(encrypted("aes128-gcm"), UnaryOperator.identity(), tag -> flipped(tag, index)),
            "authenticated decryption failed");
    }

    @Test
    void gcmWithTruncatedCiphertextOrTagIsRefused() throws Exception {
        MimeMessage message = encrypted("aes256-gcm");
        assertRefusedUnchanged(gcmAltered(message, bytes -> Arrays.copyOf(bytes, bytes.length - 1), UnaryOperator.identity()),
            "authenticated decryption failed");
        assertRefusedUnchanged(gcmAltered(message, bytes -> new byte[0], UnaryOperator.identity()), "authenticated decryption failed");
        assertRefusedUnchanged(gcmAltered(message, UnaryOperator.identity(), tag -> Arrays.copyOf(tag, tag.length - 1)),
            "authenticated decryption failed");
    }

    @Test
    void aBodyCutShortIsRefused() throws Exception {
        for (String algorithm : List.of("aes256-gcm", "aes256-cbc")) {
            MimeMessage message = encrypted(algorithm);
            byte[] der = der(message);
            assertRefusedUnchanged(withCms(message, Arrays.copyOf(der, der.length - 20)), "malformed");
        }
    }

    /** A key store that answers with another key for Bob's certificate: the unwrapped key is wrong or does not unwrap. */
    @ParameterizedTest
    @CsvSource({"aes256-gcm, authenticated decryption failed", "aes256-cbc, decryption failed"})
    void theWrongPrivateKeyIsRefused(String algorithm, String failure) throws Exception {
        SmimeDecryptor.KeyLookup wrong = new SmimeDecryptor.KeyLookup() {
            @Override
            public Optional<SmimeDecryptor.KeyAndCertificate> byIssuerAndSerial(X500Principal issuer, BigInteger serial) {
                return Optional.of(new SmimeDecryptor.KeyAndCertificate("bob", ALICE.privateKey(), BOB.certificate()));
            }

            @Override
            public Optional<SmimeDecryptor.KeyAndCertificate> bySubjectKeyIdentifier(byte[] subjectKeyIdentifier) {
                return Optional.empty();
            }
        };
        MimeMessage message = encrypted(algorithm);

        assertThatThrownBy(() -> new SmimeDecryptor(wrong, IncomingFixture.MAX_BYTES, Set.of()).decrypt(message, TO_BOB))
            .isInstanceOf(SmimeException.class)
            .hasMessageContaining(failure);
    }

    /** A padding error and a ciphertext of the wrong length say the very same thing (no padding oracle). */
    @Test
    void cbcPaddingAndLengthErrorsAreIndistinguishable() throws Exception {
        MimeMessage message = encrypted("aes256-cbc");
        String padding = failure(cbcAltered(message, bytes -> flipped(bytes, -1)));
        String length = failure(cbcAltered(message, bytes -> Arrays.copyOf(bytes, bytes.length - 1)));
        String block = failure(cbcAltered(message, bytes -> Arrays.copyOf(bytes, bytes.length - 16)));

        assertThat(padding).isEqualTo(length).isEqualTo(EnvelopedContent.CBC_FAILURE);
        // a whole block less may happen to end in valid padding; if it fails, it fails the same way
        if (block != null) {
            assertThat(block).isEqualTo(padding);
        }
    }

    private static String failure(MimeMessage message) {
        try {
            decryptor(BOB).decrypt(message, TO_BOB);
            return null;
        } catch (SmimeException e) {
            return e.getMessage();
        }
    }

    /** What Bouncy Castle's stream generators write: indefinite lengths and a constructed encryptedContent in segments. */
    @Test
    void readsBerWithIndefiniteLengthsAndSegmentedContent() throws Exception {
        byte[] content = ("Content-Type: text/plain; charset=us-ascii\r\n\r\n" + "Pay 100 EUR to account 1234.\r\n".repeat(3000))
            .getBytes(StandardCharsets.US_ASCII);
        CMSEnvelopedDataStreamGenerator cbc = new CMSEnvelopedDataStreamGenerator();
        cbc.addRecipientInfoGenerator(new JceKeyTransRecipientInfoGenerator(BOB.certificate()));
        cbc.setBufferSize(1000);
        ByteArrayOutputStream cbcDer = new ByteArrayOutputStream();
        try (OutputStream out = cbc.open(cbcDer, new JceCMSContentEncryptorBuilder(CMSAlgorithm.AES256_CBC).build())) {
            out.write(content);
        }
        CMSAuthEnvelopedDataStreamGenerator gcm = new CMSAuthEnvelopedDataStreamGenerator();
        gcm.addRecipientInfoGenerator(new JceKeyTransRecipientInfoGenerator(BOB.certificate()));
        gcm.setBufferSize(1000);
        ByteArrayOutputStream gcmDer = new ByteArrayOutputStream();
        OutputAEADEncryptor encryptor = (OutputAEADEncryptor) new JceCMSContentEncryptorBuilder(CMSAlgorithm.AES128_GCM)
            .setProvider(Providers.BOUNCY_CASTLE).build();
        try (OutputStream out = gcm.open(gcmDer, encryptor)) {
            out.write(content);
        }
        assertThat(cbcDer.toByteArray()[1] & 0xff).as("indefinite length").isEqualTo(0x80);
        assertThat(gcmDer.toByteArray()[1] & 0xff).as("indefinite length").isEqualTo(0x80);

        SmimeDecryptor.Decrypted fromCbc = decryptor(BOB).decrypt(parse("From: alice@example.com\r\n"
            + new String(IncomingFixture.pkcs7MimeEntity("enveloped-data", cbcDer.toByteArray()), StandardCharsets.US_ASCII)), TO_BOB);
        SmimeDecryptor.Decrypted fromGcm = decryptor(BOB).decrypt(parse("From: alice@example.com\r\n"
            + new String(IncomingFixture.pkcs7MimeEntity("authEnveloped-data", gcmDer.toByteArray()), StandardCharsets.US_ASCII)), TO_BOB);

        assertThat(text(fromCbc.message())).endsWith(new String(content, StandardCharsets.US_ASCII).substring(content.length - 200));
        assertThat(fromGcm.authenticated()).isTrue();
        assertThat(fromGcm.message().getContent().toString()).isEqualTo(fromCbc.message().getContent().toString()).contains("1234");

        byte[] tampered = gcmDer.toByteArray();
        tampered[tampered.length / 2] ^= 1;
        assertRefusedUnchanged(parse("From: alice@example.com\r\n"
            + new String(IncomingFixture.pkcs7MimeEntity("authEnveloped-data", tampered), StandardCharsets.US_ASCII)),
            "authenticated decryption failed");
    }

    /** The decrypted message shares the decryption buffer: its header section was written in front of the body in place. */
    @Test
    void theDecryptedMessageKeepsOuterHeadersAndTheExactBody() throws Exception {
        String body = "Content-Type: application/octet-stream\nContent-Transfer-Encoding: binary\n\n\u0000\u00ff\r\nbinary\n";
        MimeMessage plain = MimeEntities.parse(("From: alice@example.com\r\nTo: bob@partner.example\r\nSubject: s\r\nX-Long: "
            + "x".repeat(5000) + "\r\nMIME-Version: 1.0\r\n" + body).getBytes(StandardCharsets.ISO_8859_1));
        for (String algorithm : List.of("aes256-cbc", "aes256-gcm")) {
            MimeMessage message = new SmimeEncryptor(ContentEncryption.parse(algorithm), KeyTransport.RSA_PKCS1).encrypt(plain,
                List.of(BOB.certificate()), Optional.empty());

            MimeMessage decrypted = decryptor(BOB).decrypt(message, TO_BOB).message();

            String written = new String(MimeEntities.write(decrypted), StandardCharsets.ISO_8859_1);
            assertThat(written).startsWith("From: alice@example.com\r\n").contains("X-Long: " + "x".repeat(5000) + "\r\n")
                .contains("MIME-Version: 1.0\r\nContent-Type: application/octet-stream\r\n");
            // our encryptor made the binary leaf base64 (7-bit safe); the decoded bytes are exactly those sent
            assertThat(decrypted.getInputStream().readAllBytes()).isEqualTo("\u0000\u00ff\r\nbinary\n".getBytes(StandardCharsets.ISO_8859_1));
        }
    }
}
