package dev.smimegateway.keystore;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.spec.PKCS8EncodedKeySpec;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sealing of identities' private keys: unlocked once with the server's master secret, it seals a
 * key before it reaches the database and opens it when an identity signs or decrypts. The key
 * derivation's salt and a check value live in {@code smime_meta}; the secret itself is never stored,
 * so a database opened with another secret is refused instead of failing on the first mail.
 */
final class PrivateKeySeal {
    private static final Logger LOGGER = LoggerFactory.getLogger(PrivateKeySeal.class);
    private static final String CHECK_PLAINTEXT = "smime-gateway key store";
    private static final String META = "SELECT meta_value FROM smime_meta WHERE meta_key = ?";

    private final KeyProtector protector;

    private PrivateKeySeal(KeyProtector protector) {
        this.protector = protector;
    }

    /** Unlocks the database's keys with the secret, initialising the key derivation on an empty database. */
    static PrivateKeySeal unlock(Database database, char[] masterSecret) {
        return database.inTransaction(connection -> {
            if (Database.singleString(connection, META, "kdf.salt").isEmpty()) {
                // Servers starting together on an empty database: the first initialises, the others wait
                // here and then unlock what it made (a different secret is then refused as on any start).
                Database.lock(connection, IdentityStore.LOCK);
                if (Database.singleString(connection, META, "kdf.salt").isEmpty()) {
                    return new PrivateKeySeal(initialise(connection, masterSecret));
                }
            }
            return unlockExisting(connection, masterSecret);
        });
    }

    private static PrivateKeySeal unlockExisting(Connection connection, char[] masterSecret) throws SQLException {
        String salt = Database.singleString(connection, META, "kdf.salt").orElseThrow();
        int iterations = Integer.parseInt(Database.singleString(connection, META, "kdf.iterations").orElseThrow());
        KeyProtector protector = KeyProtector.derive(masterSecret, Base64.getDecoder().decode(salt), iterations);
        String check = Database.singleString(connection, META, "kdf.check").orElseThrow();
        try {
            protector.open(Base64.getDecoder().decode(check), "check");
        } catch (KeyStoreFailureException e) {
            throw new KeyStoreFailureException("The S/MIME key store master secret is not the one this key store was created with; "
                + "its private keys cannot be opened. Restore the original keystore.master.secret.", e);
        }
        return new PrivateKeySeal(protector);
    }

    /** Told of each private key re-encrypted by {@link #rotate}, before the transaction commits. */
    @FunctionalInterface
    interface RotationProgress {
        void resealed(int done, int total, String identityName);
    }

