package dev.smimegateway.keystore;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.Arrays;
import java.util.Properties;

import javax.sql.DataSource;

/**
 * Re-encrypts every private key of the key store under a new master secret, offline (James
 * stopped: the embedded Derby database admits one process). Run it from James's directory:
 * <pre>
 * SMIME_NEW_MASTER_SECRET="$(openssl rand -base64 32)" \
 *   java -cp 'extensions-jars/*:lib/*' dev.smimegateway.keystore.MasterSecretRotation conf/smime.properties
 * </pre>
 * The old secret is read from {@code keystore.master.secret} in the given file (or, in demo mode,
 * from {@code var/smime/master-secret}); the new one from the environment variable
 * {@value #NEW_SECRET_VARIABLE}, else from the first line of standard input, never from the command
 * line (which {@code ps} shows to every user). Relative paths in the file are resolved against the
 * directory above the one holding it (James's directory for {@code conf/smime.properties}).
 *
 * <p>Every key (active, inactive, decrypt-only, archived) and the key derivation's salt and check
 * value are rewritten in one transaction: killed midway, the database stays under the old secret;
 * once "committed" is printed it is under the new one. Then the new secret must go into
 * {@code smime.properties} (the command says so; in demo mode it rewrites the generated file itself).
 */
public final class MasterSecretRotation {
    static final String NEW_SECRET_VARIABLE = "SMIME_NEW_MASTER_SECRET";
    private static final String MASTER_SECRET = "keystore.master.secret";
    private static final String GENERATE = "keystore.master.secret.generate";
    private static final String DERBY_DIRECTORY = "keystore.derby.directory";
    private static final String GENERATED_SECRET_FILE = "var/smime/master-secret";

    private MasterSecretRotation() {
    }

    public static void main(String[] arguments) {
        if (arguments.length != 1) {
            System.err.println("usage: java -cp 'extensions-jars/*:lib/*' " + MasterSecretRotation.class.getName() + " conf/smime.properties");
            System.err.println("The new secret comes from $" + NEW_SECRET_VARIABLE + " or the first line of standard input.");
            System.exit(2);
        }
        try {
            run(Path.of(arguments[0]), System.getenv(NEW_SECRET_VARIABLE), new InputStreamReader(System.in, StandardCharsets.UTF_8), System.out);
        } catch (RuntimeException e) {
            System.err.println("Master-secret rotation failed, nothing was changed: " + e.getMessage());
            System.exit(1);
        }
        System.exit(0);
    }

    /**
     * Rotates the secret of the store {@code propertiesFile} describes.
     *
     * @param newSecretVariable the new secret from the environment, or null to read it from {@code stdin}
     */
    static int run(Path propertiesFile, String newSecretVariable, Reader stdin, PrintStream out) {
        Properties properties = load(propertiesFile);
        Path base = propertiesFile.toAbsolutePath().normalize().getParent().getParent();
        Path derby = base.resolve(properties.getProperty(DERBY_DIRECTORY, "var/smime/keystore").strip()).normalize();
        Path generatedFile = base.resolve(GENERATED_SECRET_FILE);
        String configured = properties.getProperty(MASTER_SECRET, "").strip();
        boolean demoSecret = configured.isEmpty() && Boolean.parseBoolean(properties.getProperty(GENERATE, "false").strip());
        char[] oldSecret = configured.isEmpty() ? demoSecret(demoSecret, generatedFile) : configured.toCharArray();
        char[] newSecret = newSecret(newSecretVariable, stdin);
        if (!Files.isDirectory(derby)) {
            throw new IllegalStateException("no key store database at " + derby);
        }
        out.println("Re-encrypting the private keys of " + derby + " under the new master secret, in one transaction");
        int count;
        try {
            count = rotate(EmbeddedDerby.dataSource(derby), oldSecret, newSecret, out);
        } catch (KeyStoreFailureException e) {
            shutdownQuietly(derby, e);
            if (e.getMessage().startsWith("Cannot open")) {
                throw new IllegalStateException(e.getMessage() + " (is James still running? Stop it first: the embedded database "
                    + "admits one process)", e);
            }
            throw e;
        } finally {
            Arrays.fill(oldSecret, '\0');
        }
        EmbeddedDerby.shutdown(derby);
        out.println("Committed: " + count + " private keys are now encrypted under the new master secret; the old secret no longer opens them.");
        if (demoSecret) {
            writeDemoSecret(generatedFile, newSecret, out);
        } else {
            out.println("Now put the new secret into " + propertiesFile + " (" + MASTER_SECRET + "=...) before you start James.");
        }
        Arrays.fill(newSecret, '\0');
        return count;
    }

    /** Closes the database after a failure without hiding that failure. */
    private static void shutdownQuietly(Path derby, RuntimeException failure) {
        try {
            EmbeddedDerby.shutdown(derby);
        } catch (RuntimeException e) {
            failure.addSuppressed(e);
        }
    }

    /** Rotates the store in {@code dataSource}, printing a line per key; see {@link PrivateKeySeal#rotate}. */
    static int rotate(DataSource dataSource, char[] oldSecret, char[] newSecret, PrintStream out) {
        Database database = new Database(dataSource);
        database.migrate();
        return PrivateKeySeal.rotate(database, oldSecret, newSecret, (done, total, name) -> {
            out.println("re-encrypted " + done + " of " + total + ": " + name);
            out.flush();
        }, new AuditTrail(database, Clock.systemUTC(), AuditTrail.hostName()).by(Actor.LOCAL));
    }

    private static Properties load(Path file) {
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(reader);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + file + ": " + e.getMessage(), e);
        }
        return properties;
    }

    private static char[] demoSecret(boolean demo, Path file) {
        if (!demo) {
            throw new IllegalStateException("the file has no " + MASTER_SECRET + ": it is the old secret this command needs");
        }
        try {
            return Files.readString(file, StandardCharsets.US_ASCII).strip().toCharArray();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the demo master secret " + file + ": " + e.getMessage(), e);
        }
    }

    private static char[] newSecret(String variable, Reader stdin) {
        String secret = variable;
        if (secret == null) {
            try {
                secret = new BufferedReader(stdin).readLine();
            } catch (IOException e) {
                throw new IllegalStateException("cannot read the new secret from standard input: " + e.getMessage(), e);
            }
        }
        if (secret == null || secret.isBlank()) {
            throw new IllegalStateException("no new secret: set " + NEW_SECRET_VARIABLE + " or give it on standard input");
        }
        return secret.strip().toCharArray();
    }

    /** Replaces the demo secret file (owner-only, like the one James generates); the keys are already under the new secret. */
    private static void writeDemoSecret(Path file, char[] secret, PrintStream out) {
        try {
            Path next = file.resolveSibling(file.getFileName() + ".new");
            Files.writeString(next, new String(secret), StandardCharsets.US_ASCII);
            try {
                Files.setPosixFilePermissions(next, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException e) {
                out.println("(no POSIX permissions on " + next + ")");
            }
            Files.move(next, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            out.println("Demo mode: the new secret was written to " + file + ", where James reads it on start.");
        } catch (IOException e) {
            out.println("WARNING: the keys are under the new secret, but it could not be written to " + file + " ("
                + e.getMessage() + "): write the new secret there yourself before you start James.");
        }
    }
}
