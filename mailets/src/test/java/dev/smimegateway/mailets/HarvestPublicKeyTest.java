package dev.smimegateway.mailets;

import static dev.smimegateway.mailets.MailetFixtures.PKI;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.apache.mailet.AttributeName;
import org.apache.mailet.Mail;
import org.apache.mailet.base.test.FakeMail;
import org.apache.mailet.base.test.FakeMailContext;
import org.apache.mailet.base.test.FakeMailetConfig;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.smimegateway.core.smime.DigestAlgorithm;
import dev.smimegateway.core.smime.SignMode;
import dev.smimegateway.core.smime.SmimeAttributes;
import dev.smimegateway.core.smime.SmimeSigner;
import dev.smimegateway.core.testing.TestPki;
import dev.smimegateway.keystore.EmbeddedDerby;
import dev.smimegateway.keystore.SmimeKeyStore;
import jakarta.mail.internet.MimeMessage;

/** HarvestPublicKey after a real SMimeVerify: what is harvested, what never is, and that the mail always goes on. */
class HarvestPublicKeyTest {
    private static final TestPki.Issued ALICE = PKI.leaf("Alice").email("alice@partner.example").issue();
    private static final TestPki OTHER_PKI = TestPki.create("Unknown CA");

    @TempDir
    Path folder;
    SMimeVerifyVerdictTest.FailingDataSource dataSource;
    SmimeKeyStore store;
    FakeMailContext context;

    @BeforeEach
    void setUp() {
        dataSource = new SMimeVerifyVerdictTest.FailingDataSource(EmbeddedDerby.dataSource(folder.resolve("db")));
        store = MailetFixtures.trustingPki(dataSource);
        context = FakeMailContext.builder().postmaster(postmaster()).build();
    }

    private static org.apache.james.core.MailAddress postmaster() {
        try {
            return new org.apache.james.core.MailAddress("postmaster@example.com");
        } catch (jakarta.mail.internet.AddressException e) {
            throw new IllegalStateException(e);
        }
    }

    private HarvestPublicKey harvester(String... parameters) throws Exception {
        FakeMailetConfig.Builder config = FakeMailetConfig.builder().mailetName("HarvestPublicKey").mailetContext(context);
        for (int i = 0; i < parameters.length; i += 2) {
            config.setProperty(parameters[i], parameters[i + 1]);
        }
        HarvestPublicKey mailet = new HarvestPublicKey(store);
        mailet.init(config.build());
        return mailet;
    }

    /** Verifies the message with SMimeVerify, harvests with the mailet, and returns the mail. */
    private Mail process(MimeMessage message, HarvestPublicKey harvester) throws Exception {
        SMimeVerify verify = new SMimeVerify(store);
        verify.init(FakeMailetConfig.builder().mailetName("SMimeVerify").mailetContext(context).build());
        FakeMail mail = FakeMail.builder().name("in").sender("alice@partner.example").recipient("bob@example.com").mimeMessage(message).build();
        verify.service(mail);
        harvester.service(mail);
        return mail;
    }

    private static MimeMessage signed(TestPki.Issued signer, String from, List<X509Certificate> bag) throws Exception {
        return new SmimeSigner(signer.privateKey(), bag, DigestAlgorithm.SHA256, false)
            .sign(MailetFixtures.message(from, "bob@example.com", "Contract"), SignMode.DETACHED);
    }

    private static MimeMessage signed(TestPki.Issued signer) throws Exception {
        return signed(signer, "alice@partner.example", signer.chain());
    }

    private static String outcome(Mail mail) {
        return mail.getAttribute(AttributeName.of(SmimeAttributes.HARVEST)).map(attribute -> (String) attribute.getValue().getValue())
            .orElse("none");
    }

