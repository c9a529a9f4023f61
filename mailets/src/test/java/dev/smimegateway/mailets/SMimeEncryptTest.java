package dev.smimegateway.mailets;

import static dev.smimegateway.mailets.MailetFixtures.PKI;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;

import org.apache.james.core.MailAddress;
import org.apache.mailet.AttributeName;
import org.apache.mailet.Mail;
import org.apache.mailet.MailetException;
import org.apache.mailet.ProcessingState;
import org.apache.mailet.base.test.FakeMail;
import org.apache.mailet.base.test.FakeMailContext;
import org.apache.mailet.base.test.FakeMailetConfig;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.smimegateway.core.smime.MimeEntities;
import dev.smimegateway.core.testing.OpenSsl;
import dev.smimegateway.core.testing.TestPki;
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
}
