package dev.smimegateway.mailets;

import static dev.smimegateway.mailets.MailetFixtures.PKI;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import org.apache.james.core.MailAddress;
import org.apache.mailet.AttributeName;
import org.apache.mailet.Mail;
import org.apache.mailet.MailetException;
import org.apache.mailet.ProcessingState;
import org.apache.mailet.base.test.FakeMail;
import org.apache.mailet.base.test.FakeMailContext;
import org.apache.mailet.base.test.FakeMailetConfig;
import org.bouncycastle.asn1.cms.CMSObjectIdentifiers;
import org.bouncycastle.asn1.cms.ContentInfo;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.cms.CMSAlgorithm;
import org.bouncycastle.cms.CMSAuthEnvelopedData;
import org.bouncycastle.cms.CMSEnvelopedData;
import org.bouncycastle.cms.KeyTransRecipientInformation;
import org.bouncycastle.cms.RecipientInformation;
import org.bouncycastle.cms.RecipientInformationStore;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.smimegateway.core.certificate.CertificateFacts;
import dev.smimegateway.core.smime.MimeEntities;
import dev.smimegateway.core.testing.OpenSsl;
import dev.smimegateway.core.testing.TestPki;
import dev.smimegateway.keystore.HarvestRequest;
import dev.smimegateway.keystore.SmimeKeyStore;

class SMimeEncryptTest {
    @TempDir
    Path folder;
    SmimeKeyStore store;
    FakeMailContext context;
    TestPki.Issued bob;
    TestPki.Issued carol;

    @BeforeEach
    void setUp() {
        store = MailetFixtures.keyStore(folder, Clock.systemUTC());
        bob = PKI.leaf("Bob").email("bob@partner.example").issue();
        carol = PKI.leaf("Carol").email("carol@partner.example").ec().issue();
        store.addCertificate("bob", bob.pem().getBytes(StandardCharsets.US_ASCII));
        store.addCertificate("carol", carol.pem().getBytes(StandardCharsets.US_ASCII));
        context = FakeMailContext.defaultContext();
    }

    private SMimeEncrypt mailet(String... parameters) throws Exception {
        SMimeEncrypt mailet = new SMimeEncrypt(store);
        FakeMailetConfig.Builder config = FakeMailetConfig.builder().mailetName("SMimeEncrypt").mailetContext(context);
        for (int i = 0; i < parameters.length; i += 2) {
            config.setProperty(parameters[i], parameters[i + 1]);
        }
        mailet.init(config.build());
        return mailet;
    }

    private static FakeMail mail(String... recipients) throws Exception {
        return FakeMail.builder().name("mail1").state("transport").sender("alice@example.com").recipients(recipients)
            .mimeMessage(MailetFixtures.message("alice@example.com", String.join(", ", recipients), "Quarterly figures")).build();
    }

    private boolean decrypts(Mail mail, TestPki.Issued recipient) throws Exception {
        OpenSsl openssl = new OpenSsl(folder);
        openssl.write("encrypted.eml", MimeEntities.write(mail.getMessage()));
        openssl.writePem("r.pem", recipient.certificate());
        openssl.writeKey("r.key", recipient.privateKey());
        OpenSsl.Result result = openssl.run("cms", "-decrypt", "-in", "encrypted.eml", "-recip", "r.pem", "-inkey", "r.key", "-out", "d.eml");
        return result.exitCode() == 0 && new String(openssl.read("d.eml"), StandardCharsets.UTF_8).contains("Content-Type: text/plain");
    }

    /** What HarvestPublicKey records when {@code address} sends us mail signed with {@code certificate}. */
    private void announces(TestPki.Issued certificate, String address, String capabilities) {
        store.harvest(new HarvestRequest(CertificateFacts.of(certificate.certificate()), List.of(address), Optional.empty(), false,
            Duration.ofHours(48), 512L << 20, Optional.of(capabilities), Optional.of(Instant.now())));
    }

