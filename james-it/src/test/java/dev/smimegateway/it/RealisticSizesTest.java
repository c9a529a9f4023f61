package dev.smimegateway.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.Properties;
import java.util.Random;

import org.assertj.core.api.SoftAssertions;
import org.bouncycastle.cms.CMSSignedData;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import dev.smimegateway.core.testing.OpenSsl;
import dev.smimegateway.core.testing.TestPki;
import jakarta.mail.Session;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;

/**
 * Partner mail of the sizes partners really send — 4 KB, 100 KB, 5 MB — made by {@code openssl cms}
 * in the four layouts (signed detached, signed opaque, encrypted AES-256-CBC, signed then encrypted)
 * to the gateway's organisation identity, through a real James 3.8.1 with the b2b-gateway policy and
 * the partner's CA as trust anchor. Each must be decrypted and verified, and the content the reader
 * gets must be the partner's, byte for byte: James 3.8's javax.mail streams once cut every
 * application/pkcs7-mime body at 8,192 bytes, which small test messages never showed.
 *
 * <p>Encrypted-only AES-CBC mail is unauthenticated, so the policy quarantines it (decrypted, marked
 * not-signed); for that layout the quarantined copy is what is checked.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RealisticSizesTest {
    private static final TestPki PARTNER_CA = TestPki.create("Partner CA");
    private static final TestPki OUR_CA = TestPki.create("Example CA");
    private static final TestPki.Issued CAROL = PARTNER_CA.leaf("Carol").email("carol@partner.example").issue();
    private static final TestPki.Issued GATEWAY = OUR_CA.leaf("Example gateway").domain("example.com").issue();
    private static final String BOB = "bob@example.com";
    private static final String VERIFIED = "verified; signer=carol@partner.example";

    private OpenSsl openssl;
    private RealJamesServer james;
    private MailOutcomes outcomes;

    @BeforeAll
    void startTheGateway(@TempDir Path folder) throws Exception {
        openssl = new OpenSsl(folder);
        openssl.writePem("carol.pem", CAROL.certificate());
        openssl.writeKey("carol.key", CAROL.privateKey());
        openssl.writePem("gateway.pem", GATEWAY.certificate());
        james = RealJamesServer.withPolicy("b2b-gateway").start();
        assertThat(james.putJson("/smime/identities/example-gateway", "{\"pkcs12\":\""
            + Base64.getEncoder().encodeToString(GATEWAY.pkcs12("pw")) + "\",\"password\":\"pw\"}").statusCode()).isEqualTo(201);
        assertThat(james.post("/smime/trust-anchors?action=import", "application/x-pem-file",
            TestPki.pem(PARTNER_CA.caCertificate()).getBytes(StandardCharsets.US_ASCII)).statusCode()).isEqualTo(200);
        assertThat(james.put("/users/" + BOB, "application/json", "{\"password\":\"pw\"}".getBytes()).statusCode()).isEqualTo(204);
        outcomes = new MailOutcomes(james, BOB, "pw");
    }

    @AfterAll
    void stopTheGateway() {
        if (james != null) {
            james.close();
        }
    }

    @Test
    void fourKilobytes() throws Exception {
        everyLayoutArrivesIntact(4 * 1024, Duration.ofSeconds(60));
    }

    @Test
    void hundredKilobytes() throws Exception {
        everyLayoutArrivesIntact(100 * 1024, Duration.ofSeconds(60));
    }

    @Test
    void fiveMegabytes() throws Exception {
        everyLayoutArrivesIntact(5 * 1024 * 1024, Duration.ofSeconds(240));
    }

    /** All four layouts at one size; every layout is checked even when an earlier one fails. */
    private void everyLayoutArrivesIntact(int size, Duration within) throws Exception {
        byte[] entity = textEntity(size);
        byte[] body = trimmedBody(entity);
        openssl.write("content.eml", entity);
        run("cms", "-sign", "-in", "content.eml", "-out", "detached.eml", "-signer", "carol.pem", "-inkey", "carol.key");
        run("cms", "-sign", "-nodetach", "-in", "content.eml", "-out", "opaque.eml", "-signer", "carol.pem", "-inkey", "carol.key");
        run("cms", "-encrypt", "-aes256", "-in", "content.eml", "-out", "encrypted.eml", "gateway.pem");
        run("cms", "-encrypt", "-aes256", "-in", "detached.eml", "-out", "signed-encrypted.eml", "gateway.pem");
        String kb = size / 1024 + " KB";
        SoftAssertions softly = new SoftAssertions();

        check(softly, kb + " signed detached", "detached.eml", within, (label, outcome) -> {
            softly.assertThat(outcome.place()).as(label).isEqualTo(MailOutcomes.INBOX);
            softly.assertThat(outcome.statusHeaders()).as(label).containsExactly(VERIFIED);
            softly.assertThat(difference(body, signedPartBody(outcome))).as(label + ", the content read").isEqualTo(IDENTICAL);
        });
        check(softly, kb + " signed opaque", "opaque.eml", within, (label, outcome) -> {
            softly.assertThat(outcome.place()).as(label).isEqualTo(MailOutcomes.INBOX);
            softly.assertThat(outcome.statusHeaders()).as(label).containsExactly(VERIFIED);
            softly.assertThat(difference(entity, opaqueContent(outcome))).as(label + ", the signed content").isEqualTo(IDENTICAL);
        });
        check(softly, kb + " encrypted (unsigned CBC: quarantined by the policy)", "encrypted.eml", within, (label, outcome) -> {
            softly.assertThat(outcome.place()).as(label).isEqualTo(MailOutcomes.QUARANTINE);
            softly.assertThat(outcome.attribute("smime.decryption.failure")).as(label).isEmpty();
            softly.assertThat(outcome.attribute("smime.decrypted")).as(label).contains("true");
            softly.assertThat(outcome.statusHeaders()).as(label).containsExactly("not-signed");
            softly.assertThat(difference(body, trimmed(messageBody(outcome)))).as(label + ", the decrypted content").isEqualTo(IDENTICAL);
        });
        check(softly, kb + " signed then encrypted", "signed-encrypted.eml", within, (label, outcome) -> {
            softly.assertThat(outcome.place()).as(label).isEqualTo(MailOutcomes.INBOX);
            softly.assertThat(outcome.statusHeaders()).as(label).containsExactly(VERIFIED);
            softly.assertThat(difference(body, signedPartBody(outcome))).as(label + ", the content read").isEqualTo(IDENTICAL);
        });
        softly.assertAll();
    }

    private interface Expectations {
        void check(String label, MailOutcomes.Outcome outcome) throws Exception;
    }

    /** Sends one layout and checks it; a mail that never arrives anywhere is recorded as lost, and the next layout still runs. */
    private void check(SoftAssertions softly, String layout, String file, Duration within, Expectations expectations) {
        try {
            MailOutcomes.Outcome outcome = send(layout, file, within);
            expectations.check(layout + ": " + outcome.summary(), outcome);
        } catch (Exception | AssertionError e) {
            softly.fail(layout + ": " + e);
        }
    }

    private static final String IDENTICAL = "identical";

    /** "identical", or where two byte strings part: enough to read in a report without printing megabytes. */
    private static String difference(byte[] expected, byte[] actual) {
        int common = Math.min(expected.length, actual.length);
        for (int i = 0; i < common; i++) {
            if (expected[i] != actual[i]) {
                return "differ from byte " + i + " of " + expected.length + " (received " + actual.length + " bytes): "
                    + excerpt(actual, i);
            }
        }
        if (expected.length != actual.length) {
            return "received " + actual.length + " of " + expected.length + " bytes, the rest "
                + (actual.length < expected.length ? "missing" : "added: " + excerpt(actual, common));
        }
        return IDENTICAL;
    }

    private static String excerpt(byte[] bytes, int from) {
        return "\"" + new String(bytes, from, Math.min(80, bytes.length - from), StandardCharsets.ISO_8859_1)
            .replace("\r", "\\r").replace("\n", "\\n") + "\"";
    }

    private MailOutcomes.Outcome send(String subject, String file, Duration within) throws Exception {
        String message = "From: carol@partner.example\r\nTo: " + BOB + "\r\nSubject: " + subject + "\r\n"
            + new String(openssl.read(file), StandardCharsets.ISO_8859_1);
        return outcomes.send("carol@partner.example", message, within);
    }

    private void run(String... arguments) throws Exception {
        OpenSsl.Result result = openssl.run(arguments);
        if (result.exitCode() != 0) {
            throw new AssertionError(String.join(" ", arguments) + ": " + result.output());
        }
    }

    /**
     * A text/plain entity of about {@code size} bytes: 7-bit lines of words, CRLF, none starting with a
     * dot (SMTP) or a hyphen (delimiters), so that every layout carries it unchanged.
     */
    static byte[] textEntity(int size) {
        String[] words = {"order", "invoice", "shipment", "pallet", "Rotterdam", "Hamburg", "quantity", "price", "EUR", "net",
            "delivery", "week", "confirmed", "contract", "clause", "12", "4711", "2026", "batch", "signed"};
        Random random = new Random(size);
        StringBuilder text = new StringBuilder("Content-Type: text/plain; charset=us-ascii\r\nContent-Transfer-Encoding: 7bit\r\n\r\n");
        StringBuilder line = new StringBuilder();
        while (text.length() < size) {
            String word = words[random.nextInt(words.length)];
            if (line.length() + word.length() + 1 > 72) {
                text.append(line).append("\r\n");
                line.setLength(0);
            }
            line.append(line.length() == 0 ? "Line " + word : " " + word);
        }
        text.append(line).append("\r\n");
        return text.toString().getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] trimmedBody(byte[] entity) {
        String text = new String(entity, StandardCharsets.US_ASCII);
        return trimmed(text.substring(text.indexOf("\r\n\r\n") + 4).getBytes(StandardCharsets.US_ASCII));
    }

    /** Without trailing line ends: the CRLF before a delimiter belongs to the delimiter, not the part. */
    private static byte[] trimmed(byte[] bytes) {
        int end = bytes.length;
        while (end > 0 && (bytes[end - 1] == '\r' || bytes[end - 1] == '\n')) {
            end--;
        }
        return Arrays.copyOf(bytes, end);
    }

    private static MimeMessage parse(MailOutcomes.Outcome outcome) throws Exception {
        return new MimeMessage(Session.getInstance(new Properties()), new ByteArrayInputStream(outcome.raw()));
    }

    /** The body of the first part of a multipart/signed message, as the reader's client gets it. */
    private static byte[] signedPartBody(MailOutcomes.Outcome outcome) {
        try {
            MimeMessage message = parse(outcome);
            MimeMultipart signed = (MimeMultipart) message.getContent();
            return trimmed(((MimeBodyPart) signed.getBodyPart(0)).getRawInputStream().readAllBytes());
        } catch (Exception e) {
            return ("not a readable multipart/signed message: " + e).getBytes(StandardCharsets.US_ASCII);
        }
    }

    private static byte[] messageBody(MailOutcomes.Outcome outcome) {
        try {
            return parse(outcome).getRawInputStream().readAllBytes();
        } catch (Exception e) {
            return ("unreadable message: " + e).getBytes(StandardCharsets.US_ASCII);
        }
    }

    /** The eContent of a delivered opaque signature (the signature is kept), decoded from its base64. */
    private static byte[] opaqueContent(MailOutcomes.Outcome outcome) {
        try {
            byte[] der = parse(outcome).getInputStream().readAllBytes();
            return (byte[]) new CMSSignedData(der).getSignedContent().getContent();
        } catch (Exception e) {
            return ("not a readable opaque signature: " + e).getBytes(StandardCharsets.US_ASCII);
        }
    }
}
