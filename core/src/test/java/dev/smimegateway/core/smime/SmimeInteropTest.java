package dev.smimegateway.core.smime;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.smimegateway.core.testing.OpenSsl;
import dev.smimegateway.core.testing.TestPki;
import jakarta.mail.internet.MimeMessage;

/** What our engine produces, OpenSSL's {@code cms} command verifies and decrypts. */
class SmimeInteropTest {
    private static final TestPki PKI = TestPki.create("Interop CA");
    private static final TestPki.Issued RSA = PKI.leaf("Alice RSA").email("alice@example.com").issue();
    private static final TestPki.Issued EC = PKI.leaf("Alice EC").email("alice@example.com").ec().issue();
    private static final TestPki.Issued ED = PKI.leaf("Alice Ed").email("alice@example.com").ed25519().issue();
    private static final TestPki.Issued BOB_RSA = PKI.leaf("Bob RSA").email("bob@partner.example").issue();
    private static final TestPki.Issued BOB_EC = PKI.leaf("Bob EC").email("bob@partner.example").ec().issue();

    static final String MESSAGE = "From: alice@example.com\r\nTo: bob@partner.example\r\nSubject: =?UTF-8?B?5py65a+G?=\r\n"
        + "Date: Wed, 25 Nov 2026 10:00:00 +0000\r\nMessage-ID: <interop@example.com>\r\nMIME-Version: 1.0\r\n"
        + "Content-Type: multipart/mixed; boundary=\"outer\"\r\n\r\n"
        + "--outer\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        + "Grüße, 机密 text with a trailing space \r\n--outer\r\n"
        + "Content-Type: application/octet-stream; name=\"data.bin\"\r\nContent-Transfer-Encoding: binary\r\n\r\n"
        + "\u0000\u0001\u00ff binary\r\n--outer--\r\n";

    @TempDir
    Path folder;

    private static MimeMessage message() throws Exception {
        return MimeEntities.parse(MESSAGE.getBytes(StandardCharsets.ISO_8859_1));
    }

    private static TestPki.Issued signer(String key) {
        return switch (key) {
            case "rsa" -> RSA;
            case "ec" -> EC;
            default -> ED;
        };
    }

    @ParameterizedTest(name = "{0} {1} {2} pss={3}")
    @CsvSource({
        "detached, rsa, sha256, false", "opaque, rsa, sha256, false",
        "detached, rsa, sha512, true", "opaque, rsa, sha256, true",
        "detached, ec, sha256, false", "detached, ec, sha384, false", "opaque, ec, sha512, false"})
    void openSslVerifiesWhatWeSign(String mode, String key, String digest, boolean pss) throws Exception {
        TestPki.Issued identity = signer(key);
        SmimeSigner signer = new SmimeSigner(identity.privateKey(), identity.chain(), DigestAlgorithm.parse(digest), pss);
        OpenSsl openssl = new OpenSsl(folder);
        openssl.writePem("ca.pem", PKI.caCertificate());
        openssl.write("signed.eml", MimeEntities.write(signer.sign(message(), SignMode.parse(mode))));

        OpenSsl.Result result = openssl.run("cms", "-verify", "-in", "signed.eml", "-CAfile", "ca.pem", "-purpose", "smimesign",
            "-out", "content.eml");

        assertThat(result.exitCode()).as(result.output()).isZero();
        assertThat(result.output()).contains("Verification successful");
        String content = new String(openssl.read("content.eml"), StandardCharsets.ISO_8859_1);
        assertThat(content).contains("Content-Transfer-Encoding: quoted-printable").contains("Content-Transfer-Encoding: base64");
    }

    /** OpenSSL 3.0 has no EdDSA in CMS ("no default digest"), so Bouncy Castle checks Ed25519 (RFC 8419) here. */
    @ParameterizedTest
    @CsvSource({"detached", "opaque"})
    void ed25519SignaturesFollowRfc8419(String mode) throws Exception {
        SmimeSigner signer = new SmimeSigner(ED.privateKey(), ED.chain(), DigestAlgorithm.SHA256, false);
        MimeMessage signed = signer.sign(message(), SignMode.parse(mode));

        org.bouncycastle.cms.CMSSignedData cms = mode.equals("opaque")
            ? new org.bouncycastle.cms.CMSSignedData(signed.getInputStream())
            : new org.bouncycastle.cms.CMSSignedData(
                new org.bouncycastle.cms.CMSProcessableByteArray(MimeEntities.write(
                    (jakarta.mail.internet.MimeBodyPart) ((jakarta.mail.internet.MimeMultipart) signed.getContent()).getBodyPart(0))),
                ((jakarta.mail.internet.MimeMultipart) signed.getContent()).getBodyPart(1).getInputStream());
        org.bouncycastle.cms.SignerInformation info = cms.getSignerInfos().getSigners().iterator().next();

        assertThat(info.getDigestAlgOID()).isEqualTo("2.16.840.1.101.3.4.2.3");
        assertThat(info.getEncryptionAlgOID()).isEqualTo("1.3.101.112");
        assertThat(info.verify(new org.bouncycastle.cms.jcajce.JcaSimpleSignerInfoVerifierBuilder().build(ED.certificate()))).isTrue();
    }

