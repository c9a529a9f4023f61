package dev.smimegateway.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.smimegateway.core.testing.OpenSsl;
import dev.smimegateway.core.testing.Peers;
import dev.smimegateway.core.testing.TestPki;

/**
 * Partner mail made by independent implementations — OpenSSL in every layout, gpgsm and NSS
 * cmsutil — sent through a real James running the b2b-gateway policy: each reaches the mailbox
 * decrypted, with the gateway's verdict in X-Smime-Gateway-Status.
 */
class IncomingInteropMatrixTest {
    /** One CA for both sides: gpgsm only encrypts to certificates that chain to a CA it trusts. */
    private static final TestPki PARTNER_CA = TestPki.create("Matrix CA");
    private static final TestPki OUR_CA = PARTNER_CA;
    private static final TestPki.Issued ALICE = OUR_CA.leaf("Alice").email("alice@example.com").issue();
    private static final TestPki.Issued ALICE_EC = OUR_CA.leaf("Alice EC").email("alice@example.com").ec().issue();
    private static final TestPki.Issued BOB = PARTNER_CA.leaf("Bob").email("bob@partner.example").issue();
    private static final TestPki.Issued BOB_EC = PARTNER_CA.leaf("Bob EC").email("bob@partner.example").ec().issue();
    private static final String CONTENT = "Content-Type: text/plain; charset=us-ascii\r\n\r\nInterop body %s\r\n";

    @TempDir
    Path folder;

    private OpenSsl openssl;

    private byte[] run(String... arguments) throws Exception {
        OpenSsl.Result result = openssl.run(arguments);
        assertThat(result.exitCode()).as(String.join(" ", arguments) + ": " + result.output()).isZero();
        return null;
    }

    private String opensslMail(String name, List<String> signOptions, List<String> encryptOptions, boolean tripleWrap) throws Exception {
        Files.writeString(folder.resolve("c.eml"), String.format(CONTENT, name));
        String current = "c.eml";
        if (signOptions != null) {
            List<String> sign = new ArrayList<>(List.of("cms", "-sign", "-in", current, "-out", "s.eml"));
            sign.addAll(signOptions);
            run(sign.toArray(String[]::new));
            current = "s.eml";
        }
        if (encryptOptions != null) {
            List<String> encrypt = new ArrayList<>(List.of("cms", "-encrypt", "-in", current, "-out", "e.eml"));
            encrypt.addAll(encryptOptions);
            run(encrypt.toArray(String[]::new));
            current = "e.eml";
        }
        if (tripleWrap) {
            run("cms", "-sign", "-nodetach", "-in", current, "-out", "t.eml", "-signer", "bob.pem", "-inkey", "bob.key");
            current = "t.eml";
        }
        return new String(Files.readAllBytes(folder.resolve(current)), StandardCharsets.ISO_8859_1);
    }

    private static String pkcs7(String smimeType, byte[] der) {
        return "MIME-Version: 1.0\r\nContent-Type: application/pkcs7-mime; smime-type=" + smimeType + "; name=smime.p7m\r\n"
            + "Content-Transfer-Encoding: base64\r\n\r\n" + Base64.getMimeEncoder().encodeToString(der) + "\r\n";
    }

    private static String detached(byte[] content, byte[] signature) {
        return "MIME-Version: 1.0\r\nContent-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; micalg=sha-256; "
            + "boundary=\"m\"\r\n\r\n--m\r\n" + new String(content, StandardCharsets.ISO_8859_1) + "\r\n--m\r\n"
            + "Content-Type: application/pkcs7-signature; name=smime.p7s\r\nContent-Transfer-Encoding: base64\r\n\r\n"
            + Base64.getMimeEncoder().encodeToString(signature) + "\r\n--m--\r\n";
    }

