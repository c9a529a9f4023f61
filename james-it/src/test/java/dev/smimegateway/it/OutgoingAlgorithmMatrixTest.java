package dev.smimegateway.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.smimegateway.core.testing.OpenSsl;
import dev.smimegateway.core.testing.TestPki;

/**
 * Every signing and encryption option of the mailets on a real James 3.8.1 (whose Bouncy Castle is
 * 1.70, not the 1.81 of the unit tests), each read back by OpenSSL. One processor per option,
 * chosen by recipient.
 */
class OutgoingAlgorithmMatrixTest {
    private static final TestPki PKI = TestPki.create("Algorithm Matrix CA");
    private static final TestPki.Issued ALICE = PKI.leaf("Alice").email("alice@example.com").issue();
    private static final TestPki.Issued ALICE_EC = PKI.leaf("Alice EC").email("alice@example.com").ec().issue();

    /** recipient local part → the mailets of its processor, and whether the result is encrypted (else signed). */
    private static final Map<String, String> CASES = new LinkedHashMap<>();

    static {
        CASES.put("pss", sign("<rsaPadding>pss</rsaPadding><digest>sha512</digest>"));
        CASES.put("opaque", sign("<mode>opaque</mode>"));
        CASES.put("ecdsa", sign("<identity>alice-ec</identity><digest>sha384</digest>"));
        CASES.put("cbc128", encrypt("<algorithm>aes128-cbc</algorithm>"));
        CASES.put("oaep", encrypt("<keyTransport>rsa-oaep</keyTransport>"));
        CASES.put("gcm", encrypt("<algorithm>aes256-gcm</algorithm>"));
        CASES.put("ecdh", encrypt("<algorithm>aes256-cbc</algorithm>"));
        CASES.put("ecdhgcm", encrypt("<algorithm>aes128-gcm</algorithm>"));
        CASES.put("protected", encrypt("<protectHeaders>true</protectHeaders>"));
    }

    private static String sign(String parameters) {
        return "<mailet match=\"All\" class=\"dev.smimegateway.mailets.SMimeSign\">" + parameters + "</mailet>";
    }

    private static String encrypt(String parameters) {
        return "<mailet match=\"All\" class=\"dev.smimegateway.mailets.SMimeEncrypt\">" + parameters + "</mailet>";
    }

    private static String mailetContainer() {
        StringBuilder routes = new StringBuilder();
        StringBuilder processors = new StringBuilder();
        for (Map.Entry<String, String> entry : CASES.entrySet()) {
            routes.append("<mailet match=\"RecipientIs=").append(entry.getKey()).append("@partner.example\" class=\"ToProcessor\">")
                .append("<processor>case-").append(entry.getKey()).append("</processor></mailet>\n");
            processors.append("<processor state=\"case-").append(entry.getKey()).append("\" enableJmx=\"false\">")
                .append(entry.getValue())
                .append("<mailet match=\"All\" class=\"ToProcessor\"><processor>local-delivery</processor></mailet></processor>\n");
        }
        return "<?xml version=\"1.0\"?>\n<mailetcontainer enableJmx=\"false\"><context><postmaster>postmaster@example.com</postmaster></context>"
            + "<spooler><threads>2</threads><errorRepository>memory://var/mail/error/</errorRepository></spooler><processors>"
            + "<processor state=\"root\" enableJmx=\"false\"><mailet match=\"All\" class=\"ToProcessor\"><processor>transport</processor></mailet></processor>"
            + "<processor state=\"error\" enableJmx=\"false\"><mailet match=\"All\" class=\"ToRepository\"><repositoryPath>memory://var/mail/error/</repositoryPath></mailet></processor>"
            + "<processor state=\"transport\" enableJmx=\"false\"><mailet match=\"All\" class=\"RemoveMimeHeader\"><name>bcc</name></mailet>\n"
            + routes + "<mailet match=\"All\" class=\"ToProcessor\"><processor>local-delivery</processor></mailet></processor>\n"
            + processors
            + "<processor state=\"local-delivery\" enableJmx=\"false\"><mailet match=\"All\" class=\"LocalDelivery\"/></processor>"
            + "</processors></mailetcontainer>\n";
    }

    @TempDir
    Path folder;

    @Test
    void everyOptionIsReadByOpenSsl() throws Exception {
        OpenSsl openssl = new OpenSsl(folder);
        openssl.writePem("ca.pem", PKI.caCertificate());
        Map<String, TestPki.Issued> recipients = new LinkedHashMap<>();
        for (String name : CASES.keySet()) {
            TestPki.LeafBuilder leaf = PKI.leaf(name).email(name + "@partner.example");
            recipients.put(name, name.startsWith("ecdh") ? leaf.ec().issue() : leaf.issue());
        }
        try (RealJamesServer james = RealJamesServer.withMailetContainer(mailetContainer()).start()) {
            assertThat(james.putJson("/smime/identities/alice", "{\"pkcs12\":\"" + Base64.getEncoder().encodeToString(ALICE.pkcs12("pw"))
                + "\",\"password\":\"pw\"}").statusCode()).isEqualTo(201);
            assertThat(james.putJson("/smime/identities/alice-ec", "{\"pkcs12\":\"" + Base64.getEncoder().encodeToString(ALICE_EC.pkcs12("pw"))
                + "\",\"password\":\"pw\",\"activate\":false}").statusCode()).isEqualTo(201);
            for (Map.Entry<String, TestPki.Issued> recipient : recipients.entrySet()) {
                String address = recipient.getKey() + "@partner.example";
                assertThat(james.put("/smime/certificates/" + recipient.getKey(), "application/x-pem-file",
                    recipient.getValue().pem().getBytes(StandardCharsets.US_ASCII)).statusCode()).isEqualTo(201);
                assertThat(james.put("/users/" + address, "application/json", "{\"password\":\"pw\"}".getBytes()).statusCode()).isEqualTo(204);
                MailClient.send(james.smtpPort(), "alice@example.com", address, "From: alice@example.com\nTo: " + address
                    + "\nSubject: case " + recipient.getKey() + "\nMIME-Version: 1.0\nContent-Type: text/plain; charset=UTF-8\n"
                    + "Content-Transfer-Encoding: 8bit\n\nMatrix case " + recipient.getKey() + ", Grüße\n");
            }

            for (Map.Entry<String, TestPki.Issued> recipient : recipients.entrySet()) {
                String name = recipient.getKey();
                String address = name + "@partner.example";
                await().atMost(Duration.ofSeconds(30)).until(() -> MailClient.messageCount(james.imapPort(), address, "pw") == 1);
                openssl.write(name + ".eml", MailClient.fetchAll(james.imapPort(), address, "pw").get(0));
                OpenSsl.Result result;
                if (CASES.get(name).contains("SMimeEncrypt")) {
                    openssl.writePem(name + ".pem", recipient.getValue().certificate());
                    openssl.writeKey(name + ".key", recipient.getValue().privateKey());
                    result = openssl.run("cms", "-decrypt", "-in", name + ".eml", "-recip", name + ".pem", "-inkey", name + ".key",
                        "-out", name + ".out");
                } else {
                    result = openssl.run("cms", "-verify", "-in", name + ".eml", "-CAfile", "ca.pem", "-purpose", "smimesign",
                        "-out", name + ".out");
                }
                assertThat(result.exitCode()).as(name + ": " + result.output()).isZero();
                assertThat(new String(openssl.read(name + ".out"), StandardCharsets.US_ASCII)).as(name).contains("Matrix case " + name);
            }
        }
    }
}
