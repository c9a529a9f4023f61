package dev.smimegateway.mailets;

import static dev.smimegateway.mailets.MailetFixtures.PKI;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;

import org.apache.mailet.AttributeName;
import org.apache.mailet.AttributeValue;
import org.apache.mailet.Mail;
import org.apache.mailet.MailetException;
import org.apache.mailet.ProcessingState;
import org.apache.mailet.base.test.FakeMail;
import org.apache.mailet.base.test.FakeMailContext;
import org.apache.mailet.base.test.FakeMailetConfig;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.smimegateway.core.smime.MimeEntities;
import dev.smimegateway.core.testing.OpenSsl;
import dev.smimegateway.core.testing.TestPki;
import dev.smimegateway.keystore.SmimeKeyStore;

class SMimeSignTest {
    @TempDir
    Path folder;
    SmimeKeyStore store;
    FakeMailContext context;
    TestPki.Issued alice;

    @BeforeEach
    void setUp() {
        store = MailetFixtures.keyStore(folder, Clock.systemUTC());
        alice = MailetFixtures.importIdentity(store, "alice", PKI.leaf("Alice").email("alice@example.com").issue());
        context = FakeMailContext.defaultContext();
    }

    private SMimeSign mailet(SmimeKeyStore keyStore, String... parameters) throws Exception {
        SMimeSign mailet = new SMimeSign(keyStore);
        FakeMailetConfig.Builder config = FakeMailetConfig.builder().mailetName("SMimeSign").mailetContext(context);
        for (int i = 0; i < parameters.length; i += 2) {
            config.setProperty(parameters[i], parameters[i + 1]);
        }
        mailet.init(config.build());
        return mailet;
    }

    private static FakeMail mail(String from) throws Exception {
        return FakeMail.builder().name("mail1").state("transport").sender(from).recipient("bob@partner.example")
            .mimeMessage(MailetFixtures.message(from, "bob@partner.example", "=?UTF-8?B?5py65a+G?=")).build();
    }

    private boolean openSslVerifies(Mail mail) throws Exception {
        OpenSsl openssl = new OpenSsl(folder);
        openssl.writePem("ca.pem", PKI.caCertificate());
        openssl.write("signed.eml", MimeEntities.write(mail.getMessage()));
        return openssl.run("cms", "-verify", "-in", "signed.eml", "-CAfile", "ca.pem", "-purpose", "smimesign", "-out", "c.eml")
            .exitCode() == 0;
    }

    @Test
    void signsWithTheSendersOwnIdentityDetachedByDefault() throws Exception {
        FakeMail mail = mail("alice@example.com");

        mailet(store).service(mail);

        assertThat(mail.getMessage().getContentType()).startsWith("multipart/signed");
        assertThat(mail.getMessage().getHeader("Subject", null)).isEqualTo("=?UTF-8?B?5py65a+G?=");
        assertThat(mail.getAttribute(AttributeName.of("smime.signed"))).map(a -> (Object) a.getValue().value()).contains(true);
        assertThat(mail.getAttribute(AttributeName.of("smime.signer"))).map(a -> (Object) a.getValue().value()).contains("alice");
        assertThat(openSslVerifies(mail)).isTrue();
        assertThat(context.getBouncedMails()).isEmpty();
    }

    @Test
    void protectHeadersSignsTheHeaderFieldsInsideTheSignedContent() throws Exception {
        FakeMail mail = mail("alice@example.com");

        mailet(store, "protectHeaders", "true").service(mail);

        jakarta.mail.internet.MimeMultipart parts = (jakarta.mail.internet.MimeMultipart) mail.getMessage().getContent();
        String signedPart = new String(MimeEntities.write((jakarta.mail.internet.MimeBodyPart) parts.getBodyPart(0)),
            java.nio.charset.StandardCharsets.ISO_8859_1);
        assertThat(signedPart).contains("hp=\"clear\"").contains("Subject: =?UTF-8?B?5py65a+G?=").contains("From: alice@example.com");
        assertThat(openSslVerifies(mail)).isTrue();
    }

