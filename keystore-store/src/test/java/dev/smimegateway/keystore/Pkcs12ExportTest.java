package dev.smimegateway.keystore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Signature;
import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.smimegateway.core.testing.TestPki;

/** A PKCS#12 backup of an identity: allowed only by configuration, AES-256 and PBKDF2, and it imports back as it was. */
class Pkcs12ExportTest {
    private static final TestPki PKI = TestPki.create("Export Test CA");
    private static final String PASSWORD = "correct horse battery";

    @TempDir
    Path folder;
    KeyStoreFixture fixture;
    SmimeKeyStore store;
    TestPki.Issued alice;

    @BeforeEach
    void setUp() {
        fixture = new KeyStoreFixture(folder);
        store = SmimeKeyStore.open(EmbeddedDerby.dataSource(fixture.databaseDirectory), KeyStoreFixture.MASTER_SECRET.toCharArray(),
            fixture.clock, SmimeKeyStore.PrivateKeyExport.ALLOWED);
        alice = PKI.leaf("Alice").email("alice@example.com").issue();
        store.importPkcs12("alice", alice.pkcs12("pw"), "pw".toCharArray(), Optional.empty(), Optional.empty());
    }

    @Test
    void exportDestroyImportGivesBackTheSameKeyAndCertificates() throws Exception {
        byte[] backup = store.exportPkcs12("alice", PASSWORD.toCharArray());
        store.archiveIdentity("alice");
        store.destroyIdentity("alice", store.identity("alice").orElseThrow().certificate().fingerprint());
        assertThat(store.identity("alice")).isEmpty();

        Identity back = store.importPkcs12("alice", backup, PASSWORD.toCharArray(), Optional.empty(), Optional.empty());

        assertThat(back.certificate().certificate()).isEqualTo(alice.certificate());
        assertThat(back.chain()).extracting(facts -> facts.certificate()).containsExactly(alice.certificate(), PKI.caCertificate());
        SigningIdentity signer = store.signingIdentityFor("alice@example.com").orElseThrow();
        assertThat(signer.privateKey().getEncoded()).isEqualTo(alice.privateKey().getEncoded());
        Signature signature = Signature.getInstance("SHA256withRSA");
        signature.initSign(signer.privateKey());
        signature.update(new byte[] {1, 2, 3});
        byte[] signed = signature.sign();
        signature.initVerify(alice.certificate());
        signature.update(new byte[] {1, 2, 3});
        assertThat(signature.verify(signed)).isTrue();
    }

    @Test
    void anArchivedIdentityCanBeExported() {
        store.archiveIdentity("alice");

        byte[] backup = store.exportPkcs12("alice", PASSWORD.toCharArray());

        assertThat(Pkcs12Reader.read(backup, PASSWORD.toCharArray(), Optional.empty()).privateKey().getEncoded())
            .isEqualTo(alice.privateKey().getEncoded());
    }

    @Test
    void opensslReadsTheFileAsAes256CbcUnderPbkdf2WithASha256Mac() throws Exception {
        Path file = folder.resolve("alice.p12");
        Files.write(file, store.exportPkcs12("alice", PASSWORD.toCharArray()));

        Result info = openssl("pkcs12", "-in", file.toString(), "-passin", "pass:" + PASSWORD, "-nodes", "-info");

        assertThat(info.exitCode()).as(info.output()).isZero();
        assertThat(info.output())
            .contains("MAC: sha256, Iteration " + Pkcs12Writer.ITERATIONS)
            .contains("Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC, Iteration " + Pkcs12Writer.ITERATIONS + ", PRF hmacWithSHA256")
            .contains("PKCS7 Encrypted data: PBES2, PBKDF2, AES-256-CBC, Iteration " + Pkcs12Writer.ITERATIONS + ", PRF hmacWithSHA256")
            .contains("-----BEGIN PRIVATE KEY-----")
            .contains("friendlyName: alice")
            .doesNotContain("RC2").doesNotContain("3DES").doesNotContain("SHA1");
        Result wrong = openssl("pkcs12", "-in", file.toString(), "-passin", "pass:not the password", "-nodes", "-info");
        assertThat(wrong.exitCode()).isNotZero();
        assertThat(wrong.output()).contains("Mac verify error").doesNotContain("BEGIN PRIVATE KEY");
    }

    @Test
    void exportIsRefusedUnlessTheConfigurationAllowsItAndTheRefusalNamesTheSetting() {
        SmimeKeyStore locked = SmimeKeyStore.open(EmbeddedDerby.dataSource(fixture.databaseDirectory),
            KeyStoreFixture.MASTER_SECRET.toCharArray(), Clock.systemUTC());

        assertThatThrownBy(() -> locked.exportPkcs12("alice", PASSWORD.toCharArray()))
            .isInstanceOf(WrongStateException.class)
            .hasMessageContaining("keystore.export.privateKeys=true");
    }

    @Test
    void refusesAShortPasswordAndAnUnknownIdentity() {
        assertThatThrownBy(() -> store.exportPkcs12("alice", "short".toCharArray()))
            .isInstanceOf(InvalidRequestException.class).hasMessageContaining("at least 12 characters");
        assertThatThrownBy(() -> store.exportPkcs12("alice", new char[0])).isInstanceOf(InvalidRequestException.class);
        assertThatThrownBy(() -> store.exportPkcs12("alice", "x".repeat(1025).toCharArray())).isInstanceOf(InvalidRequestException.class);
        assertThatThrownBy(() -> store.exportPkcs12("nobody", PASSWORD.toCharArray())).isInstanceOf(EntryNotFoundException.class);
    }

    private record Result(int exitCode, String output) {
    }

    private static Result openssl(String... arguments) throws IOException, InterruptedException {
        String[] command = new String[arguments.length + 1];
        command[0] = "openssl";
        System.arraycopy(arguments, 0, command, 1, arguments.length);
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Result(process.exitValue(), output);
    }
}
