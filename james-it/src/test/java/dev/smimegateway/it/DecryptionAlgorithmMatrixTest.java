package dev.smimegateway.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
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
import dev.smimegateway.core.testing.TestPki;

/**
 * Every algorithm SMimeEncrypt can send is read by SMimeDecrypt on a real James 3.8.1, whose Bouncy
 * Castle is 1.70: AES-128/256 in CBC and GCM, to RSA keys (PKCS #1 v1.5 and OAEP) and to EC keys
 * (ECDH). Each local recipient is an identity of its own; its mail is encrypted by SMimeEncrypt and
 * decrypted by SMimeDecrypt in the same server. ECDH with AES-GCM made by OpenSSL (its default
 * SHA-1 KDF and SHA-256) is decrypted too, and an OpenSSL message with an altered tag is not.
 */
class DecryptionAlgorithmMatrixTest {
    private static final TestPki PKI = TestPki.create("Decryption Matrix CA");
    private static final List<String> ALGORITHMS = List.of("aes128-cbc", "aes256-cbc", "aes128-gcm", "aes256-gcm");
    private static final List<String> KEYS = List.of("rsa-pkcs1", "rsa-oaep", "ec");
    private static final String DECRYPT_PROCESSOR = "decrypt";

    /** local part → the SMimeEncrypt parameters of its processor. */
    private static final Map<String, String> SENT_BY_US = new LinkedHashMap<>();
    /** local part → the openssl cms -encrypt cipher and key options (which follow -recip) for mail that arrives encrypted. */
    private static final Map<String, List<String>> SENT_BY_OPENSSL = new LinkedHashMap<>();

    static {
        for (String algorithm : ALGORITHMS) {
            for (String key : KEYS) {
                SENT_BY_US.put("m-" + algorithm + "-" + key, "<algorithm>" + algorithm + "</algorithm>"
                    + (key.equals("rsa-oaep") ? "<keyTransport>rsa-oaep</keyTransport>" : ""));
            }
        }
        SENT_BY_OPENSSL.put("o-aes256-gcm-ec", List.of("-aes-256-gcm"));
        SENT_BY_OPENSSL.put("o-aes128-gcm-ec-sha256kdf", List.of("-aes-128-gcm", "-keyopt", "ecdh_kdf_md:sha256"));
    }

    private static final String TAMPERED = "o-tampered-gcm-ec";

    private static String mailetContainer() {
        StringBuilder routes = new StringBuilder();
        StringBuilder processors = new StringBuilder();
        for (Map.Entry<String, String> entry : SENT_BY_US.entrySet()) {
            routes.append(toProcessor("RecipientIs=" + entry.getKey() + "@example.com", "case-" + entry.getKey()));
            processors.append("<processor state=\"case-").append(entry.getKey()).append("\" enableJmx=\"false\">")
                .append("<mailet match=\"All\" class=\"dev.smimegateway.mailets.SMimeEncrypt\">").append(entry.getValue()).append("</mailet>")
                .append(toProcessor("All", DECRYPT_PROCESSOR)).append("</processor>\n");
        }
        return "<?xml version=\"1.0\"?>\n<mailetcontainer enableJmx=\"false\"><context><postmaster>postmaster@example.com</postmaster></context>"
            + "<spooler><threads>2</threads><errorRepository>memory://var/mail/error/</errorRepository></spooler><processors>"
            + "<processor state=\"root\" enableJmx=\"false\">" + toProcessor("All", "transport") + "</processor>"
            + "<processor state=\"error\" enableJmx=\"false\"><mailet match=\"All\" class=\"ToRepository\">"
            + "<repositoryPath>memory://var/mail/error/</repositoryPath></mailet></processor>"
            + "<processor state=\"transport\" enableJmx=\"false\"><mailet match=\"All\" class=\"RemoveMimeHeader\"><name>bcc</name></mailet>\n"
            + routes + toProcessor("All", DECRYPT_PROCESSOR) + "</processor>\n"
            + processors
            + "<processor state=\"" + DECRYPT_PROCESSOR + "\" enableJmx=\"false\">"
            + "<mailet match=\"All\" class=\"dev.smimegateway.mailets.SMimeDecrypt\"/>"
            + "<mailet match=\"All\" class=\"MailAttributesToMimeHeaders\"><simplemapping>smime.encryption.algorithm; X-Test-Encrypted-With, "
            + "smime.decryption.algorithm; X-Test-Decrypted-With, smime.decryption.failure; X-Test-Decryption-Failure</simplemapping></mailet>"
            + toProcessor("All", "local-delivery") + "</processor>"
            + "<processor state=\"local-delivery\" enableJmx=\"false\"><mailet match=\"All\" class=\"LocalDelivery\"/></processor>"
            + "</processors></mailetcontainer>\n";
    }

    private static String toProcessor(String match, String processor) {
        return "<mailet match=\"" + match + "\" class=\"ToProcessor\"><processor>" + processor + "</processor></mailet>\n";
    }

    @TempDir
    Path folder;

    private OpenSsl openssl;