    @Test
    void signerInfoCarriesTheRfc8551AttributesAndTheChainWithoutItsRoot() throws Exception {
        SmimeSigner signer = new SmimeSigner(RSA.privateKey(), RSA.chain(), DigestAlgorithm.SHA256, false);
        MimeMessage signed = signer.sign(message(), SignMode.OPAQUE);

        org.bouncycastle.cms.CMSSignedData cms = new org.bouncycastle.cms.CMSSignedData(signed.getInputStream());
        org.bouncycastle.cms.SignerInformation info = cms.getSignerInfos().getSigners().iterator().next();
        org.bouncycastle.asn1.cms.AttributeTable attributes = info.getSignedAttributes();

        assertThat(attributes.get(org.bouncycastle.asn1.cms.CMSAttributes.contentType)).isNotNull();
        assertThat(attributes.get(org.bouncycastle.asn1.cms.CMSAttributes.messageDigest)).isNotNull();
        assertThat(attributes.get(org.bouncycastle.asn1.cms.CMSAttributes.signingTime)).isNotNull();
        assertThat(attributes.get(org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers.pkcs_9_at_smimeCapabilities)).isNotNull();
        assertThat(attributes.get(org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers.id_aa_signingCertificateV2)).isNotNull();
        org.bouncycastle.asn1.smime.SMIMECapabilities capabilities = org.bouncycastle.asn1.smime.SMIMECapabilities.getInstance(
            attributes.get(org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers.pkcs_9_at_smimeCapabilities).getAttrValues().getObjectAt(0));
        assertThat(((org.bouncycastle.asn1.smime.SMIMECapability) capabilities.getCapabilities(null).get(0)).getCapabilityID().getId())
            .isEqualTo("2.16.840.1.101.3.4.1.46");
        assertThat(info.getDigestAlgOID()).isEqualTo("2.16.840.1.101.3.4.2.1");
        assertThat(cms.getCertificates().getMatches(null)).hasSize(1)
            .allSatisfy(holder -> assertThat(holder.getSubject().toString()).contains("Alice RSA"));
    }

    @Test
    void signedMessageKeepsOuterHeadersAndIsSevenBitClean() throws Exception {
        SmimeSigner signer = new SmimeSigner(RSA.privateKey(), RSA.chain(), DigestAlgorithm.SHA256, false);

        byte[] signed = MimeEntities.write(signer.sign(message(), SignMode.DETACHED));

        String text = new String(signed, StandardCharsets.ISO_8859_1);
        assertThat(text).contains("Subject: =?UTF-8?B?5py65a+G?=").contains("Message-ID: <interop@example.com>")
            .contains("micalg=sha-256").contains("protocol=\"application/pkcs7-signature\"");
        for (byte b : signed) {
            assertThat(b).isGreaterThanOrEqualTo((byte) 0);
        }
    }

    @Test
    void signatureSurvivesARelayThatAddsHeadersAndRewritesLineEndings() throws Exception {
        SmimeSigner signer = new SmimeSigner(RSA.privateKey(), RSA.chain(), DigestAlgorithm.SHA256, false);
        String signed = new String(MimeEntities.write(signer.sign(message(), SignMode.DETACHED)), StandardCharsets.ISO_8859_1);
        String relayed = "Received: from relay.example.net by mx.partner.example; Wed, 25 Nov 2026 10:00:01 +0000\n"
            + signed.replace("\r\n", "\n");
        OpenSsl openssl = new OpenSsl(folder);
        openssl.writePem("ca.pem", PKI.caCertificate());
        openssl.write("relayed.eml", relayed.getBytes(StandardCharsets.ISO_8859_1));

        OpenSsl.Result result = openssl.run("cms", "-verify", "-in", "relayed.eml", "-CAfile", "ca.pem", "-purpose", "smimesign",
            "-out", "content.eml");

        assertThat(result.exitCode()).as(result.output()).isZero();
    }

