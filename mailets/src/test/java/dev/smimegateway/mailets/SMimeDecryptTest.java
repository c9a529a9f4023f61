package dev.smimegateway.mailets;

import static dev.smimegateway.mailets.MailetFixtures.PKI;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

import javax.sql.DataSource;

import org.apache.mailet.AttributeName;
import org.apache.mailet.Mail;
import org.apache.mailet.MailetException;
import org.apache.mailet.base.test.FakeMail;
import org.apache.mailet.base.test.FakeMailContext;
import org.apache.mailet.base.test.FakeMailetConfig;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import dev.smimegateway.core.smime.ContentEncryption;
import dev.smimegateway.core.smime.DigestAlgorithm;
import dev.smimegateway.core.smime.KeyTransport;
import dev.smimegateway.core.smime.MimeEntities;
import dev.smimegateway.core.smime.SignMode;
import dev.smimegateway.core.smime.SmimeEncryptor;
import dev.smimegateway.core.smime.SmimeSigner;
import dev.smimegateway.core.testing.TestPki;
import dev.smimegateway.keystore.EmbeddedDerby;
import dev.smimegateway.keystore.Identity;
import dev.smimegateway.keystore.SelfSignedRequest;
import dev.smimegateway.keystore.SmimeKeyStore;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.MimeMessage;

/**
 * SMimeDecrypt on its own: decryption bound to the envelope recipients, authenticated or not,
 * outer signatures over the ciphertext verified, forged status headers removed on every path, and
 * key store outages treated as faults, not verdicts.
 */
class SMimeDecryptTest {
    private static final TestPki.Issued ALICE = PKI.leaf("Alice").email("alice@partner.example").issue();

    @TempDir
    Path folder;
    /** Set to make every database connection fail, as in an outage. */
    private final AtomicBoolean databaseDown = new AtomicBoolean();
    SmimeKeyStore store;
    Identity bob;

    @BeforeEach
    void setUp() {
        store = SmimeKeyStore.open(failingWhenDown(EmbeddedDerby.dataSource(folder.resolve("db"))), "mailet-test-master-secret".toCharArray(),
            Clock.systemUTC());
        bob = store.createSelfSigned("bob", SelfSignedRequest.builder().commonName("Bob").email("bob@example.com").build(), Optional.empty());
        store.importTrustAnchors(TestPki.pem(PKI.caCertificate()));
    }

