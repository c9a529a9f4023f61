package dev.smimegateway.keystore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.smimegateway.core.testing.TestPki;

class KeyStoreSecurityTest {
    private static final TestPki PKI = TestPki.create("Security Test CA");

    @TempDir
    Path folder;
    KeyStoreFixture fixture;

    @BeforeEach
    void setUp() {
        fixture = new KeyStoreFixture(folder);
    }

    @Test
    void privateKeyBytesAreNowhereInTheDatabaseFiles() throws Exception {
        SmimeKeyStore store = fixture.open();
        TestPki.Issued alice = PKI.leaf("Alice").email("alice@example.com").issue();
        store.importPkcs12("alice", alice.pkcs12("pw"), "pw".toCharArray(), Optional.empty(), Optional.empty());
        fixture.shutdown();

        byte[] files = allBytesUnder(fixture.databaseDirectory);
        java.security.interfaces.RSAPrivateCrtKey key = (java.security.interfaces.RSAPrivateCrtKey) alice.privateKey();
        byte[] certificate = alice.certificate().getEncoded();

        // The certificate is stored in clear: finding it proves the search sees what Derby wrote.
        assertThat(containsWindow(files, certificate, 0, 64)).isTrue();
        // The secret parts of the key (the modulus is public: it is in the certificate too).
        for (java.math.BigInteger secret : List.of(key.getPrivateExponent(), key.getPrimeP(), key.getPrimeQ())) {
            byte[] bytes = secret.toByteArray();
            for (int offset = 0; offset + 16 <= bytes.length; offset += 16) {
                assertThat(containsWindow(files, bytes, offset, 16))
                    .as("16 bytes of a secret key component at offset %d", offset).isFalse();
            }
        }
    }

    @Test
    void keysSurviveReopeningTheDatabase() {
        SmimeKeyStore store = fixture.open();
        store.createSelfSigned("alice", SelfSignedRequest.builder().commonName("Alice").email("alice@example.com").build(), Optional.empty());
        fixture.shutdown();

        SmimeKeyStore reopened = fixture.open();

        assertThat(reopened.signingIdentityFor("alice@example.com")).isPresent();
        assertThat(reopened.schemaVersion()).isEqualTo(Database.latestSchemaVersion());
    }

    @Test
    void refusesToOpenWithAnotherMasterSecret() {
        fixture.open().createSelfSigned("alice", SelfSignedRequest.builder().commonName("Alice").email("alice@example.com").build(),
            Optional.empty());
        fixture.shutdown();

        assertThatThrownBy(() -> fixture.open("another-secret-of-some-length"))
            .isInstanceOf(KeyStoreFailureException.class)
            .hasMessageContaining("master secret is not the one this key store was created with");
    }

    @Test
    void refusesAShortMasterSecret() {
        assertThatThrownBy(() -> fixture.open("short"))
            .isInstanceOf(KeyStoreFailureException.class)
            .hasMessageContaining("too short");
    }

    @Test
    void sealedKeyDoesNotOpenUnderAnotherIdentityName() {
        KeyProtector protector = KeyProtector.derive(KeyStoreFixture.MASTER_SECRET.toCharArray(), new byte[16], 1000);
        byte[] sealed = protector.seal(new byte[] {1, 2, 3}, "identity:alice");

        assertThat(protector.open(sealed, "identity:alice")).containsExactly(1, 2, 3);
        assertThatThrownBy(() -> protector.open(sealed, "identity:mallory"))
            .isInstanceOf(KeyStoreFailureException.class);
        byte[] tampered = sealed.clone();
        tampered[tampered.length - 1] ^= 1;
        assertThatThrownBy(() -> protector.open(tampered, "identity:alice"))
            .isInstanceOf(KeyStoreFailureException.class);
    }

    @Test
    void identityAndKeyNeverAppearInToString() {
        SmimeKeyStore store = fixture.open();
        store.createSelfSigned("alice", SelfSignedRequest.builder().commonName("Alice").email("alice@example.com").build(), Optional.empty());
        SigningIdentity identity = store.signingIdentityFor("alice@example.com").orElseThrow();

        String base64Key = java.util.Base64.getEncoder().encodeToString(identity.privateKey().getEncoded());

        assertThat(identity.toString()).doesNotContain(base64Key.substring(40, 80)).contains("alice");
    }

    private static byte[] allBytesUnder(Path directory) throws IOException {
        try (Stream<Path> paths = Files.walk(directory)) {
            List<Path> files = paths.filter(Files::isRegularFile).collect(Collectors.toList());
            java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
            files.forEach(file -> {
                try {
                    all.write(Files.readAllBytes(file));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            return all.toByteArray();
        }
    }

    private static boolean containsWindow(byte[] haystack, byte[] source, int offset, int length) {
        byte[] needle = Arrays.copyOfRange(source, offset, offset + length);
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }
}