    /** The content encryption OID of the encrypted mail, and the key encryption OIDs of its RSA RecipientInfos. */
    private record Envelope(String contentEncryption, List<String> rsaKeyTransport) {
        static Envelope of(Mail mail) throws Exception {
            ContentInfo info = ContentInfo.getInstance(mail.getMessage().getInputStream().readAllBytes());
            String contentEncryption;
            RecipientInformationStore recipients;
            if (info.getContentType().equals(CMSObjectIdentifiers.authEnvelopedData)) {
                CMSAuthEnvelopedData data = new CMSAuthEnvelopedData(info);
                contentEncryption = data.getEncryptionAlgOID();
                recipients = data.getRecipientInfos();
            } else {
                CMSEnvelopedData data = new CMSEnvelopedData(info);
                contentEncryption = data.getEncryptionAlgOID();
                recipients = data.getRecipientInfos();
            }
            return new Envelope(contentEncryption, recipients.getRecipients().stream().filter(KeyTransRecipientInformation.class::isInstance)
                .map(RecipientInformation::getKeyEncryptionAlgOID).toList());
        }
    }

    private static Object attribute(Mail mail, String name) {
        return mail.getAttribute(AttributeName.of(name)).map(a -> a.getValue().value()).orElse(null);
    }

    @Test
    void encryptsOneMessageThatEveryRecipientCanRead() throws Exception {
        FakeMail mail = mail("bob@partner.example", "carol@partner.example");

        mailet().service(mail);

        assertThat(mail.getMessage().getContentType()).contains("application/pkcs7-mime").contains("smime-type=enveloped-data");
        assertThat(mail.getMessage().getSubject()).isEqualTo("Quarterly figures");
        assertThat(decrypts(mail, bob)).isTrue();
        assertThat(decrypts(mail, carol)).isTrue();
        assertThat(mail.getRecipients()).hasSize(2);
    }

    @Test
    void usesThePartnersDomainCertificateForAddressesWithoutTheirOwn() throws Exception {
        TestPki.Issued gateway = PKI.leaf("Partner gateway").domain("partner.example").issue();
        store.addCertificate("partner-gateway", gateway.pem().getBytes(StandardCharsets.US_ASCII));
        FakeMail mail = mail("dave@partner.example");

        mailet().service(mail);

        assertThat(decrypts(mail, gateway)).isTrue();
    }

    @Test
    void bouncesTheWholeMailNamingRecipientsWithoutCertificates() throws Exception {
        FakeMail mail = mail("bob@partner.example", "dave@other.example");

        mailet().service(mail);

        assertThat(mail.getState()).isEqualTo(Mail.GHOST);
        assertThat(context.getBouncedMails()).hasSize(1);
        assertThat(context.getBouncedMails().get(0).getMessage()).isEqualTo("Message not sent: no S/MIME encryption certificate for dave@other.example");
    }

    @Test
    void mailWithANullSenderIsNotBouncedButGoesToTheErrorProcessor() throws Exception {
        FakeMail notification = FakeMail.builder().name("mail1").state("transport").recipient("dave@other.example")
            .mimeMessage(MailetFixtures.message("mailer-daemon@example.com", "dave@other.example", "Undeliverable")).build();

        mailet().service(notification);

        assertThat(context.getBouncedMails()).isEmpty();
        assertThat(notification.getState()).isEqualTo(Mail.ERROR);
        assertThat(notification.getAttribute(AttributeName.of("smime.failure"))).map(a -> (Object) a.getValue().value())
            .contains("no S/MIME encryption certificate for dave@other.example");
    }

    @Test
    void dropDiscardsTheMailWithoutBouncing() throws Exception {
        FakeMail mail = mail("bob@partner.example", "dave@other.example");

        mailet("missingCertificate", "drop").service(mail);

        assertThat(mail.getState()).isEqualTo(Mail.GHOST);
        assertThat(context.getBouncedMails()).isEmpty();
    }

