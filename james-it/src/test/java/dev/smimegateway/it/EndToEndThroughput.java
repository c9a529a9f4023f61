package dev.smimegateway.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;

import dev.smimegateway.core.smime.ContentEncryption;
import dev.smimegateway.core.smime.DigestAlgorithm;
import dev.smimegateway.core.smime.KeyTransport;
import dev.smimegateway.core.smime.MimeEntities;
import dev.smimegateway.core.smime.SignMode;
import dev.smimegateway.core.smime.SmimeEncryptor;
import dev.smimegateway.core.smime.SmimeSigner;
import dev.smimegateway.core.testing.TestPki;
import jakarta.mail.internet.MimeMessage;

/**
 * Part 4 of the benchmark suite (issue 9), end to end: 4 KB mails pushed over SMTP on loopback by
 * parallel clients, each mail on a connection of its own, through the same server (conf-samples) three
 * ways: plain mail with the S/MIME mailets taken out of the sign-then-encrypt policy, outgoing mail
 * through the sign-then-encrypt policy, and a partner's signed and encrypted mail through the b2b-gateway
 * policy's incoming path (decrypt, verify, harvest). Mails/s from the first connection to the last
 * delivery into the recipient's mailbox, after a warm-up of a quarter as many.
 * James runs with its usual JIT and GC here, not the quick-start options of the tests.
 *
 * <p>Not part of the build's tests (surefire runs the classes named *Test); run it with
 * {@code mvn -o -pl james-it test -Dtest=EndToEndThroughput -Dawaitility.version=4.2.0}, optionally with
 * {@code -De2e.mails=400 -De2e.clients=4}, and {@code -De2e.jfr=<path prefix>} to record each server with JFR. It prints the rates, their ratios to the plain server and
 * the issue's target, and with {@code -De2e.output=<file>} writes them for the benchmark suite's table
 * ({@code benchmark.sh} does both).
 */
class EndToEndThroughput {
    private static final TestPki PKI = TestPki.create("Throughput CA");
    private static final TestPki.Issued ALICE = PKI.leaf("Alice").email("alice@example.com").issue();
    private static final TestPki.Issued BOB = PKI.leaf("Bob").email("bob@partner.example").issue();
    private static final Route OUTGOING = new Route("alice@example.com", "bob@partner.example");
    private static final Route INCOMING = new Route("bob@partner.example", "alice@example.com");
    private static final Duration DELIVERY_TIMEOUT = Duration.ofMinutes(5);
    private static final String SMIME_MAILETS =
        "(?s)<mailet match=\"All\" class=\"dev\\.smimegateway\\.mailets\\.SMime(Sign|Encrypt)\">.*?</mailet>";

    /** Who sends to whom: Alice is at our domain example.com, Bob at the partner's. */
    private record Route(String from, String to) {
    }

    private final int mails = Integer.getInteger("e2e.mails", 400);
    private final int clients = Integer.getInteger("e2e.clients", 4);

    @Test
    void signThenEncryptAndB2bIncomingAgainstThePlainServer() throws Exception {
        String policy = Files.readString(RealJamesServer.confSamples().resolve("policies/sign-then-encrypt.xml"));
        String withoutSmime = policy.replaceAll(SMIME_MAILETS, "");
        assertThat(withoutSmime).doesNotContain("SMimeSign").doesNotContain("SMimeEncrypt");
        String plainMessage = message(OUTGOING);
        String incomingMessage = signedAndEncryptedByBob(message(INCOMING));

        double plain = mailsPerSecond("plain", RealJamesServer.withMailetContainer(withoutSmime), OUTGOING, plainMessage,
            "Content-Type: multipart/mixed");
        double outgoing = mailsPerSecond("sign-then-encrypt", RealJamesServer.withPolicy("sign-then-encrypt"), OUTGOING, plainMessage,
            "Content-Type: application/pkcs7-mime");
        double incoming = mailsPerSecond("b2b-incoming", RealJamesServer.withPolicy("b2b-gateway"), INCOMING, incomingMessage,
            "X-Smime-Gateway-Status: verified");

        System.out.printf("%nEnd to end through James 3.8.1: %d mails of 4 KB after %d to warm up, %d SMTP clients on loopback, %d cores%n",
            mails, mails / 4, clients, Runtime.getRuntime().availableProcessors());
        System.out.println("| policy | mails/s | ratio to the plain server |");
        System.out.println("|---|---:|---:|");
        System.out.printf("| plain (sign-then-encrypt without its SMimeSign and SMimeEncrypt) | %.0f | 100%% |%n", plain);
        System.out.printf("| sign-then-encrypt, outgoing | %.0f | %.0f%% |%n", outgoing, outgoing / plain * 100);
        System.out.printf("| b2b-gateway, incoming signed and encrypted (decrypt, verify, harvest) | %.0f | %.0f%% |%n", incoming,
            incoming / plain * 100);
        System.out.printf("%nTarget: the sign+encrypt policy costs at most 25%% of the plain server's throughput (≥ 75%%): %.0f%% %s%n%n",
            outgoing / plain * 100, outgoing / plain >= 0.75 ? "PASS" : "MISS");
        String output = System.getProperty("e2e.output", "");
        if (!output.isBlank()) {
            Files.writeString(Path.of(output), String.format(Locale.ROOT, "plain=%.1f%noutgoing=%.1f%nincoming=%.1f%n"
                + "conditions=James 3.8.1, %d mails after %d to warm up, %d SMTP clients%n", plain, outgoing, incoming, mails, mails / 4,
                clients));
        }
    }