    @Test
    void opaqueModeWrapsTheContentInPkcs7Mime() throws Exception {
        FakeMail mail = mail("alice@example.com");

        mailet(store, "mode", "opaque").service(mail);

        assertThat(mail.getMessage().getContentType()).contains("application/pkcs7-mime").contains("smime-type=signed-data");
        assertThat(openSslVerifies(mail)).isTrue();
    }

    @Test
    void signsWithANamedOrganisationIdentityWhateverTheSender() throws Exception {
        MailetFixtures.importIdentity(store, "org", PKI.leaf("Org").domain("example.com").issue());
        FakeMail mail = mail("carol@elsewhere.example");

        mailet(store, "identity", "org").service(mail);

        assertThat(mail.getAttribute(AttributeName.of("smime.signer"))).map(a -> (Object) a.getValue().value()).contains("org");
    }

    @Test
    void fallsBackToTheOrganisationIdentityCoveringTheSendersDomain() throws Exception {
        MailetFixtures.importIdentity(store, "org", PKI.leaf("Org").domain("example.com").issue());
        FakeMail mail = mail("dave@example.com");

        mailet(store).service(mail);

        assertThat(mail.getAttribute(AttributeName.of("smime.signer"))).map(a -> (Object) a.getValue().value()).contains("org");
        assertThat(openSslVerifies(mail)).isTrue();
    }

    @Test
    void bouncesMailFromASenderWithoutIdentity() throws Exception {
        FakeMail mail = mail("eve@nowhere.example");

        mailet(store).service(mail);

        assertThat(mail.getState()).isEqualTo(Mail.GHOST);
        assertThat(context.getBouncedMails()).hasSize(1);
        assertThat(context.getBouncedMails().get(0).getMessage())
            .isEqualTo("no valid S/MIME signing certificate for eve@nowhere.example (none, expired, or not allowed to sign)");
    }

    @Test
    void bouncesWhenTheNamedIdentityHasExpired() throws Exception {
        MailetFixtures.importIdentity(store, "org", PKI.leaf("Org").domain("example.com")
            .validity(Instant.now().minus(Duration.ofDays(10)), Instant.now().plus(Duration.ofDays(1))).issue());
        Clock later = Clock.fixed(Instant.now().plus(Duration.ofDays(2)), ZoneOffset.UTC);
        SMimeSign mailet = new SMimeSign(store, later);
        mailet.init(FakeMailetConfig.builder().mailetName("SMimeSign").mailetContext(context).setProperty("identity", "org").build());
        FakeMail mail = mail("alice@example.com");

        mailet.service(mail);

        assertThat(mail.getState()).isEqualTo(Mail.GHOST);
        assertThat(context.getBouncedMails().get(0).getMessage()).contains("identity 'org' expired on");
    }

    /**
     * James's verifyIdentity checks only MAIL FROM, while the identity is chosen by the From header:
     * an authenticated user must not get a colleague's signature by writing the colleague's From.
     */
    @Test
    void anAuthenticatedUserCannotHaveMailSignedAsSomeoneElse() throws Exception {
        MailetFixtures.importIdentity(store, "carol", PKI.leaf("Carol").email("carol@example.com").issue());
        FakeMail mail = FakeMail.builder().name("mail1").state("transport").sender("alice@example.com").recipient("bob@partner.example")
            .mimeMessage(MailetFixtures.message("carol@example.com", "bob@partner.example", "Raise")).build();
        mail.setAttribute(new org.apache.mailet.Attribute(Mail.SMTP_AUTH_USER, AttributeValue.of("alice@example.com")));

        mailet(store).service(mail);

        assertThat(mail.getState()).isEqualTo(Mail.GHOST);
        assertThat(mail.getAttribute(AttributeName.of("smime.signed"))).isEmpty();
        assertThat(context.getBouncedMails()).hasSize(1);
        assertThat(context.getBouncedMails().get(0).getMessage())
            .isEqualTo("authenticated user alice@example.com may not have mail signed as carol@example.com (its From address)");
    }

    @Test
    void anAuthenticatedUserSignsAsHimself() throws Exception {
        FakeMail mail = mail("alice@example.com");
        mail.setAttribute(new org.apache.mailet.Attribute(Mail.SMTP_AUTH_USER, AttributeValue.of("Alice@Example.com")));

        mailet(store).service(mail);

        assertThat(mail.getAttribute(AttributeName.of("smime.signer"))).map(a -> (Object) a.getValue().value()).contains("alice");
        assertThat(context.getBouncedMails()).isEmpty();
    }