    @Test
    void splitEncryptsForRecipientsWithCertificatesAndSendsAPlainCopyToTheOthers() throws Exception {
        FakeMail mail = mail("bob@partner.example", "dave@other.example");

        mailet("missingCertificate", "split", "splitProcessor", "relay").service(mail);

        assertThat(mail.getRecipients()).containsExactly(new MailAddress("bob@partner.example"));
        assertThat(decrypts(mail, bob)).isTrue();
        assertThat(context.getSentMails()).hasSize(1);
        FakeMailContext.SentMail plain = context.getSentMails().get(0);
        assertThat(plain.getRecipients()).containsExactly(new MailAddress("dave@other.example"));
        assertThat(plain.getState()).isEqualTo("relay");
        assertThat(plain.getMsg().getContentType()).startsWith("text/plain");
    }

    @Test
    void splitNeedsAProcessorForThePlainCopy() {
        assertThatThrownBy(() -> mailet("missingCertificate", "split")).isInstanceOf(MailetException.class)
            .hasMessageContaining("splitProcessor");
    }

    @Test
    void alsoEncryptsToTheConfiguredArchiveCertificate() throws Exception {
        TestPki.Issued archive = PKI.leaf("Archive").email("archive@example.com").issue();
        store.addCertificate("archive", archive.pem().getBytes(StandardCharsets.US_ASCII));
        FakeMail mail = mail("bob@partner.example");

        mailet("extraCertificates", "archive").service(mail);

        assertThat(decrypts(mail, bob)).isTrue();
        assertThat(decrypts(mail, archive)).isTrue();
    }

    @Test
    void gcmProducesAuthEnvelopedData() throws Exception {
        FakeMail mail = mail("bob@partner.example");

        mailet("algorithm", "aes256-gcm").service(mail);

        assertThat(mail.getMessage().getContentType()).contains("smime-type=authEnveloped-data");
        assertThat(decrypts(mail, bob)).isTrue();
    }

    @Test
    void headerProtectionHidesTheSubjectOutside() throws Exception {
        FakeMail mail = mail("bob@partner.example");

        mailet("protectHeaders", "true").service(mail);

        assertThat(mail.getMessage().getSubject()).isEqualTo("[...]");
        assertThat(decrypts(mail, bob)).isTrue();
    }

    @Test
    void refusesUnknownParameterValuesAtStart() {
        assertThatThrownBy(() -> mailet("algorithm", "des-ede3")).isInstanceOf(MailetException.class).hasMessageContaining("des-ede3");
        assertThatThrownBy(() -> mailet("keyTransport", "rsa-raw")).isInstanceOf(MailetException.class);
    }

    /** pass would send the mail plain to a recipient without a certificate, and nobody would know. */
    @Test
    void missingCertificateRefusesPass() {
        assertThatThrownBy(() -> mailet("missingCertificate", "pass")).isInstanceOf(MailetException.class)
            .hasMessage("SMimeEncrypt: missingCertificate must be bounce, drop, split or a processor name, not 'pass'");
    }

    @Test
    void missingCertificateNamingAProcessorMovesTheWholeMailThereUnencrypted() throws Exception {
        SMimeEncrypt mailet = mailet("missingCertificate", "no-certificate");
        FakeMail mail = mail("bob@partner.example", "dave@other.example");

        mailet.service(mail);

        assertThat(mail.getState()).isEqualTo("no-certificate");
        assertThat(mail.getRecipients()).hasSize(2);
        assertThat(mail.getMessage().getContentType()).startsWith("text/plain");
        assertThat(mail.getAttribute(AttributeName.of("smime.failure"))).map(a -> (Object) a.getValue().value())
            .contains("no S/MIME encryption certificate for dave@other.example");
        assertThat(context.getBouncedMails()).isEmpty();
        assertThat(mailet.requiredProcessingState()).containsExactly(new ProcessingState("no-certificate"));
    }

    @Test
    void missingCertificateWordsAreCaseInsensitiveAsBefore() throws Exception {
        FakeMail mail = mail("dave@other.example");

        mailet("missingCertificate", "DROP").service(mail);

        assertThat(mail.getState()).isEqualTo(Mail.GHOST);
        assertThat(context.getBouncedMails()).isEmpty();
    }

