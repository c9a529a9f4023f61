package dev.smimegateway.mailets;

import static dev.smimegateway.mailets.MailetFixtures.PKI;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.apache.james.metrics.tests.RecordingMetricFactory;
import org.apache.mailet.Attribute;
import org.apache.mailet.AttributeValue;
import org.apache.mailet.Mail;
import org.apache.mailet.base.GenericMailet;
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
import dev.smimegateway.core.smime.VerificationFailure;
import dev.smimegateway.core.testing.TestPki;
import dev.smimegateway.keystore.EmbeddedDerby;
import dev.smimegateway.keystore.Identity;
import dev.smimegateway.keystore.SelfSignedRequest;
import dev.smimegateway.keystore.SmimeKeyStore;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.MimeMessage;

/**
 * Each mailet's counters move exactly when their event happens, and by one per mail, and its timer
 * records one duration per mail, in James's MetricFactory (James's own RecordingMetricFactory here).
 */
class MailetMetricsTest {
    private static final TestPki.Issued ALICE = PKI.leaf("Alice").email("alice@partner.example").issue();

    private final RecordingMetricFactory metrics = new RecordingMetricFactory();
    private final FakeMailContext context = FakeMailContext.defaultContext();
    @TempDir
    Path folder;
    SMimeVerifyVerdictTest.FailingDataSource dataSource;
    SmimeKeyStore store;

    @BeforeEach
    void setUp() {
        dataSource = new SMimeVerifyVerdictTest.FailingDataSource(EmbeddedDerby.dataSource(folder.resolve("db")));
        store = MailetFixtures.trustingPki(dataSource);
    }

    private <T extends GenericMailet> T init(T mailet, String... parameters) throws MessagingException {
        FakeMailetConfig.Builder config = FakeMailetConfig.builder().mailetName(mailet.getClass().getSimpleName()).mailetContext(context);
        for (int i = 0; i < parameters.length; i += 2) {
            config.setProperty(parameters[i], parameters[i + 1]);
        }
        mailet.init(config.build());
        return mailet;
    }

    private static FakeMail mail(MimeMessage message, String sender, String recipient) throws MessagingException {
        return FakeMail.builder().name("m").state("transport").sender(sender).recipient(recipient).mimeMessage(message).build();
    }

    private static MimeMessage plain(String from, String to) throws Exception {
        return MailetFixtures.message(from, to, "Contract");
    }

    private static MimeMessage signed(TestPki.Issued signer, MimeMessage message) throws Exception {
        return new SmimeSigner(signer.privateKey(), signer.chain(), DigestAlgorithm.SHA256, false).sign(message, SignMode.DETACHED);
    }

    private static MimeMessage encrypted(MimeMessage message, String algorithm, X509Certificate recipient) throws Exception {
        return new SmimeEncryptor(ContentEncryption.parse(algorithm), KeyTransport.RSA_PKCS1).encrypt(message, List.of(recipient), Optional.empty());
    }

    private static String text(MimeMessage message) throws Exception {
        return new String(MimeEntities.write(message), StandardCharsets.ISO_8859_1);
    }

