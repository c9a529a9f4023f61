package dev.smimegateway.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;

import dev.smimegateway.core.testing.TestPki;

/**
 * Part 4 of the benchmark suite (issue 9), end to end: 4 KB mails pushed over SMTP on loopback by
 * parallel clients, each mail on a connection of its own, through the sign-then-encrypt policy and
 * through the same server with its SMimeSign and SMimeEncrypt taken out; mails/s from the first
 * connection to the last delivery into the recipient's mailbox, after a warm-up of a quarter as many.
 * James runs with its usual JIT and GC here, not the quick-start options of the tests.
 *
 * <p>Not part of the build's tests (surefire runs the classes named *Test); run it with
 * {@code mvn -o -pl james-it test -Dtest=EndToEndThroughput -Dawaitility.version=4.2.0}, optionally with
 * {@code -De2e.mails=400 -De2e.clients=4}. It prints the two rates, their ratio and the issue's target.
 */
class EndToEndThroughput {
    private static final TestPki PKI = TestPki.create("Throughput CA");
    private static final TestPki.Issued ALICE = PKI.leaf("Alice").email("alice@example.com").issue();
    private static final TestPki.Issued BOB = PKI.leaf("Bob").email("bob@partner.example").issue();
    private static final Duration DELIVERY_TIMEOUT = Duration.ofMinutes(5);
    private static final String SMIME_MAILETS =
        "(?s)<mailet match=\"All\" class=\"dev\\.smimegateway\\.mailets\\.SMime(Sign|Encrypt)\">.*?</mailet>";

    private final int mails = Integer.getInteger("e2e.mails", 400);
    private final int clients = Integer.getInteger("e2e.clients", 4);

    @Test
    void signThenEncryptAgainstThePlainServer() throws Exception {
        String policy = Files.readString(RealJamesServer.confSamples().resolve("policies/sign-then-encrypt.xml"));
        String withoutSmime = policy.replaceAll(SMIME_MAILETS, "");
        assertThat(withoutSmime).doesNotContain("SMimeSign").doesNotContain("SMimeEncrypt");

        double plain = mailsPerSecond(RealJamesServer.withMailetContainer(withoutSmime), "multipart/mixed");
        double signedAndEncrypted = mailsPerSecond(RealJamesServer.withPolicy("sign-then-encrypt"), "application/pkcs7-mime");

        double ratio = signedAndEncrypted / plain;
        System.out.printf("%nEnd to end through James 3.8.1: %d mails of 4 KB after %d to warm up, %d SMTP clients on loopback, %d cores%n",
            mails, mails / 4, clients, Runtime.getRuntime().availableProcessors());
        System.out.println("| policy | mails/s | ratio to the plain server |");
        System.out.println("|---|---:|---:|");
        System.out.printf("| plain (sign-then-encrypt without its SMimeSign and SMimeEncrypt) | %.0f | 100%% |%n", plain);
        System.out.printf("| sign-then-encrypt | %.0f | %.0f%% |%n", signedAndEncrypted, ratio * 100);
        System.out.printf("%nTarget: the sign+encrypt policy costs at most 25%% of the plain server's throughput (≥ 75%%): %.0f%% %s%n%n",
            ratio * 100, ratio >= 0.75 ? "PASS" : "MISS");
    }

    /** @param delivered the content type the last delivered mail must have: the policy was applied, not bypassed */
    private double mailsPerSecond(RealJamesServer server, String delivered) throws Exception {
        try (RealJamesServer james = server.jvmOptions("-Xmx1g").start()) {
            addKeysAndUsers(james);
            String message = message();
            int warmUp = mails / 4;
            push(james, message, warmUp);
            awaitDelivered(james, warmUp);
            long start = System.nanoTime();
            push(james, message, mails);
            awaitDelivered(james, warmUp + mails);
            double rate = mails / ((System.nanoTime() - start) / 1e9);
            List<byte[]> received = MailClient.fetchAll(james.imapPort(), "bob@partner.example", "pw");
            assertThat(new String(received.get(received.size() - 1), StandardCharsets.ISO_8859_1)).contains("Content-Type: " + delivered);
            return rate;
        }
    }

    private static void addKeysAndUsers(RealJamesServer james) throws Exception {
        assertThat(james.putJson("/smime/identities/alice", "{\"pkcs12\":\"" + Base64.getEncoder().encodeToString(ALICE.pkcs12("pw"))
            + "\",\"password\":\"pw\"}").statusCode()).isEqualTo(201);
        assertThat(james.put("/smime/certificates/bob", "application/x-pem-file", BOB.pem().getBytes(StandardCharsets.US_ASCII))
            .statusCode()).isEqualTo(201);
        for (String user : List.of("alice@example.com", "bob@partner.example")) {
            assertThat(james.put("/users/" + user, "application/json", "{\"password\":\"pw\"}".getBytes(StandardCharsets.US_ASCII))
                .statusCode()).isEqualTo(204);
        }
    }

    private void push(RealJamesServer james, String message, int count) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            List<Future<?>> sent = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                sent.add(pool.submit(() -> {
                    MailClient.send(james.smtpPort(), "alice@example.com", "bob@partner.example", message);
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

    private static void awaitDelivered(RealJamesServer james, int count) throws Exception {
        long deadline = System.nanoTime() + DELIVERY_TIMEOUT.toNanos();
        while (MailClient.messageCount(james.imapPort(), "bob@partner.example", "pw") < count) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(count + " mails were not all delivered within " + DELIVERY_TIMEOUT + "; James's log:\n"
                    + james.log());
            }
            Thread.sleep(100);
        }
    }

    /** About 4 KB, shaped as the benchmark module's messages: a short text and an attachment. */
    private static String message() {
        byte[] attachment = new byte[2600];
        new Random(1).nextBytes(attachment);
        return "From: Alice <alice@example.com>\nTo: Bob <bob@partner.example>\nSubject: throughput\nMIME-Version: 1.0\n"
            + "Content-Type: multipart/mixed; boundary=\"throughput\"\n\n--throughput\nContent-Type: text/plain; charset=US-ASCII\n\n"
            + "The report is attached.\n--throughput\nContent-Type: application/octet-stream; name=\"report.bin\"\n"
            + "Content-Transfer-Encoding: base64\nContent-Disposition: attachment; filename=\"report.bin\"\n\n"
            + Base64.getMimeEncoder().encodeToString(attachment) + "\n--throughput--\n";
    }
}