    @Test
    void mailWithANullSenderIsNotBouncedButGoesToTheErrorProcessor() throws Exception {
        FakeMail notification = FakeMail.builder().name("mail1").state("transport").recipient("bob@partner.example")
            .mimeMessage(MailetFixtures.message("eve@nowhere.example", "bob@partner.example", "Delivery report")).build();

        mailet(store).service(notification);

        assertThat(notification.getMaybeSender().isNullSender()).isTrue();
        assertThat(context.getBouncedMails()).isEmpty();
        assertThat(notification.getState()).isEqualTo(Mail.ERROR);
        assertThat(notification.getAttribute(AttributeName.of("smime.failure"))).map(a -> (Object) a.getValue().value())
            .contains("no valid S/MIME signing certificate for eve@nowhere.example (none, expired, or not allowed to sign)");
    }

    @Test
    void aDecryptOnlyIdentityNamedForSigningIsRefusedWithItsReason() throws Exception {
        java.time.Instant now = java.time.Instant.now();
        TestPki.Issued old = PKI.leaf("Archive").email("alice@example.com")
            .validity(now.minus(java.time.Duration.ofDays(800)), now.minus(java.time.Duration.ofDays(40))).issue();
        store.importPkcs12("archive", old.pkcs12("pw"), "pw".toCharArray(), java.util.Optional.empty(), java.util.Optional.empty(), true);
        FakeMail mail = mail("alice@example.com");

        mailet(store, "identity", "archive", "onFailure", "pass").service(mail);

        assertThat(mail.getAttribute(AttributeName.of("smime.failure"))).map(a -> (Object) a.getValue().value())
            .contains("the S/MIME identity 'archive' is decrypt-only (kept to read archived mail) and never signs");
    }

    @Test
    void passOptionDeliversUnsignedWithTheReasonRecorded() throws Exception {
        FakeMail mail = mail("eve@nowhere.example");

        mailet(store, "onFailure", "pass").service(mail);

        assertThat(mail.getState()).isNotEqualTo(Mail.GHOST);
        assertThat(mail.getMessage().getContentType()).startsWith("text/plain");
        assertThat(mail.getAttribute(AttributeName.of("smime.failure"))).isPresent();
        assertThat(context.getBouncedMails()).isEmpty();
    }

    @Test
    void processorOptionMovesTheMailThere() throws Exception {
        SMimeSign mailet = mailet(store, "onFailure", "unsigned-review");
        FakeMail mail = mail("eve@nowhere.example");

        mailet.service(mail);

        assertThat(mail.getState()).isEqualTo("unsigned-review");
        assertThat(mailet.requiredProcessingState()).containsExactly(new ProcessingState("unsigned-review"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"drop", "split"})
    void onFailureRefusesDropAndSplit(String action) {
        assertThatThrownBy(() -> mailet(store, "onFailure", action)).isInstanceOf(MailetException.class)
            .hasMessage("SMimeSign: onFailure must be bounce, pass or a processor name, not '" + action + "'");
    }

    @Test
    void refusesUnknownParameterValuesAtStartNamingTheParameter() {
        assertThatThrownBy(() -> mailet(store, "mode", "sideways")).isInstanceOf(MailetException.class)
            .hasMessageContaining("mode").hasMessageContaining("sideways");
        assertThatThrownBy(() -> mailet(store, "digest", "sha1")).isInstanceOf(MailetException.class)
            .hasMessageContaining("digest");
        assertThatThrownBy(() -> mailet(store, "rsaPadding", "oaep")).isInstanceOf(MailetException.class)
            .hasMessageContaining("rsaPadding");
    }

    @Test
    void signsWithRsaPssAndSha512WhenAsked() throws Exception {
        FakeMail mail = mail("alice@example.com");

        mailet(store, "rsaPadding", "pss", "digest", "sha512").service(mail);

        assertThat(mail.getMessage().getContentType()).contains("micalg=sha-512");
        assertThat(openSslVerifies(mail)).isTrue();
    }
}
