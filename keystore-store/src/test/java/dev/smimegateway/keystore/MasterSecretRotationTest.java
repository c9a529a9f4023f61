package dev.smimegateway.keystore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.Signature;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.smimegateway.core.certificate.CertificateFacts;
import dev.smimegateway.core.testing.TestPki;

/**
 * Master-secret rotation: every key, archived and decrypt-only ones too, moves to the new secret in
 * one transaction; a wrong old secret changes nothing; a process killed midway leaves the old state
 * or the new one, never a mix.
 */
class MasterSecretRotationTest {
    private static final String OLD = KeyStoreFixture.MASTER_SECRET;
    private static final String NEW = "the-new-master-secret-9876543210";
    private static final int IDENTITIES = 50;
    private static final TestPki PKI = TestPki.create("Rotation CA");

    @TempDir
    Path folder;

    /** A shut-down Derby store under {@link #OLD} with {@code count} identities, one archived and one decrypt-only among them. */
    private Path storeWith(int count) {
        KeyStoreFixture fixture = new KeyStoreFixture(folder.resolve("template"));
        SmimeKeyStore store = fixture.open();
        for (int i = 0; i < count - 1; i++) {
            store.createSelfSigned(String.format("id-%02d", i), SelfSignedRequest.builder().commonName("User " + i)
                .email("user" + i + "@example.com").signatureAlgorithm(SignatureAlgorithm.ECDSA_P256_SHA256).build(), Optional.empty());
        }
        store.archiveIdentity("id-00");
        Instant now = Instant.now();
        TestPki.Issued expired = PKI.leaf("Old").email("old@example.com").ec()
            .validity(now.minus(Duration.ofDays(800)), now.minus(Duration.ofDays(40))).issue();
        store.importPkcs12("old", expired.pkcs12("pw"), "pw".toCharArray(), Optional.empty(), Optional.empty(), true);
        fixture.shutdown();
        return fixture.databaseDirectory;
    }

    private Path copyOf(Path template, String name) throws Exception {
        Path target = folder.resolve(name).resolve("keystore");
        Files.createDirectories(target.getParent());
        try (Stream<Path> files = Files.walk(template)) {
            for (Path file : files.sorted(Comparator.naturalOrder()).toList()) {
                Files.copy(file, target.resolve(template.relativize(file).toString()));
            }
        }
        return target;
    }

    /** Opens the store with the secret and proves that every key opens and signs for its certificate; false when the secret is refused. */
    private static boolean opensAndEveryKeySigns(Path directory, String secret, int expectedKeys) throws Exception {
        Database database = new Database(EmbeddedDerby.dataSource(directory));
        database.migrate();
        PrivateKeySeal seal;
        try {
            seal = PrivateKeySeal.unlock(database, secret.toCharArray());
        } catch (KeyStoreFailureException refused) {
            return false;
        }
        SmimeKeyStore store = SmimeKeyStore.open(EmbeddedDerby.dataSource(directory), secret.toCharArray(), java.time.Clock.systemUTC());
        Map<String, PrivateKey> keys = database.inTransaction(connection -> {
            Map<String, PrivateKey> opened = new TreeMap<>();
            for (String[] row : Database.list(connection, "SELECT name, key_algorithm FROM smime_identity", r -> new String[] {r.getString(1), r.getString(2)})) {
                byte[] sealed = Database.list(connection, "SELECT encrypted_key FROM smime_identity WHERE name = ?", r -> r.getBytes(1), row[0]).get(0);
                opened.put(row[0], seal.open(row[0], row[1], sealed));
            }
            return opened;
        });
        assertThat(keys).hasSize(expectedKeys);
        for (Map.Entry<String, PrivateKey> entry : keys.entrySet()) {
            CertificateFacts certificate = store.identity(entry.getKey()).orElseThrow().certificate();
            Signature signer = Signature.getInstance("SHA256withECDSA");
            signer.initSign(entry.getValue());
            signer.update(entry.getKey().getBytes(StandardCharsets.UTF_8));
            byte[] signature = signer.sign();
            signer.initVerify(certificate.certificate().getPublicKey());
            signer.update(entry.getKey().getBytes(StandardCharsets.UTF_8));
            assertThat(signer.verify(signature)).as(entry.getKey()).isTrue();
        }
        return true;
    }