    private static MimeMessage parse(String raw) throws Exception {
        return MimeEntities.parse(raw.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** Every counter under the prefix: those named with their count, all others still 0. */
    private void assertCounters(String prefix, Map<String, Integer> moved) {
        Map<String, Integer> counters = metrics.countForPrefixName(prefix);
        Map<String, Integer> expected = new HashMap<>();
        counters.keySet().forEach(name -> expected.put(name, 0));
        moved.forEach((name, count) -> expected.put(prefix + name, count));
        assertThat(counters).isEqualTo(expected);
    }

    private Identity bob() {
        return store.createSelfSigned("bob", SelfSignedRequest.builder().commonName("Bob").email("bob@example.com").build(), Optional.empty());
    }

    @Test
    void everyCounterOfAMailetIsRegisteredAtZeroWhenItIsCreated() {
        new SMimeVerify(store, metrics);

        Map<String, Integer> counters = metrics.countForPrefixName("smime.verify.");
        assertThat(counters).containsKeys("smime.verify.verified", "smime.verify.not_signed", "smime.verify.failed.BAD_SIGNATURE",
            "smime.verify.failed.UNTRUSTED", "smime.verify.failed.KEY_STORE");
        assertThat(counters).hasSize(2 + VerificationFailure.values().length + 1).allSatisfy((name, count) -> assertThat(count).isZero());
    }

    @Test
    void signingCountsEachSignedMailAndTimesEachMail() throws Exception {
        MailetFixtures.importIdentity(store, "alice", PKI.leaf("Alice").email("alice@example.com").issue());
        SMimeSign sign = init(new SMimeSign(store, metrics));

        sign.service(mail(plain("alice@example.com", "bob@partner.example"), "alice@example.com", "bob@partner.example"));
        sign.service(mail(plain("alice@example.com", "bob@partner.example"), "alice@example.com", "bob@partner.example"));

        assertCounters("smime.sign.", Map.of("signed", 2));
        assertThat(metrics.executionTimesFor("smime.sign.time")).hasSize(2);
    }

    @Test
    void eachReasonNotToSignHasItsOwnCounter() throws Exception {
        MailetFixtures.importIdentity(store, "alice", PKI.leaf("Alice").email("alice@example.com").issue());
        SMimeSign sign = init(new SMimeSign(store, metrics));
        FakeMail impersonation = mail(plain("alice@example.com", "bob@partner.example"), "mallory@example.com", "bob@partner.example");
        impersonation.setAttribute(new Attribute(Mail.SMTP_AUTH_USER, AttributeValue.of("mallory@example.com")));

        sign.service(mail(plain("nobody@example.com", "bob@partner.example"), "nobody@example.com", "bob@partner.example"));
        sign.service(impersonation);

        assertCounters("smime.sign.", Map.of("failed.NO_IDENTITY", 1, "failed.IMPERSONATION", 1));
        assertThat(metrics.executionTimesFor("smime.sign.time")).hasSize(2);
    }

    @Test
    void encryptionCountsEncryptedMailAndMailWithARecipientWithoutCertificate() throws Exception {
        TestPki.Issued partner = PKI.leaf("Partner").email("partner@partner.example").issue();
        store.addCertificate("partner", partner.pem().getBytes(StandardCharsets.US_ASCII));
        SMimeEncrypt encrypt = init(new SMimeEncrypt(store, metrics));

        encrypt.service(mail(plain("alice@example.com", "partner@partner.example"), "alice@example.com", "partner@partner.example"));
        encrypt.service(mail(plain("alice@example.com", "stranger@elsewhere.example"), "alice@example.com", "stranger@elsewhere.example"));

        assertCounters("smime.encrypt.", Map.of("encrypted", 1, "failed.NO_CERTIFICATE", 1));
        assertThat(metrics.executionTimesFor("smime.encrypt.time")).hasSize(2);
    }

    @Test
    void verificationCountsEachVerdictOncePerMail() throws Exception {
        SMimeVerify verify = init(new SMimeVerify(store, metrics));
        String good = text(signed(ALICE, plain("alice@partner.example", "bob@example.com")));
        TestPki.Issued outsider = TestPki.create("Partner Root").leaf("Alice").email("alice@partner.example").issue();

        verify.service(mail(parse(good), "alice@partner.example", "bob@example.com"));
        verify.service(mail(parse(good), "alice@partner.example", "bob@example.com"));
        verify.service(mail(parse(good.replace("aus Berlin", "aus Moskau")), "alice@partner.example", "bob@example.com"));
        verify.service(mail(signed(outsider, plain("alice@partner.example", "bob@example.com")), "alice@partner.example", "bob@example.com"));
        verify.service(mail(plain("alice@partner.example", "bob@example.com"), "alice@partner.example", "bob@example.com"));

        assertCounters("smime.verify.", Map.of("verified", 2, "failed.BAD_SIGNATURE", 1, "failed.UNTRUSTED", 1, "not_signed", 1));
        assertThat(metrics.executionTimesFor("smime.verify.time")).hasSize(5);
    }

    @Test
    void aKeyStoreOutageIsCountedAsSuchAndAsNoVerdict() throws Exception {
        SMimeVerify verify = init(new SMimeVerify(store, metrics));
        FakeMail mail = mail(signed(ALICE, plain("alice@partner.example", "bob@example.com")), "alice@partner.example", "bob@example.com");
        dataSource.failing.set(true);

        assertThatThrownBy(() -> verify.service(mail)).isInstanceOf(MessagingException.class);

        assertCounters("smime.verify.", Map.of("failed.KEY_STORE", 1));
        assertThat(metrics.executionTimesFor("smime.verify.time")).hasSize(1);
    }

    @Test
    void decryptionCountsDecryptedMailAndEachReasonItFailed() throws Exception {
        Identity bob = bob();
        SMimeDecrypt decrypt = init(new SMimeDecrypt(store, metrics));

        decrypt.service(mail(encrypted(plain("alice@partner.example", "bob@example.com"), "aes256-gcm", bob.certificate().certificate()),
            "alice@partner.example", "bob@example.com"));
        decrypt.service(mail(encrypted(plain("alice@partner.example", "bob@example.com"), "aes256-gcm", bob.certificate().certificate()),
            "alice@partner.example", "carol@example.com"));
        decrypt.service(mail(encrypted(plain("alice@partner.example", "bob@example.com"), "aes256-cbc", ALICE.certificate()),
            "alice@partner.example", "bob@example.com"));
        decrypt.service(mail(tamperedTag(encrypted(plain("alice@partner.example", "bob@example.com"), "aes256-gcm",
            bob.certificate().certificate())), "alice@partner.example", "bob@example.com"));
        decrypt.service(mail(plain("alice@partner.example", "bob@example.com"), "alice@partner.example", "bob@example.com"));

        assertCounters("smime.decrypt.", Map.of("decrypted", 1, "failed.NOT_RECIPIENT", 1, "failed.NO_KEY", 1,
            "failed.ALTERED_OR_CORRUPT", 1));
        assertThat(metrics.executionTimesFor("smime.decrypt.time")).hasSize(5);
    }

    @Test
    void decryptionCountsTooDeepTooLargeAndMalformedMail() throws Exception {
        Identity bob = bob();
        SMimeDecrypt decrypt = init(new SMimeDecrypt(store, metrics), "maxDepth", "1", "maxSizeMegabytes", "1");
        MimeMessage big = parse("From: alice@partner.example\r\nMIME-Version: 1.0\r\nContent-Type: application/octet-stream\r\n"
            + "Content-Transfer-Encoding: base64\r\n\r\n" + Base64.getMimeEncoder().encodeToString(new byte[2 * 1024 * 1024]) + "\r\n");
        MimeMessage garbage = parse("From: alice@partner.example\r\nMIME-Version: 1.0\r\n"
            + "Content-Type: application/pkcs7-mime; smime-type=enveloped-data\r\nContent-Transfer-Encoding: base64\r\n\r\nMIAGCSqGSIb3DQEHA6CAMIACAQAx\r\n");
        MimeMessage signedAroundEncrypted = new SmimeSigner(ALICE.privateKey(), ALICE.chain(), DigestAlgorithm.SHA256, false)
            .sign(encrypted(plain("alice@partner.example", "bob@example.com"), "aes256-cbc", bob.certificate().certificate()), SignMode.OPAQUE);

        decrypt.service(mail(signedAroundEncrypted, "alice@partner.example", "bob@example.com"));
        decrypt.service(mail(garbage, "alice@partner.example", "bob@example.com"));
        decrypt.service(mail(encrypted(big, "aes256-cbc", bob.certificate().certificate()), "alice@partner.example", "bob@example.com"));

        assertCounters("smime.decrypt.", Map.of("failed.TOO_DEEP", 1, "failed.MALFORMED", 1, "failed.TOO_LARGE", 1));
    }

    /** The message with one byte of its AES-GCM tag (the last bytes of the CMS structure) changed. */
    private static MimeMessage tamperedTag(MimeMessage message) throws Exception {
        String raw = text(message);
        int body = raw.indexOf("\r\n\r\n") + 4;
        byte[] der = Base64.getMimeDecoder().decode(raw.substring(body));
        der[der.length - 3] ^= 0x01;
        return parse(raw.substring(0, body) + Base64.getMimeEncoder(76, "\r\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der) + "\r\n");
    }

    @Test
    void harvestingCountsEachOutcomeAndEachRiskAlert() throws Exception {
        SMimeVerify verify = init(new SMimeVerify(store));
        HarvestPublicKey harvest = init(new HarvestPublicKey(store, metrics), "harvestUpdatedKeys", "true");
        Instant now = Instant.now();
        List<TestPki.Issued> certificates = List.of(ALICE,
            PKI.leaf("Alice").email("alice@partner.example").validity(now.minus(Duration.ofMinutes(10)), now.plus(Duration.ofDays(365))).issue(),
            PKI.leaf("Alice").email("alice@partner.example").validity(now.minus(Duration.ofMinutes(5)), now.plus(Duration.ofDays(365))).issue());

        for (TestPki.Issued certificate : certificates) {
            FakeMail mail = mail(signed(certificate, plain("alice@partner.example", "bob@example.com")), "alice@partner.example",
                "bob@example.com");
            verify.service(mail);
            harvest.service(mail);
        }
        FakeMail unsigned = mail(plain("alice@partner.example", "bob@example.com"), "alice@partner.example", "bob@example.com");
        verify.service(unsigned);
        harvest.service(unsigned);

        assertThat(store.listAlerts(Optional.empty())).hasSize(1);
        assertCounters("smime.harvest.", Map.of("STORED", 1, "UPDATED", 2, "alerts", 1));
        assertThat(metrics.executionTimesFor("smime.harvest.time")).hasSize(4);
    }

    @Test
    void harvestingCountsRefusalsAndKeyStoreFailures() throws Exception {
        SMimeVerify verify = init(new SMimeVerify(store));
        HarvestPublicKey harvest = init(new HarvestPublicKey(store, metrics));
        TestPki.Issued outsider = TestPki.create("Partner Root").leaf("Alice").email("alice@partner.example").issue();
        FakeMail untrusted = mail(signed(outsider, plain("alice@partner.example", "bob@example.com")), "alice@partner.example", "bob@example.com");
        FakeMail trusted = mail(signed(ALICE, plain("alice@partner.example", "bob@example.com")), "alice@partner.example", "bob@example.com");
        verify.service(untrusted);
        verify.service(trusted);
        dataSource.failing.set(true);

        harvest.service(untrusted);
        harvest.service(trusted);

        assertCounters("smime.harvest.", Map.of("skipped", 1, "failed.KEY_STORE", 1));
    }
}
