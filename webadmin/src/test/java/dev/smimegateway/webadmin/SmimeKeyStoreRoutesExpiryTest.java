package dev.smimegateway.webadmin;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Optional;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CRLConverter;
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
import dev.smimegateway.core.certificate.Pem;
import dev.smimegateway.core.testing.TestPki;
import dev.smimegateway.keystore.EmbeddedDerby;
import dev.smimegateway.keystore.HarvestRequest;
import dev.smimegateway.keystore.SelfSignedRequest;
import dev.smimegateway.keystore.SignatureAlgorithm;
import dev.smimegateway.keystore.SmimeKeyStore;

/**
 * What expires soon, as webadmin shows it: {@code GET /smime/expiring} and {@code ?expiringWithinDays}
 * on each list. Of every kind there is an entry valid for 10 more days and one valid for 40.
 */
class SmimeKeyStoreRoutesExpiryTest {
    private static final TestPki PKI = TestPki.create("Expiry Routes CA");
    private static final Instant NOW = Instant.now();
    private static final List<String> LISTS = List.of("/smime/identities", "/smime/certificates", "/smime/harvested",
        "/smime/trust-anchors", "/smime/intermediates", "/smime/crls");

    private static KeyPair rootKeys;
    private static X500Name rootName;
    private static X509Certificate anchorSoon;
    private static X509Certificate anchorLater;
    private static X509Certificate intermediateSoon;
    private static X509Certificate intermediateLater;
    /** nextUpdate 2 days ago: the issuer's next list is overdue. */
    private static X509CRL staleCrl;
    /** nextUpdate in 20 days. */
    private static X509CRL freshCrl;

    @TempDir
    Path folder;
    private SmimeKeyStore store;
    private RoutesServer server;

