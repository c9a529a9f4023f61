package dev.smimegateway.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import dev.smimegateway.core.testing.TestPki;

/**
 * The gateway's metrics reach an administrator the way README.md tells: James's webadmin route
 * {@code GET /metrics} (enabled in conf-samples/gateway/webadmin.properties), in Prometheus text
 * format. The mailets get James's own MetricFactory through their @Inject constructors.
 */
class MetricsThroughJamesTest {
    private static final TestPki PKI = TestPki.create("Metrics CA");
    private static final TestPki.Issued ALICE = PKI.leaf("Alice").email("alice@example.com").issue();
    private static final String MESSAGE = "From: Alice <alice@example.com>\nTo: Bob <bob@partner.example>\n"
        + "Subject: Quarterly figures\nMIME-Version: 1.0\nContent-Type: text/plain; charset=UTF-8\n\nDear Bob\n";

    /** The value of the sample named {@code name} (no labels) in the Prometheus text, if there is one. */
    private static Optional<Double> sample(String metrics, String name) {
        return metrics.lines().filter(line -> line.startsWith(name + " ")).findFirst()
            .map(line -> Double.parseDouble(line.substring(name.length() + 1).trim()));
    }

    private static String metrics(RealJamesServer james) throws IOException {
        HttpResponse<String> response = james.get("/metrics");
        assertThat(response.statusCode()).isEqualTo(200);
        return response.body();
    }

    @Test
    void aSignedMailMovesTheSignCounterAndTimerOnTheMetricsRoute() throws Exception {
        try (RealJamesServer james = RealJamesServer.withPolicy("sign").start()) {
            assertThat(james.putJson("/smime/identities/alice", "{\"pkcs12\":\"" + Base64.getEncoder().encodeToString(ALICE.pkcs12("pw"))
                + "\",\"password\":\"pw\"}").statusCode()).isEqualTo(201);
            for (String user : List.of("alice@example.com", "bob@partner.example")) {
                assertThat(james.put("/users/" + user, "application/json", "{\"password\":\"pw\"}".getBytes(StandardCharsets.UTF_8))
                    .statusCode()).isEqualTo(204);
            }
            String before = metrics(james);
            assertThat(sample(before, "smime_sign_signed_total")).as("registered at zero when the mailet starts").contains(0.0);

            MailClient.send(james.smtpPort(), "alice@example.com", "bob@partner.example", MESSAGE);
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(300))
                .until(() -> MailClient.messageCount(james.imapPort(), "bob@partner.example", "pw") >= 1);

            String after = metrics(james);
            System.out.println("GET /metrics, the gateway's lines:");
            after.lines().filter(line -> line.contains("smime_sign") || line.startsWith("SMimeSign")).forEach(System.out::println);
            assertThat(sample(after, "smime_sign_signed_total")).contains(1.0);
            assertThat(sample(after, "smime_sign_failed_NO_IDENTITY_total")).contains(0.0);
            assertThat(sample(after, "smime_sign_time_count")).contains(1.0);
        }
    }
}
