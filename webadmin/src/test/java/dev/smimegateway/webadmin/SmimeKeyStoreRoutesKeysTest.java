package dev.smimegateway.webadmin;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.Base64;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import dev.smimegateway.core.testing.TestPki;
import dev.smimegateway.keystore.EmbeddedDerby;
import dev.smimegateway.keystore.SmimeKeyStore;

/** Archive, restore, destroy and PKCS#12 backup over webadmin, with every way to ask wrongly. */
class SmimeKeyStoreRoutesKeysTest {
    private static final TestPki PKI = TestPki.create("Routes Keys CA");
    private static final String PASSWORD = "a long backup password";
    private static final String PASSWORD_BODY = "{\"password\":\"" + PASSWORD + "\"}";

    @TempDir
    Path folder;
    private RoutesServer server;
    private TestPki.Issued alice;

    private void start(SmimeKeyStore.PrivateKeyExport export) throws Exception {
        SmimeKeyStore store = SmimeKeyStore.open(EmbeddedDerby.dataSource(folder.resolve("keystore")),
            "routes-keys-master-secret".toCharArray(), Clock.systemUTC(), export);
        server = RoutesServer.serving(store);
        alice = PKI.leaf("Alice").email("alice@example.com").ec().issue();
        assertThat(send("PUT", "/smime/identities/alice", pkcs12Body(alice.pkcs12("pw"), "pw")).statusCode()).isEqualTo(201);
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private HttpResponse<String> send(String method, String path, String body) throws Exception {
        return server.send(method, path, body);
    }

    private static JsonNode json(HttpResponse<String> response) throws Exception {
        return RoutesServer.json(response);
    }

    private static String pkcs12Body(byte[] pkcs12, String password) {
        return "{\"pkcs12\":\"" + Base64.getEncoder().encodeToString(pkcs12) + "\",\"password\":\"" + password + "\"}";
    }

    private String fingerprint() throws Exception {
        return json(send("GET", "/smime/identities/alice", null)).at("/certificate/fingerprint").asText();
    }

    private void assertConflict(HttpResponse<String> response, String message) throws Exception {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(409);
        assertThat(json(response).get("type").asText()).isEqualTo("WrongState");
        assertThat(json(response).get("message").asText()).contains(message);
    }

    @Test
    void deleteArchivesAndTheIdentityIsListedAsArchived() throws Exception {
        start(SmimeKeyStore.PrivateKeyExport.REFUSED);

        assertThat(send("DELETE", "/smime/identities/alice", null).statusCode()).isEqualTo(204);

        JsonNode shown = json(send("GET", "/smime/identities/alice", null));
        assertThat(shown.get("archived").asBoolean()).isTrue();
        assertThat(shown.get("archivedAt").asText()).isNotEmpty();
        assertThat(shown.get("active").asBoolean()).isFalse();
        assertThat(json(send("GET", "/smime/identities?archived=true", null)).findValuesAsText("name")).containsExactly("alice");
        assertThat(json(send("GET", "/smime/identities?archived=false", null))).isEmpty();
        assertThat(json(send("GET", "/smime/identities", null)).findValuesAsText("name")).containsExactly("alice");
        assertThat(send("GET", "/smime/identities?archived=maybe", null).statusCode()).isEqualTo(400);
    }

    @Test
    void anArchivedIdentityRefusesActivationCertificatesAndRequestsWithAConflict() throws Exception {
        start(SmimeKeyStore.PrivateKeyExport.REFUSED);
        send("DELETE", "/smime/identities/alice", null);

        assertConflict(send("POST", "/smime/identities/alice?action=activate", null), "is archived: restore it");
        assertConflict(send("PUT", "/smime/identities/alice/certificate", alice.pem()), "is archived");
        assertConflict(send("GET", "/smime/identities/alice/csr", null), "is archived");
        assertConflict(send("DELETE", "/smime/identities/alice", null), "already archived");
        assertThat(json(send("GET", "/smime/identities/alice", null)).get("archived").asBoolean()).isTrue();
    }

    @Test
    void restoreBringsItBackInactiveUntilActivated() throws Exception {
        start(SmimeKeyStore.PrivateKeyExport.REFUSED);
        assertConflict(send("POST", "/smime/identities/alice?action=restore", null), "not archived");
        send("DELETE", "/smime/identities/alice", null);

        HttpResponse<String> restored = send("POST", "/smime/identities/alice?action=restore", null);

        assertThat(restored.statusCode()).isEqualTo(200);
        assertThat(json(restored).get("archived").asBoolean()).isFalse();
        assertThat(json(restored).has("archivedAt")).isFalse();
        assertThat(json(restored).get("active").asBoolean()).isFalse();
        assertThat(json(send("POST", "/smime/identities/alice?action=activate", null)).get("active").asBoolean()).isTrue();
        assertThat(send("POST", "/smime/identities/alice?action=unarchive", null).statusCode()).isEqualTo(400);
        assertThat(send("POST", "/smime/identities/alice", null).statusCode()).isEqualTo(400);
    }

    @Test
    void destroyNeedsAnArchivedIdentityAndItsCurrentFingerprint() throws Exception {
        start(SmimeKeyStore.PrivateKeyExport.REFUSED);
        String fingerprint = fingerprint();
        assertConflict(send("DELETE", "/smime/identities/alice?action=destroy&fingerprint=" + fingerprint, null), "archive it first");
        send("DELETE", "/smime/identities/alice", null);

        assertThat(send("DELETE", "/smime/identities/alice?action=destroy", null).statusCode()).isEqualTo(400);
        assertThat(send("DELETE", "/smime/identities/alice?action=destroy&fingerprint=garbage", null).statusCode()).isEqualTo(400);
        assertThat(send("DELETE", "/smime/identities/alice?action=destroy&fingerprint=" + "a".repeat(65), null).statusCode()).isEqualTo(400);
        assertConflict(send("DELETE", "/smime/identities/alice?action=destroy&fingerprint=" + "a".repeat(64), null),
            "not that of the current certificate");
        assertThat(send("DELETE", "/smime/identities/alice?action=shred&fingerprint=" + fingerprint, null).statusCode()).isEqualTo(400);
        assertThat(json(send("GET", "/smime/identities/alice", null)).get("archived").asBoolean()).isTrue();

        String openssl = fingerprint.toUpperCase(java.util.Locale.ROOT).replaceAll("(..)(?!$)", "$1:");
        assertThat(send("DELETE", "/smime/identities/alice?action=destroy&fingerprint=" + openssl, null).statusCode())
            .as("the fingerprint as openssl x509 -fingerprint -sha256 prints it").isEqualTo(204);
        assertThat(send("GET", "/smime/identities/alice", null).statusCode()).isEqualTo(404);
    }

    @Test
    void unknownIdentitiesAreNotFoundForEveryNewRoute() throws Exception {
        start(SmimeKeyStore.PrivateKeyExport.ALLOWED);

        assertThat(send("DELETE", "/smime/identities/nobody", null).statusCode()).isEqualTo(404);
        assertThat(send("POST", "/smime/identities/nobody?action=restore", null).statusCode()).isEqualTo(404);
        assertThat(send("DELETE", "/smime/identities/nobody?action=destroy&fingerprint=" + "a".repeat(64), null).statusCode()).isEqualTo(404);
        HttpResponse<String> export = send("POST", "/smime/identities/nobody/pkcs12", PASSWORD_BODY);
        assertThat(export.statusCode()).isEqualTo(404);
        assertThat(json(export).get("message").asText()).isEqualTo("no identity named 'nobody'");
    }

    @Test
    void exportIsRefusedWithAConflictNamingTheSettingUnlessAllowed() throws Exception {
        start(SmimeKeyStore.PrivateKeyExport.REFUSED);

        assertConflict(send("POST", "/smime/identities/alice/pkcs12", PASSWORD_BODY), "keystore.export.privateKeys=true");
    }

    @Test
    void exportArchiveDestroyImportGivesBackTheSameKeyAndCertificate() throws Exception {
        start(SmimeKeyStore.PrivateKeyExport.ALLOWED);
        String fingerprint = fingerprint();

        HttpResponse<byte[]> exported = server.sendForBytes("POST", "/smime/identities/alice/pkcs12", PASSWORD_BODY);
        assertThat(exported.statusCode()).isEqualTo(200);
        assertThat(exported.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).startsWith("application/x-pkcs12"));
        assertThat(send("DELETE", "/smime/identities/alice", null).statusCode()).isEqualTo(204);
        assertThat(server.sendForBytes("POST", "/smime/identities/alice/pkcs12", PASSWORD_BODY).statusCode())
            .as("an archived identity may be backed up").isEqualTo(200);
        assertThat(send("DELETE", "/smime/identities/alice?action=destroy&fingerprint=" + fingerprint, null).statusCode()).isEqualTo(204);

        HttpResponse<String> imported = send("PUT", "/smime/identities/alice", pkcs12Body(exported.body(), PASSWORD));

        assertThat(imported.statusCode()).isEqualTo(201);
        assertThat(json(imported).at("/certificate/fingerprint").asText()).isEqualTo(fingerprint);
        KeyStore backup = KeyStore.getInstance("PKCS12");
        backup.load(new ByteArrayInputStream(exported.body()), PASSWORD.toCharArray());
        String alias = backup.aliases().nextElement();
        assertThat(backup.getKey(alias, PASSWORD.toCharArray()).getEncoded()).isEqualTo(alice.privateKey().getEncoded());
        assertThat((X509Certificate) backup.getCertificate(alias)).isEqualTo(alice.certificate());
    }