    /**
     * @param label     names the JFR recording
     * @param delivered a line the last delivered mail must hold: the policy was applied, not bypassed
     */
    private double mailsPerSecond(String label, RealJamesServer server, Route route, String message, String delivered) throws Exception {
        List<String> options = new ArrayList<>(List.of("-Xmx1g"));
        String profile = System.getProperty("e2e.jfr", "");
        if (!profile.isBlank()) {
            options.add("-XX:StartFlightRecording=settings=profile,filename=" + profile + "-" + label + ".jfr");
        }
        try (RealJamesServer james = server.jvmOptions(options.toArray(String[]::new)).start()) {
            addKeysAndUsers(james);
            int warmUp = mails / 4;
            push(james, route, message, warmUp);
            awaitDelivered(james, route.to(), warmUp);
            long start = System.nanoTime();
            push(james, route, message, mails);
            awaitDelivered(james, route.to(), warmUp + mails);
            double rate = mails / ((System.nanoTime() - start) / 1e9);
            List<byte[]> received = MailClient.fetchAll(james.imapPort(), route.to(), "pw");
            assertThat(new String(received.get(received.size() - 1), StandardCharsets.ISO_8859_1)).contains(delivered);
            return rate;
        }
    }

    private static void addKeysAndUsers(RealJamesServer james) throws Exception {
        assertThat(james.putJson("/smime/identities/alice", "{\"pkcs12\":\"" + Base64.getEncoder().encodeToString(ALICE.pkcs12("pw"))
            + "\",\"password\":\"pw\"}").statusCode()).isEqualTo(201);
        assertThat(james.put("/smime/certificates/bob", "application/x-pem-file", BOB.pem().getBytes(StandardCharsets.US_ASCII))
            .statusCode()).isEqualTo(201);
        assertThat(james.post("/smime/trust-anchors?action=import", "application/x-pem-file",
            TestPki.pem(PKI.caCertificate()).getBytes(StandardCharsets.US_ASCII)).statusCode()).isEqualTo(200);
        for (String user : List.of("alice@example.com", "bob@partner.example")) {
            assertThat(james.put("/users/" + user, "application/json", "{\"password\":\"pw\"}".getBytes(StandardCharsets.US_ASCII))
                .statusCode()).isEqualTo(204);
        }
    }

    private void push(RealJamesServer james, Route route, String message, int count) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            List<Future<?>> sent = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                sent.add(pool.submit(() -> {
                    MailClient.send(james.smtpPort(), route.from(), route.to(), message);
                    return null;
                }));
            }
            for (Future<?> mail : sent) {
                mail.get();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static void awaitDelivered(RealJamesServer james, String recipient, int count) throws Exception {
        long deadline = System.nanoTime() + DELIVERY_TIMEOUT.toNanos();
        while (MailClient.messageCount(james.imapPort(), recipient, "pw") < count) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(count + " mails were not all delivered within " + DELIVERY_TIMEOUT + "; James's log:\n"
                    + james.log());
            }
            Thread.sleep(100);
        }
    }

    /** What Bob's gateway sends: signed by Bob, then encrypted to Alice (AES-256-CBC). */
    private static String signedAndEncryptedByBob(String message) throws Exception {
        MimeMessage signed = new SmimeSigner(BOB.privateKey(), BOB.chain(), DigestAlgorithm.SHA256, false)
            .sign(MimeEntities.parse(message.getBytes(StandardCharsets.US_ASCII)), SignMode.DETACHED);
        MimeMessage encrypted = new SmimeEncryptor(ContentEncryption.AES256_CBC, KeyTransport.RSA_PKCS1)
            .encrypt(signed, List.of(ALICE.certificate()), Optional.empty());
        return new String(MimeEntities.write(encrypted), StandardCharsets.US_ASCII);
    }

    /** About 4 KB, shaped as the benchmark module's messages: a short text and an attachment. */
    private static String message(Route route) {
        byte[] attachment = new byte[2600];
        new Random(1).nextBytes(attachment);
        return "From: " + route.from() + "\nTo: " + route.to() + "\nSubject: throughput\nMIME-Version: 1.0\n"
            + "Content-Type: multipart/mixed; boundary=\"throughput\"\n\n--throughput\nContent-Type: text/plain; charset=US-ASCII\n\n"
            + "The report is attached.\n--throughput\nContent-Type: application/octet-stream; name=\"report.bin\"\n"
            + "Content-Transfer-Encoding: base64\nContent-Disposition: attachment; filename=\"report.bin\"\n\n"
            + Base64.getMimeEncoder().encodeToString(attachment) + "\n--throughput--\n";
    }
}