    @Test
    void everyAlgorithmWeSendAndOpenSslsEcdhGcmAreDecrypted() throws Exception {
        openssl = new OpenSsl(folder);
        Map<String, TestPki.Issued> identities = new LinkedHashMap<>();
        for (String name : SENT_BY_US.keySet()) {
            identities.put(name, issue(name, name.endsWith("-ec")));
        }
        Map<String, String> opensslMails = new LinkedHashMap<>();
        for (Map.Entry<String, List<String>> entry : SENT_BY_OPENSSL.entrySet()) {
            TestPki.Issued identity = issue(entry.getKey(), true);
            identities.put(entry.getKey(), identity);
            opensslMails.put(entry.getKey(), opensslEncrypted(entry.getKey(), identity, entry.getValue()));
        }
        TestPki.Issued tamperedRecipient = issue(TAMPERED, true);
        identities.put(TAMPERED, tamperedRecipient);
        opensslMails.put(TAMPERED, withAlteredTag(TAMPERED, tamperedRecipient));

        try (RealJamesServer james = RealJamesServer.withMailetContainer(mailetContainer()).start()) {
            for (Map.Entry<String, TestPki.Issued> identity : identities.entrySet()) {
                String address = identity.getKey() + "@example.com";
                assertThat(james.putJson("/smime/identities/" + identity.getKey(), "{\"pkcs12\":\""
                    + Base64.getEncoder().encodeToString(identity.getValue().pkcs12("pw")) + "\",\"password\":\"pw\"}").statusCode())
                    .as(identity.getKey()).isEqualTo(201);
                assertThat(james.put("/users/" + address, "application/json", "{\"password\":\"pw\"}".getBytes()).statusCode())
                    .isEqualTo(204);
            }
            for (String name : SENT_BY_US.keySet()) {
                String address = name + "@example.com";
                MailClient.send(james.smtpPort(), "sender@example.com", address, "From: sender@example.com\r\nTo: " + address
                    + "\r\nSubject: case " + name + "\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n"
                    + "Content-Transfer-Encoding: 8bit\r\n\r\nMatrix case " + name + "\r\n");
            }
            for (Map.Entry<String, String> mail : opensslMails.entrySet()) {
                String address = mail.getKey() + "@example.com";
                MailClient.send(james.smtpPort(), "partner@partner.example", address, "From: partner@partner.example\r\nTo: " + address
                    + "\r\nSubject: case " + mail.getKey() + "\r\n" + mail.getValue());
            }

            for (String name : SENT_BY_US.keySet()) {
                String delivered = deliveredTo(james, name);
                String algorithm = name.substring(2, name.indexOf('-', name.indexOf('-', 2) + 1));
                assertThat(delivered).as(name).contains("X-Test-Encrypted-With: " + algorithm)
                    .contains("X-Test-Decrypted-With: " + algorithm).doesNotContain("X-Test-Decryption-Failure")
                    .doesNotContain("application/pkcs7-mime").contains("Matrix case " + name);
            }
            for (String name : SENT_BY_OPENSSL.keySet()) {
                String algorithm = name.substring(2, name.indexOf("-gcm") + 4);
                assertThat(deliveredTo(james, name)).as(name).contains("X-Test-Decrypted-With: " + algorithm)
                    .doesNotContain("X-Test-Decryption-Failure").doesNotContain("application/pkcs7-mime")
                    .contains("OpenSSL case " + name);
            }
            assertThat(deliveredTo(james, TAMPERED)).contains("X-Test-Decryption-Failure:").contains("tag does not match")
                .doesNotContain("X-Test-Decrypted-With").doesNotContain("OpenSSL case").contains("application/pkcs7-mime");
        }
    }

    private static TestPki.Issued issue(String name, boolean ec) {
        TestPki.LeafBuilder leaf = PKI.leaf(name).email(name + "@example.com");
        return ec ? leaf.ec().issue() : leaf.issue();
    }

    private static String deliveredTo(RealJamesServer james, String name) throws Exception {
        String address = name + "@example.com";
        await().atMost(Duration.ofSeconds(60)).until(() -> MailClient.messageCount(james.imapPort(), address, "pw") == 1);
        return new String(MailClient.fetchAll(james.imapPort(), address, "pw").get(0), StandardCharsets.ISO_8859_1);
    }

    /** OpenSSL's S/MIME output: MIME-Version, Content-Disposition, Content-Type and a base64 body. */
    private String opensslEncrypted(String name, TestPki.Issued recipient, List<String> options) throws Exception {
        openssl.writePem(name + ".pem", recipient.certificate());
        openssl.write(name + ".txt", ("Content-Type: text/plain; charset=us-ascii\r\n\r\nOpenSSL case " + name + "\r\n")
            .getBytes(StandardCharsets.US_ASCII));
        List<String> command = new ArrayList<>(List.of("cms", "-encrypt", "-in", name + ".txt", "-out", name + ".eml"));
        command.add(options.get(0));
        command.addAll(List.of("-recip", name + ".pem"));
        command.addAll(options.subList(1, options.size()));
        OpenSsl.Result result = openssl.run(command.toArray(String[]::new));
        assertThat(result.exitCode()).as(name + ": " + result.output()).isZero();
        return new String(openssl.read(name + ".eml"), StandardCharsets.US_ASCII);
    }

    /** OpenSSL writes the tag last in its AuthEnvelopedData: its last octet is flipped. */
    private String withAlteredTag(String name, TestPki.Issued recipient) throws Exception {
        openssl.writePem(name + ".pem", recipient.certificate());
        openssl.write(name + ".txt", ("Content-Type: text/plain; charset=us-ascii\r\n\r\nOpenSSL case " + name + "\r\n")
            .getBytes(StandardCharsets.US_ASCII));
        OpenSsl.Result result = openssl.run("cms", "-encrypt", "-binary", "-outform", "DER", "-in", name + ".txt", "-out", name + ".der",
            "-aes-256-gcm", "-recip", name + ".pem");
        assertThat(result.exitCode()).as(name + ": " + result.output()).isZero();
        byte[] der = openssl.read(name + ".der");
        der[der.length - 1] ^= 0x01;
        return "MIME-Version: 1.0\r\nContent-Type: application/pkcs7-mime; smime-type=authEnveloped-data; name=smime.p7m\r\n"
            + "Content-Transfer-Encoding: base64\r\n\r\n" + Base64.getMimeEncoder().encodeToString(der) + "\r\n";
    }
}
