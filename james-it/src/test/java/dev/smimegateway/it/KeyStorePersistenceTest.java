package dev.smimegateway.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import dev.smimegateway.core.testing.TestPki;

/** Keys, certificates and trust anchors live in Derby under James's var/: a restart keeps them. */
class KeyStorePersistenceTest {

    @Test
    void restartKeepsIdentitiesCertificatesAndTrustAnchors() throws Exception {
        TestPki pki = TestPki.create("Persistence CA");
        try (RealJamesServer james = RealJamesServer.withPolicy(RealJamesServer.DEMO_POLICY).start()) {
            assertThat(james.putJson("/smime/identities/alice", "{\"selfSigned\":{\"commonName\":\"Alice\","
                + "\"emails\":[\"alice@example.com\"]}}").statusCode()).isEqualTo(201);
            assertThat(james.put("/smime/certificates/bob", "application/x-pem-file",
                pki.leaf("Bob").email("bob@partner.example").issue().pem().getBytes(StandardCharsets.US_ASCII)).statusCode()).isEqualTo(201);
            assertThat(james.post("/smime/trust-anchors?action=import", "application/x-pem-file",
                TestPki.pem(pki.caCertificate()).getBytes(StandardCharsets.US_ASCII)).statusCode()).isEqualTo(200);
            String identityBefore = james.get("/smime/identities/alice").body();

            james.stop();
            james.start();

            assertThat(james.get("/smime/identities/alice").body()).isEqualTo(identityBefore);
            assertThat(james.get("/smime/certificates/bob").statusCode()).isEqualTo(200);
            assertThat(james.get("/smime/trust-anchors").body()).contains("CN=Persistence CA");
            // The private key still opens with the master secret after the restart.
            assertThat(james.get("/smime/identities/alice/csr").body()).startsWith("-----BEGIN CERTIFICATE REQUEST-----");
        }
    }
}
