package dev.smimegateway.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;

import org.junit.jupiter.api.io.TempDir;

import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.smimegateway.core.smime.MimeEntities;
import dev.smimegateway.core.testing.OpenSsl;
import dev.smimegateway.core.testing.Peers;
import dev.smimegateway.core.testing.TestPki;

/**
 * Each sending profile of conf-samples/policies on a real James: alice@example.com writes to
 * bob@partner.example over SMTP, Bob reads the message over IMAP, and OpenSSL, an independent
 * implementation, verifies and decrypts it layer by layer with Bob's key and the CA.
 */
class OutgoingPolicyInteropTest {
    private static final TestPki PKI = TestPki.create("Policy Interop CA");
    private static final TestPki.Issued ALICE = PKI.leaf("Alice").email("alice@example.com").issue();
    private static final TestPki.Issued BOB = PKI.leaf("Bob").email("bob@partner.example").issue();
    private static final String MESSAGE = "From: Alice <alice@example.com>\nTo: Bob <bob@partner.example>\n"
        + "Subject: Quarterly figures\nMIME-Version: 1.0\nContent-Type: text/plain; charset=UTF-8\n"
        + "Content-Transfer-Encoding: 8bit\n\nDear Bob, the figures are attached. Grüße, Alice\n";

    @TempDir
    Path folder;

    private RealJamesServer gatewayWithKeys(String policy) throws Exception {
        RealJamesServer james = RealJamesServer.withPolicy(policy).start();
        assertThat(james.putJson("/smime/identities/alice", "{\"pkcs12\":\"" + Base64.getEncoder().encodeToString(ALICE.pkcs12("pw"))
            + "\",\"password\":\"pw\"}").statusCode()).isEqualTo(201);
        assertThat(james.put("/smime/certificates/bob", "application/x-pem-file", BOB.pem().getBytes(StandardCharsets.US_ASCII))
            .statusCode()).isEqualTo(201);
        for (String user : List.of("alice@example.com", "bob@partner.example", "carol@partner.example")) {
            assertThat(james.put("/users/" + user, "application/json", "{\"password\":\"pw\"}".getBytes()).statusCode()).isEqualTo(204);
        }
        return james;
    }