    @Test
    void openSslRejectsATamperedSignedMessage() throws Exception {
        SmimeSigner signer = new SmimeSigner(RSA.privateKey(), RSA.chain(), DigestAlgorithm.SHA256, false);
        String signed = new String(MimeEntities.write(signer.sign(message(), SignMode.DETACHED)), StandardCharsets.ISO_8859_1);
        OpenSsl openssl = new OpenSsl(folder);
        openssl.writePem("ca.pem", PKI.caCertificate());
        String tampered = signed.replace("trailing", "TRAILING");
        assertThat(tampered).as("the tampering must change the signed text").isNotEqualTo(signed);
        openssl.write("tampered.eml", tampered.getBytes(StandardCharsets.ISO_8859_1));

        assertThat(openssl.run("cms", "-verify", "-in", "tampered.eml", "-CAfile", "ca.pem", "-out", "content.eml").exitCode())
            .isNotZero();
    }

    @ParameterizedTest(name = "{0} {1} to {2}")
    @CsvSource({
        "aes256-cbc, rsa-pkcs1, rsa", "aes128-cbc, rsa-pkcs1, rsa", "aes256-cbc, rsa-oaep, rsa",
        "aes256-gcm, rsa-pkcs1, rsa", "aes128-gcm, rsa-oaep, rsa",
        "aes256-cbc, rsa-pkcs1, ec", "aes128-gcm, rsa-pkcs1, ec"})
    void openSslDecryptsWhatWeEncrypt(String algorithm, String transport, String recipientKey) throws Exception {
        TestPki.Issued bob = recipientKey.equals("rsa") ? BOB_RSA : BOB_EC;
        SmimeEncryptor encryptor = new SmimeEncryptor(ContentEncryption.parse(algorithm), KeyTransport.parse(transport));
        OpenSsl openssl = new OpenSsl(folder);
        openssl.writePem("bob.pem", bob.certificate());
        openssl.writeKey("bob.key", bob.privateKey());
        openssl.write("encrypted.eml", MimeEntities.write(encryptor.encrypt(message(), List.of(bob.certificate()), Optional.empty())));

        OpenSsl.Result result = openssl.run("cms", "-decrypt", "-in", "encrypted.eml", "-recip", "bob.pem", "-inkey", "bob.key",
            "-out", "decrypted.eml");

        assertThat(result.exitCode()).as(result.output()).isZero();
        assertThat(new String(openssl.read("decrypted.eml"), StandardCharsets.UTF_8)).contains("Content-Type: multipart/mixed");
    }

    @Test
    void everyRecipientCanDecryptTheSameMessage() throws Exception {
        SmimeEncryptor encryptor = new SmimeEncryptor(ContentEncryption.AES256_CBC, KeyTransport.RSA_PKCS1);
        OpenSsl openssl = new OpenSsl(folder);
        openssl.write("encrypted.eml", MimeEntities.write(encryptor.encrypt(message(),
            List.of(BOB_RSA.certificate(), BOB_EC.certificate(), RSA.certificate()), Optional.empty())));
        for (TestPki.Issued recipient : List.of(BOB_RSA, BOB_EC, RSA)) {
            openssl.writePem("r.pem", recipient.certificate());
            openssl.writeKey("r.key", recipient.privateKey());

            OpenSsl.Result result = openssl.run("cms", "-decrypt", "-in", "encrypted.eml", "-recip", "r.pem", "-inkey", "r.key",
                "-out", "decrypted.eml");

            assertThat(result.exitCode()).as(result.output()).isZero();
        }
    }

    @Test
    void headerProtectionMovesTheSubjectInsideAndShowsAPlaceholderOutside() throws Exception {
        SmimeEncryptor encryptor = new SmimeEncryptor(ContentEncryption.AES256_CBC, KeyTransport.RSA_PKCS1);
        MimeMessage encrypted = encryptor.encrypt(message(), List.of(BOB_RSA.certificate()), Optional.of("[...]"));
        OpenSsl openssl = new OpenSsl(folder);
        openssl.writePem("bob.pem", BOB_RSA.certificate());
        openssl.writeKey("bob.key", BOB_RSA.privateKey());
        openssl.write("encrypted.eml", MimeEntities.write(encrypted));

        OpenSsl.Result result = openssl.run("cms", "-decrypt", "-in", "encrypted.eml", "-recip", "bob.pem", "-inkey", "bob.key",
            "-out", "decrypted.eml");

        assertThat(encrypted.getHeader("Subject", null)).isEqualTo("[...]");
        assertThat(result.exitCode()).as(result.output()).isZero();
        MimeMessage inner = MimeEntities.parse(openssl.read("decrypted.eml"));
        assertThat(inner.getHeader("Subject", null)).isEqualTo("=?UTF-8?B?5py65a+G?=");
        assertThat(inner.getContentType()).contains("hp=\"cipher\"").contains("multipart/mixed");
        assertThat(inner.getHeader("HP-Outer")).contains("Subject: [...]");
    }
}
