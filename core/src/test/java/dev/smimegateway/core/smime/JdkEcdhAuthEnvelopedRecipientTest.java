package dev.smimegateway.core.smime;

import static dev.smimegateway.core.smime.EcdhGcmMessages.RANDOM;
import static dev.smimegateway.core.smime.EcdhGcmMessages.authEnveloped;
import static dev.smimegateway.core.smime.EcdhGcmMessages.decrypt;
import static dev.smimegateway.core.smime.EcdhGcmMessages.decryptWithOurs;
import static dev.smimegateway.core.smime.EcdhGcmMessages.ecKeyPair;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.cms.GCMParameters;
import org.bouncycastle.cms.CMSAlgorithm;
import org.bouncycastle.cms.CMSException;
import org.bouncycastle.cms.Recipient;
import org.bouncycastle.cms.jcajce.JceKeyAgreeAuthEnvelopedRecipient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.smimegateway.core.crypto.Providers;
import dev.smimegateway.core.testing.OpenSsl;
import jakarta.mail.internet.MimeMessage;

/**
 * ECDH + AES-GCM (AuthEnvelopedData) decrypted over JDK primitives: it reads what our encryptor,
 * Bouncy Castle's generator (every KDF, key wrap and curve) and OpenSSL write, gives exactly what
 * Bouncy Castle's own recipient gives, and releases nothing when the ciphertext, the tag, the
 * authenticated attributes or the algorithm parameters were altered.
 */
class JdkEcdhAuthEnvelopedRecipientTest {
    private static final byte[] CONTENT = IncomingFixture.CONTENT.getBytes(StandardCharsets.US_ASCII);
    private static final EcdhGcmMessages.Spec OURS = new EcdhGcmMessages.Spec(CMSAlgorithm.ECDH_SHA256KDF, CMSAlgorithm.AES128_WRAP,
        CMSAlgorithm.AES128_GCM, 128, null, null);

    @TempDir
    Path folder;

    private static Recipient bouncyCastles(java.security.PrivateKey key) {
        return new JceKeyAgreeAuthEnvelopedRecipient(key).setProvider(Providers.BOUNCY_CASTLE);
    }

    private static byte[] smimeEncrypted(String algorithm) throws Exception {
        MimeMessage encrypted = new SmimeEncryptor(ContentEncryption.parse(algorithm), KeyTransport.RSA_PKCS1)
            .encrypt(IncomingFixture.plain("alice@example.com"), List.of(IncomingFixture.BOB_EC.certificate()), Optional.empty());
        return Limits.readAtMost(encrypted, IncomingFixture.MAX_BYTES);
    }

    @ParameterizedTest
    @CsvSource({"aes128-gcm", "aes256-gcm"})
    void readsOurEncryptorsMailAsBouncyCastleDoes(String algorithm) throws Exception {
        byte[] der = smimeEncrypted(algorithm);

        byte[] ours = decryptWithOurs(der, IncomingFixture.BOB_EC.privateKey());

        assertThat(new String(ours, StandardCharsets.US_ASCII)).contains("Pay 100 EUR");
        assertThat(ours).isEqualTo(decrypt(der, bouncyCastles(IncomingFixture.BOB_EC.privateKey())));
    }

    @ParameterizedTest(name = "{0} {1} {2} {3}")
    @CsvSource({
        "secp256r1, sha1kdf, aes128-wrap, aes128-gcm",
        "secp256r1, sha224kdf, aes128-wrap, aes128-gcm",
        "secp256r1, sha256kdf, aes256-wrap, aes256-gcm",
        "secp256r1, sha384kdf, aes192-wrap, aes192-gcm",
        "secp256r1, sha512kdf, aes256-wrap, aes256-gcm",
        "secp256r1, cofactor-sha1kdf, aes128-wrap, aes128-gcm",
        "secp256r1, cofactor-sha256kdf, aes256-wrap, aes256-gcm",
        "secp384r1, sha384kdf, aes256-wrap, aes256-gcm",
        "secp521r1, sha512kdf, aes256-wrap, aes128-gcm"})
    void readsEveryKdfKeyWrapAndCurveAsBouncyCastleDoes(String curve, String kdf, String keyWrap, String gcm) throws Exception {
        KeyPair recipient = ecKeyPair(curve);
        int keyBits = Integer.parseInt(gcm.substring(3, 6));
        EcdhGcmMessages.Spec spec = new EcdhGcmMessages.Spec(EcdhGcmMessages.kdfs().get(kdf), wrapOid(keyWrap), gcmOid(keyBits),
            keyBits, null, null);
        byte[] der = authEnveloped(CONTENT, recipient, spec);

        assertThat(decryptWithOurs(der, recipient.getPrivate())).isEqualTo(CONTENT)
            .isEqualTo(decrypt(der, bouncyCastles(recipient.getPrivate())));
    }