    @BeforeAll
    static void makeCaCertificates() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(256);
        rootKeys = generator.generateKeyPair();
        rootName = new X500Name("CN=Expiry Routes Root");
        anchorSoon = caCertificate(new X500Name("CN=Anchor Soon"), new X500Name("CN=Anchor Soon"), 10, generator.generateKeyPair(), null);
        anchorLater = caCertificate(new X500Name("CN=Anchor Later"), new X500Name("CN=Anchor Later"), 40, generator.generateKeyPair(), null);
        intermediateSoon = caCertificate(rootName, new X500Name("CN=Intermediate Soon"), 10, generator.generateKeyPair(), rootKeys);
        intermediateLater = caCertificate(rootName, new X500Name("CN=Intermediate Later"), 40, generator.generateKeyPair(), rootKeys);
        staleCrl = crl(-2);
        freshCrl = crl(20);
    }

    /** A CA certificate valid for {@code daysLeft} more days, self-signed when {@code issuerKeys} is null. */
    private static X509Certificate caCertificate(X500Name issuer, X500Name subject, int daysLeft, KeyPair subjectKeys, KeyPair issuerKeys)
        throws Exception {
        JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(System.nanoTime()),
            Date.from(NOW.minus(Duration.ofDays(1))), Date.from(NOW.plus(Duration.ofDays(daysLeft))), subject, subjectKeys.getPublic());
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        KeyPair signer = issuerKeys == null ? subjectKeys : issuerKeys;
        return new JcaX509CertificateConverter().getCertificate(builder.build(new JcaContentSignerBuilder("SHA256withECDSA")
            .build(signer.getPrivate())));
    }

    private static X509CRL crl(int nextUpdateInDays) throws Exception {
        X509v2CRLBuilder builder = new X509v2CRLBuilder(rootName, Date.from(NOW.minus(Duration.ofDays(30))));
        builder.setNextUpdate(Date.from(NOW.plus(Duration.ofDays(nextUpdateInDays))));
        return new JcaX509CRLConverter().getCRL(builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(rootKeys.getPrivate())));
    }

    @BeforeEach
    void start() throws Exception {
        store = SmimeKeyStore.open(EmbeddedDerby.dataSource(folder.resolve("keystore")), "expiry-routes-secret".toCharArray(),
            Clock.systemUTC());
        identity("org-soon", "soon@example.com", 10);
        identity("org-later", "later@example.com", 40);
        store.addCertificate("partner-soon", TestPki.pem(leaf("soon@partner.example", 10)).getBytes(StandardCharsets.US_ASCII));
        store.addCertificate("partner-later", TestPki.pem(leaf("later@partner.example", 40)).getBytes(StandardCharsets.US_ASCII));
        harvest("soon@harvest.example", 10);
        harvest("later@harvest.example", 40);
        harvest("soon@other.example", 12);
        store.importTrustAnchors(TestPki.pem(anchorSoon, anchorLater));
        store.importIntermediates(TestPki.pem(intermediateSoon, intermediateLater));
        store.importCrls(staleCrl.getEncoded());
        store.importCrls(freshCrl.getEncoded());
        server = RoutesServer.serving(store);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private void identity(String name, String address, int days) {
        store.createSelfSigned(name, SelfSignedRequest.builder().commonName(name).email(address).validityDays(days)
            .signatureAlgorithm(SignatureAlgorithm.ECDSA_P256_SHA256).build(), Optional.empty());
    }

    private static X509Certificate leaf(String address, int daysLeft) {
        return PKI.leaf(address).email(address).ec().validity(NOW.minus(Duration.ofDays(1)), NOW.plus(Duration.ofDays(daysLeft)))
            .issue().certificate();
    }

    private void harvest(String address, int daysLeft) {
        store.harvest(new HarvestRequest(CertificateFacts.of(leaf(address, daysLeft)), List.of(address), Optional.empty(), false,
            Duration.ofHours(48), 512L << 20, Optional.empty(), Optional.empty()));
    }

    private HttpResponse<String> get(String path) throws Exception {
        return server.send("GET", path, null);
    }

    private static JsonNode json(HttpResponse<String> response) throws Exception {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return RoutesServer.json(response);
    }

    private static String fingerprint(X509Certificate certificate) {
        return CertificateFacts.of(certificate).fingerprint();
    }

    private static String fingerprint(X509CRL crl) throws Exception {
        return CertificateFacts.sha256Hex(crl.getEncoded());
    }

    @Test
    void theExpiryListHasEverythingEndingWithinThirtyDaysByDefaultSoonestFirst() throws Exception {
        JsonNode expiring = json(get("/smime/expiring"));

        assertThat(expiring.findValuesAsText("path")).containsExactlyInAnyOrder(
            "/smime/crls/" + fingerprint(staleCrl),
            "/smime/identities/org-soon",
            "/smime/certificates/partner-soon",
            "/smime/harvested/soon@harvest.example",
            "/smime/trust-anchors/" + fingerprint(anchorSoon),
            "/smime/intermediates/" + fingerprint(intermediateSoon),
            "/smime/harvested/soon@other.example",
            "/smime/crls/" + fingerprint(freshCrl));
        assertThat(expiring.findValuesAsText("notAfter")).isSorted();
        assertThat(expiring.get(0).get("path").asText()).isEqualTo("/smime/crls/" + fingerprint(staleCrl));
        assertThat(expiring.get(7).get("path").asText()).isEqualTo("/smime/crls/" + fingerprint(freshCrl));
    }

    @Test
    void eachEntrySaysWhatItIsWhenItEndsAndWhetherItHasAlreadyExpired() throws Exception {
        JsonNode expiring = json(get("/smime/expiring?withinDays=30"));

        JsonNode crl = expiring.get(0);
        assertThat(crl.get("kind").asText()).isEqualTo("crl");
        assertThat(crl.get("expired").asBoolean()).isTrue();
        assertThat(crl.get("subject").asText()).isEqualTo("CN=Expiry Routes Root");
        assertThat(Instant.parse(crl.get("notAfter").asText())).isEqualTo(staleCrl.getNextUpdate().toInstant());
        JsonNode identity = entryNamed(expiring, "org-soon");
        assertThat(identity.get("kind").asText()).isEqualTo("identity");
        assertThat(identity.get("name").asText()).isEqualTo("org-soon");
        assertThat(identity.get("active").asBoolean()).isTrue();
        assertThat(identity.get("expired").asBoolean()).isFalse();
        assertThat(identity.get("addresses").get(0).asText()).isEqualTo("soon@example.com");
        assertThat(identity.get("fingerprint").asText()).isEqualTo(store.identity("org-soon").orElseThrow().certificate().fingerprint());
        assertThat(expiring.findValuesAsText("kind")).containsExactlyInAnyOrder("crl", "identity", "certificate", "harvested",
            "trust-anchor", "intermediate", "harvested", "crl");
    }

    private static JsonNode entryNamed(JsonNode list, String name) {
        for (JsonNode entry : list) {
            if (entry.get("name").asText().equals(name)) {
                return entry;
            }
        }
        throw new AssertionError("no entry named " + name + " in " + list);
    }

    /** The top-level fingerprints of a list (each entry's certificate has one too). */
    private static List<String> fingerprints(JsonNode list) {
        List<String> fingerprints = new java.util.ArrayList<>();
        list.forEach(entry -> fingerprints.add(entry.get("fingerprint").asText()));
        return fingerprints;
    }

    @Test
    void theWindowIsChosenInDays() throws Exception {
        assertThat(json(get("/smime/expiring?withinDays=0")).findValuesAsText("path"))
            .containsExactly("/smime/crls/" + fingerprint(staleCrl));
        assertThat(json(get("/smime/expiring?withinDays=45"))).hasSize(13);
        assertThat(json(get("/smime/expiring?withinDays=3650"))).hasSize(13);
    }

    @Test
    void eachListKeepsOnlyWhatExpiresWithinTheDaysAsked() throws Exception {
        assertThat(json(get("/smime/identities?expiringWithinDays=30")).findValuesAsText("name")).containsExactly("org-soon");
        assertThat(json(get("/smime/certificates?expiringWithinDays=30")).findValuesAsText("name")).containsExactly("partner-soon");
        assertThat(json(get("/smime/harvested?expiringWithinDays=30")).findValuesAsText("name"))
            .containsExactly("soon@harvest.example", "soon@other.example");
        assertThat(fingerprints(json(get("/smime/trust-anchors?expiringWithinDays=30"))))
            .containsExactly(fingerprint(anchorSoon));
        assertThat(fingerprints(json(get("/smime/intermediates?expiringWithinDays=30"))))
            .containsExactly(fingerprint(intermediateSoon));
        assertThat(fingerprints(json(get("/smime/crls?expiringWithinDays=30"))))
            .containsExactlyInAnyOrder(fingerprint(staleCrl), fingerprint(freshCrl));
        assertThat(fingerprints(json(get("/smime/crls?expiringWithinDays=0")))).containsExactly(fingerprint(staleCrl));
    }

    @Test
    void withoutTheParameterTheListsAreWhole() throws Exception {
        assertThat(json(get("/smime/identities")).findValuesAsText("name")).containsExactly("org-later", "org-soon");
        assertThat(json(get("/smime/harvested"))).hasSize(3);
        assertThat(json(get("/smime/trust-anchors"))).hasSize(2);
    }

    @Test
    void thePemExportsKeepOnlyWhatExpires() throws Exception {
        HttpResponse<String> certificates = get("/smime/certificates?expiringWithinDays=30&format=pem");
        HttpResponse<String> anchors = get("/smime/trust-anchors?format=pem&expiringWithinDays=30");
        HttpResponse<String> intermediates = get("/smime/intermediates?format=pem&expiringWithinDays=30");

        assertThat(certificates.body()).startsWith("name: partner-soon\n");
        assertThat(Pem.readChain(certificates.body().getBytes(StandardCharsets.US_ASCII))).hasSize(1);
        assertThat(Pem.readChain(anchors.body().getBytes(StandardCharsets.US_ASCII))).extracting(CertificateFacts::fingerprint)
            .containsExactly(fingerprint(anchorSoon));
        assertThat(Pem.readChain(intermediates.body().getBytes(StandardCharsets.US_ASCII))).extracting(CertificateFacts::fingerprint)
            .containsExactly(fingerprint(intermediateSoon));
    }

    @Test
    void harvestedExpiryCombinesWithTheAddressOrDomainAndPaging() throws Exception {
        assertThat(json(get("/smime/harvested?expiringWithinDays=30&domain=other.example")).findValuesAsText("name"))
            .containsExactly("soon@other.example");
        assertThat(json(get("/smime/harvested?expiringWithinDays=30&address=Soon@Harvest.example")).findValuesAsText("name"))
            .containsExactly("soon@harvest.example");
        assertThat(json(get("/smime/harvested?expiringWithinDays=30&address=later@harvest.example"))).isEmpty();
        assertThat(json(get("/smime/harvested?expiringWithinDays=30&offset=1&limit=1")).findValuesAsText("name"))
            .containsExactly("soon@other.example");
    }

    @Test
    void aBadNumberOfDaysIsABadRequestThatSaysWhyAndChangesNothing() throws Exception {
        List<String> asked = new java.util.ArrayList<>();
        for (String path : LISTS) {
            asked.add(path + "?expiringWithinDays=");
        }
        for (String value : List.of("-1", "thirty", "", "3651", "1.5", "30d", "99999999999999999999", "%00")) {
            asked.add("/smime/expiring?withinDays=" + value);
            asked.add("/smime/identities?expiringWithinDays=" + value);
            asked.add("/smime/harvested?expiringWithinDays=" + value);
        }
        for (String path : asked) {
            HttpResponse<String> refused = get(path);

            assertThat(refused.statusCode()).as(path).isEqualTo(400);
            JsonNode error = RoutesServer.json(refused);
            assertThat(error.get("type").asText()).as(path).isEqualTo("InvalidArgument");
            assertThat(error.get("message").asText()).as(path).contains("must be a whole number from 0 to 3650");
        }
        assertThat(RoutesServer.json(get("/smime/expiring?withinDays=-1")).get("message").asText())
            .isEqualTo("?withinDays must be a whole number from 0 to 3650, not '-1'");
        assertThat(json(get("/smime/identities"))).hasSize(2);
    }

    @Test
    void aBadDomainWithExpiryIsABadRequest() throws Exception {
        assertThat(get("/smime/harvested?expiringWithinDays=30&domain=not_a_domain").statusCode()).isEqualTo(400);
    }

    @Test
    void aBodySentWithTheQueryIsIgnored() throws Exception {
        for (String body : List.of("", "{not json", "\u0000\u00ff garbage")) {
            HttpResponse<String> answered = server.send("GET", "/smime/expiring", body);

            assertThat(json(answered)).as(body).hasSize(8);
        }
    }
}
