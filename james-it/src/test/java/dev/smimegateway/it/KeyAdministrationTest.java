package dev.smimegateway.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Random;

import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.smimegateway.core.certificate.CertificateFacts;
import dev.smimegateway.core.testing.TestPki;

/** Key administration through webadmin on a real James 3.8.1, with the bundle loaded from extensions-jars/. */
class KeyAdministrationTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TestPki PKI = TestPki.create("James IT CA");
    private static RealJamesServer james;

    @BeforeAll
    static void startJames() {
        james = RealJamesServer.withPolicy(RealJamesServer.DEMO_POLICY).start();
    }

    @AfterAll
    static void stopJames() {
        if (james != null) {
            james.stop();
        }
    }

    private static JsonNode json(HttpResponse<String> response) throws Exception {
        return JSON.readTree(response.body());
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    private static String selfSigned(String email) {
        return "{\"selfSigned\":{\"commonName\":\"" + email + "\",\"organization\":\"Example Ltd\",\"country\":\"DE\","
            + "\"emails\":[\"" + email + "\"],\"signatureAlgorithm\":\"ECDSA-P256-SHA256\",\"validityDays\":90}}";
    }

    private static String pkcs12Body(TestPki.Issued issued, String password) {
        return "{\"pkcs12\":\"" + Base64.getEncoder().encodeToString(issued.pkcs12(password)) + "\",\"password\":\"" + password + "\"}";
    }

    @Test
    void createsSelfSignedIdentityThenReplacesItsCertificateWithTheCaSignedOne() throws Exception {
        HttpResponse<String> created = james.putJson("/smime/identities/carol", selfSigned("carol@example.com"));

        assertThat(created.statusCode()).isEqualTo(201);
        assertThat(json(created).get("active").asBoolean()).isTrue();
        assertThat(json(created).at("/certificate/emails/0").asText()).isEqualTo("carol@example.com");
        assertThat(json(created).at("/certificate/key").asText()).isEqualTo("EC P-256");

        HttpResponse<String> csr = james.get("/smime/identities/carol/csr");
        assertThat(csr.statusCode()).isEqualTo(200);
        assertThat(csr.body()).startsWith("-----BEGIN CERTIFICATE REQUEST-----");

        String caSigned = TestPki.pem(PKI.sign(csr.body(), Duration.ofDays(365)), PKI.caCertificate());
        HttpResponse<String> updated = james.put("/smime/identities/carol/certificate", "application/x-pem-file", ascii(caSigned));

        assertThat(updated.statusCode()).isEqualTo(200);
        assertThat(json(updated).at("/certificate/issuer").asText()).contains("CN=James IT CA");
        assertThat(json(updated).get("previousCertificates")).hasSize(1);
        assertThat(james.get("/smime/identities/carol?format=pem").body().split("-----BEGIN CERTIFICATE-----", -1)).hasSize(3);
    }

    @Test
    void importsAPkcs12Identity() throws Exception {
        TestPki.Issued dave = PKI.leaf("Dave").email("dave@example.com").issue();

        HttpResponse<String> response = james.putJson("/smime/identities/dave", pkcs12Body(dave, "s3cret"));

        assertThat(response.statusCode()).isEqualTo(201);
        assertThat(json(response).at("/certificate/fingerprint").asText()).isEqualTo(CertificateFacts.of(dave.certificate()).fingerprint());
        assertThat(json(james.get("/smime/identities")).findValuesAsText("name")).contains("dave");
    }

    @Test
    void wrongPkcs12PasswordIsRefusedAndNothingIsStored() throws Exception {
        TestPki.Issued erin = PKI.leaf("Erin").email("erin@example.com").issue();

        HttpResponse<String> response = james.putJson("/smime/identities/erin",
            pkcs12Body(erin, "right").replace("\"password\":\"right\"", "\"password\":\"wrong\""));

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(json(response).get("message").asText()).isEqualTo("wrong PKCS#12 password");
        assertThat(james.get("/smime/identities/erin").statusCode()).isEqualTo(404);
    }

    @Test
    void garbagePemIsRefused() throws Exception {
        HttpResponse<String> response = james.put("/smime/certificates/garbage", "application/x-pem-file",
            ascii("-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n"));

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(json(response).get("message").asText()).contains("not a valid X.509 certificate");
        assertThat(james.get("/smime/certificates/garbage").statusCode()).isEqualTo(404);
    }

    @Test
    void certificateWithoutEmailProtectionIsRefusedWithTheReason() throws Exception {
        TestPki.Issued tls = PKI.leaf("Web").email("web@partner.example").extendedKeyUsage(KeyPurposeId.id_kp_serverAuth).issue();

        HttpResponse<String> response = james.put("/smime/certificates/web", "application/x-pem-file", ascii(tls.pem()));

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(json(response).get("message").asText())
            .isEqualTo("certificate for web@partner.example has an extendedKeyUsage without emailProtection");
        assertThat(james.get("/smime/certificates/web").statusCode()).isEqualTo(404);
    }

    @Test
    void oneMegabyteOfJunkIsRefusedEverywhereAndStoresNothing() throws Exception {
        byte[] junk = new byte[1024 * 1024];
        new Random(42).nextBytes(junk);
        james.putJson("/smime/identities/junk-target", selfSigned("junk@example.com"));
        String identitiesBefore = james.get("/smime/identities").body();
        String certificatesBefore = james.get("/smime/certificates").body();
        String anchorsBefore = james.get("/smime/trust-anchors").body();

        assertThat(james.put("/smime/identities/junk", "application/json", junk).statusCode()).isEqualTo(400);
        assertThat(james.put("/smime/identities/junk-target/certificate", "application/x-pem-file", junk).statusCode()).isEqualTo(400);
        assertThat(james.put("/smime/certificates/junk", "application/x-pem-file", junk).statusCode()).isEqualTo(400);
        assertThat(james.post("/smime/certificates?action=import", "application/x-pem-file", junk).statusCode()).isEqualTo(400);
        assertThat(james.post("/smime/trust-anchors?action=import", "application/x-pem-file", junk).statusCode()).isEqualTo(400);

        assertThat(james.get("/smime/identities").body()).isEqualTo(identitiesBefore);
        assertThat(james.get("/smime/certificates").body()).isEqualTo(certificatesBefore);
        assertThat(james.get("/smime/trust-anchors").body()).isEqualTo(anchorsBefore);
    }

    @Test
    void bodiesOverSixteenMegabytesAreRefused() throws Exception {
        HttpResponse<String> response = james.put("/smime/certificates/huge", "application/x-pem-file", new byte[17 * 1024 * 1024]);

        assertThat(response.statusCode()).isEqualTo(413);
    }

    @Test
    void malformedRequestsNameTheProblem() throws Exception {
        assertThat(json(james.putJson("/smime/identities/x", "{\"selfSigned\":{\"commonName\":\"x\",\"emails\":[\"x@example.com\"],"
            + "\"colour\":\"blue\"}}")).get("message").asText()).contains("unknown field \"selfSigned.colour\"");
        assertThat(json(james.putJson("/smime/identities/x", "{\"selfSigned\":{\"commonName\":\"x\",\"emails\":[\"x@example.com\"],"
            + "\"country\":\"Germany\"}}")).get("message").asText()).contains("country 'Germany' is not a 2-letter ISO 3166 code");
        assertThat(json(james.putJson("/smime/identities/x", "{\"pkcs12\":\"@@@\"}")).get("message").asText())
            .contains("\"pkcs12\" is not valid base64");
        assertThat(james.post("/smime/identities/x?action=explode", "text/plain", ascii("")).statusCode()).isEqualTo(400);
        assertThat(james.get("/smime/identities/x").statusCode()).isEqualTo(404);
    }

    @Test
    void duplicatesAreConflictsAndUnknownNamesAreNotFound() throws Exception {
        assertThat(james.putJson("/smime/identities/frank", selfSigned("frank@example.com")).statusCode()).isEqualTo(201);

        HttpResponse<String> again = james.putJson("/smime/identities/frank", selfSigned("frank@example.com"));

        assertThat(again.statusCode()).isEqualTo(409);
        assertThat(json(again).get("message").asText()).isEqualTo("an identity named 'frank' already exists");
        assertThat(james.delete("/smime/identities/nobody").statusCode()).isEqualTo(404);
        assertThat(james.delete("/smime/certificates/nobody").statusCode()).isEqualTo(404);
        assertThat(james.get("/smime/identities/nobody/csr").statusCode()).isEqualTo(404);
    }

    @Test
    void activationMovesSigningToAnotherIdentityForTheSameAddress() throws Exception {
        assertThat(json(james.putJson("/smime/identities/gina-2025", selfSigned("gina@example.com"))).get("active").asBoolean()).isTrue();
        assertThat(json(james.putJson("/smime/identities/gina-2026", selfSigned("gina@example.com"))).get("active").asBoolean()).isFalse();

        HttpResponse<String> activated = james.post("/smime/identities/gina-2026?action=activate", "text/plain", ascii(""));

        assertThat(activated.statusCode()).isEqualTo(200);
        assertThat(json(activated).get("active").asBoolean()).isTrue();
        assertThat(json(james.get("/smime/identities/gina-2025")).get("active").asBoolean()).isFalse();
    }

    @Test
    void deletingArchivesAnIdentityAndDestroyingRemovesIt() throws Exception {
        james.putJson("/smime/identities/henry", selfSigned("henry@example.com"));
        String fingerprint = json(james.get("/smime/identities/henry")).at("/certificate/fingerprint").asText();

        assertThat(james.delete("/smime/identities/henry").statusCode()).isEqualTo(204);
        assertThat(json(james.get("/smime/identities/henry")).get("archived").asBoolean()).isTrue();
        assertThat(james.delete("/smime/identities/henry?action=destroy&fingerprint=" + fingerprint).statusCode()).isEqualTo(204);
        assertThat(james.get("/smime/identities/henry").statusCode()).isEqualTo(404);
    }

    @Test
    void managesPartnerCertificatesAndExportsThemForReimport() throws Exception {
        TestPki.Issued ivy = PKI.leaf("Ivy").email("ivy@partner.example").issue();
        TestPki.Issued jack = PKI.leaf("Jack").email("jack@partner.example").issue();

        assertThat(james.put("/smime/certificates/ivy", "application/x-pem-file", ascii(ivy.pem())).statusCode()).isEqualTo(201);
        assertThat(json(james.get("/smime/certificates/ivy")).at("/certificate/emails/0").asText()).isEqualTo("ivy@partner.example");
        assertThat(james.get("/smime/certificates/ivy?format=pem").body()).startsWith("name: ivy\n");

        HttpResponse<String> imported = james.post("/smime/certificates?action=import", "application/x-pem-file",
            ascii("name: jack\n" + jack.pem() + ivy.pem()));
        assertThat(imported.statusCode()).isEqualTo(200);
        assertThat(json(imported).get("accepted").asInt()).isEqualTo(1);
        assertThat(json(imported).get("duplicates").asInt()).isEqualTo(1);

        String export = james.get("/smime/certificates?format=pem").body();
        assertThat(export).contains("name: ivy\n").contains("name: jack\n");
        assertThat(james.delete("/smime/certificates/ivy").statusCode()).isEqualTo(204);
        assertThat(james.delete("/smime/certificates/jack").statusCode()).isEqualTo(204);
        HttpResponse<String> reimported = james.post("/smime/certificates?action=import", "application/x-pem-file", ascii(export));
        assertThat(json(reimported).get("accepted").asInt()).isGreaterThanOrEqualTo(2);
        assertThat(james.get("/smime/certificates/jack").statusCode()).isEqualTo(200);
    }

    @Test
    void bulkImportWhereEveryCertificateIsBadIsRefused() throws Exception {
        TestPki.Issued tls = PKI.leaf("Web").email("web2@partner.example").extendedKeyUsage(KeyPurposeId.id_kp_serverAuth).issue();

        HttpResponse<String> response = james.post("/smime/certificates?action=import", "application/x-pem-file", ascii(tls.pem()));

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(json(response).get("message").asText()).contains("certificate 1: certificate for web2@partner.example");
    }

    @Test
    void managesRevocationLists() throws Exception {
        byte[] crl = PKI.crlRevoking(PKI.leaf("Revoked").email("revoked@partner.example").issue().certificate()).getEncoded();

        HttpResponse<String> imported = james.post("/smime/crls?action=import", "application/pkix-crl", crl);

        assertThat(imported.statusCode()).isEqualTo(200);
        assertThat(json(imported).get("imported").asInt()).isEqualTo(1);
        JsonNode listed = json(james.get("/smime/crls"));
        assertThat(listed.findValuesAsText("issuer")).contains("O=Test PKI,CN=James IT CA");
        assertThat(james.delete("/smime/crls/" + CertificateFacts.sha256Hex(crl)).statusCode()).isEqualTo(204);
        assertThat(james.post("/smime/crls?action=import", "application/pkix-crl", ascii("junk")).statusCode()).isEqualTo(400);
    }

    @Test
    void managesTrustAnchors() throws Exception {
        TestPki root = TestPki.create("Anchor Root");
        String fingerprint = CertificateFacts.of(root.caCertificate()).fingerprint();

        HttpResponse<String> imported = james.post("/smime/trust-anchors?action=import", "application/x-pem-file",
            ascii(TestPki.pem(root.caCertificate())));

        assertThat(imported.statusCode()).isEqualTo(200);
        assertThat(json(imported).at("/certificates/0/status").asText()).isEqualTo("accepted");
        assertThat(json(james.get("/smime/trust-anchors")).findValuesAsText("fingerprint")).contains(fingerprint);
        assertThat(json(james.get("/smime/trust-anchors/" + fingerprint)).at("/certificate/subject").asText()).contains("CN=Anchor Root");
        assertThat(james.delete("/smime/trust-anchors/" + fingerprint).statusCode()).isEqualTo(204);
        assertThat(james.get("/smime/trust-anchors/" + fingerprint).statusCode()).isEqualTo(404);
    }
}