    @Test
    void userKeyingMaterialEntersTheKeyDerivation() throws Exception {
        KeyPair recipient = ecKeyPair("secp256r1");
        byte[] ukm = new byte[64];
        RANDOM.nextBytes(ukm);
        byte[] der = authEnveloped(CONTENT, recipient, new EcdhGcmMessages.Spec(CMSAlgorithm.ECDH_SHA256KDF, CMSAlgorithm.AES256_WRAP,
            CMSAlgorithm.AES256_GCM, 256, ukm, null));

        assertThat(decryptWithOurs(der, recipient.getPrivate())).isEqualTo(CONTENT);
    }

    @Test
    void authenticatedAttributesAreReadAsAdditionalData() throws Exception {
        KeyPair recipient = ecKeyPair("secp256r1");
        byte[] der = authEnveloped(CONTENT, recipient, withNote("sent by alice"));

        assertThat(decryptWithOurs(der, recipient.getPrivate())).isEqualTo(CONTENT)
            .isEqualTo(decrypt(der, bouncyCastles(recipient.getPrivate())));
    }

    @ParameterizedTest
    @CsvSource({"0", "40", "70"})
    void aFlippedCiphertextBitReleasesNothing(int octet) throws Exception {
        KeyPair recipient = ecKeyPair("secp256r1");
        byte[] tampered = EcdhGcmMessages.flipCiphertextBit(authEnveloped(CONTENT, recipient, OURS), octet);

        assertThatThrownBy(() -> decryptWithOurs(tampered, recipient.getPrivate())).isInstanceOf(CMSException.class)
            .hasMessageContaining("tag does not match");
    }

    @Test
    void aFlippedTagBitReleasesNothing() throws Exception {
        KeyPair recipient = ecKeyPair("secp256r1");
        byte[] tampered = EcdhGcmMessages.flipTagBit(authEnveloped(CONTENT, recipient, OURS));

        assertThatThrownBy(() -> decryptWithOurs(tampered, recipient.getPrivate())).isInstanceOf(CMSException.class)
            .hasMessageContaining("tag does not match");
    }

    @Test
    void alteredAuthenticatedAttributesAreRefused() throws Exception {
        KeyPair recipient = ecKeyPair("secp256r1");
        byte[] der = authEnveloped(CONTENT, recipient, withNote("sent by alice"));

        assertThatThrownBy(() -> decryptWithOurs(EcdhGcmMessages.replaceAuthenticatedNote(der, "sent by mallory"), recipient.getPrivate()))
            .isInstanceOf(CMSException.class).hasMessageContaining("tag does not match");
        assertThatThrownBy(() -> decryptWithOurs(EcdhGcmMessages.dropAuthenticatedAttributes(der), recipient.getPrivate()))
            .isInstanceOf(CMSException.class).hasMessageContaining("tag does not match");
    }

    @Test
    void aTagShortenedBelowTwelveOctetsIsRefusedBeforeDecrypting() throws Exception {
        KeyPair recipient = ecKeyPair("secp256r1");
        byte[] der = authEnveloped(CONTENT, recipient, OURS);
        GCMParameters original = GCMParameters.getInstance(
            EcdhGcmMessages.parse(der).getAuthEncryptedContentInfo().getContentEncryptionAlgorithm().getParameters());
        byte[] shortTag = EcdhGcmMessages.replaceContentAlgorithm(der, CMSAlgorithm.AES128_GCM, new GCMParameters(original.getNonce(), 8));

        assertThatThrownBy(() -> decryptWithOurs(shortTag, recipient.getPrivate())).isInstanceOf(CMSException.class)
            .hasMessageContaining("tag of 8 octets");
    }

    @Test
    void cbcDisguisedAsAuthenticatedEncryptionIsRefused() throws Exception {
        KeyPair recipient = ecKeyPair("secp256r1");
        byte[] iv = new byte[16];
        byte[] cbc = EcdhGcmMessages.replaceContentAlgorithm(authEnveloped(CONTENT, recipient, OURS), CMSAlgorithm.AES128_CBC,
            new DEROctetString(iv));

        assertThatThrownBy(() -> decryptWithOurs(cbc, recipient.getPrivate())).isInstanceOf(CMSException.class)
            .hasMessageContaining("is not AES-GCM");
    }

