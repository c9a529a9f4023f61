package dev.smimegateway.james;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;

import org.apache.commons.configuration2.Configuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.smimegateway.keystore.SmimeKeyStore;

/**
 * The key store settings of {@code conf/smime.properties}:
 * <pre>
 * # Required. Protects every private key at rest; keep it out of backups of the database.
 * # Generate one with: openssl rand -base64 32
 * keystore.master.secret=...
 *
 * # Demo only: with no master secret, generate one into var/smime/master-secret (a warning is logged).
 * #keystore.master.secret.generate=true
 *
 * # Where the embedded Derby database lives, relative to James's working directory.
 * #keystore.derby.directory=var/smime/keystore
 *
 * # This server's name in the key store's audit trail (default: the host name); name each server of a
 * # cluster sharing one key store differently.
 * #gateway.node.name=mx1
 * # Allow POST /smime/identities/{name}/pkcs12 to hand out private keys as password-protected
 * # PKCS#12 backups. Off unless set to true.
 * #keystore.export.privateKeys=false
 * </pre>
 */
public record KeyStoreConfiguration(char[] masterSecret, Path derbyDirectory, String nodeName, boolean privateKeyExport) {
    public static final String MASTER_SECRET = "keystore.master.secret";
    public static final String GENERATE_MASTER_SECRET = "keystore.master.secret.generate";
    public static final String DERBY_DIRECTORY = "keystore.derby.directory";
    public static final String DEFAULT_DERBY_DIRECTORY = "var/smime/keystore";
    public static final String NODE_NAME = "gateway.node.name";
    static final int MAX_NODE_NAME = 255;
    public static final String EXPORT_PRIVATE_KEYS = SmimeKeyStore.EXPORT_SETTING;
    static final String GENERATED_SECRET_FILE = "var/smime/master-secret";

    private static final Logger LOGGER = LoggerFactory.getLogger(KeyStoreConfiguration.class);

    /**
     * Reads the settings; {@code workingDirectory} is James's base directory, against which relative
     * paths are resolved.
     *
     * @throws IllegalStateException naming the missing or wrong setting, which stops James from starting
     */
    public static KeyStoreConfiguration from(Configuration configuration, Path workingDirectory) {
        Path derby = workingDirectory.resolve(configuration.getString(DERBY_DIRECTORY, DEFAULT_DERBY_DIRECTORY)).normalize();
        String node = nodeName(configuration);
        boolean export = privateKeyExport(configuration);
        String secret = configuration.getString(MASTER_SECRET, "").strip();
        if (!secret.isEmpty()) {
            return new KeyStoreConfiguration(secret.toCharArray(), derby, node, export);
        }
        if (configuration.getBoolean(GENERATE_MASTER_SECRET, false)) {
            return new KeyStoreConfiguration(generatedSecret(workingDirectory.resolve(GENERATED_SECRET_FILE)), derby, node, export);
        }
        throw new IllegalStateException("conf/smime.properties has no " + MASTER_SECRET
            + ": the S/MIME key store will not start without the secret that protects its private keys. "
            + "Set one (for example the output of 'openssl rand -base64 32'); for a demo only, set "
            + GENERATE_MASTER_SECRET + "=true");
    }

    /** {@value #NODE_NAME}, else the host name: printable, 1 to {@value #MAX_NODE_NAME} characters. */
    private static String nodeName(Configuration configuration) {
        String node = configuration.getString(NODE_NAME, "").strip();
        if (node.isEmpty()) {
            return SmimeKeyStore.hostName();
        }
        if (node.length() > MAX_NODE_NAME || node.codePoints().anyMatch(Character::isISOControl)) {
            throw new IllegalStateException("conf/smime.properties: " + NODE_NAME + " must be 1 to " + MAX_NODE_NAME
                + " printable characters, such as mx1");
        }
        return node;
    }

    /** Whether the key store may export private keys; anything but true or false stops James, naming the setting. */
    public SmimeKeyStore.PrivateKeyExport privateKeyExportSetting() {
        return privateKeyExport ? SmimeKeyStore.PrivateKeyExport.ALLOWED : SmimeKeyStore.PrivateKeyExport.REFUSED;
    }

    private static boolean privateKeyExport(Configuration configuration) {
        String value = configuration.getString(EXPORT_PRIVATE_KEYS, "false").strip();
        if (value.equals("true") || value.equals("false")) {
            return Boolean.parseBoolean(value);
        }
        throw new IllegalStateException("conf/smime.properties: " + EXPORT_PRIVATE_KEYS + " must be true or false, not '" + value + "'");
    }

    private static char[] generatedSecret(Path file) {
        try {
            if (!Files.exists(file)) {
                byte[] random = new byte[32];
                new SecureRandom().nextBytes(random);
                Files.createDirectories(file.getParent());
                Files.writeString(file, Base64.getEncoder().encodeToString(random), StandardCharsets.US_ASCII);
                try {
                    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
                } catch (UnsupportedOperationException e) {
                    LOGGER.debug("No POSIX permissions on {}", file);
                }
                LOGGER.warn("DEMO MODE: generated the S/MIME key store master secret into {}. Anyone who can read that file "
                    + "and the database can read the private keys. In production set {} in conf/smime.properties instead.",
                    file, MASTER_SECRET);
            } else {
                LOGGER.warn("DEMO MODE: the S/MIME key store master secret is read from {}; set {} in production.", file, MASTER_SECRET);
            }
            return Files.readString(file, StandardCharsets.US_ASCII).strip().toCharArray();
        } catch (IOException e) {
            throw new IllegalStateException("cannot create or read the demo master secret " + file + ": " + e.getMessage(), e);
        }
    }
}
