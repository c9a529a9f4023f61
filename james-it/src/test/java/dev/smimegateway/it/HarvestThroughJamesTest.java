package dev.smimegateway.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Properties;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.smimegateway.core.certificate.CertificateFacts;
import dev.smimegateway.core.smime.DigestAlgorithm;
import dev.smimegateway.core.smime.MimeEntities;
import dev.smimegateway.core.smime.SignMode;
import dev.smimegateway.core.smime.SmimeSigner;
import dev.smimegateway.core.testing.OpenSsl;
import dev.smimegateway.core.testing.TestPki;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;

/**
 * HarvestPublicKey on a real James 3.8.1 running the b2b-gateway policy: a partner's signed mail
 * teaches the gateway the partner's encryption certificate, and our next mail to the partner is
 * encrypted to it (OpenSSL decrypts it with the partner's key), with the content encryption the
 * partner announced. Only the signer's certificate is learnt, never another one from the message's
 * certificate bag; updated certificates are refused (harvestUpdatedKeys is off) and two of them
 * within 48 hours raise one risk alert, also mailed to the postmaster.
 *
 * <p>alice@example.com is our user, with the gateway identity that signs her outgoing mail; the
 * partners at partner.example have certificates of the Partner CA, our trust anchor, and mailboxes
 * on the same server (partner.example is a local domain of the sample), where they read our mail.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HarvestThroughJamesTest {
    private static final TestPki OUR_CA = TestPki.create("Example CA");
    private static final TestPki PARTNER_CA = TestPki.create("Partner CA");
    private static final TestPki.Issued ALICE = OUR_CA.leaf("Alice").email("alice@example.com").issue();
    private static final String ALICE_ADDRESS = "alice@example.com";
    private static final String POSTMASTER = "postmaster@example.com";
    private static final List<String> PARTNERS = List.of("bob", "carol", "ceo", "dana", "anna", "bert");
    private static final Duration WITHIN = Duration.ofSeconds(90);
    private static final ObjectMapper JSON = new ObjectMapper();

    private OpenSsl openssl;
    private RealJamesServer james;
    private MailOutcomes alicesMail;

    @BeforeAll
    void startTheGateway(@TempDir Path folder) throws Exception {
        openssl = new OpenSsl(folder);
        james = RealJamesServer.withPolicy("b2b-gateway").start();
        assertThat(james.putJson("/smime/identities/alice", "{\"pkcs12\":\"" + Base64.getEncoder().encodeToString(ALICE.pkcs12("pw"))
            + "\",\"password\":\"pw\"}").statusCode()).isEqualTo(201);
        assertThat(james.post("/smime/trust-anchors?action=import", "application/x-pem-file",
            TestPki.pem(PARTNER_CA.caCertificate()).getBytes(StandardCharsets.US_ASCII)).statusCode()).isEqualTo(200);
        List<String> users = new ArrayList<>(List.of(ALICE_ADDRESS, POSTMASTER));
        PARTNERS.forEach(partner -> users.add(partner + "@partner.example"));
        for (String user : users) {
            assertThat(james.put("/users/" + user, "application/json", "{\"password\":\"pw\"}".getBytes()).statusCode()).isEqualTo(204);
        }
        alicesMail = new MailOutcomes(james, ALICE_ADDRESS, "pw");
    }

    @AfterAll
    void stopTheGateway() {
        if (james != null) {
            james.close();
        }
    }

    /**
     * Without a certificate mail to Bob bounces (missingCertificate=bounce); his signed mail (100 KB)
     * is delivered verified and harvests his certificate, and the same mail to him is then encrypted to it.
     */
    @Test
    void aPartnersSignedMailTeachesTheGatewayHowToEncryptToHim() throws Exception {
        TestPki.Issued bob = PARTNER_CA.leaf("Bob").email("bob@partner.example").issue();
        String order = "Dear Bob, the order list follows.\n" + lines("Order line", 100 * 1024);

        Arrival before = sendOutgoing("bob@partner.example", "Order list", order);

        assertThat(before.bounced()).as("no certificate for Bob yet: the mail must bounce to Alice").isTrue();
        assertThat(before.text()).contains("no S/MIME encryption certificate for bob@partner.example");

        MailOutcomes.Outcome incoming = alicesMail.send("bob@partner.example",
            signedByPartner(bob, "bob@partner.example", "Price list", "Our prices.\n" + lines("Price line", 100 * 1024)), WITHIN);

        assertThat(incoming.place()).as(incoming.summary()).isEqualTo(MailOutcomes.INBOX);
        assertThat(incoming.statusHeaders()).containsExactly("verified; signer=bob@partner.example");
        assertThat(incoming.raw().length).as("a realistic size").isGreaterThan(100 * 1024);
        assertThat(harvestedFingerprints("bob@partner.example")).containsExactly(fingerprint(bob));

        Arrival after = sendOutgoing("bob@partner.example", "Order list", order);

        assertThat(after.bounced()).as(after.text()).isFalse();
        String decrypted = decryptedBy(bob, after);
        assertThat(decrypted).contains("Content-Type: multipart/signed").contains(lastLine("Order line", 100 * 1024));
    }

    /**
     * Carol signs and puts a certificate for ceo@partner.example (same trusted CA, the attacker's key)
     * into the certificate bag: only Carol's own certificate is harvested, for Carol only; with From
     * ceo@partner.example the mail is quarantined. Mail to the CEO still finds no certificate.
     */
    @Test
    void aCertificateForAnotherAddressInTheBagIsNeverHarvested() throws Exception {
        TestPki.Issued carol = PARTNER_CA.leaf("Carol").email("carol@partner.example").issue();
        TestPki.Issued ceoByAttacker = PARTNER_CA.leaf("CEO").email("ceo@partner.example").issue();
        openssl.writePem("ceo-attacker.pem", ceoByAttacker.certificate());

        MailOutcomes.Outcome asCarol = alicesMail.send("carol@partner.example",
            signedByPartner(carol, "carol@partner.example", "Invoice", "Please pay.\n", "-certfile", "ceo-attacker.pem"), WITHIN);
        MailOutcomes.Outcome asCeo = alicesMail.send("ceo@partner.example",
            signedByPartner(carol, "ceo@partner.example", "Urgent transfer", "Pay now.\n", "-certfile", "ceo-attacker.pem"), WITHIN);

        assertThat(asCarol.place()).as(asCarol.summary()).isEqualTo(MailOutcomes.INBOX);
        assertThat(asCarol.statusHeaders()).containsExactly("verified; signer=carol@partner.example");
        assertThat(asCeo.place()).as(asCeo.summary()).isEqualTo(MailOutcomes.QUARANTINE);
        assertThat(asCeo.attribute("smime.verification.failure")).contains("FROM_MISMATCH");
        assertThat(asCeo.attribute("smime.harvest").orElse("")).startsWith("skipped: ");
        assertThat(harvestedFingerprints("carol@partner.example")).as("the harvest ran").containsExactly(fingerprint(carol));
        assertThat(harvestedFingerprints("ceo@partner.example")).isEmpty();

        Arrival toCeo = sendOutgoing("ceo@partner.example", "Board meeting", "The agenda.\n");

        assertThat(toCeo.bounced()).as("nothing to encrypt to: " + toCeo.text()).isTrue();
        assertThat(toCeo.text()).contains("no S/MIME encryption certificate for ceo@partner.example");
    }

    /**
     * Dana's certificate v1 is harvested; v2 and v3 (each with a later notBefore) are updates, refused
     * since harvestUpdatedKeys is off. The second distinct update within 48 hours raises one alert,
     * listed under /smime/alerts and mailed to the postmaster; v3 again counts no more. Mail to Dana
     * is still encrypted to v1.
     */
    @Test
    void twoUpdatedCertificatesWithin48HoursRaiseExactlyOneAlert() throws Exception {
        Instant now = Instant.now();
        List<TestPki.Issued> versions = new ArrayList<>();
        for (int age = 3; age >= 1; age--) {
            versions.add(PARTNER_CA.leaf("Dana").email("dana@partner.example")
                .validity(now.minus(Duration.ofDays(age)), now.plus(Duration.ofDays(365))).issue());
        }
        List<TestPki.Issued> sent = List.of(versions.get(0), versions.get(1), versions.get(2), versions.get(2));
        for (int i = 0; i < sent.size(); i++) {
            // The last one is signed by our own signer, which announces AES-256-GCM: made with the refused v3,
            // that announcement must not change how mail to v1 is encrypted.
            String signed = i < sent.size() - 1
                ? signedByPartner(sent.get(i), "dana@partner.example", "Delivery note " + i, "Delivered.\n")
                : signedByOurSigner(sent.get(i), "dana@partner.example", "Delivery note " + i, "Delivered.\n");
            MailOutcomes.Outcome outcome = alicesMail.send("dana@partner.example", signed, WITHIN);
            assertThat(outcome.place()).as(outcome.summary()).isEqualTo(MailOutcomes.INBOX);
        }

        assertThat(harvestedFingerprints("dana@partner.example")).containsExactly(fingerprint(versions.get(0)));
        JsonNode updates = json("/smime/harvested/updates?address=" + encode("dana@partner.example"));
        assertThat(updates.findValuesAsText("outcome")).containsExactly("rejected", "rejected");
        JsonNode alerts = json("/smime/alerts");
        assertThat(alerts).as(alerts.toString()).hasSize(1);
        assertThat(alerts.get(0).get("scope").asText()).isEqualTo("address");
        assertThat(alerts.get(0).get("subject").asText()).isEqualTo("dana@partner.example");
        await().atMost(WITHIN).ignoreExceptions().until(() -> !alertMails().isEmpty());
        Thread.sleep(1000); // a second alert mail would show up here
        assertThat(alertMails()).hasSize(1);
        assertThat(alertMails().get(0)).contains(alerts.get(0).get("id").asText());

        Arrival toDana = sendOutgoing("dana@partner.example", "Next delivery", "Next week.\n");

        assertThat(decryptedBy(versions.get(0), toDana)).as("the refused updates do not encrypt").contains("Next week.");
        assertThat(structure(toDana)).as("what the refused v3 announced does not count for v1")
            .contains("contentType: pkcs7-envelopedData").contains("aes-256-cbc").doesNotContain("gcm");
    }

    /**
     * OpenSSL announces only CBC ciphers in its smimeCapabilities, our own signer AES-256-GCM first:
     * Anna (OpenSSL) gets AES-256-CBC EnvelopedData, Bert (our signer) AES-256-GCM AuthEnvelopedData,
     * and OpenSSL decrypts both.
     */
    @Test
    void eachPartnerGetsTheContentEncryptionItAnnounced() throws Exception {
        TestPki.Issued anna = PARTNER_CA.leaf("Anna").email("anna@partner.example").issue();
        TestPki.Issued bert = PARTNER_CA.leaf("Bert").email("bert@partner.example").issue();
        MailOutcomes.Outcome fromAnna = alicesMail.send("anna@partner.example",
            signedByPartner(anna, "anna@partner.example", "Hello", "From OpenSSL.\n"), WITHIN);
        MailOutcomes.Outcome fromBert = alicesMail.send("bert@partner.example",
            signedByOurSigner(bert, "bert@partner.example", "Hello", "From our signer.\n"), WITHIN);
        assertThat(fromAnna.statusHeaders()).as(fromAnna.summary()).containsExactly("verified; signer=anna@partner.example");
        assertThat(fromBert.statusHeaders()).as(fromBert.summary()).containsExactly("verified; signer=bert@partner.example");

        Arrival toAnna = sendOutgoing("anna@partner.example", "Reply", "CBC for Anna.\n");
        Arrival toBert = sendOutgoing("bert@partner.example", "Reply", "GCM for Bert.\n");

        assertThat(structure(toAnna)).contains("contentType: pkcs7-envelopedData").contains("aes-256-cbc").doesNotContain("gcm");
        assertThat(structure(toBert)).contains("contentType: id-smime-ct-authEnvelopedData").contains("aes-256-gcm");
        assertThat(decryptedBy(anna, toAnna)).contains("CBC for Anna.");
        assertThat(decryptedBy(bert, toBert)).contains("GCM for Bert.");
    }

    // ---- mail ----------------------------------------------------------------------------------

    /** What came of a mail from Alice to a partner: the partner's copy, or the bounce in Alice's mailbox. */
    private record Arrival(boolean bounced, byte[] raw) {
        String text() {
            return new String(raw, StandardCharsets.ISO_8859_1);
        }
    }

    /** Sends a plain mail from Alice and waits until exactly one mail arrived, at the partner or back at Alice. */
    private Arrival sendOutgoing(String to, String subject, String body) throws Exception {
        int alices = alicesMail.inboxCount();
        int partners = MailClient.messageCount(james.imapPort(), to, "pw");
        MailClient.send(james.smtpPort(), ALICE_ADDRESS, to, "From: Alice <" + ALICE_ADDRESS + ">\r\nTo: " + to + "\r\nSubject: " + subject
            + "\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n" + body);
        await().atMost(WITHIN).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
            .until(() -> alicesMail.inboxCount() + MailClient.messageCount(james.imapPort(), to, "pw") > alices + partners);
        Thread.sleep(300); // a second copy would show up here
        boolean bounced = alicesMail.inboxCount() > alices;
        assertThat(alicesMail.inboxCount() + MailClient.messageCount(james.imapPort(), to, "pw")).as("one mail sent, one arrived")
            .isEqualTo(alices + partners + 1);
        List<byte[]> mailbox = MailClient.fetchAll(james.imapPort(), bounced ? ALICE_ADDRESS : to, "pw");
        return new Arrival(bounced, mailbox.get(mailbox.size() - 1));
    }

    /** A partner's mail to Alice, signed by OpenSSL ({@code cms -sign}, its default smimeCapabilities). */
    private String signedByPartner(TestPki.Issued signer, String from, String subject, String body, String... options) throws Exception {
        openssl.writePem("signer.pem", signer.certificate());
        openssl.writeKey("signer.key", signer.privateKey());
        openssl.write("content.eml", ("Content-Type: text/plain; charset=us-ascii\r\n\r\n" + body).getBytes(StandardCharsets.US_ASCII));
        List<String> command = new ArrayList<>(List.of("cms", "-sign", "-in", "content.eml", "-out", "signed.eml", "-signer", "signer.pem",
            "-inkey", "signer.key"));
        command.addAll(List.of(options));
        run(command.toArray(String[]::new));
        return headers(from, subject) + new String(openssl.read("signed.eml"), StandardCharsets.ISO_8859_1);
    }

    /** A partner's mail to Alice, signed by our own SmimeSigner, which announces AES-256-GCM first. */
    private static String signedByOurSigner(TestPki.Issued signer, String from, String subject, String body) throws Exception {
        MimeMessage message = new MimeMessage(Session.getInstance(new Properties()));
        message.setFrom(new InternetAddress(from));
        message.setRecipient(Message.RecipientType.TO, new InternetAddress(ALICE_ADDRESS));
        message.setSubject(subject);
        message.setHeader("Message-ID", messageId(subject));
        message.setText(body, "us-ascii");
        message.saveChanges();
        SmimeSigner ourSigner = new SmimeSigner(signer.privateKey(), signer.chain(), DigestAlgorithm.SHA256, false);
        return new String(MimeEntities.write(ourSigner.sign(message, SignMode.DETACHED)), StandardCharsets.ISO_8859_1);
    }

    private static String headers(String from, String subject) {
        return "From: " + from + "\r\nTo: " + ALICE_ADDRESS + "\r\nSubject: " + subject + "\r\nMessage-ID: " + messageId(subject) + "\r\n";
    }

    private static String messageId(String subject) {
        return "<" + subject.replaceAll("[^A-Za-z0-9]", "") + "." + System.nanoTime() + "@partner.example>";
    }

    /** Numbered lines of text, {@code size} characters in all (roughly). */
    private static String lines(String label, int size) {
        StringBuilder text = new StringBuilder();
        for (int line = 1; text.length() < size; line++) {
            text.append(String.format("%s %05d: 12 pallets of part 4711 to gate 3\r\n", label, line));
        }
        return text.toString();
    }

    private static String lastLine(String label, int size) {
        String[] all = lines(label, size).split("\r\n");
        return all[all.length - 1];
    }

    private List<String> alertMails() throws Exception {
        List<String> result = new ArrayList<>();
        for (byte[] mail : MailClient.fetchAll(james.imapPort(), POSTMASTER, "pw")) {
            String text = new String(mail, StandardCharsets.UTF_8);
            if (text.contains("Subject: S/MIME risk alert")) {
                result.add(text);
            }
        }
        return result;
    }

    // ---- OpenSSL and webadmin ------------------------------------------------------------------

    /** The partner decrypts our mail with OpenSSL and its key: the text inside. */
    private String decryptedBy(TestPki.Issued partner, Arrival arrival) throws Exception {
        assertThat(arrival.bounced()).as("the mail bounced: " + arrival.text()).isFalse();
        openssl.writePem("partner.pem", partner.certificate());
        openssl.writeKey("partner.key", partner.privateKey());
        openssl.write("encrypted.eml", arrival.raw());
        run("cms", "-decrypt", "-in", "encrypted.eml", "-recip", "partner.pem", "-inkey", "partner.key", "-out", "decrypted.eml");
        return new String(openssl.read("decrypted.eml"), StandardCharsets.ISO_8859_1);
    }

    /** OpenSSL's print of the CMS structure of our mail: content type and algorithms. */
    private String structure(Arrival arrival) throws Exception {
        assertThat(arrival.bounced()).as("the mail bounced: " + arrival.text()).isFalse();
        openssl.write("structure.eml", arrival.raw());
        OpenSsl.Result result = openssl.run("cms", "-cmsout", "-print", "-inform", "SMIME", "-in", "structure.eml");
        assertThat(result.exitCode()).as(result.output()).isZero();
        return result.output();
    }

    private void run(String... arguments) throws Exception {
        OpenSsl.Result result = openssl.run(arguments);
        assertThat(result.exitCode()).as(String.join(" ", arguments) + ": " + result.output()).isZero();
    }

    private List<String> harvestedFingerprints(String address) throws Exception {
        List<String> fingerprints = new ArrayList<>();
        json("/smime/harvested?address=" + encode(address))
            .forEach(entry -> fingerprints.add(entry.get("certificate").get("fingerprint").asText()));
        return fingerprints;
    }

    private JsonNode json(String path) throws Exception {
        var response = james.get(path);
        assertThat(response.statusCode()).as(path + ": " + response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    private static String fingerprint(TestPki.Issued issued) {
        return CertificateFacts.of(issued.certificate()).fingerprint();
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
