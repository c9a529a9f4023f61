package dev.smimegateway.webadmin;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import dev.smimegateway.core.certificate.CertificateFacts;
import dev.smimegateway.core.certificate.Pem;
import dev.smimegateway.core.testing.TestPki;
import dev.smimegateway.keystore.EmbeddedDerby;
import dev.smimegateway.keystore.HarvestRequest;
import dev.smimegateway.keystore.HarvestResult;
import dev.smimegateway.keystore.SmimeKeyStore;

/** The routes for certificates harvested from partners' signed mail, their updates and the risk alerts those raise. */
class SmimeKeyStoreRoutesHarvestTest {
    private static final TestPki PKI = TestPki.create("Harvest Routes Test CA");
    private static final String ALICE = "alice@partner.example";
    private static final String BOB = "bob@partner.example";
    private static final String CAROL = "carol@other.example";
    private static X509Certificate alice;
    private static X509Certificate carol;
    /** Bob's certificate and two renewals, each issued a day after the one before. */
    private static List<X509Certificate> bob;

    @TempDir
    Path folder;
    private SmimeKeyStore store;
    private RoutesServer server;

    @BeforeAll
    static void issueCertificates() {
        alice = PKI.leaf("Alice").email(ALICE).issue().certificate();
        carol = PKI.leaf("Carol").email(CAROL).issue().certificate();
        Instant now = Instant.now();
        bob = List.of(3, 2, 1).stream()
            .map(daysAgo -> PKI.leaf("Bob").email(BOB).validity(now.minus(Duration.ofDays(daysAgo)), now.plus(Duration.ofDays(365)))
                .issue().certificate())
            .toList();
    }

    @BeforeEach
    void start() {
        store = SmimeKeyStore.open(EmbeddedDerby.dataSource(folder.resolve("keystore")), "harvest-routes-secret".toCharArray(),
            Clock.systemUTC());
        server = RoutesServer.serving(store);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private HarvestResult harvest(X509Certificate certificate, String address, boolean acceptUpdates) {
        return store.harvest(new HarvestRequest(CertificateFacts.of(certificate), List.of(address), Optional.of("<id@x>"), acceptUpdates,
            Duration.ofHours(48), 512L << 20, Optional.empty(), Optional.empty()));
    }

    /** Bob's certificate and both renewals, all stored: the second update raises an alert for his address. */
    private void harvestBobAndTwoRenewals() {
        bob.forEach(certificate -> harvest(certificate, BOB, true));
    }

    private HttpResponse<String> get(String path) throws Exception {
        return server.send("GET", path, null);
    }

    private static JsonNode json(HttpResponse<String> response) throws Exception {
        return RoutesServer.json(response);
    }

    private static String fingerprint(X509Certificate certificate) {
        return CertificateFacts.of(certificate).fingerprint();
    }

    @Test
    void listsAHarvestedCertificateWithWhereItCameFrom() throws Exception {
        harvest(alice, ALICE, false);

        HttpResponse<String> list = get("/smime/harvested");

        assertThat(list.statusCode()).isEqualTo(200);
        JsonNode entry = json(list).get(0);
        assertThat(entry.get("name").asText()).isEqualTo(ALICE);
        assertThat(entry.get("address").asText()).isEqualTo(ALICE);
        assertThat(entry.get("messageId").asText()).isEqualTo("<id@x>");
        assertThat(entry.get("storedBytes").asInt()).isEqualTo(CertificateFacts.of(alice).der().length);
        assertThat(Instant.parse(entry.get("firstSeen").asText())).isEqualTo(Instant.parse(entry.get("lastSeen").asText()));
        assertThat(entry.has("lastUsed")).isTrue();
        assertThat(entry.at("/certificate/fingerprint").asText()).isEqualTo(fingerprint(alice));
        assertThat(entry.at("/certificate/subject").asText()).isEqualTo(CertificateFacts.of(alice).subject());
    }

    @Test
    void filtersByAddressWhateverItsCase() throws Exception {
        harvest(alice, ALICE, false);
        harvest(carol, CAROL, false);

        assertThat(json(get("/smime/harvested?address=Alice@Partner.example")).findValuesAsText("address")).containsExactly(ALICE);
    }

    @Test
    void filtersByDomain() throws Exception {
        harvest(alice, ALICE, false);
        harvest(carol, CAROL, false);

        assertThat(json(get("/smime/harvested?domain=other.example")).findValuesAsText("address")).containsExactly(CAROL);
    }

    @Test
    void pagesThroughTheListByAddress() throws Exception {
        harvest(carol, CAROL, false);
        harvest(bob.get(0), BOB, false);
        harvest(alice, ALICE, false);

        assertThat(json(get("/smime/harvested")).findValuesAsText("address")).containsExactly(ALICE, BOB, CAROL);
        assertThat(json(get("/smime/harvested?offset=1&limit=1")).findValuesAsText("address")).containsExactly(BOB);
        assertThat(json(get("/smime/harvested?offset=2&limit=1000")).findValuesAsText("address")).containsExactly(CAROL);
        assertThat(json(get("/smime/harvested?offset=3"))).isEmpty();
    }

    @Test
    void badPagingOrFiltersAreBadRequestsThatSayWhy() throws Exception {
        for (String query : new String[] {"limit=0", "limit=1001", "limit=ten", "limit=", "offset=-1", "offset=1.5",
            "address=bob", "domain=not_a_domain", "address=" + BOB + "&domain=partner.example"}) {
            HttpResponse<String> refused = get("/smime/harvested?" + query);

            assertThat(refused.statusCode()).as(query).isEqualTo(400);
            assertThat(json(refused).get("type").asText()).as(query).isEqualTo("InvalidArgument");
            assertThat(json(refused).get("message").asText()).as(query).isNotBlank();
        }
        assertThat(json(get("/smime/harvested?limit=ten")).get("message").asText())
            .isEqualTo("?limit must be a whole number from 1 to 1000, not 'ten'");
    }

    @Test
    void showsOneHarvestedCertificate() throws Exception {
        harvest(alice, ALICE, false);

        HttpResponse<String> shown = get("/smime/harvested/" + ALICE);

        assertThat(shown.statusCode()).isEqualTo(200);
        assertThat(json(shown).get("address").asText()).isEqualTo(ALICE);
        assertThat(json(shown).at("/certificate/fingerprint").asText()).isEqualTo(fingerprint(alice));
    }

    @Test
    void givesAHarvestedCertificateAsPem() throws Exception {
        harvest(alice, ALICE, false);

        HttpResponse<String> pem = get("/smime/harvested/" + ALICE + "?format=pem");

        assertThat(pem.statusCode()).isEqualTo(200);
        assertThat(pem.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).startsWith("application/x-pem-file"));
        assertThat(pem.body()).startsWith("name: " + ALICE + "\n");
        assertThat(Pem.readChain(pem.body().getBytes(StandardCharsets.US_ASCII))).extracting(CertificateFacts::fingerprint)
            .containsExactly(fingerprint(alice));
    }