    @Test
    void recipientsThatAnnouncedNothingGetWhatEveryClientReads() throws Exception {
        FakeMail mail = mail("bob@partner.example", "carol@partner.example");

        mailet().service(mail);

        assertThat(Envelope.of(mail)).isEqualTo(new Envelope(CMSAlgorithm.AES256_CBC.getId(), List.of(PKCSObjectIdentifiers.rsaEncryption.getId())));
        assertThat(attribute(mail, "smime.encryption.algorithm")).isEqualTo("aes256-cbc");
        assertThat(attribute(mail, "smime.encryption.key-transport")).isEqualTo("rsa-pkcs1");
        assertThat(attribute(mail, "smime.encryption.choice")).isEqualTo("compatible-default");
    }

    @Test
    void gcmWhenEveryRecipientAnnouncedIt() throws Exception {
        announces(bob, "bob@partner.example", "aes256-gcm,aes256-cbc");
        announces(carol, "carol@partner.example", "aes128-cbc,aes256-gcm");
        FakeMail mail = mail("bob@partner.example", "carol@partner.example");

        mailet().service(mail);

        assertThat(mail.getMessage().getContentType()).contains("smime-type=authEnveloped-data");
        assertThat(Envelope.of(mail).contentEncryption()).isEqualTo(CMSAlgorithm.AES256_GCM.getId());
        assertThat(attribute(mail, "smime.encryption.algorithm")).isEqualTo("aes256-gcm");
        assertThat(attribute(mail, "smime.encryption.choice")).isEqualTo("announced");
        assertThat(decrypts(mail, bob)).isTrue();
        assertThat(decrypts(mail, carol)).isTrue();
    }

    @Test
    void compatibleDefaultWhenOneRecipientDidNotAnnounceGcm() throws Exception {
        announces(bob, "bob@partner.example", "aes256-gcm,aes256-cbc");
        FakeMail mail = mail("bob@partner.example", "carol@partner.example");

        mailet().service(mail);

        assertThat(mail.getMessage().getContentType()).contains("smime-type=enveloped-data");
        assertThat(Envelope.of(mail).contentEncryption()).isEqualTo(CMSAlgorithm.AES256_CBC.getId());
        assertThat(attribute(mail, "smime.encryption.algorithm")).isEqualTo("aes256-cbc");
        assertThat(attribute(mail, "smime.encryption.choice")).isEqualTo("compatible-default");
    }

    @Test
    void compatibleAlgorithmIsWhatRecipientsWithoutGcmGet() throws Exception {
        announces(bob, "bob@partner.example", "aes256-gcm");
        FakeMail mail = mail("bob@partner.example", "carol@partner.example");

        mailet("compatibleAlgorithm", "aes128-cbc").service(mail);

        assertThat(Envelope.of(mail).contentEncryption()).isEqualTo(CMSAlgorithm.AES128_CBC.getId());
        assertThat(attribute(mail, "smime.encryption.algorithm")).isEqualTo("aes128-cbc");
        assertThat(attribute(mail, "smime.encryption.choice")).isEqualTo("compatible-default");
        assertThat(decrypts(mail, carol)).isTrue();
    }

    @Test
    void aPinnedAlgorithmIsUsedWhateverTheRecipientsAnnounced() throws Exception {
        announces(bob, "bob@partner.example", "aes256-gcm");
        announces(carol, "carol@partner.example", "aes256-gcm");
        FakeMail mail = mail("bob@partner.example", "carol@partner.example");

        mailet("algorithm", "aes256-cbc").service(mail);

        assertThat(Envelope.of(mail).contentEncryption()).isEqualTo(CMSAlgorithm.AES256_CBC.getId());
        assertThat(attribute(mail, "smime.encryption.algorithm")).isEqualTo("aes256-cbc");
        assertThat(attribute(mail, "smime.encryption.choice")).isEqualTo("pinned");
    }