    @Test
    void everyKeyArchivedAndDecryptOnlyIncludedMovesToTheNewSecret() throws Exception {
        Path directory = storeWith(5);
        ByteArrayOutputStream printed = new ByteArrayOutputStream();

        int count = MasterSecretRotation.rotate(EmbeddedDerby.dataSource(directory), OLD.toCharArray(), NEW.toCharArray(),
            new PrintStream(printed, true, StandardCharsets.UTF_8));

        assertThat(count).isEqualTo(5);
        assertThat(printed.toString(StandardCharsets.UTF_8)).contains("re-encrypted 1 of 5: id-00", "re-encrypted 5 of 5: old");
        assertThat(opensAndEveryKeySigns(directory, OLD, 5)).isFalse();
        assertThat(opensAndEveryKeySigns(directory, NEW, 5)).isTrue();
        SmimeKeyStore store = SmimeKeyStore.open(EmbeddedDerby.dataSource(directory), NEW.toCharArray(), java.time.Clock.systemUTC());
        assertThat(store.signingIdentityFor("user1@example.com")).isPresent();
        assertThat(store.restoreIdentity("id-00").archived()).isFalse();
        assertThat(store.signingIdentity("id-00")).isPresent();
        assertThat(store.auditTrail(rotations())).singleElement().satisfies(record -> {
            assertThat(record.entry()).isEqualTo("master-secret");
            assertThat(record.actor()).isEqualTo("local");
            assertThat(record.detail()).contains("5 private keys re-encrypted under a new master secret");
        });
    }

    private static AuditQuery rotations() {
        return new AuditQuery(java.util.Optional.of(AuditOperation.MASTER_SECRET_ROTATE), java.util.Optional.empty(), java.util.Optional.empty(),
            java.util.Optional.empty(), 0, 10);
    }

    @Test
    void aWrongOldSecretChangesNothing() throws Exception {
        Path directory = storeWith(3);
        Database database = new Database(EmbeddedDerby.dataSource(directory));
        List<String> before = snapshot(database);

        assertThatThrownBy(() -> MasterSecretRotation.rotate(EmbeddedDerby.dataSource(directory), "not-the-old-secret-at-all".toCharArray(),
            NEW.toCharArray(), new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8)))
            .isInstanceOf(KeyStoreFailureException.class)
            .hasMessageContaining("master secret is not the one");