    @Test
    void aVerifiedSignersCertificateIsHarvestedWithItsCapabilities() throws Exception {
        Mail mail = process(signed(ALICE), harvester());

        assertThat(outcome(mail)).isEqualTo("STORED");
        assertThat(store.encryptionCertificatesFor("alice@partner.example")).containsExactly(ALICE.certificate());
        assertThat(store.listHarvested(Optional.empty(), Optional.empty(), 0, 10)).singleElement()
            .satisfies(harvested -> assertThat(harvested.messageId()).contains("<m1@example.com>"));
        assertThat(store.announcedCapabilities("alice@partner.example")).hasValueSatisfying(text -> assertThat(text).startsWith("aes256-gcm"));
        assertThat(mail.getState()).isNotEqualTo(Mail.GHOST);
    }

    @Test
    void certificatesCarriedInTheMessageAreNeverHarvested() throws Exception {
        TestPki.Issued ceoImpostor = PKI.leaf("CEO").email("ceo@partner.example").issue();
        List<X509Certificate> bag = new ArrayList<>(ALICE.chain());
        bag.add(ceoImpostor.certificate());

        process(signed(ALICE, "alice@partner.example", bag), harvester());

        assertThat(store.encryptionCertificatesFor("ceo@partner.example")).isEmpty();
        assertThat(store.listHarvested(Optional.empty(), Optional.empty(), 0, 10)).extracting(harvested -> harvested.address())
            .containsExactly("alice@partner.example");
    }

    @Test
    void aFailedChainIsHarvestedOnlyWithHarvestOnFailedVerification() throws Exception {
        TestPki.Issued stranger = OTHER_PKI.leaf("Alice").email("alice@partner.example").issue();

        assertThat(outcome(process(signed(stranger), harvester()))).startsWith("skipped: verification failed with UNTRUSTED");
        assertThat(store.encryptionCertificatesFor("alice@partner.example")).isEmpty();

        assertThat(outcome(process(signed(stranger), harvester("harvestOnFailedVerification", "true")))).isEqualTo("STORED");
        assertThat(store.encryptionCertificatesFor("alice@partner.example")).containsExactly(stranger.certificate());
    }

    @Test
    void forgedContentIsNeverHarvestedWhateverTheOptions() throws Exception {
        HarvestPublicKey lenient = harvester("harvestOnFailedVerification", "true", "harvestExpired", "true", "harvestSelfSigned", "true");
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        signed(ALICE).writeTo(out);
        String raw = out.toString(java.nio.charset.StandardCharsets.ISO_8859_1);
        String changed = raw.replace("Berlin", "Bern_");
        assertThat(changed).isNotEqualTo(raw);
        MimeMessage bodyChanged = dev.smimegateway.core.smime.MimeEntities.parse(changed.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));

        Mail forged = process(bodyChanged, lenient);
        Mail wrongFrom = process(signed(ALICE, "ceo@partner.example", ALICE.chain()), lenient);

