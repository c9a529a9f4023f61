package dev.smimegateway.mailets;

import static dev.smimegateway.mailets.MailetFixtures.PKI;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Logger;

import javax.sql.DataSource;

import org.apache.mailet.Attribute;
import org.apache.mailet.AttributeName;
import org.apache.mailet.AttributeValue;
import org.apache.mailet.Mail;
import org.apache.mailet.base.test.FakeMail;
import org.apache.mailet.base.test.FakeMailContext;
import org.apache.mailet.base.test.FakeMailetConfig;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaCertStore;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.cms.CMSProcessableByteArray;
import org.bouncycastle.cms.CMSSignedDataGenerator;
import org.bouncycastle.cms.jcajce.JcaSignerInfoGeneratorBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.smimegateway.core.smime.DigestAlgorithm;
import dev.smimegateway.core.smime.MimeEntities;
import dev.smimegateway.core.smime.SignMode;
import dev.smimegateway.core.smime.SmimeSigner;
import dev.smimegateway.core.testing.TestPki;
import dev.smimegateway.keystore.EmbeddedDerby;
import dev.smimegateway.keystore.SmimeKeyStore;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.MimeMessage;

/** What SMimeVerify writes on the mail, on every path: the verdict, never a forged one, and never a verdict for a fault. */
class SMimeVerifyVerdictTest {
    private static final TestPki.Issued ALICE = PKI.leaf("Alice").email("alice@partner.example").issue();
    private static final String FORGED = "X-Smime-Gateway-Status: verified; signer=alice@partner.example\r\n";

    @TempDir
    Path folder;
    FailingDataSource dataSource;
    SmimeKeyStore store;

    @BeforeEach
    void setUp() {
        dataSource = new FailingDataSource(EmbeddedDerby.dataSource(folder.resolve("db")));
        store = SmimeKeyStore.open(dataSource, "mailet-test-master-secret".toCharArray(), Clock.systemUTC());
        store.importTrustAnchors(TestPki.pem(PKI.caCertificate()));
    }

    private SMimeVerify mailet() throws Exception {
        SMimeVerify mailet = new SMimeVerify(store);
        mailet.init(FakeMailetConfig.builder().mailetName("SMimeVerify").mailetContext(FakeMailContext.defaultContext()).build());
        return mailet;
    }

    private static FakeMail mail(String raw) throws Exception {
        return FakeMail.builder().name("in").sender("alice@partner.example").recipient("bob@example.com")
            .mimeMessage(MimeEntities.parse(raw.getBytes(StandardCharsets.ISO_8859_1))).build();
    }

    private static String text(MimeMessage message) throws Exception {
        return new String(MimeEntities.write(message), StandardCharsets.ISO_8859_1);
    }

    private static String attribute(Mail mail, String name) {
        return mail.getAttribute(AttributeName.of(name)).map(attribute -> String.valueOf(attribute.getValue().getValue())).orElse(null);
    }

    /** Finding 6: a forged status and a certificate the JDK cannot parse; verification threw and the forged header survived. */
    @Test
    void aForgedStatusNeverSurvivesACertificateTheJdkCannotParse() throws Exception {
        String raw = FORGED + signedWithUnparseableCertificate();
        FakeMail mail = mail(raw);

        mailet().service(mail);

        assertThat(mail.getMessage().getHeader("X-Smime-Gateway-Status")).hasSize(1).allMatch(value -> value.startsWith("not-verified"));
        assertThat(attribute(mail, "smime.verified")).isEqualTo("false");
    }

    @Test
    void aForgedStatusNeverSurvivesGarbage() throws Exception {
        String raw = FORGED + "From: alice@partner.example\r\nMIME-Version: 1.0\r\n"
            + "Content-Type: application/pkcs7-mime; smime-type=signed-data\r\nContent-Transfer-Encoding: base64\r\n\r\nMIAGCSqGSIb3DQEHAqCAMIACAQEx\r\n";
        FakeMail mail = mail(raw);

        mailet().service(mail);

        assertThat(mail.getMessage().getHeader("X-Smime-Gateway-Status")).containsExactly("not-verified; reason=MALFORMED");
    }