        assertThat(snapshot(database)).isEqualTo(before);
        assertThat(opensAndEveryKeySigns(directory, OLD, 3)).isTrue();
        assertThat(SmimeKeyStore.open(EmbeddedDerby.dataSource(directory), OLD.toCharArray(), java.time.Clock.systemUTC())
            .auditTrail(rotations())).isEmpty();
    }

    @Test
    void refusesTheSameSecretAndATooShortOneWithoutChangingAnything() throws Exception {
        Path directory = storeWith(2);
        Database database = new Database(EmbeddedDerby.dataSource(directory));
        List<String> before = snapshot(database);

        assertThatThrownBy(() -> PrivateKeySeal.rotate(database, OLD.toCharArray(), OLD.toCharArray(), (done, total, name) -> { }, null))
            .isInstanceOf(InvalidRequestException.class);
        assertThatThrownBy(() -> PrivateKeySeal.rotate(database, OLD.toCharArray(), "short".toCharArray(), (done, total, name) -> { }, null))
            .hasMessageContaining("too short");

        assertThat(snapshot(database)).isEqualTo(before);
    }

    /** Every sealed key and every key-derivation value, as text. */
    private static List<String> snapshot(Database database) {
        return database.inTransaction(connection -> {
            List<String> rows = new ArrayList<>(Database.list(connection, "SELECT name, encrypted_key FROM smime_identity ORDER BY name",
                r -> r.getString(1) + "=" + java.util.HexFormat.of().formatHex(r.getBytes(2))));
            rows.addAll(Database.list(connection, "SELECT meta_key, meta_value FROM smime_meta WHERE meta_key LIKE 'kdf.%' ORDER BY meta_key",
                r -> r.getString(1) + "=" + r.getString(2)));
            return rows;
        });
    }

    /** A James folder with {@code conf/smime.properties} holding {@code properties} and a two-key store in {@code var/smime/keystore}. */
    private Path jamesWithTwoKeys(String properties) throws Exception {
        Path james = folder.resolve("james");
        Path template = storeWith(2);
        Files.createDirectories(james.resolve("conf"));
        Files.createDirectories(james.resolve("var/smime"));
        Files.move(template, james.resolve("var/smime/keystore"));
        Files.writeString(james.resolve("conf/smime.properties"), properties);
        return james;
    }

    @Test
    void theCommandReadsTheOldSecretFromThePropertiesAndTheNewOneFromStandardInput() throws Exception {
        Path james = jamesWithTwoKeys("keystore.master.secret=" + OLD + "\n");
        Path properties = james.resolve("conf/smime.properties");
        ByteArrayOutputStream printed = new ByteArrayOutputStream();

        MasterSecretRotation.run(properties, null, new StringReader(NEW + "\n"), new PrintStream(printed, true, StandardCharsets.UTF_8));

        assertThat(printed.toString(StandardCharsets.UTF_8))
            .contains("re-encrypted 2 of 2")
            .contains("Committed: 2 private keys")
            .contains("Now put the new secret into " + properties)
            .doesNotContain(NEW);
        assertThat(opensAndEveryKeySigns(james.resolve("var/smime/keystore"), NEW, 2)).isTrue();
    }

    @Test
    void inDemoModeTheCommandRewritesTheGeneratedSecretFile() throws Exception {
        Path james = jamesWithTwoKeys("keystore.master.secret.generate=true\n");
        Files.writeString(james.resolve("var/smime/master-secret"), OLD);
        Path properties = james.resolve("conf/smime.properties");

        MasterSecretRotation.run(properties, NEW, new StringReader(""), new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));

        assertThat(Files.readString(james.resolve("var/smime/master-secret"))).isEqualTo(NEW);
        assertThat(opensAndEveryKeySigns(james.resolve("var/smime/keystore"), NEW, 2)).isTrue();
    }

    @Test
    void aRotationKilledAtAnyPointLeavesTheOldStateOrTheNewOneNeverAMix() throws Exception {
        Path template = storeWith(IDENTITIES);
        // After 1, 17 and all 50 keys were re-encrypted (not committed), then right after the commit.
        int[] killAfter = {1, 17, IDENTITIES, -1};
        for (int point : killAfter) {
            Path directory = copyOf(template, "kill-" + point);
            String killedAt = runAndKill(directory, point);

            boolean old = opensAndEveryKeySigns(directory, OLD, IDENTITIES);
            EmbeddedDerby.shutdown(directory);
            boolean next = opensAndEveryKeySigns(directory, NEW, IDENTITIES);
            EmbeddedDerby.shutdown(directory);

            assertThat(old ^ next).as("exactly one secret opens the store killed after '%s'", killedAt).isTrue();
            assertThat(next).as("killed after '%s'", killedAt).isEqualTo(point == -1);
        }
    }

    /** Runs the rotation in a child JVM and kills it once it printed its {@code afterLine}th progress line (-1: the commit). */
    private static String runAndKill(Path directory, int afterLine) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder builder = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), RotationChild.class.getName(),
            directory.toString()).redirectErrorStream(true);
        builder.environment().put("OLD_SECRET", OLD);
        builder.environment().put("NEW_SECRET", NEW);
        Process child = builder.start();
        String wanted = afterLine == -1 ? "committed " + IDENTITIES : "re-encrypted " + afterLine + " of " + IDENTITIES + ":";
        StringBuilder seen = new StringBuilder();
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                seen.append(line).append('\n');
                if (line.startsWith(wanted)) {
                    child.destroyForcibly();
                    assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
                    return line;
                }
            }
        } finally {
            child.destroyForcibly();
        }
        throw new AssertionError("the child ended before printing '" + wanted + "':\n" + seen);
    }
}