        assertThat(outcome(forged)).startsWith("skipped: the signature over the content did not verify");
        assertThat(outcome(wrongFrom)).startsWith("skipped: verification failed with FROM_MISMATCH, which is never harvested");
        assertThat(store.listHarvested(Optional.empty(), Optional.empty(), 0, 10)).isEmpty();
    }

    @Test
    void expiredSelfSignedAndSigningOnlyCertificatesAreNotHarvestedByDefault() throws Exception {
        Instant now = Instant.now();
        TestPki.Issued expired = PKI.leaf("Alice").email("alice@partner.example")
            .validity(now.minus(Duration.ofDays(400)), now.minus(Duration.ofDays(1))).issue();
        TestPki.Issued selfSigned = PKI.leaf("Alice").email("alice@partner.example").selfSigned().issue();
        TestPki.Issued signingOnly = PKI.leaf("Alice").email("alice@partner.example").keyUsage(KeyUsage.digitalSignature).issue();
        HarvestPublicKey failedToo = harvester("harvestOnFailedVerification", "true");

        assertThat(outcome(process(signed(expired), failedToo))).startsWith("skipped: the certificate is not valid now");
        assertThat(outcome(process(signed(selfSigned), failedToo))).isEqualTo("skipped: the certificate is self-signed");
        assertThat(outcome(process(signed(signingOnly), harvester()))).startsWith("skipped: the certificate cannot receive encrypted mail");
        assertThat(store.listHarvested(Optional.empty(), Optional.empty(), 0, 10)).isEmpty();

        assertThat(outcome(process(signed(selfSigned), harvester("harvestOnFailedVerification", "true", "harvestSelfSigned", "true"))))
            .isEqualTo("STORED");
    }

    @Test
    void anUpdatedCertificateIsRejectedUnlessHarvestUpdatedKeys() throws Exception {
        Instant now = Instant.now();
        TestPki.Issued renewed = PKI.leaf("Alice").email("alice@partner.example")
            .validity(now.minus(Duration.ofMinutes(1)), now.plus(Duration.ofDays(365))).issue();
        process(signed(ALICE), harvester());

        assertThat(outcome(process(signed(renewed), harvester()))).isEqualTo("UPDATE_REJECTED");
        assertThat(store.encryptionCertificatesFor("alice@partner.example").get(0)).isEqualTo(ALICE.certificate());

        assertThat(outcome(process(signed(renewed), harvester("harvestUpdatedKeys", "true")))).isEqualTo("UPDATED");
        assertThat(store.encryptionCertificatesFor("alice@partner.example").get(0)).isEqualTo(renewed.certificate());
        assertThat(outcome(process(signed(renewed), harvester("harvestUpdatedKeys", "true")))).isEqualTo("SEEN_AGAIN");
    }

    @Test
    void twoUpdatesWithinTheWindowMailOneAlertToThePostmaster() throws Exception {
        Instant now = Instant.now();
        HarvestPublicKey harvester = harvester("harvestUpdatedKeys", "true", "alertPostmaster", "true");
        process(signed(ALICE), harvester);
        for (int minutes : new int[] {10, 5}) {
            TestPki.Issued renewed = PKI.leaf("Alice").email("alice@partner.example")
                .validity(now.minus(Duration.ofMinutes(minutes)), now.plus(Duration.ofDays(365))).issue();
            assertThat(outcome(process(signed(renewed), harvester))).isEqualTo("UPDATED");
        }

        assertThat(store.certificateUpdates(Optional.empty())).hasSize(2);
        assertThat(store.listAlerts(Optional.empty())).hasSize(1);
        assertThat(context.getSentMails()).singleElement().satisfies(sent -> {
            assertThat(sent.getRecipients()).extracting(Object::toString).containsExactly(context.getPostmaster().asString());
            assertThat(sent.getMsg().getSubject()).isEqualTo("S/MIME risk alert: updated certificates for alice@partner.example");
        });
    }

    @Test
    void aKeyStoreFailureNeverHoldsTheMailUp() throws Exception {
        HarvestPublicKey harvester = harvester();
        SMimeVerify verify = new SMimeVerify(store);
        verify.init(FakeMailetConfig.builder().mailetName("SMimeVerify").mailetContext(context).build());
        FakeMail mail = FakeMail.builder().name("in").sender("alice@partner.example").recipient("bob@example.com")
            .mimeMessage(signed(ALICE)).build();
        verify.service(mail);
        dataSource.failing.set(true);

        harvester.service(mail);

        assertThat(outcome(mail)).isEqualTo("skipped: the key store failed");
        assertThat(harvester.failures()).isEqualTo(1);
        assertThat(mail.getState()).isNotEqualTo(Mail.GHOST).isNotEqualTo(Mail.ERROR);
    }

    @Test
    void anUnreadableFromIsARefusalNotAnError() throws Exception {
        TestPki.Issued stranger = OTHER_PKI.leaf("Alice").email("alice@partner.example").issue();
        MimeMessage message = MailetFixtures.message("alice@partner.example", "bob@example.com", "Hi");
        message.setHeader("From", "alice@partner&example");
        FakeMail mail = FakeMail.builder().name("in").sender("alice@partner.example").recipient("bob@example.com").mimeMessage(message).build();
        MailAttributes.set(mail, SmimeAttributes.SIGNER_CERTIFICATE, java.util.Base64.getEncoder().encodeToString(stranger.certificate().getEncoded()));
        MailAttributes.set(mail, SmimeAttributes.SIGNATURE_VALID, true);
        MailAttributes.set(mail, SmimeAttributes.VERIFIED, false);
        MailAttributes.set(mail, SmimeAttributes.VERIFICATION_FAILURE, "UNTRUSTED");

        harvester("harvestOnFailedVerification", "true").service(mail);

        assertThat(outcome(mail)).startsWith("skipped: the From or Message-ID header cannot be read");
        assertThat(store.listHarvested(Optional.empty(), Optional.empty(), 0, 10)).isEmpty();
    }

    @Test
    void parallelSpoolThreadsLeaveAConsistentStore() throws Exception {
        Instant now = Instant.now();
        List<TestPki.Issued> certificates = new ArrayList<>();
        for (String sender : List.of("a@partner.example", "b@partner.example", "c@other.example")) {
            for (int age = 3; age >= 1; age--) {
                certificates.add(PKI.leaf(sender).email(sender).validity(now.minus(Duration.ofDays(age)), now.plus(Duration.ofDays(300))).issue());
            }
        }
        List<MimeMessage> messages = new ArrayList<>();
        for (int round = 0; round < 4; round++) {
            for (TestPki.Issued issued : certificates) {
                String sender = issued.certificate().getSubjectX500Principal().getName().replaceAll(".*CN=([^,]+).*", "$1");
                messages.add(signed(issued, sender, issued.chain()));
            }
        }
        HarvestPublicKey harvester = harvester("harvestUpdatedKeys", "true");
        SMimeVerify verify = new SMimeVerify(store);
        verify.init(FakeMailetConfig.builder().mailetName("SMimeVerify").mailetContext(context).build());
        java.util.concurrent.ExecutorService spool = java.util.concurrent.Executors.newFixedThreadPool(8);
        List<java.util.concurrent.Future<String>> outcomes = new ArrayList<>();
        for (MimeMessage message : messages) {
            outcomes.add(spool.submit(() -> {
                FakeMail mail = FakeMail.builder().name("in").sender("x@partner.example").recipient("bob@example.com").mimeMessage(message).build();
                verify.service(mail);
                harvester.service(mail);
                return outcome(mail);
            }));
        }
        List<String> seen = new ArrayList<>();
        for (java.util.concurrent.Future<String> future : outcomes) {
            seen.add(future.get(120, java.util.concurrent.TimeUnit.SECONDS));
        }
        spool.shutdown();

        assertThat(seen).doesNotContain("skipped: the key store failed");
        assertThat(harvester.failures()).isZero();
        List<dev.smimegateway.keystore.HarvestedCertificate> stored = store.listHarvested(Optional.empty(), Optional.empty(), 0, 100);
        assertThat(stored).extracting(dev.smimegateway.keystore.HarvestedCertificate::fingerprint).doesNotHaveDuplicates();
        assertThat(store.certificateUpdates(Optional.empty()))
            .extracting(update -> update.address() + " " + update.certificate().fingerprint()).doesNotHaveDuplicates();
        List<String> senders = List.of("a@partner.example", "b@partner.example", "c@other.example");
        for (int i = 0; i < senders.size(); i++) {
            X509Certificate newest = certificates.get(i * 3 + 2).certificate();
            assertThat(store.encryptionTargetFor(senders.get(i)).orElseThrow().certificate()).as(senders.get(i)).isEqualTo(newest);
        }
    }

    @Test
    void unsignedMailIsLeftAlone() throws Exception {
        Mail mail = process(MailetFixtures.message("alice@partner.example", "bob@example.com", "Hi"), harvester());

        assertThat(outcome(mail)).isEqualTo("none");
    }

    @Test
    void badParametersStopTheMailetAtStart() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> harvester("maxStoreMegabytes", "0"))
            .hasMessageContaining("maxStoreMegabytes");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> harvester("harvestUpdatedKeys", "yes"))
            .hasMessageContaining("harvestUpdatedKeys must be true or false");
    }
}