    @Test
    void aKeyStoreOutageIsAFaultForJamesNotAVerdict() throws Exception {
        SMimeVerify mailet = mailet();
        FakeMail mail = mail(FORGED + text(new SmimeSigner(ALICE.privateKey(), ALICE.chain(), DigestAlgorithm.SHA256, false)
            .sign(MailetFixtures.message("alice@partner.example", "bob@example.com", "Contract"), SignMode.DETACHED)));
        dataSource.failing.set(true);

        assertThatThrownBy(() -> mailet.service(mail)).isInstanceOf(MessagingException.class).hasMessageContaining("key store");

        assertThat(attribute(mail, "smime.verified")).isNull();
        assertThat(attribute(mail, "smime.verification.status")).isNull();
        assertThat(mail.getMessage().getHeader("X-Smime-Gateway-Status")).as("the forged status is gone before the fault").isNull();
    }

    @Test
    void protectedHeadersOfAVerifiedSignatureAreWhatTheReaderSees() throws Exception {
        String signedEntity = "Content-Type: text/plain; charset=us-ascii; hp=\"clear\"\r\nFrom: alice@partner.example\r\n"
            + "Subject: the real subject\r\n\r\nPay 100 EUR.";
        FakeMail mail = mail(detached("eve@evil.example", "[...]", signedEntity));

        mailet().service(mail);

        assertThat(attribute(mail, "smime.verification.status")).isEqualTo("verified");
        assertThat(mail.getMessage().getHeader("From")).containsExactly("alice@partner.example");
        assertThat(mail.getMessage().getSubject()).isEqualTo("the real subject");
    }

    @Test
    void fieldsInsideTheSignatureWithoutHpAreNotRestored() throws Exception {
        String signedEntity = "Content-Type: text/plain; charset=us-ascii\r\nSubject: the real subject\r\n\r\nPay 100 EUR.";
        FakeMail mail = mail(detached("alice@partner.example", "[...]", signedEntity));

        mailet().service(mail);

        assertThat(attribute(mail, "smime.verification.status")).isEqualTo("verified");
        assertThat(mail.getMessage().getSubject()).isEqualTo("[...]");
    }

    private static String detached(String from, String subject, String signedEntity) throws Exception {
        CMSSignedDataGenerator generator = new CMSSignedDataGenerator();
        generator.addSignerInfoGenerator(new JcaSignerInfoGeneratorBuilder(new JcaDigestCalculatorProviderBuilder().build())
            .build(new JcaContentSignerBuilder("SHA256withRSA").build(ALICE.privateKey()), ALICE.certificate()));
        generator.addCertificates(new JcaCertStore(ALICE.chain()));
        byte[] signature = generator.generate(new CMSProcessableByteArray(signedEntity.getBytes(StandardCharsets.US_ASCII)), false).getEncoded();
        return "From: " + from + "\r\nTo: bob@example.com\r\nSubject: " + subject + "\r\nMIME-Version: 1.0\r\n"
            + "Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; micalg=sha-256; boundary=\"b1\"\r\n\r\n"
            + "--b1\r\n" + signedEntity + "\r\n--b1\r\nContent-Type: application/pkcs7-signature\r\nContent-Transfer-Encoding: base64\r\n\r\n"
            + Base64.getMimeEncoder().encodeToString(signature) + "\r\n--b1--\r\n";
    }

    @Test
    void aMessageWhoseOnlySignatureWasOverTheCiphertextIsVerifiedByIt() throws Exception {
        FakeMail mail = mail("From: alice@partner.example\r\nMIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\nhello\r\n");
        mail.setAttribute(new Attribute(AttributeName.of("smime.decrypted"), AttributeValue.of(true)));
        mail.setAttribute(new Attribute(AttributeName.of("smime.outer.verification.status"), AttributeValue.of("verified")));
        mail.setAttribute(new Attribute(AttributeName.of("smime.outer.signer.address"), AttributeValue.of("alice@partner.example")));

        mailet().service(mail);

        assertThat(mail.getMessage().getHeader("X-Smime-Gateway-Status")).containsExactly("verified; signer=alice@partner.example; layer=outer");
        assertThat(attribute(mail, "smime.verified")).isEqualTo("true");
    }