    @Test
    void promotingMakesTheCertificateAdministratorManaged() throws Exception {
        harvest(alice, ALICE, false);

        HttpResponse<String> promoted = server.send("POST", "/smime/harvested/" + ALICE + "?action=promote", null);

        assertThat(promoted.statusCode()).isEqualTo(200);
        assertThat(json(promoted).get("name").asText()).isEqualTo(ALICE);
        assertThat(json(promoted).get("origin").asText()).isEqualTo("added");
        assertThat(json(promoted).at("/certificate/fingerprint").asText()).isEqualTo(fingerprint(alice));
        assertThat(json(get("/smime/certificates")).findValuesAsText("name")).containsExactly(ALICE);
        assertThat(json(get("/smime/harvested"))).isEmpty();
        assertThat(get("/smime/harvested/" + ALICE).statusCode()).isEqualTo(404);
    }

    @Test
    void promotionNeedsTheActionSpelledOut() throws Exception {
        harvest(alice, ALICE, false);

        for (String query : new String[] {"", "?action=activate", "?action=PROMOTE"}) {
            HttpResponse<String> refused = server.send("POST", "/smime/harvested/" + ALICE + query, null);

            assertThat(refused.statusCode()).as(query).isEqualTo(400);
            assertThat(json(refused).get("message").asText()).as(query).contains("?action=promote");
        }
        assertThat(json(get("/smime/harvested")).findValuesAsText("name")).containsExactly(ALICE);
    }

    @Test
    void deletesAHarvestedCertificate() throws Exception {
        harvest(alice, ALICE, false);

        assertThat(server.send("DELETE", "/smime/harvested/" + ALICE, null).statusCode()).isEqualTo(204);

        assertThat(json(get("/smime/harvested"))).isEmpty();
        assertThat(get("/smime/certificates/" + ALICE).statusCode()).isEqualTo(404);
    }

    @Test
    void anUnknownHarvestedCertificateIsNotFound() throws Exception {
        String path = "/smime/harvested/nobody@partner.example";

        for (HttpResponse<String> response : List.of(get(path), server.send("POST", path + "?action=promote", null),
            server.send("DELETE", path, null))) {
            assertThat(response.statusCode()).as(response.request().method()).isEqualTo(404);
            assertThat(json(response).get("message").asText()).isEqualTo("no harvested certificate named 'nobody@partner.example'");
        }
    }

