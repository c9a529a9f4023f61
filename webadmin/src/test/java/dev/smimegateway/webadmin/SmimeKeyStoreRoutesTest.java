package dev.smimegateway.webadmin;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.math.BigInteger;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.sql.SQLNonTransientConnectionException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;

import javax.sql.DataSource;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import dev.smimegateway.core.certificate.CertificateFacts;
import dev.smimegateway.core.testing.TestPki;
import dev.smimegateway.keystore.EmbeddedDerby;
import dev.smimegateway.keystore.SmimeKeyStore;

/** The key store routes on a real Spark server on 127.0.0.1, as webadmin serves them. */
class SmimeKeyStoreRoutesTest {
    private static final TestPki PKI = TestPki.create("Routes Test CA");
    private static KeyPair rootKeys;
    private static X509Certificate root;
    private static X509Certificate intermediate;

    @TempDir
    Path folder;
    private volatile boolean databaseDown;
    private RoutesServer server;

    @BeforeAll
    static void makeCaCertificates() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        rootKeys = generator.generateKeyPair();
        X500Name rootName = new X500Name("CN=Routes Partner Root");
        root = caCertificate(rootName, rootName, rootKeys, rootKeys);
        intermediate = caCertificate(rootName, new X500Name("CN=Routes Partner Issuing CA"), generator.generateKeyPair(), rootKeys);
    }

    static X509Certificate caCertificate(X500Name issuer, X500Name subject, KeyPair subjectKeys, KeyPair issuerKeys) throws Exception {
        Instant now = Instant.now();
        JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(now.toEpochMilli()),
            Date.from(now.minus(Duration.ofDays(1))), Date.from(now.plus(Duration.ofDays(900))), subject, subjectKeys.getPublic());
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        return new JcaX509CertificateConverter().getCertificate(builder.build(new JcaContentSignerBuilder("SHA256withRSA")
            .build(issuerKeys.getPrivate())));
    }

    @BeforeEach
    void start() {
        SmimeKeyStore store = SmimeKeyStore.open(breakable(EmbeddedDerby.dataSource(folder.resolve("keystore"))),
            "routes-test-master-secret".toCharArray(), Clock.systemUTC());
        server = RoutesServer.serving(store);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    /** The data source, which throws as a database server that is down does while {@link #databaseDown} is set. */
    private DataSource breakable(DataSource real) {
        return (DataSource) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {DataSource.class}, (proxy, method, arguments) -> {
            if (databaseDown && method.getName().equals("getConnection")) {
                throw new SQLNonTransientConnectionException("Connection refused", "08001");
            }
            try {
                return method.invoke(real, arguments);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        });
    }

    private HttpResponse<String> send(String method, String path, String body) throws Exception {
        return server.send(method, path, body);
    }

    private static JsonNode json(HttpResponse<String> response) throws Exception {
        return RoutesServer.json(response);
    }

    @Test
    void importsListsShowsAndDeletesIntermediates() throws Exception {
        String fingerprint = CertificateFacts.of(intermediate).fingerprint();

        HttpResponse<String> imported = send("POST", "/smime/intermediates?action=import", TestPki.pem(intermediate));

        assertThat(imported.statusCode()).isEqualTo(200);
        assertThat(json(imported).get("accepted").asInt()).isEqualTo(1);
        assertThat(json(imported).at("/certificates/0/fingerprint").asText()).isEqualTo(fingerprint);
        assertThat(json(send("GET", "/smime/intermediates", null)).findValuesAsText("fingerprint")).contains(fingerprint);
        assertThat(json(send("GET", "/smime/intermediates/" + fingerprint, null)).at("/certificate/subject").asText())
            .isEqualTo("CN=Routes Partner Issuing CA");
        assertThat(send("GET", "/smime/intermediates?format=pem", null).body()).startsWith("-----BEGIN CERTIFICATE-----");
        assertThat(json(send("GET", "/smime/trust-anchors", null))).isEmpty();
        assertThat(send("DELETE", "/smime/intermediates/" + fingerprint, null).statusCode()).isEqualTo(204);
        HttpResponse<String> gone = send("GET", "/smime/intermediates/" + fingerprint, null);
        assertThat(gone.statusCode()).isEqualTo(404);
        assertThat(json(gone).get("message").asText()).isEqualTo("no intermediate CA certificate with fingerprint " + fingerprint);
        assertThat(send("DELETE", "/smime/intermediates/" + fingerprint, null).statusCode()).isEqualTo(404);
    }

    @Test
    void reportsADuplicateIntermediatePerCertificate() throws Exception {
        send("POST", "/smime/intermediates?action=import", TestPki.pem(intermediate));

        HttpResponse<String> again = send("POST", "/smime/intermediates?action=import", TestPki.pem(intermediate));

        assertThat(again.statusCode()).isEqualTo(200);
        assertThat(json(again).get("duplicates").asInt()).isEqualTo(1);
        assertThat(json(again).at("/certificates/0/status").asText()).isEqualTo("duplicate");
    }

    @Test
    void refusesARootAsAnIntermediateAndSaysWhereItBelongs() throws Exception {
        HttpResponse<String> refused = send("POST", "/smime/intermediates?action=import", TestPki.pem(root));

        assertThat(refused.statusCode()).isEqualTo(400);
        assertThat(json(refused).get("type").asText()).isEqualTo("InvalidArgument");
        assertThat(json(refused).get("message").asText()).contains("is self-signed").contains("import it as a trust anchor");
        assertThat(json(send("GET", "/smime/intermediates", null))).isEmpty();
    }

    @Test
    void intermediateRequestsThatMakeNoSenseAreBadRequests() throws Exception {
        assertThat(send("POST", "/smime/intermediates", TestPki.pem(intermediate)).statusCode()).isEqualTo(400);
        assertThat(send("POST", "/smime/intermediates?action=import", "").statusCode()).isEqualTo(400);
        assertThat(send("GET", "/smime/intermediates/not-a-fingerprint", null).statusCode()).isEqualTo(400);
        assertThat(send("GET", "/smime/intermediates?format=der", null).statusCode()).isEqualTo(400);
    }

    @Test
    void refusesAnIntermediateBodyOverSixteenMegabytes() throws Exception {
        String huge = "A".repeat(SmimeKeyStoreRoutes.MAX_BODY_BYTES + 1);

        try {
            assertThat(send("POST", "/smime/intermediates?action=import", huge).statusCode()).isEqualTo(413);
        } catch (java.io.IOException closedEarly) {
            // Jetty may answer 413 and close while the client is still sending: the refusal arrives as a cut connection.
        }
        assertThat(json(send("GET", "/smime/intermediates", null))).isEmpty();
    }

    @Test
    void importsAnExpiredIdentityDecryptOnly() throws Exception {
        Instant now = Instant.now();
        TestPki.Issued expired = PKI.leaf("Old Alice").email("alice@example.com")
            .validity(now.minus(Duration.ofDays(800)), now.minus(Duration.ofDays(40))).issue();
        String body = "{\"pkcs12\":\"" + Base64.getEncoder().encodeToString(expired.pkcs12("pw")) + "\",\"password\":\"pw\"}";

        HttpResponse<String> refused = send("PUT", "/smime/identities/alice-2023", body);
        assertThat(refused.statusCode()).isEqualTo(400);
        assertThat(json(refused).get("message").asText()).contains("expired on").contains("?decryptOnly=true");

        HttpResponse<String> imported = send("PUT", "/smime/identities/alice-2023?decryptOnly=true", body);
        assertThat(imported.statusCode()).isEqualTo(201);
        assertThat(json(imported).get("decryptOnly").asBoolean()).isTrue();
        assertThat(json(imported).get("active").asBoolean()).isFalse();
        assertThat(json(send("GET", "/smime/identities", null)).at("/0/decryptOnly").asBoolean()).isTrue();

        HttpResponse<String> activation = send("POST", "/smime/identities/alice-2023?action=activate", null);
        assertThat(activation.statusCode()).isEqualTo(400);
        assertThat(json(activation).get("message").asText()).contains("decrypt-only").contains("cannot be activated");
    }

    @Test
    void decryptOnlyIsTrueOrFalseAndOnlyForAPkcs12Import() throws Exception {
        String selfSigned = "{\"selfSigned\":{\"commonName\":\"Carol\",\"emails\":[\"carol@example.com\"]}}";

        assertThat(send("PUT", "/smime/identities/carol?decryptOnly=yes", selfSigned).statusCode()).isEqualTo(400);
        HttpResponse<String> refused = send("PUT", "/smime/identities/carol?decryptOnly=true", selfSigned);
        assertThat(refused.statusCode()).isEqualTo(400);
        assertThat(json(refused).get("message").asText()).contains("\"pkcs12\"");
        HttpResponse<String> created = send("PUT", "/smime/identities/carol?decryptOnly=false", selfSigned);
        assertThat(created.statusCode()).isEqualTo(201);
        assertThat(json(created).get("decryptOnly").asBoolean()).isFalse();
    }

    @Test
    void aDatabaseOutageIsAServiceUnavailableWithAClearMessage() throws Exception {
        databaseDown = true;

        for (String path : new String[] {"/smime/trust-anchors", "/smime/intermediates", "/smime/identities", "/smime/certificates/bob",
            "/smime/harvested", "/smime/harvested/updates", "/smime/alerts", "/smime/audit", "/smime/expiring",
            "/smime/crls?expiringWithinDays=30", "/smime/harvested?expiringWithinDays=30"}) {
            HttpResponse<String> response = send("GET", path, null);
            assertThat(response.statusCode()).as(path).isEqualTo(503);
            assertThat(json(response).get("message").asText()).as(path)
                .startsWith("the S/MIME key store database is unavailable, nothing was changed; try again later");
        }
        HttpResponse<String> write = send("POST", "/smime/intermediates?action=import", TestPki.pem(intermediate));
        assertThat(write.statusCode()).isEqualTo(503);
        assertThat(send("DELETE", "/smime/identities/alice", null).statusCode()).isEqualTo(503);
        assertThat(send("POST", "/smime/identities/alice?action=restore", null).statusCode()).isEqualTo(503);
        assertThat(send("DELETE", "/smime/identities/alice?action=destroy&fingerprint=" + "a".repeat(64), null).statusCode()).isEqualTo(503);

        databaseDown = false;
        assertThat(send("GET", "/smime/intermediates", null).statusCode()).isEqualTo(200);
    }
}
