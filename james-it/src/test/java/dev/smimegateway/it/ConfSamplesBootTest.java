package dev.smimegateway.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every policy of conf-samples/ boots a real James with the bundle and serves mail and key administration. */
class ConfSamplesBootTest {

    static Stream<String> samples() throws IOException {
        try (Stream<Path> files = Files.list(RealJamesServer.confSamples().resolve("policies"))) {
            return files.map(file -> file.getFileName().toString())
                .filter(name -> name.endsWith(".xml"))
                .map(name -> name.substring(0, name.length() - 4))
                .sorted()
                .toList()
                .stream();
        }
    }

    @Test
    void everySendingModeHasASample() throws IOException {
        assertThat(samples()).contains("sign", "encrypt", "sign-then-encrypt", "triple-wrap", RealJamesServer.DEMO_POLICY);
    }

    @ParameterizedTest
    @MethodSource("samples")
    void sampleBootsAndDeliversLocalMailAndServesKeyAdministration(String sample) throws Exception {
        try (RealJamesServer james = RealJamesServer.withPolicy(sample).start()) {
            assertThat(james.get("/smime/identities").statusCode()).isEqualTo(200);
            assertThat(james.put("/users/alice@example.com", "application/json",
                "{\"password\":\"alice-pass\"}".getBytes()).statusCode()).isEqualTo(204);

            MailClient.send(james.smtpPort(), "bob@partner.example", "alice@example.com",
                "From: bob@partner.example\nTo: alice@example.com\nSubject: hello\n\nHello Alice\n");

            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(300)).untilAsserted(() ->
                assertThat(MailClient.messageCount(james.imapPort(), "alice@example.com", "alice-pass")).isEqualTo(1));
            assertThat(james.log()).contains("S/MIME key store ready");
        }
    }
}