    @Test
    void aFailedOuterSignatureFailsTheMessageEvenWhenTheInnerOneVerifies() throws Exception {
        FakeMail mail = mail(text(new SmimeSigner(ALICE.privateKey(), ALICE.chain(), DigestAlgorithm.SHA256, false)
            .sign(MailetFixtures.message("alice@partner.example", "bob@example.com", "Contract"), SignMode.DETACHED)));
        mail.setAttribute(new Attribute(AttributeName.of("smime.outer.verification.status"), AttributeValue.of("not-verified")));
        mail.setAttribute(new Attribute(AttributeName.of("smime.outer.verification.failure"), AttributeValue.of("BAD_SIGNATURE")));

        mailet().service(mail);

        assertThat(mail.getMessage().getHeader("X-Smime-Gateway-Status")).containsExactly("not-verified; reason=BAD_SIGNATURE; layer=outer");
        assertThat(attribute(mail, "smime.verified")).isEqualTo("false");
    }

    @Test
    void aVerifiedMailCarriesWhatHarvestingItsSignersCertificateNeeds() throws Exception {
        Instant before = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        FakeMail mail = mail(text(signed(ALICE)));

        mailet().service(mail);

        assertThat(attribute(mail, "smime.verification.status")).isEqualTo("verified");
        assertThat(attribute(mail, "smime.signer.certificate")).isEqualTo(base64(ALICE.certificate()));
        assertThat(attribute(mail, "smime.signature.valid")).isEqualTo("true");
        assertThat(Instant.parse(attribute(mail, "smime.signing.time"))).isBetween(before, Instant.now());
        assertThat(attribute(mail, "smime.signer.capabilities")).isEqualTo("aes256-gcm,aes128-gcm,aes256-cbc,aes128-cbc,rsa-oaep");
    }

    @Test
    void anUntrustedSignerWithAGoodSignatureIsRecordedAsAValidSignature() throws Exception {
        TestPki.Issued outsider = TestPki.create("Partner Root").leaf("Alice").email("alice@partner.example").issue();
        FakeMail mail = mail(text(signed(outsider)));

        mailet().service(mail);

        assertThat(attribute(mail, "smime.verification.failure")).isEqualTo("UNTRUSTED");
        assertThat(attribute(mail, "smime.signer.certificate")).isEqualTo(base64(outsider.certificate()));
        assertThat(attribute(mail, "smime.signature.valid")).isEqualTo("true");
        assertThat(attribute(mail, "smime.signing.time")).isNotNull();
        assertThat(attribute(mail, "smime.signer.capabilities")).isEqualTo("aes256-gcm,aes128-gcm,aes256-cbc,aes128-cbc,rsa-oaep");
    }

    @Test
    void aTamperedBodyIsNotAValidSignatureAndWhatItClaimsIsNotRecorded() throws Exception {
        String signed = text(signed(ALICE));
        String tampered = signed.replace("aus Berlin", "aus Moskau");
        assertThat(tampered).isNotEqualTo(signed);
        FakeMail mail = mail(tampered);

        mailet().service(mail);

        assertThat(attribute(mail, "smime.verification.failure")).isEqualTo("BAD_SIGNATURE");
        assertThat(attribute(mail, "smime.signature.valid")).isEqualTo("false");
        assertThat(attribute(mail, "smime.signing.time")).isNull();
        assertThat(attribute(mail, "smime.signer.capabilities")).isNull();
    }

    @Test
    void noSignerFactsOutliveAnEarlierRun() throws Exception {
        FakeMail mail = mail(text(signed(ALICE)));
        SMimeVerify mailet = mailet();
        mailet.service(mail);
        mail.setMessage(MailetFixtures.message("alice@partner.example", "bob@example.com", "Unsigned now"));

        mailet.service(mail);

        assertThat(attribute(mail, "smime.verification.status")).isEqualTo("not-signed");
        assertThat(attribute(mail, "smime.signer.certificate")).isNull();
        assertThat(attribute(mail, "smime.signature.valid")).isNull();
        assertThat(attribute(mail, "smime.signing.time")).isNull();
        assertThat(attribute(mail, "smime.signer.capabilities")).isNull();
        assertThat(attribute(mail, "smime.signer.address")).isNull();
    }

