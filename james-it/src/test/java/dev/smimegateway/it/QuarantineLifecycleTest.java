package dev.smimegateway.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import dev.smimegateway.core.testing.OpenSsl;
import dev.smimegateway.core.testing.TestPki;

/**
 * The administrator's quarantine loop on a real James 3.8.1 with the b2b-gateway policy, through
 * James's own mail-repository routes: quarantined mail survives a restart with its reason, can be
 * deleted, released as it is ({@code processor=local-delivery}) or released into the policy again
 * ({@code processor=transport}), which recomputes the verdict against the key store as it is now:
 * the same reason quarantines it once more (one copy, no loop), a key or trust anchor imported
 * since changes the verdict, and that new verdict is what the mailbox sees.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class QuarantineLifecycleTest {
    private static final TestPki PARTNER_CA = TestPki.create("Partner CA");
    private static final TestPki UNKNOWN_CA = TestPki.create("Unknown CA");
    private static final TestPki OUR_CA = TestPki.create("Example CA");
    private static final TestPki.Issued ALICE = PARTNER_CA.leaf("Alice").email("alice@example.com").issue();
    private static final TestPki.Issued DAN = UNKNOWN_CA.leaf("Dan").email("dan@example.com").issue();
    private static final TestPki.Issued BOB = OUR_CA.leaf("Bob").email("bob@example.com").issue();
    /** Bob's new key, which the gateway does not have until the administrator imports it. */
    private static final TestPki.Issued BOB_NEW = OUR_CA.leaf("Bob").email("bob@example.com").issue();
    private static final String BOB_ADDRESS = "bob@example.com";
    private static final Duration WITHIN = Duration.ofSeconds(90);

    private OpenSsl openssl;
    private RealJamesServer james;
    private MailOutcomes outcomes;

    @BeforeAll
    void startTheGateway(@TempDir Path folder) throws Exception {
        openssl = new OpenSsl(folder);
        openssl.writePem("alice.pem", ALICE.certificate());
        openssl.writeKey("alice.key", ALICE.privateKey());
        openssl.writePem("dan.pem", DAN.certificate());
        openssl.writeKey("dan.key", DAN.privateKey());
        openssl.writePem("bob.pem", BOB.certificate());
        openssl.writePem("bob-new.pem", BOB_NEW.certificate());
        james = RealJamesServer.withPolicy("b2b-gateway").start();
        assertThat(james.putJson("/smime/identities/bob", pkcs12Json(BOB)).statusCode()).isEqualTo(201);
        assertThat(james.post("/smime/trust-anchors?action=import", "application/x-pem-file",
            TestPki.pem(PARTNER_CA.caCertificate()).getBytes(StandardCharsets.US_ASCII)).statusCode()).isEqualTo(200);
        createBob();
        outcomes = new MailOutcomes(james, BOB_ADDRESS, "pw");
    }

    @AfterAll
    void stopTheGateway() {
        if (james != null) {
            james.close();
        }
    }

    /** The memory server keeps users in memory: after a restart Bob's mailbox is made again. */
    private void createBob() throws Exception {
        assertThat(james.put("/users/" + BOB_ADDRESS, "application/json", "{\"password\":\"pw\"}".getBytes()).statusCode())
            .isEqualTo(204);
    }

    @Test
    void aQuarantinedMailSurvivesARestartAndIsDecryptedWhenReleasedAfterTheMissingKeyIsImported() throws Exception {
        // A ciphertext whose length is not a multiple of 3: its base64 ends in padding, the last bytes
        // James 3.8.1's own file repository loses (see LosslessFileMailRepository)
        String padding = "";
        do {
            padding += ".";
            String signed = opensslSigned("Content-Type: text/plain; charset=us-ascii\r\n\r\nThe new key works" + padding + "\r\n", "alice");
            openssl.write("signed.eml", signed.getBytes(StandardCharsets.ISO_8859_1));
            run("cms", "-encrypt", "-aes-256-gcm", "-in", "signed.eml", "-out", "to-new-key.eml", "bob-new.pem");
        } while (decodedBodyLength(read("to-new-key.eml")) % 3 == 0);

        MailOutcomes.Outcome outcome = outcomes.send("alice@example.com", headers("alice@example.com", "To the new key")
            + read("to-new-key.eml"), WITHIN);
        assertThat(outcome.place()).as(outcome.summary()).isEqualTo(MailOutcomes.QUARANTINE);
        assertThat(outcome.attribute("smime.decryption.failure")).as(outcome.summary()).isPresent();

        james.stop();
        james.start();
        createBob();

        assertThat(outcomes.keys(MailOutcomes.QUARANTINE)).contains(outcome.key());
        MailOutcomes.Outcome afterRestart = outcomes.stored(MailOutcomes.QUARANTINE, outcome.key());
        assertThat(afterRestart.attribute("smime.decryption.failure")).isEqualTo(outcome.attribute("smime.decryption.failure"));
        assertThat(afterRestart.raw()).isEqualTo(outcome.raw());

        assertThat(james.putJson("/smime/identities/bob-new", pkcs12Json(BOB_NEW)).statusCode()).isEqualTo(201);
        List<String> quarantined = outcomes.keys(MailOutcomes.QUARANTINE);
        int inbox = outcomes.inboxCount();
        assertThat(outcomes.release(outcome.key(), "transport").statusCode()).isLessThan(300);

        await().atMost(WITHIN).ignoreExceptions().until(() -> outcomes.inboxCount() == inbox + 1);
        Thread.sleep(500);
        assertThat(outcomes.keys(MailOutcomes.QUARANTINE)).containsExactlyInAnyOrderElementsOf(without(quarantined, outcome.key()));
        assertThat(outcomes.inboxCount()).isEqualTo(inbox + 1);
        String delivered = lastDelivered();
        assertThat(delivered).contains("The new key works" + padding).contains("X-Smime-Gateway-Status: verified; signer=alice@example.com")
            .doesNotContain("application/pkcs7-mime");
    }

    @Test
    void releasingUnsignedCbcIntoThePolicyAgainQuarantinesItOnceMoreThenItCanBeReleasedAsItIs() throws Exception {
        openssl.write("cbc.eml", "Content-Type: text/plain; charset=us-ascii\r\n\r\nCBC, released by hand.\r\n"
            .getBytes(StandardCharsets.US_ASCII));
        run("cms", "-encrypt", "-aes256", "-in", "cbc.eml", "-out", "cbc-encrypted.eml", "bob.pem");
        MailOutcomes.Outcome outcome = outcomes.send("alice@example.com", headers("alice@example.com", "CBC released")
            + read("cbc-encrypted.eml"), WITHIN);
        assertThat(outcome.place()).as(outcome.summary()).isEqualTo(MailOutcomes.QUARANTINE);
        assertThat(outcome.attribute("smime.decryption.authenticated")).contains("false");

        MailOutcomes.Outcome again = releaseExpectingQuarantine(outcome);

        assertThat(again.attribute("smime.decryption.authenticated")).as(again.summary()).contains("false");
        assertThat(again.attribute("smime.decryption.algorithm")).contains("aes256-cbc");
        assertThat(again.statusHeaders()).containsExactly("not-signed");

        int inbox = outcomes.inboxCount();
        assertThat(outcomes.release(again.key(), "local-delivery").statusCode()).isLessThan(300);
        await().atMost(WITHIN).ignoreExceptions().until(() -> outcomes.inboxCount() == inbox + 1);
        assertThat(outcomes.keys(MailOutcomes.QUARANTINE)).doesNotContain(again.key());
        assertThat(lastDelivered()).contains("CBC, released by hand.").contains("X-Smime-Gateway-Status: not-signed");
    }

    @Test
    void anUntrustedSignerStaysQuarantinedUntilTheAdministratorTrustsItsCaThenTheReleaseVerifies() throws Exception {
        String signed = opensslSigned("Content-Type: text/plain; charset=us-ascii\r\n\r\nFrom Dan, whose CA is new to us.\r\n", "dan");
        MailOutcomes.Outcome outcome = outcomes.send("dan@example.com", headers("dan@example.com", "Dan") + signed, WITHIN);
        assertThat(outcome.place()).as(outcome.summary()).isEqualTo(MailOutcomes.QUARANTINE);
        assertThat(outcome.attribute("smime.verification.failure")).contains("UNTRUSTED");

        MailOutcomes.Outcome again = releaseExpectingQuarantine(outcome);
        assertThat(again.attribute("smime.verification.failure")).as(again.summary()).contains("UNTRUSTED");
        assertThat(again.statusHeaders()).containsExactly("not-verified; reason=UNTRUSTED");

        assertThat(james.post("/smime/trust-anchors?action=import", "application/x-pem-file",
            TestPki.pem(UNKNOWN_CA.caCertificate()).getBytes(StandardCharsets.US_ASCII)).statusCode()).isEqualTo(200);
        int inbox = outcomes.inboxCount();
        assertThat(outcomes.release(again.key(), "transport").statusCode()).isLessThan(300);
        await().atMost(WITHIN).ignoreExceptions().until(() -> outcomes.inboxCount() == inbox + 1);
        assertThat(outcomes.keys(MailOutcomes.QUARANTINE)).doesNotContain(again.key());
        assertThat(lastDelivered()).contains("From Dan, whose CA is new to us.")
            .contains("X-Smime-Gateway-Status: verified; signer=dan@example.com")
            .doesNotContain("not-verified");
    }

    @Test
    void aDeletedQuarantinedMailIsGoneAndDeliveredNowhere() throws Exception {
        openssl.write("cbc2.eml", "Content-Type: text/plain; charset=us-ascii\r\n\r\nDiscard me.\r\n".getBytes(StandardCharsets.US_ASCII));
        run("cms", "-encrypt", "-aes256", "-in", "cbc2.eml", "-out", "cbc2-encrypted.eml", "bob.pem");
        MailOutcomes.Outcome outcome = outcomes.send("alice@example.com", headers("alice@example.com", "Discard")
            + read("cbc2-encrypted.eml"), WITHIN);
        assertThat(outcome.place()).isEqualTo(MailOutcomes.QUARANTINE);
        int inbox = outcomes.inboxCount();

        assertThat(outcomes.delete(MailOutcomes.QUARANTINE, outcome.key()).statusCode()).isEqualTo(204);

        assertThat(outcomes.keys(MailOutcomes.QUARANTINE)).doesNotContain(outcome.key());
        Thread.sleep(1000);
        assertThat(outcomes.inboxCount()).isEqualTo(inbox);
    }

    /**
     * Releases the mail into the policy ({@code transport}) and waits for the policy to put it back
     * into the quarantine (James's reprocessing keeps the mail's name, so it comes back under the same
     * key: the release task takes it out of the repository, the policy stores it again); then checks
     * that it stays one copy (no loop) and that nothing is delivered.
     */
    private MailOutcomes.Outcome releaseExpectingQuarantine(MailOutcomes.Outcome outcome) throws Exception {
        List<String> before = outcomes.keys(MailOutcomes.QUARANTINE);
        int inbox = outcomes.inboxCount();
        assertThat(outcomes.release(outcome.key(), "transport").statusCode()).isLessThan(300);
        await().atMost(WITHIN).ignoreExceptions().until(() -> outcomes.keys(MailOutcomes.QUARANTINE).contains(outcome.key()));
        Thread.sleep(3000); // a loop would move it again, or add copies, in these seconds
        assertThat(outcomes.keys(MailOutcomes.QUARANTINE)).as("the released mail, quarantined again once")
            .containsExactlyInAnyOrderElementsOf(before);
        assertThat(outcomes.inboxCount()).isEqualTo(inbox);
        assertThat(outcomes.keys(MailOutcomes.ERROR)).isEmpty();
        return outcomes.stored(MailOutcomes.QUARANTINE, outcome.key());
    }

    /** The length of the DER an openssl-written S/MIME message's base64 body decodes to. */
    private static int decodedBodyLength(String message) {
        String body = message.replace("\r\n", "\n").split("\n\n", 2)[1];
        return Base64.getMimeDecoder().decode(body.trim()).length;
    }

    private static List<String> without(List<String> keys, String... removed) {
        List<String> rest = new ArrayList<>(keys);
        rest.removeAll(List.of(removed));
        return rest;
    }

    private String lastDelivered() throws Exception {
        List<byte[]> delivered = MailClient.fetchAll(james.imapPort(), BOB_ADDRESS, "pw");
        return new String(delivered.get(delivered.size() - 1), StandardCharsets.ISO_8859_1);
    }

    private static String pkcs12Json(TestPki.Issued identity) {
        return "{\"pkcs12\":\"" + Base64.getEncoder().encodeToString(identity.pkcs12("pw")) + "\",\"password\":\"pw\"}";
    }

    private static String headers(String from, String subject) {
        return "From: " + from + "\r\nTo: " + BOB_ADDRESS + "\r\nSubject: " + subject + "\r\nMessage-ID: <"
            + subject.replaceAll("[^A-Za-z0-9]", "") + "." + System.nanoTime() + "@quarantine.test>\r\n";
    }

    private void run(String... arguments) throws Exception {
        OpenSsl.Result result = openssl.run(arguments);
        assertThat(result.exitCode()).as(String.join(" ", arguments) + ": " + result.output()).isZero();
    }

    private String read(String file) throws Exception {
        return new String(openssl.read(file), StandardCharsets.ISO_8859_1);
    }

    /** A complete signed MIME entity (MIME-Version, Content-Type, body) from {@code openssl cms -sign}. */
    private String opensslSigned(String content, String signer) throws Exception {
        openssl.write("in.eml", content.getBytes(StandardCharsets.US_ASCII));
        run("cms", "-sign", "-in", "in.eml", "-out", "signed-out.eml", "-signer", signer + ".pem", "-inkey", signer + ".key");
        return read("signed-out.eml");
    }
}
