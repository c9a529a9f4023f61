package dev.smimegateway.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Keys and certificates made by OpenSSL come in through webadmin, and what the gateway makes (CSR,
 * chains) is accepted by OpenSSL: the administrator's CA tooling works with the gateway.
 */
class OpenSslKeyInteropTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static RealJamesServer james;

    @TempDir
    static Path pki;

    @BeforeAll
    static void setUp() throws Exception {
        james = RealJamesServer.withPolicy(RealJamesServer.DEMO_POLICY).start();
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "30",
            "-subj", "/CN=OpenSSL Test CA", "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign");
        Files.writeString(pki.resolve("smime.cnf"), "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n"
            + "extendedKeyUsage=emailProtection\nsubjectAltName=email:alice@openssl.example\n");
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "alice.key", "-out", "alice.csr", "-subj", "/CN=Alice");
        openssl("x509", "-req", "-in", "alice.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "alice.pem",
            "-days", "30", "-extfile", "smime.cnf");
    }

    @AfterAll
    static void tearDown() {
        if (james != null) {
            james.stop();
        }
    }

    private static Shell.Result openssl(String... arguments) throws Exception {
        String[] command = new String[arguments.length + 1];
        command[0] = "openssl";
        System.arraycopy(arguments, 0, command, 1, arguments.length);
        return Shell.run(pki, command).orFail();
    }

    private static String pkcs12Json(String file, String password) throws Exception {
        return "{\"pkcs12\":\"" + Base64.getEncoder().encodeToString(Files.readAllBytes(pki.resolve(file)))
            + "\",\"password\":\"" + password + "\"}";
    }

    @Test
    void importsOpenSslDefaultPkcs12() throws Exception {
        openssl("pkcs12", "-export", "-inkey", "alice.key", "-in", "alice.pem", "-certfile", "ca.pem", "-out", "alice.p12",
            "-passout", "pass:modern-pass");

        var response = james.putJson("/smime/identities/alice-openssl", pkcs12Json("alice.p12", "modern-pass"));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        JsonNode identity = JSON.readTree(response.body());
        assertThat(identity.at("/certificate/emails/0").asText()).isEqualTo("alice@openssl.example");
        assertThat(identity.at("/chain/0/subject").asText()).isEqualTo("CN=OpenSSL Test CA");
    }

    @Test
    void importsLegacyPkcs12AsWindowsAndOlderClientsExportIt() throws Exception {
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "carol.key", "-out", "carol.csr", "-subj", "/CN=Carol");
        openssl("x509", "-req", "-in", "carol.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "carol.pem",
            "-days", "30", "-extfile", "smime.cnf");
        Shell.Result legacy = Shell.run(pki, "openssl", "pkcs12", "-export", "-legacy", "-inkey", "carol.key", "-in", "carol.pem",
            "-out", "alice-legacy.p12", "-passout", "pass:legacy-pass");
        if (legacy.exitCode() != 0) {
            // OpenSSL 3 without its legacy provider: fall back to the 3DES that Windows exports use.
            openssl("pkcs12", "-export", "-keypbe", "PBE-SHA1-3DES", "-certpbe", "PBE-SHA1-3DES", "-macalg", "sha1",
                "-inkey", "carol.key", "-in", "carol.pem", "-out", "alice-legacy.p12", "-passout", "pass:legacy-pass");
        }

        var response = james.putJson("/smime/identities/carol-legacy", pkcs12Json("alice-legacy.p12", "legacy-pass")
            .replace("}", ",\"activate\":false}"));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    }

    @Test
    void openSslSignsOurCsrAndVerifiesTheResultingChainForSmimeSigning() throws Exception {
        assertThat(james.putJson("/smime/identities/bob-openssl", "{\"selfSigned\":{\"commonName\":\"Bob\","
            + "\"emails\":[\"bob@openssl.example\"]}}").statusCode()).isEqualTo(201);
        Files.writeString(pki.resolve("bob.csr"), james.get("/smime/identities/bob-openssl/csr").body());

        assertThat(openssl("req", "-in", "bob.csr", "-noout", "-verify").output()).contains("verify OK");
        openssl("x509", "-req", "-in", "bob.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "bob.pem",
            "-days", "30", "-copy_extensions", "copyall");
        var imported = james.put("/smime/identities/bob-openssl/certificate", "application/x-pem-file",
            Files.readAllBytes(pki.resolve("bob.pem")));
        assertThat(imported.statusCode()).as(imported.body()).isEqualTo(200);

        Files.writeString(pki.resolve("bob-chain.pem"), james.get("/smime/identities/bob-openssl?format=pem").body());
        assertThat(openssl("verify", "-CAfile", "ca.pem", "-purpose", "smimesign", "bob-chain.pem").output())
            .contains("bob-chain.pem: OK");
        assertThat(openssl("verify", "-CAfile", "ca.pem", "-purpose", "smimeencrypt", "bob-chain.pem").output())
            .contains("bob-chain.pem: OK");
    }

    @Test
    void openSslCaListImportsAsTrustAnchors() throws Exception {
        var response = james.post("/smime/trust-anchors?action=import", "application/x-pem-file", Files.readAllBytes(pki.resolve("ca.pem")));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(response.body()).get("accepted").asInt()).isEqualTo(1);
    }
}