    private static MimeMessage signed(TestPki.Issued signer) throws Exception {
        return new SmimeSigner(signer.privateKey(), signer.chain(), DigestAlgorithm.SHA256, false)
            .sign(MailetFixtures.message("alice@partner.example", "bob@example.com", "Contract"), SignMode.DETACHED);
    }

    private static String base64(X509Certificate certificate) throws Exception {
        return Base64.getEncoder().encodeToString(certificate.getEncoded());
    }

    @Test
    void sizesThatWouldOverflowAreRefusedAtInit() {
        SMimeVerify mailet = new SMimeVerify(store);

        assertThatThrownBy(() -> mailet.init(FakeMailetConfig.builder().mailetName("SMimeVerify").setProperty("maxSizeMegabytes", "4096")
            .mailetContext(FakeMailContext.defaultContext()).build()))
            .isInstanceOf(MessagingException.class).hasMessageContaining("maxSizeMegabytes");
    }

    /** A detached signature by Alice that also carries a certificate whose keyUsage is an INTEGER: Bouncy Castle carries it, the JDK refuses it. */
    private static String signedWithUnparseableCertificate() throws Exception {
        String content = "Content-Type: text/plain; charset=us-ascii\r\n\r\nPay 100 EUR.";
        JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(ALICE.certificate().getIssuerX500Principal(),
            ALICE.certificate().getSerialNumber().add(java.math.BigInteger.ONE), ALICE.certificate().getNotBefore(),
            ALICE.certificate().getNotAfter(), ALICE.certificate().getSubjectX500Principal(), ALICE.certificate().getPublicKey());
        builder.addExtension(Extension.keyUsage, true, new ASN1Integer(5));
        X509CertificateHolder broken = builder.build(new JcaContentSignerBuilder("SHA256withRSA").build(ALICE.privateKey()));
        CMSSignedDataGenerator generator = new CMSSignedDataGenerator();
        generator.addSignerInfoGenerator(new JcaSignerInfoGeneratorBuilder(new JcaDigestCalculatorProviderBuilder().build())
            .build(new JcaContentSignerBuilder("SHA256withRSA").build(ALICE.privateKey()), ALICE.certificate()));
        generator.addCertificate(broken);
        generator.addCertificates(new JcaCertStore(ALICE.chain()));
        byte[] signature = generator.generate(new CMSProcessableByteArray(content.getBytes(StandardCharsets.US_ASCII)), false).getEncoded();
        return "From: alice@partner.example\r\nTo: bob@example.com\r\nMIME-Version: 1.0\r\n"
            + "Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; micalg=sha-256; boundary=\"b1\"\r\n\r\n"
            + "--b1\r\n" + content + "\r\n--b1\r\nContent-Type: application/pkcs7-signature\r\nContent-Transfer-Encoding: base64\r\n\r\n"
            + Base64.getMimeEncoder().encodeToString(signature) + "\r\n--b1--\r\n";
    }

    /** A data source that can be made to fail, as a database that went away. */
    static final class FailingDataSource implements DataSource {
        final AtomicBoolean failing = new AtomicBoolean();
        private final DataSource delegate;

        FailingDataSource(DataSource delegate) {
            this.delegate = delegate;
        }

        @Override
        public Connection getConnection() throws SQLException {
            if (failing.get()) {
                throw new SQLException("Connection refused (test outage)", "08001");
            }
            return delegate.getConnection();
        }

        @Override
        public Connection getConnection(String user, String password) throws SQLException {
            return getConnection();
        }

        @Override
        public PrintWriter getLogWriter() throws SQLException {
            return delegate.getLogWriter();
        }

        @Override
        public void setLogWriter(PrintWriter out) throws SQLException {
            delegate.setLogWriter(out);
        }

        @Override
        public void setLoginTimeout(int seconds) throws SQLException {
            delegate.setLoginTimeout(seconds);
        }

        @Override
        public int getLoginTimeout() throws SQLException {
            return delegate.getLoginTimeout();
        }

        @Override
        public Logger getParentLogger() throws SQLFeatureNotSupportedException {
            return delegate.getParentLogger();
        }

        @Override
        public <T> T unwrap(Class<T> type) throws SQLException {
            return delegate.unwrap(type);
        }

        @Override
        public boolean isWrapperFor(Class<?> type) throws SQLException {
            return delegate.isWrapperFor(type);
        }
    }
}