    /**
     * Re-encrypts every identity's private key (active, inactive, decrypt-only and archived alike)
     * under a key derived from {@code newSecret} with a fresh salt, and replaces the salt, iteration
     * count and check value, all in one transaction that holds the identities' lock: a failure or a
     * crash before the commit leaves the database exactly as it was, under the old secret.
     *
     * @return how many keys were re-encrypted
     * @throws KeyStoreFailureException when {@code oldSecret} does not open the store (nothing changes)
     */
    static int rotate(Database database, char[] oldSecret, char[] newSecret, RotationProgress progress, Audit audit) {
        if (Arrays.equals(oldSecret, newSecret)) {
            throw new InvalidRequestException("the new master secret is the same as the old one");
        }
        return database.inTransaction(connection -> {
            Database.lock(connection, IdentityStore.LOCK);
            if (Database.singleString(connection, META, "kdf.salt").isEmpty()) {
                throw new InvalidRequestException("this key store holds no key material yet: nothing to re-encrypt; "
                    + "just set the new secret in smime.properties");
            }
            PrivateKeySeal old = unlockExisting(connection, oldSecret);
            byte[] newSalt = new byte[16];
            new SecureRandom().nextBytes(newSalt);
            KeyProtector next = KeyProtector.derive(newSecret, newSalt, KeyProtector.ITERATIONS);
            List<String> names = Database.list(connection, "SELECT name FROM smime_identity ORDER BY name", row -> row.getString(1));
            int done = 0;
            for (String name : names) {
                byte[] sealed = Database.list(connection, "SELECT encrypted_key FROM smime_identity WHERE name = ?",
                    row -> row.getBytes(1), name).get(0);
                byte[] encoded = old.protector.open(sealed, context(name));
                try (PreparedStatement update = connection.prepareStatement("UPDATE smime_identity SET encrypted_key = ? WHERE name = ?")) {
                    update.setBytes(1, next.seal(encoded, context(name)));
                    update.setString(2, name);
                    update.executeUpdate();
                } finally {
                    Arrays.fill(encoded, (byte) 0);
                }
                progress.resealed(++done, names.size(), name);
            }
            updateMeta(connection, "kdf.salt", Base64.getEncoder().encodeToString(newSalt));
            updateMeta(connection, "kdf.iterations", Integer.toString(KeyProtector.ITERATIONS));
            updateMeta(connection, "kdf.check", Base64.getEncoder().encodeToString(
                next.seal(CHECK_PLAINTEXT.getBytes(StandardCharsets.UTF_8), "check")));
            audit.record(connection, AuditOperation.MASTER_SECRET_ROTATE, "master-secret", Optional.empty(),
                Optional.of(names.size() + " private keys re-encrypted under a new master secret"));
            LOGGER.info("Re-encrypted {} private keys under a new master secret", names.size());
            return names.size();
        });
    }

    private static void updateMeta(Connection connection, String key, String value) throws SQLException {
        try (PreparedStatement update = connection.prepareStatement("UPDATE smime_meta SET meta_value = ? WHERE meta_key = ?")) {
            update.setString(1, value);
            update.setString(2, key);
            update.executeUpdate();
        }
    }

    private static KeyProtector initialise(Connection connection, char[] masterSecret) throws SQLException {
        byte[] newSalt = new byte[16];
        new SecureRandom().nextBytes(newSalt);
        KeyProtector protector = KeyProtector.derive(masterSecret, newSalt, KeyProtector.ITERATIONS);
        insertMeta(connection, "kdf.salt", Base64.getEncoder().encodeToString(newSalt));
        insertMeta(connection, "kdf.iterations", Integer.toString(KeyProtector.ITERATIONS));
        insertMeta(connection, "kdf.check", Base64.getEncoder().encodeToString(
            protector.seal(CHECK_PLAINTEXT.getBytes(StandardCharsets.UTF_8), "check")));
        LOGGER.info("Initialised the S/MIME key store's key encryption");
        return protector;
    }

    /** The identity's key, sealed to its name: a sealed key copied to another identity's row does not open. */
    byte[] seal(String identityName, PrivateKey privateKey) {
        byte[] encoded = privateKey.getEncoded();
        try {
            return protector.seal(encoded, context(identityName));
        } finally {
            Arrays.fill(encoded, (byte) 0);
        }
    }

    PrivateKey open(String identityName, String keyAlgorithm, byte[] sealed) {
        byte[] encoded = protector.open(sealed, context(identityName));
        try {
            return KeyFactory.getInstance(keyAlgorithm).generatePrivate(new PKCS8EncodedKeySpec(encoded));
        } catch (GeneralSecurityException e) {
            throw new KeyStoreFailureException("the private key of identity '" + identityName + "' cannot be decoded", e);
        } finally {
            Arrays.fill(encoded, (byte) 0);
        }
    }

    private static String context(String identityName) {
        return "identity:" + identityName;
    }

    private static void insertMeta(Connection connection, String key, String value) throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement("INSERT INTO smime_meta (meta_key, meta_value) VALUES (?, ?)")) {
            insert.setString(1, key);
            insert.setString(2, value);
            insert.executeUpdate();
        }
    }
}