    @Test
    void everyIndependentLayoutIsDecryptedAndVerified() throws Exception {
        openssl = new OpenSsl(folder);
        openssl.writePem("bob.pem", BOB.certificate());
        openssl.writeKey("bob.key", BOB.privateKey());
        openssl.writePem("bobec.pem", BOB_EC.certificate());
        openssl.writeKey("bobec.key", BOB_EC.privateKey());
        openssl.writePem("alice.pem", ALICE.certificate());
        openssl.writePem("aliceec.pem", ALICE_EC.certificate());
        List<String> bobSigns = List.of("-signer", "bob.pem", "-inkey", "bob.key");
        Map<String, String> mails = new LinkedHashMap<>();
        mails.put("openssl-detached", opensslMail("openssl-detached", bobSigns, null, false));
        mails.put("openssl-opaque", opensslMail("openssl-opaque", List.of("-nodetach", "-signer", "bob.pem", "-inkey", "bob.key"), null, false));
        mails.put("openssl-pss", opensslMail("openssl-pss", List.of("-signer", "bob.pem", "-inkey", "bob.key", "-keyopt",
            "rsa_padding_mode:pss"), null, false));
        mails.put("openssl-ecdsa", opensslMail("openssl-ecdsa", List.of("-signer", "bobec.pem", "-inkey", "bobec.key"), null, false));
        mails.put("openssl-cbc", opensslMail("openssl-cbc", bobSigns, List.of("-aes256", "alice.pem"), false));
        mails.put("openssl-gcm", opensslMail("openssl-gcm", bobSigns, List.of("-aes-256-gcm", "alice.pem"), false));
        mails.put("openssl-oaep", opensslMail("openssl-oaep", bobSigns, List.of("-aes256", "-recip", "alice.pem", "-keyopt",
            "rsa_padding_mode:oaep", "-keyopt", "rsa_oaep_md:sha256"), false));
        mails.put("openssl-ecdh", opensslMail("openssl-ecdh", bobSigns, List.of("-aes128", "aliceec.pem"), false));
        mails.put("openssl-triple", opensslMail("openssl-triple", bobSigns, List.of("-aes256", "alice.pem"), true));

        Peers.GpgSm gpgsm = new Peers.GpgSm(Files.createDirectories(folder.resolve("gpgsm")), PARTNER_CA.caCertificate(), BOB);
        Peers.Nss nss = new Peers.Nss(Files.createDirectories(folder.resolve("nss")), PARTNER_CA.caCertificate(), BOB);
        try {
            byte[] gpgsmContent = String.format(CONTENT, "gpgsm-signed-encrypted").getBytes(StandardCharsets.US_ASCII);
            byte[] gpgsmSigned = detached(gpgsmContent, gpgsm.sign(gpgsmContent, true)).getBytes(StandardCharsets.ISO_8859_1);
            mails.put("gpgsm-signed-encrypted", pkcs7("enveloped-data", gpgsm.encrypt(gpgsmSigned, ALICE.certificate())));
            byte[] nssContent = String.format(CONTENT, "nss-signed-encrypted").getBytes(StandardCharsets.US_ASCII);
            byte[] nssSigned = pkcs7("signed-data", nss.sign(nssContent, false)).getBytes(StandardCharsets.ISO_8859_1);
            mails.put("nss-signed-encrypted", pkcs7("enveloped-data", nss.encrypt(nssSigned, ALICE.certificate())));
        } finally {
            gpgsm.close();
        }

        try (RealJamesServer james = RealJamesServer.withPolicy("b2b-gateway").start()) {
            for (TestPki.Issued identity : List.of(ALICE, ALICE_EC)) {
                assertThat(james.putJson("/smime/identities/" + (identity == ALICE ? "alice" : "alice-ec"), "{\"pkcs12\":\""
                    + Base64.getEncoder().encodeToString(identity.pkcs12("pw")) + "\",\"password\":\"pw\",\"activate\":false}")
                    .statusCode()).isEqualTo(201);
            }
            assertThat(james.post("/smime/trust-anchors?action=import", "application/x-pem-file",
                TestPki.pem(PARTNER_CA.caCertificate()).getBytes(StandardCharsets.US_ASCII)).statusCode()).isEqualTo(200);
            assertThat(james.put("/users/alice@example.com", "application/json", "{\"password\":\"pw\"}".getBytes()).statusCode())
                .isEqualTo(204);

            for (Map.Entry<String, String> mail : mails.entrySet()) {
                MailClient.send(james.smtpPort(), "bob@partner.example", "alice@example.com",
                    "From: bob@partner.example\r\nTo: alice@example.com\r\nSubject: " + mail.getKey() + "\r\n" + mail.getValue());
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> MailClient.messageCount(james.imapPort(), "alice@example.com", "pw")
                == mails.size());

            Map<String, String> delivered = new LinkedHashMap<>();
            for (byte[] raw : MailClient.fetchAll(james.imapPort(), "alice@example.com", "pw")) {
                String text = new String(raw, StandardCharsets.ISO_8859_1);
                String subject = text.replaceFirst("(?s).*?\\r\\nSubject: ([^\\r]*)\\r\\n.*", "$1");
                delivered.put(subject, text);
            }
            for (String name : mails.keySet()) {
                assertThat(delivered).containsKey(name);
                assertThat(delivered.get(name)).as(name).contains("X-Smime-Gateway-Status: verified; signer=bob@partner.example");
                if (delivered.get(name).contains("Content-Type: multipart/signed")) {
                    // the signature is kept: a detached one leaves the content readable as it is
                    assertThat(delivered.get(name)).as(name).contains("Interop body " + name);
                }
            }
        }
    }
}