    @Test
    void aContentKeyShorterThanTheDeclaredAlgorithmIsRefused() throws Exception {
        KeyPair recipient = ecKeyPair("secp256r1");
        byte[] der = authEnveloped(CONTENT, recipient, new EcdhGcmMessages.Spec(CMSAlgorithm.ECDH_SHA256KDF, CMSAlgorithm.AES256_WRAP,
            CMSAlgorithm.AES256_GCM, 128, null, null));

        assertThatThrownBy(() -> decryptWithOurs(der, recipient.getPrivate())).isInstanceOf(CMSException.class)
            .hasMessageContaining("declares 256-bit AES-GCM");
    }

    @Test
    void anotherKeyOnTheSameCurveDoesNotUnwrap() throws Exception {
        byte[] der = authEnveloped(CONTENT, ecKeyPair("secp256r1"), OURS);

        assertThatThrownBy(() -> decryptWithOurs(der, ecKeyPair("secp256r1").getPrivate())).isInstanceOf(CMSException.class)
            .hasMessageContaining("does not unwrap");
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(delimiter = '|', value = {
        "-aes-128-gcm | ",
        "-aes-256-gcm | ",
        "-aes-256-gcm | ecdh_kdf_md:sha256",
        "-aes-192-gcm | ecdh_kdf_md:sha512"})
    void readsWhatOpenSslEncrypts(String cipher, String keyOption) throws Exception {
        OpenSsl openssl = new OpenSsl(folder);
        openssl.writePem("bob.pem", IncomingFixture.BOB_EC.certificate());
        openssl.write("content.txt", CONTENT);
        List<String> command = new ArrayList<>(List.of("cms", "-encrypt", "-binary", "-outform", "DER", "-in", "content.txt",
            "-out", "enc.der", cipher, "-recip", "bob.pem"));
        if (keyOption != null) {
            command.addAll(List.of("-keyopt", keyOption));
        }
        OpenSsl.Result result = openssl.run(command.toArray(String[]::new));
        assertThat(result.exitCode()).as(result.output()).isZero();
        byte[] der = openssl.read("enc.der");

        assertThat(decryptWithOurs(der, IncomingFixture.BOB_EC.privateKey())).isEqualTo(CONTENT);
        byte[] tampered = EcdhGcmMessages.flipCiphertextBit(der, 3);
        assertThatThrownBy(() -> decryptWithOurs(tampered, IncomingFixture.BOB_EC.privateKey())).isInstanceOf(CMSException.class);
    }

    @ParameterizedTest
    @CsvSource({"aes128-gcm", "aes256-gcm"})
    void theDecryptorReadsItAsAuthenticated(String algorithm) throws Exception {
        MimeMessage encrypted = new SmimeEncryptor(ContentEncryption.parse(algorithm), KeyTransport.RSA_PKCS1)
            .encrypt(IncomingFixture.plain("alice@example.com"), List.of(IncomingFixture.BOB_EC.certificate()), Optional.empty());

        SmimeDecryptor.Decrypted decrypted = IncomingFixture.decryptor(IncomingFixture.BOB_EC).decrypt(encrypted,
            List.of("bob@partner.example"));

        assertThat(decrypted.authenticated()).isTrue();
        assertThat(decrypted.algorithm()).isEqualTo(algorithm);
        assertThat(decrypted.message().getContent().toString()).contains("Pay 100 EUR");
    }

    private static EcdhGcmMessages.Spec withNote(String note) {
        return new EcdhGcmMessages.Spec(CMSAlgorithm.ECDH_SHA256KDF, CMSAlgorithm.AES128_WRAP, CMSAlgorithm.AES128_GCM, 128, null, note);
    }

    private static ASN1ObjectIdentifier wrapOid(String name) {
        return switch (name) {
            case "aes128-wrap" -> CMSAlgorithm.AES128_WRAP;
            case "aes192-wrap" -> CMSAlgorithm.AES192_WRAP;
            default -> CMSAlgorithm.AES256_WRAP;
        };
    }

    private static ASN1ObjectIdentifier gcmOid(int bits) {
        return switch (bits) {
            case 128 -> CMSAlgorithm.AES128_GCM;
            case 192 -> CMSAlgorithm.AES192_GCM;
            default -> CMSAlgorithm.AES256_GCM;
        };
    }
}