    @Test
    void anAdministratorsCertificateIsNoHarvestedCertificate() throws Exception {
        server.send("PUT", "/smime/certificates/carol", TestPki.pem(carol));

        assertThat(get("/smime/harvested/carol").statusCode()).isEqualTo(404);
        assertThat(server.send("DELETE", "/smime/harvested/carol", null).statusCode()).isEqualTo(404);
        assertThat(get("/smime/certificates/carol").statusCode()).isEqualTo(200);
    }

    @Test
    void listsUpdatedCertificatesStoredAndRejected() throws Exception {
        harvest(bob.get(0), BOB, true);
        harvest(bob.get(1), BOB, true);
        harvest(bob.get(2), BOB, false);
        harvest(carol, CAROL, true);

        HttpResponse<String> updates = get("/smime/harvested/updates");

        assertThat(updates.statusCode()).isEqualTo(200);
        assertThat(json(updates)).hasSize(2);
        for (JsonNode update : json(updates)) {
            assertThat(update.get("id").asText()).isNotBlank();
            assertThat(update.get("address").asText()).isEqualTo(BOB);
            assertThat(update.get("messageId").asText()).isEqualTo("<id@x>");
            assertThat(Instant.parse(update.get("seenAt").asText())).isBeforeOrEqualTo(Instant.now());
        }
        assertThat(json(updates).findValuesAsText("outcome")).containsExactlyInAnyOrder("stored", "rejected");
        assertThat(json(updates).findValuesAsText("fingerprint")).containsExactlyInAnyOrder(fingerprint(bob.get(1)), fingerprint(bob.get(2)));
    }

    @Test
    void filtersUpdatesByAddress() throws Exception {
        harvest(bob.get(0), BOB, true);
        harvest(bob.get(1), BOB, true);

        assertThat(json(get("/smime/harvested/updates?address=Bob@Partner.example"))).hasSize(1);
        assertThat(json(get("/smime/harvested/updates?address=" + CAROL))).isEmpty();
        assertThat(get("/smime/harvested/updates?address=bob").statusCode()).isEqualTo(400);
    }

    @Test
    void listsTheAlertRaisedBySecondUpdate() throws Exception {
        harvestBobAndTwoRenewals();

        HttpResponse<String> alerts = get("/smime/alerts");

        assertThat(alerts.statusCode()).isEqualTo(200);
        assertThat(json(alerts)).hasSize(1);
        JsonNode alert = json(alerts).get(0);
        assertThat(alert.get("id").asText()).isNotBlank();
        assertThat(alert.get("scope").asText()).isEqualTo("address");
        assertThat(alert.get("subject").asText()).isEqualTo(BOB);
        assertThat(alert.get("raisedAt").asText()).isNotBlank();
        assertThat(alert.get("detail").asText()).contains("2 updated certificates").contains(fingerprint(bob.get(2)));
        assertThat(alert.get("acknowledgedAt").isNull()).isTrue();
    }

    @Test
    void acknowledgingMovesAnAlertToTheAcknowledgedOnes() throws Exception {
        harvestBobAndTwoRenewals();
        String id = json(get("/smime/alerts")).at("/0/id").asText();
        assertThat(json(get("/smime/alerts?acknowledged=true"))).isEmpty();

        HttpResponse<String> acknowledged = server.send("POST", "/smime/alerts/" + id + "?action=ack", null);

        assertThat(acknowledged.statusCode()).isEqualTo(200);
        assertThat(json(acknowledged).get("id").asText()).isEqualTo(id);
        assertThat(Instant.parse(json(acknowledged).get("acknowledgedAt").asText())).isBeforeOrEqualTo(Instant.now());
        assertThat(json(get("/smime/alerts?acknowledged=false"))).isEmpty();
        assertThat(json(get("/smime/alerts?acknowledged=true")).findValuesAsText("id")).containsExactly(id);
        assertThat(json(get("/smime/alerts")).findValuesAsText("id")).containsExactly(id);
    }

    @Test
    void alertRequestsThatMakeNoSenseAreRefused() throws Exception {
        harvestBobAndTwoRenewals();
        String id = json(get("/smime/alerts")).at("/0/id").asText();

        HttpResponse<String> badFilter = get("/smime/alerts?acknowledged=yes");
        assertThat(badFilter.statusCode()).isEqualTo(400);
        assertThat(json(badFilter).get("message").asText()).isEqualTo("?acknowledged must be true or false, not 'yes'");
        HttpResponse<String> badAction = server.send("POST", "/smime/alerts/" + id + "?action=dismiss", null);
        assertThat(badAction.statusCode()).isEqualTo(400);
        assertThat(json(badAction).get("message").asText()).contains("?action=ack");
        HttpResponse<String> unknown = server.send("POST", "/smime/alerts/no-such-alert?action=ack", null);
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(json(unknown).get("message").asText()).isEqualTo("no alert with id 'no-such-alert'");
        assertThat(json(get("/smime/alerts?acknowledged=false")).findValuesAsText("id")).containsExactly(id);
    }
}
