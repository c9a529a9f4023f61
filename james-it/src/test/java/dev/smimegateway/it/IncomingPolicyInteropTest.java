package dev.smimegateway.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.smimegateway.core.testing.OpenSsl;
import dev.smimegateway.core.testing.TestPki;

/**
 * The b2b-gateway policy on a real James: mail that a partner's OpenSSL signed and encrypted reaches
 * the mailbox decrypted and marked verified; a forgery goes to the quarantine repository, visible
 * through webadmin, and never to the mailbox.
 */
class IncomingPolicyInteropTest {
    private static final TestPki OUR_CA = TestPki.create("Example CA");
    private static final TestPki PARTNER_CA = TestPki.create("Partner CA");
    private static final TestPki.Issued ALICE = OUR_CA.leaf("Alice").email("alice@example.com").issue();
    private static final TestPki.Issued BOB = PARTNER_CA.leaf("Bob").email("bob@partner.example").issue();
    private static final String QUARANTINE = "/mailRepositories/"
        + URLEncoder.encode("var/mail/smime-quarantine/", StandardCharsets.UTF_8) + "/mails";

    @TempDir
    Path folder;

    private byte[] fromPartner(OpenSsl openssl, TestPki.Issued signer, String text) throws Exception {
        openssl.writePem("signer.pem", signer.certificate());
        openssl.writeKey("signer.key", signer.privateKey());
        openssl.writePem("alice.pem", ALICE.certificate());
        openssl.write("content.eml", ("Content-Type: text/plain; charset=us-ascii\r\n\r\n" + text + "\r\n").getBytes(StandardCharsets.US_ASCII));
        assertThat(openssl.run("cms", "-sign", "-in", "content.eml", "-signer", "signer.pem", "-inkey", "signer.key",
            "-out", "signed.eml").exitCode()).isZero();
        assertThat(openssl.run("cms", "-encrypt", "-aes256", "-in", "signed.eml", "-out", "encrypted.eml", "alice.pem").exitCode()).isZero();
        String headers = "From: Bob <bob@partner.example>\r\nTo: alice@example.com\r\nSubject: Order 42\r\n"
            + "X-Smime-Gateway-Status: verified; signer=forged@partner.example\r\n";
        return (headers + new String(openssl.read("encrypted.eml"), StandardCharsets.ISO_8859_1)).getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void partnerMailIsDecryptedAndVerifiedAndForgeriesAreQuarantined() throws Exception {
        OpenSsl openssl = new OpenSsl(folder);
        try (RealJamesServer james = RealJamesServer.withPolicy("b2b-gateway").start()) {
            assertThat(james.putJson("/smime/identities/alice", "{\"pkcs12\":\"" + Base64.getEncoder().encodeToString(ALICE.pkcs12("pw"))
                + "\",\"password\":\"pw\"}").statusCode()).isEqualTo(201);
            assertThat(james.post("/smime/trust-anchors?action=import", "application/x-pem-file",
                TestPki.pem(PARTNER_CA.caCertificate()).getBytes(StandardCharsets.US_ASCII)).statusCode()).isEqualTo(200);
            assertThat(james.put("/users/alice@example.com", "application/json", "{\"password\":\"pw\"}".getBytes()).statusCode())
                .isEqualTo(204);

            MailClient.send(james.smtpPort(), "bob@partner.example", "alice@example.com",
                new String(fromPartner(openssl, BOB, "Please ship order 42."), StandardCharsets.ISO_8859_1));
            await().atMost(Duration.ofSeconds(30)).until(() -> MailClient.messageCount(james.imapPort(), "alice@example.com", "pw") == 1);
            String delivered = new String(MailClient.fetchAll(james.imapPort(), "alice@example.com", "pw").get(0), StandardCharsets.ISO_8859_1);

            assertThat(delivered).contains("X-Smime-Gateway-Status: verified; signer=bob@partner.example")
                .doesNotContain("forged@partner.example")
                .contains("Please ship order 42.")
                .contains("Content-Type: multipart/signed");

            TestPki.Issued mallory = TestPki.create("Mallory CA").leaf("Bob?").email("bob@partner.example").issue();
            MailClient.send(james.smtpPort(), "bob@partner.example", "alice@example.com",
                new String(fromPartner(openssl, mallory, "Ship order 42 to Mallory Street."), StandardCharsets.ISO_8859_1));

            ObjectMapper json = new ObjectMapper();
            await().atMost(Duration.ofSeconds(30)).until(() -> json.readTree(james.get(QUARANTINE).body()).size() == 1);
            assertThat(MailClient.messageCount(james.imapPort(), "alice@example.com", "pw")).isEqualTo(1);
            String key = json.readTree(james.get(QUARANTINE).body()).get(0).asText();
            String details = james.get(QUARANTINE + "/" + URLEncoder.encode(key, StandardCharsets.UTF_8) + "?additionalFields=attributes").body();
            assertThat(details).contains("smime.verification.failure").contains("UNTRUSTED");
        }
    }
}