    @Test
    void exportRefusesGarbageEmptyOversizedAndWeakRequestsWithNothingExported() throws Exception {
        start(SmimeKeyStore.PrivateKeyExport.ALLOWED);
        String path = "/smime/identities/alice/pkcs12";

        assertThat(send("POST", path, "garbage").statusCode()).isEqualTo(400);
        assertThat(send("POST", path, "").statusCode()).isEqualTo(400);
        assertThat(send("POST", path, "[]").statusCode()).isEqualTo(400);
        assertThat(send("POST", path, "{}").statusCode()).isEqualTo(400);
        assertThat(send("POST", path, "{\"password\":12345678901234}").statusCode()).isEqualTo(400);
        assertThat(send("POST", path, "{\"password\":\"" + PASSWORD + "\",\"cipher\":\"RC2\"}").statusCode()).isEqualTo(400);
        HttpResponse<String> weak = send("POST", path, "{\"password\":\"short\"}");
        assertThat(weak.statusCode()).isEqualTo(400);
        assertThat(json(weak).get("message").asText()).contains("at least 12 characters");
        HttpResponse<String> inUrl = send("POST", path + "?password=" + "x".repeat(20), PASSWORD_BODY);
        assertThat(inUrl.statusCode()).isEqualTo(400);
        assertThat(json(inUrl).get("message").asText()).contains("never in the URL");
        try {
            assertThat(send("POST", path, "A".repeat(SmimeKeyStoreRoutes.MAX_BODY_BYTES + 1)).statusCode()).isEqualTo(413);
        } catch (java.io.IOException closedEarly) {
            // Jetty may answer 413 and close while the client is still sending: the refusal arrives as a cut connection.
        }
        assertThat(json(send("GET", "/smime/identities/alice", null)).get("archived").asBoolean()).isFalse();
    }

    @Test
    void theArchiveRoutesIgnoreABodyTheyDoNotTake() throws Exception {
        start(SmimeKeyStore.PrivateKeyExport.REFUSED);

        assertThat(send("DELETE", "/smime/identities/alice", "garbage").statusCode()).isEqualTo(204);
        assertThat(send("POST", "/smime/identities/alice?action=restore", "{\"archived\":true}").statusCode()).isEqualTo(200);
        assertThat(json(send("GET", "/smime/identities/alice", null)).get("archived").asBoolean()).isFalse();
    }
}