    private DataSource failingWhenDown(DataSource real) {
        return (DataSource) Proxy.newProxyInstance(DataSource.class.getClassLoader(), new Class<?>[] {DataSource.class}, (proxy, method, args) -> {
            if (databaseDown.get() && method.getName().equals("getConnection")) {
                throw new SQLException("Connection refused (database down for the test)");
            }
            try {
                return method.invoke(real, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        });
    }

    private SMimeDecrypt mailet(String... parameters) throws Exception {
        FakeMailetConfig.Builder config = FakeMailetConfig.builder().mailetName("SMimeDecrypt").mailetContext(FakeMailContext.defaultContext());
        for (int i = 0; i < parameters.length; i += 2) {
            config.setProperty(parameters[i], parameters[i + 1]);
        }
        SMimeDecrypt mailet = new SMimeDecrypt(store);
        mailet.init(config.build());
        return mailet;
    }

    private static MimeMessage plain() throws Exception {
        return MailetFixtures.message("alice@partner.example", "bob@example.com", "Contract");
    }

    private static MimeMessage encrypted(MimeMessage message, String algorithm, java.security.cert.X509Certificate recipient) throws Exception {
        return new SmimeEncryptor(ContentEncryption.parse(algorithm), KeyTransport.RSA_PKCS1).encrypt(message, List.of(recipient), Optional.empty());
    }

    private MimeMessage toBob(String algorithm) throws Exception {
        return encrypted(plain(), algorithm, bob.certificate().certificate());
    }

    private static MimeMessage signedBy(TestPki.Issued signer, MimeMessage message) throws Exception {
        return new SmimeSigner(signer.privateKey(), signer.chain(), DigestAlgorithm.SHA256, false).sign(message, SignMode.OPAQUE);
    }

    private static FakeMail mail(MimeMessage message, String recipient) throws Exception {
        return FakeMail.builder().name("in").state("transport").sender("alice@partner.example").recipient(recipient).mimeMessage(message).build();
    }

    private static Object attribute(Mail mail, String name) {
        return mail.getAttribute(AttributeName.of(name)).map(attribute -> attribute.getValue().value()).orElse(null);
    }

    private static MimeMessage withForgedStatus(MimeMessage message) throws Exception {
        return MimeEntities.parse(("X-Smime-Gateway-Status: verified; signer=ceo@example.com\r\n"
            + new String(MimeEntities.write(message), StandardCharsets.ISO_8859_1)).getBytes(StandardCharsets.ISO_8859_1));
    }

    @Test
    void aKeyDoesNotDecryptMailForAnotherLocalMailbox() throws Exception {
        FakeMail captured = mail(toBob("aes256-gcm"), "carol@example.com");

        mailet().service(captured);

        assertThat(attribute(captured, "smime.decrypted")).isEqualTo(false);
        assertThat((String) attribute(captured, "smime.decryption.failure"))
            .contains("identity 'bob' (bob@example.com)")
            .contains("none of the envelope recipients (carol@example.com)");
        assertThat(captured.getMessage().getContentType()).contains("application/pkcs7-mime");
    }

    @Test
    void anEscrowIdentityDecryptsForAnyRecipient() throws Exception {
        FakeMail captured = mail(toBob("aes256-cbc"), "carol@example.com");

        mailet("escrowIdentities", " archive , bob").service(captured);

        assertThat(attribute(captured, "smime.decrypted")).isEqualTo(true);
        assertThat(attribute(captured, "smime.decryption.identity")).isEqualTo("bob");
    }

    @Test
    void anOrganisationIdentityDecryptsForEveryAddressOfItsDomain() throws Exception {
        Identity gateway = store.createSelfSigned("gateway", SelfSignedRequest.builder().commonName("Example gateway").domain("example.org")
            .build(), Optional.empty());
        FakeMail mail = mail(encrypted(plain(), "aes256-cbc", gateway.certificate().certificate()), "carol@example.org");

        mailet().service(mail);

        assertThat(attribute(mail, "smime.decrypted")).isEqualTo(true);
        assertThat(attribute(mail, "smime.decryption.identity")).isEqualTo("gateway");
    }

    @ParameterizedTest
    @CsvSource({"aes256-gcm, true", "aes128-gcm, true", "aes256-cbc, false", "aes128-cbc, false"})
    void recordsWhetherTheDecryptedContentIsAuthenticated(String algorithm, boolean authenticated) throws Exception {
        FakeMail mail = mail(toBob(algorithm), "bob@example.com");

        mailet().service(mail);

        assertThat(attribute(mail, "smime.decrypted")).isEqualTo(true);
        assertThat(attribute(mail, "smime.decryption.authenticated")).isEqualTo(authenticated);
        assertThat(attribute(mail, "smime.outer.verification.status")).isNull();
    }

    /**
     * Anyone can encrypt to us with AES-GCM, so a GCM layer vouches only for its own ciphertext: a
     * captured (and possibly EFAIL-altered) CBC ciphertext wrapped in a fresh GCM layer stays
     * unauthenticated.
     */
    @Test
    void aGcmLayerAroundACbcCiphertextDoesNotAuthenticateIt() throws Exception {
        MimeMessage capturedCbc = toBob("aes256-cbc");
        FakeMail mail = mail(encrypted(capturedCbc, "aes256-gcm", bob.certificate().certificate()), "bob@example.com");

        mailet().service(mail);

        assertThat(attribute(mail, "smime.decrypted")).isEqualTo(true);
        assertThat(attribute(mail, "smime.decryption.algorithm")).isEqualTo("aes256-cbc");
        assertThat(attribute(mail, "smime.decryption.authenticated")).isEqualTo(false);
    }

    @Test
    void aVerifiedSignatureOverCbcCiphertextIsVerifiedWhenPeeledAndAuthenticatesIt() throws Exception {
        FakeMail mail = mail(signedBy(ALICE, toBob("aes256-cbc")), "bob@example.com");

        mailet().service(mail);

        assertThat(attribute(mail, "smime.decrypted")).isEqualTo(true);
        assertThat(attribute(mail, "smime.outer.verification.status")).isEqualTo("verified");
        assertThat(attribute(mail, "smime.outer.signer.address")).isEqualTo("alice@partner.example");
        assertThat(attribute(mail, "smime.decryption.authenticated")).isEqualTo(true);
        assertThat(mail.getMessage().getContent().toString()).contains("Grüße aus Berlin");
    }

    @Test
    void anUntrustedSignatureOverTheCiphertextIsRecordedNotDropped() throws Exception {
        TestPki.Issued mallory = TestPki.create("Mallory Root").leaf("Alice?").email("alice@partner.example").issue();
        FakeMail mail = mail(signedBy(mallory, toBob("aes256-cbc")), "bob@example.com");

        mailet().service(mail);

        assertThat(attribute(mail, "smime.decrypted")).isEqualTo(true);
        assertThat(attribute(mail, "smime.outer.verification.status")).isEqualTo("not-verified");
        assertThat(attribute(mail, "smime.outer.verification.failure")).isEqualTo("UNTRUSTED");
        assertThat(attribute(mail, "smime.outer.verification.detail")).isNotNull();
        assertThat(attribute(mail, "smime.outer.signer.address")).isNull();
        assertThat(attribute(mail, "smime.decryption.authenticated")).isEqualTo(false);
    }

    @Test
    void aSignatureThatWrapsNoEncryptionStaysForSMimeVerify() throws Exception {
        FakeMail mail = mail(signedBy(ALICE, plain()), "bob@example.com");

        mailet().service(mail);

        assertThat(attribute(mail, "smime.outer.verification.status")).isNull();
        assertThat(attribute(mail, "smime.decrypted")).isNull();
        assertThat(mail.getMessage().getContentType()).contains("application/pkcs7-mime");
    }

    @Test
    void aForgedStatusHeaderIsRemovedWhenDecryptionSucceeds() throws Exception {
        FakeMail mail = mail(withForgedStatus(toBob("aes256-gcm")), "bob@example.com");

        mailet().service(mail);

        assertThat(attribute(mail, "smime.decrypted")).isEqualTo(true);
        assertThat(mail.getMessage().getHeader("X-Smime-Gateway-Status")).isNull();
    }

    @Test
    void aForgedStatusHeaderIsRemovedWhenDecryptionFailsAndTheMailGoesToOnFailure() throws Exception {
        MimeMessage toAlice = encrypted(plain(), "aes256-cbc", ALICE.certificate());
        FakeMail mail = mail(withForgedStatus(toAlice), "bob@example.com");

        mailet("onFailure", "smime-undecryptable").service(mail);

        assertThat(mail.getState()).isEqualTo("smime-undecryptable");
        assertThat(attribute(mail, "smime.decrypted")).isEqualTo(false);
        assertThat(mail.getMessage().getHeader("X-Smime-Gateway-Status")).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"bounce", "drop", "split"})
    void onFailureRefusesToReturnOrLoseUndecryptableMail(String action) {
        assertThatThrownBy(() -> mailet("onFailure", action)).isInstanceOf(MailetException.class)
            .hasMessage("SMimeDecrypt: onFailure must be pass or a processor name, not '" + action + "'");
    }

    @Test
    void onFailurePassLetsUndecryptableMailGoOnAsItArrived() throws Exception {
        SMimeDecrypt mailet = mailet("onFailure", "pass");
        MimeMessage toAlice = encrypted(plain(), "aes256-cbc", ALICE.certificate());
        FakeMail mail = mail(toAlice, "bob@example.com");

        mailet.service(mail);

        assertThat(mail.getState()).isEqualTo("transport");
        assertThat(attribute(mail, "smime.decrypted")).isEqualTo(false);
        assertThat((String) attribute(mail, "smime.decryption.failure")).isNotEmpty();
        assertThat(mail.getMessage().getContentType()).contains("application/pkcs7-mime");
        assertThat(mailet.requiredProcessingState()).isEmpty();
    }

    /**
     * A quarantined mail an administrator releases to the policy again (webadmin's
     * {@code ?action=reprocess&processor=transport}) still carries the attributes of its first run.
     * Mail that could not be decrypted is quarantined as it arrived: once the administrator has
     * imported the missing key, the second run decrypts it, and the first run's failure must not stay
     * behind to quarantine it again.
     */
    @Test
    void aReleasedMailThatNowDecryptsKeepsNoFailureOfItsFirstRun() throws Exception {
        MimeMessage toAlice = encrypted(plain(), "aes256-gcm", ALICE.certificate());
        FakeMail mail = mail(toAlice, "alice@partner.example");
        mailet().service(mail);
        assertThat((String) attribute(mail, "smime.decryption.failure")).isNotEmpty();

        store.importPkcs12("alice", ALICE.pkcs12("pw"), "pw".toCharArray(), Optional.empty(), Optional.empty());
        mailet().service(mail);

        assertThat(attribute(mail, "smime.decryption.failure")).isNull();
        assertThat(attribute(mail, "smime.decrypted")).isEqualTo(true);
        assertThat(attribute(mail, "smime.decryption.authenticated")).isEqualTo(true);
        assertThat(mail.getMessage().getContentType()).doesNotContain("application/pkcs7-mime");
    }

    /**
     * What a first run decrypted is quarantined decrypted: the layer is gone, so a second run cannot
     * tell again whether it was authenticated. Its first-run facts stay: unauthenticated CBC content
     * does not become trustworthy by being released into the policy again.
     */
    @Test
    void aReleasedMailDecryptedInItsFirstRunKeepsWhatThatDecryptionFound() throws Exception {
        FakeMail mail = mail(toBob("aes256-cbc"), "bob@example.com");
        mailet().service(mail);
        assertThat(attribute(mail, "smime.decryption.authenticated")).isEqualTo(false);

        mailet().service(mail);

        assertThat(attribute(mail, "smime.decrypted")).isEqualTo(true);
        assertThat(attribute(mail, "smime.decryption.algorithm")).isEqualTo("aes256-cbc");
        assertThat(attribute(mail, "smime.decryption.authenticated")).isEqualTo(false);
    }

    @Test
    void aForgedStatusHeaderIsRemovedWhenTheBodyIsOverTheSizeLimit() throws Exception {
        String big = "From: alice@partner.example\r\nMIME-Version: 1.0\r\nContent-Type: application/octet-stream\r\n"
            + "Content-Transfer-Encoding: base64\r\n\r\n" + java.util.Base64.getMimeEncoder().encodeToString(new byte[2 * 1024 * 1024]) + "\r\n";
        FakeMail mail = mail(withForgedStatus(encrypted(MimeEntities.parse(big.getBytes(StandardCharsets.US_ASCII)), "aes256-cbc",
            bob.certificate().certificate())), "bob@example.com");

        mailet("maxSizeMegabytes", "1").service(mail);

        assertThat((String) attribute(mail, "smime.decryption.failure")).contains("larger than the limit");
        assertThat(mail.getMessage().getHeader("X-Smime-Gateway-Status")).isNull();
    }

    @Test
    void aKeyStoreOutageIsAFaultForJamesNotADecryptionFailure() throws Exception {
        SMimeDecrypt mailet = mailet();
        FakeMail mail = mail(withForgedStatus(toBob("aes256-cbc")), "bob@example.com");
        databaseDown.set(true);

        assertThatThrownBy(() -> mailet.service(mail))
            .isInstanceOf(MessagingException.class)
            .hasMessageContaining("key store");
        assertThat(attribute(mail, "smime.decrypted")).isNull();
        assertThat(attribute(mail, "smime.decryption.failure")).isNull();
        assertThat(mail.getState()).isEqualTo("transport");
        assertThat(mail.getMessage().getHeader("X-Smime-Gateway-Status")).isNull();
    }

    @Test
    void aKeyStoreOutageWhileVerifyingAnOuterSignatureIsAFaultToo() throws Exception {
        SMimeDecrypt mailet = mailet();
        FakeMail mail = mail(signedBy(ALICE, toBob("aes256-cbc")), "bob@example.com");
        databaseDown.set(true);

        assertThatThrownBy(() -> mailet.service(mail)).isInstanceOf(MessagingException.class);
        assertThat(attribute(mail, "smime.decryption.failure")).isNull();
        assertThat(attribute(mail, "smime.outer.verification.status")).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "-1", "2048", "4096", "99999999999", "ten"})
    void maxSizeMegabytesOutsideOneTo2047IsRefusedAtInit(String value) {
        assertThatThrownBy(() -> mailet("maxSizeMegabytes", value))
            .isInstanceOf(MailetException.class)
            .hasMessageContaining("maxSizeMegabytes")
            .hasMessageContaining("2047");
    }

    @Test
    void maxSizeMegabytesOf2047IsAccepted() throws Exception {
        FakeMail mail = mail(toBob("aes256-cbc"), "bob@example.com");

        mailet("maxSizeMegabytes", "2047").service(mail);

        assertThat(attribute(mail, "smime.decrypted")).isEqualTo(true);
    }
}
