package dev.smimegateway.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Expiry on a real James 3.8.1 with the bundle loaded from extensions-jars/: an identity created with
 * a short validity is listed by {@code /smime/expiring}, the daily check is scheduled when James
 * starts and stopped (James's {@code @PreDestroy}) when it stops.
 */
class ExpiryThroughJamesTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static String selfSigned(String email, int validityDays) {
        return "{\"selfSigned\":{\"commonName\":\"" + email + "\",\"emails\":[\"" + email + "\"],"
            + "\"signatureAlgorithm\":\"ECDSA-P256-SHA256\",\"validityDays\":" + validityDays + "}}";
    }

    @Test
    void anIdentityWithAShortValidityIsListedAsExpiringAndTheDailyCheckStartsAndStopsWithJames() throws Exception {
        RealJamesServer james = RealJamesServer.withPolicy(RealJamesServer.DEMO_POLICY,
            "keystore.master.secret=expiry-it-master-secret-0123456789", "expiry.warningDays=30").start();
        try {
            assertThat(james.putJson("/smime/identities/short", selfSigned("short@example.com", 10)).statusCode()).isEqualTo(201);
            assertThat(james.putJson("/smime/identities/long", selfSigned("long@example.com", 365)).statusCode()).isEqualTo(201);

            HttpResponse<String> expiring = james.get("/smime/expiring?withinDays=30");

            assertThat(expiring.statusCode()).isEqualTo(200);
            JsonNode entries = JSON.readTree(expiring.body());
            assertThat(entries.findValuesAsText("name")).containsExactly("short");
            JsonNode entry = entries.get(0);
            assertThat(entry.get("kind").asText()).isEqualTo("identity");
            assertThat(entry.get("path").asText()).isEqualTo("/smime/identities/short");
            assertThat(entry.get("active").asBoolean()).isTrue();
            assertThat(entry.get("expired").asBoolean()).isFalse();
            assertThat(Instant.parse(entry.get("notAfter").asText())).isBetween(Instant.now().plus(Duration.ofDays(9)),
                Instant.now().plus(Duration.ofDays(11)));
            assertThat(JSON.readTree(james.get("/smime/identities?expiringWithinDays=30").body()).findValuesAsText("name"))
                .containsExactly("short");
            assertThat(james.get("/smime/expiring?withinDays=3651").statusCode()).isEqualTo(400);
            assertThat(james.log()).contains("S/MIME expiry check: entries expiring within 30 days are logged every 24 hours");
        } finally {
            james.stop();
        }
        assertThat(james.log()).contains("S/MIME expiry check stopped");
    }
}
