package dev.smimegateway.webadmin;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;

import org.bouncycastle.asn1.x500.X500Name;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import dev.smimegateway.core.certificate.CertificateFacts;
import dev.smimegateway.core.testing.TestPki;
import dev.smimegateway.keystore.AuditOperation;
import dev.smimegateway.keystore.EmbeddedDerby;
import dev.smimegateway.keystore.HarvestRequest;
import dev.smimegateway.keystore.SmimeKeyStore;

/** {@code GET /smime/audit}, and the caller's JWT subject in what every write route records. */
class SmimeKeyStoreRoutesAuditTest {
    private static final TestPki PKI = TestPki.create("Audit Routes CA");
    private static final String ADMIN = "admin@example.com";
    private static final String SELF_SIGNED = "{\"selfSigned\":{\"commonName\":\"Carol\",\"emails\":[\"carol@example.com\"]}}";

    @TempDir
    Path folder;
    private SmimeKeyStore store;
    private RoutesServer server;

    @BeforeEach
    void start() {
        store = SmimeKeyStore.open(EmbeddedDerby.dataSource(folder.resolve("keystore")), "audit-routes-secret".toCharArray(),
            Clock.systemUTC(), "mx1", SmimeKeyStore.PrivateKeyExport.ALLOWED);
        server = RoutesServer.servingBehindJwt(store);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private HttpResponse<String> as(String subject, String method, String path, String body) throws Exception {
        return server.send(method, path, body, subject);
    }

    private JsonNode audit(String query) throws Exception {
        HttpResponse<String> response = server.send("GET", "/smime/audit" + query, null);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).startsWith("application/json"));
        return RoutesServer.json(response);
    }

    private static List<String> values(JsonNode records, String field) {
        return StreamSupport.stream(records.spliterator(), false).map(record -> record.get(field).asText()).toList();
    }

    @Test
    void listsChangesNewestFirstWithTheCallersJwtSubjectAndTheNode() throws Exception {
        assertThat(as(ADMIN, "PUT", "/smime/identities/carol", SELF_SIGNED).statusCode()).isEqualTo(201);
        assertThat(as(ADMIN, "POST", "/smime/identities/carol?action=activate", null).statusCode()).isEqualTo(200);
        assertThat(as(ADMIN, "DELETE", "/smime/identities/carol", null).statusCode()).isEqualTo(204);

        JsonNode records = audit("");

        assertThat(values(records, "operation")).containsExactly("identity.archive", "identity.activate", "identity.create");
        JsonNode created = records.get(2);
        assertThat(created.get("entry").asText()).isEqualTo("carol");
        assertThat(created.get("fingerprint").asText()).hasSize(64);
        assertThat(created.get("node").asText()).isEqualTo("mx1");
        assertThat(created.get("actor").asText()).isEqualTo("webadmin");
        assertThat(created.get("subject").asText()).isEqualTo(ADMIN);
        assertThat(created.get("detail").asText()).startsWith("CN=Carol");
        assertThat(Instant.parse(created.get("time").asText())).isBefore(Instant.now().plusSeconds(1));
        assertThat(records.get(0).get("fingerprint").asText()).isEqualTo(created.get("fingerprint").asText());
    }

    @Test
    void withoutJwtTheSubjectIsNullNotMadeUp() throws Exception {
        assertThat(as(null, "PUT", "/smime/identities/carol", SELF_SIGNED).statusCode()).isEqualTo(201);

        JsonNode record = audit("").get(0);

        assertThat(record.get("actor").asText()).isEqualTo("webadmin");
        assertThat(record.get("subject").isNull()).isTrue();
    }

    @Test
    void everyWriteRouteRecordsItsChangeWithTheCaller() throws Exception {
        TestPki.Issued alice = PKI.leaf("Alice").email("alice@example.com").issue();
        String pkcs12 = "{\"pkcs12\":\"" + Base64.getEncoder().encodeToString(alice.pkcs12("pw")) + "\",\"password\":\"pw\"}";
        assertThat(as(ADMIN, "PUT", "/smime/identities/alice", pkcs12).statusCode()).isEqualTo(201);
        assertThat(as(ADMIN, "PUT", "/smime/identities/carol", SELF_SIGNED).statusCode()).isEqualTo(201);
        X509Certificate issued = PKI.sign(store.certificationRequest("carol"), Duration.ofDays(100));
        assertThat(as(ADMIN, "PUT", "/smime/identities/carol/certificate", TestPki.pem(issued)).statusCode()).isEqualTo(200);
        assertThat(as(ADMIN, "POST", "/smime/identities/carol?action=activate", null).statusCode()).isEqualTo(200);
        assertThat(as(ADMIN, "POST", "/smime/identities/carol/pkcs12", "{\"password\":\"a long backup password\"}").statusCode())
            .isEqualTo(200);
        assertThat(as(ADMIN, "DELETE", "/smime/identities/carol", null).statusCode()).isEqualTo(204);
        assertThat(as(ADMIN, "POST", "/smime/identities/carol?action=restore", null).statusCode()).isEqualTo(200);
        assertThat(as(ADMIN, "DELETE", "/smime/identities/carol", null).statusCode()).isEqualTo(204);
        assertThat(as(ADMIN, "DELETE", "/smime/identities/carol?action=destroy&fingerprint=" + CertificateFacts.of(issued).fingerprint(), null)
            .statusCode()).isEqualTo(204);

        TestPki.Issued bob = PKI.leaf("Bob").email("bob@partner.example").issue();
        assertThat(as(ADMIN, "PUT", "/smime/certificates/bob", bob.pem()).statusCode()).isEqualTo(201);
        assertThat(as(ADMIN, "DELETE", "/smime/certificates/bob", null).statusCode()).isEqualTo(204);
        assertThat(as(ADMIN, "POST", "/smime/certificates?action=import", bob.pem()).statusCode()).isEqualTo(200);

        String anchor = CertificateFacts.of(PKI.caCertificate()).fingerprint();
        assertThat(as(ADMIN, "POST", "/smime/trust-anchors?action=import", TestPki.pem(PKI.caCertificate())).statusCode()).isEqualTo(200);
        assertThat(as(ADMIN, "DELETE", "/smime/trust-anchors/" + anchor, null).statusCode()).isEqualTo(204);
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        KeyPair rootKeys = generator.generateKeyPair();
        X500Name rootName = new X500Name("CN=Audit Partner Root");
        X509Certificate intermediate = SmimeKeyStoreRoutesTest.caCertificate(rootName, new X500Name("CN=Audit Partner Issuing CA"),
            generator.generateKeyPair(), rootKeys);
        String intermediateFingerprint = CertificateFacts.of(intermediate).fingerprint();
        assertThat(as(ADMIN, "POST", "/smime/intermediates?action=import", TestPki.pem(intermediate)).statusCode()).isEqualTo(200);
        assertThat(as(ADMIN, "DELETE", "/smime/intermediates/" + intermediateFingerprint, null).statusCode()).isEqualTo(204);

        X509CRL crl = PKI.crlRevoking(bob.certificate());
        String crlPem = "-----BEGIN X509 CRL-----\n" + Base64.getMimeEncoder().encodeToString(crl.getEncoded()) + "\n-----END X509 CRL-----\n";
        assertThat(as(ADMIN, "POST", "/smime/crls?action=import", crlPem).statusCode()).isEqualTo(200);
        assertThat(as(ADMIN, "DELETE", "/smime/crls/" + CertificateFacts.sha256Hex(crl.getEncoded()), null).statusCode()).isEqualTo(204);

        String dave = harvest("dave@partner.example", 10);
        assertThat(as(ADMIN, "POST", "/smime/harvested/" + dave + "?action=promote", null).statusCode()).isEqualTo(200);
        String erin = harvest("erin@partner.example", 10);
        assertThat(as(ADMIN, "DELETE", "/smime/harvested/" + erin, null).statusCode()).isEqualTo(204);
        harvest("frank@partner.example", 100);
        harvest("frank@partner.example", 50);
        harvest("frank@partner.example", 1);
        String alert = store.listAlerts(Optional.empty()).get(0).id();
        assertThat(as(ADMIN, "POST", "/smime/alerts/" + alert + "?action=ack", null).statusCode()).isEqualTo(200);

        JsonNode records = audit("?limit=1000");
        List<JsonNode> byWebadmin = StreamSupport.stream(records.spliterator(), false)
            .filter(record -> record.get("actor").asText().equals("webadmin")).toList();
        assertThat(byWebadmin).allSatisfy(record -> assertThat(record.get("subject").asText()).isEqualTo(ADMIN));
        Set<String> administered = Arrays.stream(AuditOperation.values())
            .filter(operation -> operation != AuditOperation.HARVEST && operation != AuditOperation.HARVEST_EVICT
                && operation != AuditOperation.MASTER_SECRET_ROTATE)
            .map(AuditOperation::label).collect(Collectors.toSet());
        assertThat(byWebadmin.stream().map(record -> record.get("operation").asText()).collect(Collectors.toSet()))
            .as("every administrator's operation, made through its route").isEqualTo(administered);
        assertThat(StreamSupport.stream(records.spliterator(), false).filter(record -> record.get("actor").asText().equals("mail")))
            .isNotEmpty().allSatisfy(record -> assertThat(record.get("subject").isNull()).isTrue());
    }

    private String harvest(String address, int daysAgo) {
        Instant notBefore = Instant.now().minus(Duration.ofDays(daysAgo));
        CertificateFacts facts = CertificateFacts.of(PKI.leaf(address).email(address).validity(notBefore, notBefore.plus(Duration.ofDays(700)))
            .issue().certificate());
        return store.harvest(new HarvestRequest(facts, List.of(address), Optional.empty(), false, Duration.ofHours(48), 512L << 20,
            Optional.empty(), Optional.empty())).name().orElse("");
    }

    @Test
    void filtersByOperationEntryAndTimeAndPages() throws Exception {
        Instant before = Instant.now().minusSeconds(1);
        for (String name : List.of("one", "two", "three")) {
            as(ADMIN, "PUT", "/smime/identities/" + name, SELF_SIGNED.replace("carol", name)).statusCode();
        }
        as(ADMIN, "DELETE", "/smime/identities/two", null);

        assertThat(values(audit("?operation=identity.create"), "entry")).containsExactly("three", "two", "one");
        assertThat(values(audit("?entry=two"), "operation")).containsExactly("identity.archive", "identity.create");
        assertThat(values(audit("?offset=1&limit=2"), "entry")).containsExactly("three", "two");
        assertThat(values(audit("?since=" + before), "entry")).hasSize(4);
        assertThat(audit("?until=" + before)).isEmpty();
        assertThat(audit("?since=" + Instant.now().plusSeconds(60))).isEmpty();
        assertThat(audit("?operation=identity.archive&entry=one")).isEmpty();
    }

    @Test
    void badParametersAreBadRequestsThatSayWhatIsWrong() throws Exception {
        String tooLong = "e".repeat(401);
        for (String query : List.of("?limit=0", "?limit=1001", "?limit=ten", "?offset=-1", "?offset=", "?operation=identity.delete",
            "?operation=", "?since=yesterday", "?until=2026-13-01T00:00:00Z", "?since=2026-01-01", "?entry=", "?entry=" + tooLong,
            "?since=2026-02-01T00:00:00Z&until=2026-01-01T00:00:00Z")) {
            HttpResponse<String> response = server.send("GET", "/smime/audit" + query, null);
            assertThat(response.statusCode()).as(query).isEqualTo(400);
            JsonNode error = RoutesServer.json(response);
            assertThat(error.get("type").asText()).as(query).isEqualTo("InvalidArgument");
            assertThat(error.get("message").asText()).as(query).isNotBlank();
        }
        assertThat(RoutesServer.json(server.send("GET", "/smime/audit?operation=nope", null)).get("message").asText())
            .contains("known: identity.import");
    }

    @Test
    void aBodyGivenToTheListingIsIgnoredAndChangesNothing() throws Exception {
        as(ADMIN, "PUT", "/smime/identities/carol", SELF_SIGNED);

        for (String body : List.of("", "garbage{", "A".repeat(64 * 1024))) {
            HttpResponse<String> response = server.send("GET", "/smime/audit", body);
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(RoutesServer.json(response)).hasSize(1);
        }
    }
}