    private static byte[] receivedBy(RealJamesServer james, String user) {
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(300))
            .until(() -> MailClient.messageCount(james.imapPort(), user, "pw") >= 1);
        try {
            return MailClient.fetchAll(james.imapPort(), user, "pw").get(0);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Verifies a signed entity with OpenSSL and returns the content it covers. */
    private byte[] verify(OpenSsl openssl, byte[] signed) throws Exception {
        openssl.write("signed.eml", signed);
        OpenSsl.Result result = openssl.run("cms", "-verify", "-in", "signed.eml", "-CAfile", "ca.pem", "-purpose", "smimesign",
            "-out", "verified.eml");
        assertThat(result.exitCode()).as("openssl cms -verify: " + result.output()).isZero();
        return openssl.read("verified.eml");
    }

    private byte[] decrypt(OpenSsl openssl, byte[] encrypted) throws Exception {
        openssl.write("encrypted.eml", encrypted);
        OpenSsl.Result result = openssl.run("cms", "-decrypt", "-in", "encrypted.eml", "-recip", "bob.pem", "-inkey", "bob.key",
            "-out", "decrypted.eml");
        assertThat(result.exitCode()).as("openssl cms -decrypt: " + result.output()).isZero();
        return openssl.read("decrypted.eml");
    }

    @ParameterizedTest
    @ValueSource(strings = {"sign", "encrypt", "sign-then-encrypt", "triple-wrap", "confidential-or-partner"})
    void partnerReadsWhatThePolicySentWithOpenSsl(String policy) throws Exception {
        OpenSsl openssl = new OpenSsl(folder);
        openssl.writePem("ca.pem", PKI.caCertificate());
        openssl.writePem("bob.pem", BOB.certificate());
        openssl.writeKey("bob.key", BOB.privateKey());
        try (RealJamesServer james = gatewayWithKeys(policy)) {
            MailClient.send(james.smtpPort(), "alice@example.com", "bob@partner.example", MESSAGE);
            byte[] received = receivedBy(james, "bob@partner.example");
            String headers = new String(received, StandardCharsets.ISO_8859_1);
            assertThat(headers).contains("Subject: Quarterly figures").contains("From: Alice <alice@example.com>");

            byte[] content = switch (policy) {
                case "sign" -> verify(openssl, received);
                case "encrypt" -> decrypt(openssl, received);
                case "triple-wrap" -> verify(openssl, decrypt(openssl, verify(openssl, received)));
                default -> verify(openssl, decrypt(openssl, received));
            };

            String text = new String(content, StandardCharsets.US_ASCII);
            assertThat(text).contains("Content-Transfer-Encoding: quoted-printable").contains("Gr=C3=BC=C3=9Fe, Alice");
        }
    }

    /** gpgsm and NSS cmsutil read the same messages as a mail client built on them would. */
    @ParameterizedTest
    @ValueSource(strings = {"sign", "encrypt", "sign-then-encrypt"})
    void gpgsmAndNssReadWhatThePolicySent(String policy) throws Exception {
        java.nio.file.Path gpgsmWork = java.nio.file.Files.createDirectories(folder.resolve("gpgsm"));
        java.nio.file.Path nssWork = java.nio.file.Files.createDirectories(folder.resolve("nss"));
        Peers.GpgSm gpgsm = new Peers.GpgSm(gpgsmWork, PKI.caCertificate(), BOB);
        Peers.Nss nss = new Peers.Nss(nssWork, PKI.caCertificate(), BOB);
        try (RealJamesServer james = gatewayWithKeys(policy)) {
            MailClient.send(james.smtpPort(), "alice@example.com", "bob@partner.example", MESSAGE);
            MimeMessage received = MimeEntities.parse(receivedBy(james, "bob@partner.example"));

            MimeMessage forGpgsm = received;
            MimeMessage forNss = received;
            if (!policy.equals("sign")) {
                byte[] cms = received.getInputStream().readAllBytes();
                byte[] byGpgsm = gpgsm.decrypt(cms);
                byte[] byNss = nss.decrypt(cms);
                assertThat(byGpgsm).as("gpgsm decrypts: " + gpgsm.lastOutput()).isNotNull();
                assertThat(byNss).as("NSS decrypts").isNotNull();
                forGpgsm = MimeEntities.parse(byGpgsm);
                forNss = MimeEntities.parse(byNss);
            }
            if (!policy.equals("encrypt")) {
                assertThat(verifiesDetached(gpgsm::verifies, forGpgsm)).as("gpgsm verifies").isTrue();
                assertThat(verifiesDetached(nss::verifies, forNss)).as("NSS verifies").isTrue();
            }
        } finally {
            gpgsm.close();
        }
    }

    @FunctionalInterface
    private interface Verifier {
        boolean verifies(byte[] signature, byte[] content) throws Exception;
    }

    private static boolean verifiesDetached(Verifier verifier, MimeMessage signed) throws Exception {
        MimeMultipart multipart = (MimeMultipart) signed.getContent();
        return verifier.verifies(multipart.getBodyPart(1).getInputStream().readAllBytes(),
            MimeEntities.write((MimeBodyPart) multipart.getBodyPart(0)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"encrypt"})
    void mailToARecipientWithoutCertificateBouncesToTheSender(String policy) throws Exception {
        try (RealJamesServer james = gatewayWithKeys(policy)) {
            MailClient.send(james.smtpPort(), "alice@example.com", "carol@partner.example",
                MESSAGE.replace("bob@partner.example", "carol@partner.example"));

            String bounce = new String(receivedBy(james, "alice@example.com"), StandardCharsets.UTF_8);

            assertThat(bounce).contains("no S/MIME encryption certificate for carol@partner.example");
            assertThat(MailClient.messageCount(james.imapPort(), "carol@partner.example", "pw")).isZero();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"sign"})
    void mailFromASenderWithoutIdentityBouncesAndIsNotSentUnsigned(String policy) throws Exception {
        try (RealJamesServer james = gatewayWithKeys(policy)) {
            assertThat(james.put("/users/dave@example.com", "application/json", "{\"password\":\"pw\"}".getBytes()).statusCode())
                .isEqualTo(204);
            MailClient.send(james.smtpPort(), "dave@example.com", "bob@partner.example", MESSAGE.replace("alice@example.com", "dave@example.com"));

            String bounce = new String(receivedBy(james, "dave@example.com"), StandardCharsets.UTF_8);

            assertThat(bounce).contains("no valid S/MIME signing certificate for dave@example.com");
            assertThat(MailClient.messageCount(james.imapPort(), "bob@partner.example", "pw")).isZero();
            Files.writeString(folder.resolve("bounce.eml"), bounce);
        }
    }
}