    @Test
    void anAnnouncementThatCannotBeReadCountsAsNone() throws Exception {
        announces(bob, "bob@partner.example", "aes256-gcm,chacha20-poly1305");
        FakeMail mail = mail("bob@partner.example");

        mailet().service(mail);

        assertThat(attribute(mail, "smime.encryption.algorithm")).isEqualTo("aes256-cbc");
        assertThat(attribute(mail, "smime.encryption.choice")).isEqualTo("compatible-default");
    }

    /** The archive is read by this gateway, which reads GCM: it must not hold every partner back to CBC. */
    @Test
    void extraCertificatesDoNotHoldTheChoiceBack() throws Exception {
        TestPki.Issued archive = PKI.leaf("Archive").email("archive@example.com").issue();
        store.addCertificate("archive", archive.pem().getBytes(StandardCharsets.US_ASCII));
        announces(bob, "bob@partner.example", "aes256-gcm,rsa-oaep");
        FakeMail mail = mail("bob@partner.example");

        mailet("extraCertificates", "archive").service(mail);

        assertThat(Envelope.of(mail)).isEqualTo(new Envelope(CMSAlgorithm.AES256_GCM.getId(),
            List.of(PKCSObjectIdentifiers.id_RSAES_OAEP.getId(), PKCSObjectIdentifiers.id_RSAES_OAEP.getId())));
        assertThat(decrypts(mail, archive)).isTrue();
    }

    /** Carol's EC key gets ECDH whatever she announced, so only Bob's announcement counts. */
    @Test
    void rsaOaepWhenEveryRsaRecipientAnnouncedIt() throws Exception {
        announces(bob, "bob@partner.example", "aes256-cbc,rsa-oaep");
        FakeMail mail = mail("bob@partner.example", "carol@partner.example");

        mailet().service(mail);

        assertThat(Envelope.of(mail).rsaKeyTransport()).containsExactly(PKCSObjectIdentifiers.id_RSAES_OAEP.getId());
        assertThat(attribute(mail, "smime.encryption.key-transport")).isEqualTo("rsa-oaep");
        assertThat(decrypts(mail, bob)).isTrue();
        assertThat(decrypts(mail, carol)).isTrue();
    }

    @Test
    void rsaPkcs1WhenAnRsaRecipientDidNotAnnounceOaep() throws Exception {
        TestPki.Issued erin = PKI.leaf("Erin").email("erin@partner.example").issue();
        store.addCertificate("erin", erin.pem().getBytes(StandardCharsets.US_ASCII));
        announces(bob, "bob@partner.example", "aes256-cbc,rsa-oaep");
        announces(erin, "erin@partner.example", "aes256-cbc");
        FakeMail mail = mail("bob@partner.example", "erin@partner.example");

        mailet().service(mail);

        assertThat(Envelope.of(mail).rsaKeyTransport()).containsExactly(PKCSObjectIdentifiers.rsaEncryption.getId(),
            PKCSObjectIdentifiers.rsaEncryption.getId());
        assertThat(attribute(mail, "smime.encryption.key-transport")).isEqualTo("rsa-pkcs1");
    }

    @Test
    void aPinnedKeyTransportIsUsedWhateverTheRecipientsAnnounced() throws Exception {
        announces(bob, "bob@partner.example", "aes256-cbc,rsa-oaep");
        FakeMail mail = mail("bob@partner.example");

        mailet("keyTransport", "rsa-pkcs1").service(mail);

        assertThat(Envelope.of(mail).rsaKeyTransport()).containsExactly(PKCSObjectIdentifiers.rsaEncryption.getId());
        assertThat(attribute(mail, "smime.encryption.key-transport")).isEqualTo("rsa-pkcs1");
    }

    @Test
    void refusesAnUnknownCompatibleAlgorithmAtStart() {
        assertThatThrownBy(() -> mailet("compatibleAlgorithm", "des-ede3")).isInstanceOf(MailetException.class)
            .hasMessageContaining("compatibleAlgorithm").hasMessageContaining("des-ede3");
    }
}
