package dev.smimegateway.keystore;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import javax.security.auth.x500.X500Principal;

import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.smimegateway.core.certificate.CertificateFacts;
import dev.smimegateway.core.certificate.CertificateRejectedException;
import dev.smimegateway.core.certificate.CertificateRules;
import dev.smimegateway.core.certificate.Pem;

/**
 * Identities: a private key (sealed by {@link PrivateKeySeal}) with every certificate it has had.
 * The current certificate signs; all of them decrypt. Several identities may cover one address, and
 * exactly one of them is active: every write takes the {@code identity.lock} row, so that rule holds
 * across spool threads and servers. A decrypt-only identity ({@link DecryptOnlyRules}) is never
 * active. An archived identity (deleted by the administrator, not yet destroyed) keeps its sealed key
 * and certificates but is invisible to every look-up that signs or decrypts, and is never active.
 */
final class IdentityStore {
    private static final Logger LOGGER = LoggerFactory.getLogger(IdentityStore.class);
    static final String LOCK = "identity.lock";

    private final Database database;
    private final PrivateKeySeal seal;
    private final Clock clock;
    private final CertificateIssuer issuer = new CertificateIssuer();

    IdentityStore(Database database, PrivateKeySeal seal, Clock clock) {
        this.database = database;
        this.seal = seal;
        this.clock = clock;
    }

    Identity importPkcs12(String name, byte[] pkcs12, char[] password, Optional<String> alias, Optional<Boolean> activate,
                          boolean decryptOnly, Audit audit) {
        Names.validateName(name);
        if (decryptOnly && activate.orElse(false)) {
            throw new InvalidRequestException("a decrypt-only identity never signs, so it cannot be activated");
        }
        Pkcs12Reader.KeyEntry entry = Pkcs12Reader.read(pkcs12, password, alias);
        List<CertificateFacts> chain = entry.chain();
        if (decryptOnly) {
            DecryptOnlyRules.checkChain(chain);
        } else {
            checkImportedChain(chain);
        }
        Pkcs12Reader.proveKeyPair(entry.privateKey(), chain.get(0));
        Identity identity = store(name, entry.privateKey(), chain, decryptOnly ? Optional.of(false) : activate, decryptOnly,
            audit, AuditOperation.IDENTITY_IMPORT);
        LOGGER.info("Imported S/MIME identity {} ({}) from PKCS#12{}", name, chain.get(0).subject(), decryptOnly ? " for decryption only" : "");
        return identity;
    }

    Identity createSelfSigned(String name, SelfSignedRequest request, Optional<Boolean> activate, Audit audit) {
        Names.validateName(name);
        if (database.inTransaction(connection -> exists(connection, name))) {
            throw new EntryExistsException("an identity named '" + name + "' already exists");
        }
        CertificateIssuer.Issued issued = issuer.selfSigned(request, clock.instant());
        List<CertificateFacts> chain = List.of(CertificateFacts.of(issued.certificate()));
        checkChain(chain);
        Identity identity = store(name, issued.privateKey(), chain, activate, false, audit, AuditOperation.IDENTITY_CREATE);
        LOGGER.info("Created self-signed S/MIME identity {} ({}, {})", name, chain.get(0).subject(), chain.get(0).keyDescription());
        return identity;
    }

    String certificationRequest(String name) {
        Identity identity = find(name).orElseThrow(() -> notFound(name));
        if (identity.archived()) {
            throw archived(name, "make a certificate request for it");
        }
        return issuer.certificationRequest(database.inTransaction(connection -> privateKey(connection, name)), identity.certificate());
    }

    Identity importCertificate(String name, byte[] certificateChain, Audit audit) {
        Identity identity = find(name).orElseThrow(() -> notFound(name));
        if (identity.archived()) {
            throw archived(name, "give it a new certificate");
        }
        List<CertificateFacts> given = Pem.readChain(certificateChain);
        PublicKey key = identity.certificate().certificate().getPublicKey();
        CertificateFacts leaf = given.stream()
            .filter(facts -> Arrays.equals(facts.certificate().getPublicKey().getEncoded(), key.getEncoded()))
            .findFirst()
            .orElseThrow(() -> new InvalidRequestException("none of the certificates given belongs to the key of identity '" + name
                + "' (was the CSR made from another identity?)"));
        List<CertificateFacts> chain = new ArrayList<>();
        chain.add(leaf);
        given.stream().filter(facts -> facts != leaf).forEach(chain::add);
        checkChain(chain);
        database.inTransaction(connection -> {
            Database.lock(connection, LOCK);
            refuseArchived(connection, name, "give it a new certificate");
            refuseHeldCertificate(connection, leaf);
            Database.update(connection, "UPDATE smime_identity_certificate SET is_current = FALSE WHERE identity_name = ?", name);
            insertCertificate(connection, name, chain);
            AddressIndex.IDENTITIES.deleteAll(connection, name);
            AddressIndex.IDENTITIES.insert(connection, name, leaf);
            String state = isActive(connection, name) ? deactivatedNote(activate(connection, name), "active") : "inactive";
            audit.record(connection, AuditOperation.IDENTITY_CERTIFICATE, name, leaf, state);
            return null;
        });
        LOGGER.info("Identity {} now uses certificate {} issued by {}", name, leaf.serialHex(), leaf.issuer());
        return find(name).orElseThrow();
    }

    Identity activate(String name, Audit audit) {
        database.inTransaction(connection -> {
            Database.lock(connection, LOCK);
            if (!exists(connection, name)) {
                throw notFound(name);
            }
            refuseArchived(connection, name, "activate it");
            if (DecryptOnlyRules.isDecryptOnly(connection, name)) {
                throw new InvalidRequestException(DecryptOnlyRules.neverSigns(name) + ", so it cannot be activated");
            }
            List<String> deactivated = activate(connection, name);
            audit.record(connection, AuditOperation.IDENTITY_ACTIVATE, name, currentCertificate(connection, name),
                deactivatedNote(deactivated, "active"));
            return null;
        });
        return find(name).orElseThrow();
    }

    List<Identity> list() {
        return database.inTransaction(connection -> read(connection, Optional.empty()));
    }

    Optional<Identity> find(String name) {
        return database.inTransaction(connection -> read(connection, Optional.of(name))).stream().findFirst();
    }

    // ---------------------------------------------------------------- archive, restore, destroy, export

    /** Archives the identity: it stops signing and decrypting at once, and keeps its key for {@link #restore}. */
    Identity archive(String name, Audit audit) {
        database.inTransaction(connection -> {
            Database.lock(connection, LOCK);
            if (archivedAt(connection, name).isPresent()) {
                throw new WrongStateException("identity '" + name + "' is already archived");
            }
            try (PreparedStatement update = connection.prepareStatement(
                "UPDATE smime_identity SET archived_at = ?, active = FALSE WHERE name = ?")) {
                update.setTimestamp(1, Timestamp.from(clock.instant()));
                update.setString(2, name);
                update.executeUpdate();
            }
            audit.record(connection, AuditOperation.IDENTITY_ARCHIVE, name, currentCertificate(connection, name));
            return null;
        });
        LOGGER.info("Archived S/MIME identity {}: it no longer signs or decrypts until it is restored", name);
        return find(name).orElseThrow();
    }

    /**
     * Brings an archived identity back: it decrypts again, and signs once the administrator activates
     * it (it comes back inactive, so that restoring never takes signing away from another identity).
     */
    Identity restore(String name, Audit audit) {
        database.inTransaction(connection -> {
            Database.lock(connection, LOCK);
            if (archivedAt(connection, name).isEmpty()) {
                throw new WrongStateException("identity '" + name + "' is not archived; only an archived identity can be restored");
            }
            Database.update(connection, "UPDATE smime_identity SET archived_at = NULL WHERE name = ?", name);
            audit.record(connection, AuditOperation.IDENTITY_RESTORE, name, currentCertificate(connection, name));
            return null;
        });
        LOGGER.info("Restored S/MIME identity {} (inactive until activated)", name);
        return find(name).orElseThrow();
    }

    /**
     * Destroys an archived identity with its key and every certificate: mail encrypted to them can
     * never be decrypted again. The caller names the identity's current certificate by its SHA-256
     * fingerprint, so that a typo in the name cannot destroy the wrong key.
     */
    void destroy(String name, String fingerprint, Audit audit) {
        database.inTransaction(connection -> {
            Database.lock(connection, LOCK);
            if (archivedAt(connection, name).isEmpty()) {
                throw new WrongStateException("identity '" + name + "' is not archived: archive it first (DELETE without "
                    + "?action=destroy), then destroy it");
            }
            String current = Database.singleString(connection,
                "SELECT fingerprint FROM smime_identity_certificate WHERE identity_name = ? AND is_current = TRUE", name).orElseThrow();
            if (!current.equalsIgnoreCase(fingerprint)) {
                throw new WrongStateException("the fingerprint given is not that of the current certificate of identity '" + name
                    + "' (" + current + "); nothing was destroyed");
            }
            CertificateFacts destroyed = currentCertificate(connection, name);
            Database.update(connection, "DELETE FROM smime_identity WHERE name = ?", name);
            audit.record(connection, AuditOperation.IDENTITY_DESTROY, name, destroyed);
            return null;
        });
        LOGGER.info("Destroyed S/MIME identity {} with its private key", name);
    }

    /** The identity's key and current chain as a password-protected PKCS#12 file; archived identities included. */
    byte[] exportPkcs12(String name, char[] password, Audit audit) {
        // Read in one transaction, written after it: the PKCS#12 key derivations take seconds and hold no connection.
        // The export is recorded with the read: a key handed out is never missing from the audit trail.
        KeyAndChain material = database.inTransaction(connection -> {
            Identity identity = read(connection, Optional.of(name)).stream().findFirst().orElseThrow(() -> notFound(name));
            audit.record(connection, AuditOperation.IDENTITY_EXPORT, name, identity.certificate());
            return new KeyAndChain(privateKey(connection, name),
                identity.chain().stream().map(CertificateFacts::certificate).collect(Collectors.toList()));
        });
        return Pkcs12Writer.write(name, material.privateKey(), material.chain(), password);
    }

    /** What a backup holds; an archived identity's too, so not a {@link SigningIdentity}. */
    private record KeyAndChain(PrivateKey privateKey, List<X509Certificate> chain) {
    }

    /** When the identity was archived; empty when it is not; not found when there is no such identity. */
    private static Optional<Timestamp> archivedAt(Connection connection, String name) throws SQLException {
        try (PreparedStatement query = connection.prepareStatement("SELECT archived_at FROM smime_identity WHERE name = ?")) {
            query.setString(1, name);
            try (ResultSet rows = query.executeQuery()) {
                if (!rows.next()) {
                    throw notFound(name);
                }
                return Optional.ofNullable(rows.getTimestamp(1));
            }
        }
    }

    private static void refuseArchived(Connection connection, String name, String what) throws SQLException {
        if (archivedAt(connection, name).isPresent()) {
            throw archived(name, what);
        }
    }

    private static WrongStateException archived(String name, String what) {
        return new WrongStateException("identity '" + name + "' is archived: restore it (POST ?action=restore) before you " + what);
    }

    // ---------------------------------------------------------------- for CertificateSelection and decryption

    /** Keeps identity writes out while a look-up spanning several statements runs; see {@link Database#readLock}. */
    void readLock(Connection connection) throws SQLException {
        database.readLock(connection, LOCK);
    }

    /** Names of the active, signing-capable identities bound to this address or domain pattern ({@link AddressIndex} kind). */
    List<String> activeSignerNames(Connection connection, String address, String kind) throws SQLException {
        return Database.list(connection, "SELECT a.identity_name FROM smime_identity_address a JOIN smime_identity i ON i.name = a.identity_name "
            + "WHERE a.address = ? AND a.kind = ? AND i.active = TRUE AND i.decrypt_only = FALSE AND i.archived_at IS NULL "
            + "ORDER BY a.identity_name",
            row -> row.getString(1), address, kind);
    }

    /** The current certificates of active identities bound to this address or domain pattern: mail to our own users. */
    List<CertificateFacts> activeCertificates(Connection connection, String address, String kind) throws SQLException {
        return Database.list(connection, "SELECT c.chain FROM smime_identity_certificate c "
            + "JOIN smime_identity i ON i.name = c.identity_name AND i.active = TRUE AND i.archived_at IS NULL AND c.is_current = TRUE "
            + "JOIN smime_identity_address a ON a.identity_name = c.identity_name WHERE a.address = ? AND a.kind = ?",
            row -> parseChain(row.getBytes(1)).get(0), address, kind);
    }

    /**
     * The identity with its key when it may sign: never a decrypt-only or an archived identity (the
     * log says why), and only when its current certificate passes {@code usable}.
     */
    Optional<SigningIdentity> signingIdentity(Connection connection, String name, Predicate<CertificateFacts> usable)
        throws SQLException {
        List<Identity> found = read(connection, Optional.of(name));
        if (!found.isEmpty() && found.get(0).decryptOnly()) {
            LOGGER.warn("S/MIME identity {} was asked to sign: {}", name, DecryptOnlyRules.neverSigns(name));
            return Optional.empty();
        }
        if (!found.isEmpty() && found.get(0).archived()) {
            LOGGER.warn("S/MIME identity {} was asked to sign, but it is archived: restore and activate it to sign with it", name);
            return Optional.empty();
        }
        if (found.isEmpty() || !usable.test(found.get(0).certificate())) {
            return Optional.empty();
        }
        Identity identity = found.get(0);
        return Optional.of(new SigningIdentity(name, privateKey(connection, name),
            identity.chain().stream().map(CertificateFacts::certificate).collect(Collectors.toList())));
    }

    Optional<SigningIdentity> signingIdentity(String name) {
        return database.inTransaction(connection -> signingIdentity(connection, name, facts -> true));
    }

    Optional<DecryptionKey> decryptionKey(X500Principal issuerName, BigInteger serialNumber) {
        return database.inTransaction(connection -> {
            try (PreparedStatement query = connection.prepareStatement(
                "SELECT c.identity_name, c.chain FROM smime_identity_certificate c " + UNARCHIVED + "WHERE c.serial = ? AND c.issuer = ?")) {
                query.setString(1, serialNumber.toString(16));
                query.setString(2, issuerName.getName(X500Principal.CANONICAL));
                return firstDecryptionKey(query);
            }
        });
    }

    Optional<DecryptionKey> decryptionKey(byte[] subjectKeyIdentifier) {
        return database.inTransaction(connection -> {
            try (PreparedStatement query = connection.prepareStatement(
                "SELECT c.identity_name, c.chain FROM smime_identity_certificate c " + UNARCHIVED + "WHERE c.subject_key_id = ?")) {
                query.setString(1, HexFormat.of().formatHex(subjectKeyIdentifier));
                return firstDecryptionKey(query);
            }
        });
    }

    // ---------------------------------------------------------------- internals

    /** Joined into the decryption look-ups: an archived identity's key opens no mail. */
    private static final String UNARCHIVED = "JOIN smime_identity i ON i.name = c.identity_name AND i.archived_at IS NULL ";

    private void checkChain(List<CertificateFacts> chain) {
        CertificateRules.checkIdentityCertificate(chain.get(0), clock.instant());
        CertificateRules.checkChainKeys(chain);
    }

    /** The identity rules, with the way out for an expired key kept to read archived mail. */
    private void checkImportedChain(List<CertificateFacts> chain) {
        try {
            checkChain(chain);
        } catch (CertificateRejectedException e) {
            if (chain.get(0).isExpiredAt(clock.instant())) {
                throw new CertificateRejectedException(e.getMessage() + DecryptOnlyRules.EXPIRED_HINT, e);
            }
            throw e;
        }
    }

    private Identity store(String name, PrivateKey privateKey, List<CertificateFacts> chain, Optional<Boolean> activate,
                           boolean decryptOnly, Audit audit, AuditOperation operation) {
        byte[] sealed = seal.seal(name, privateKey);
        database.inTransaction(connection -> {
            Database.lock(connection, LOCK);
            if (exists(connection, name)) {
                throw new EntryExistsException("an identity named '" + name + "' already exists");
            }
            refuseHeldCertificate(connection, chain.get(0));
            try (PreparedStatement insert = connection.prepareStatement(
                "INSERT INTO smime_identity (name, key_algorithm, encrypted_key, active, created_at, decrypt_only) "
                    + "VALUES (?, ?, ?, FALSE, ?, ?)")) {
                insert.setString(1, name);
                insert.setString(2, privateKey.getAlgorithm());
                insert.setBytes(3, sealed);
                insert.setTimestamp(4, Timestamp.from(clock.instant()));
                insert.setBoolean(5, decryptOnly);
                insert.executeUpdate();
            }
            insertCertificate(connection, name, chain);
            AddressIndex.IDENTITIES.insert(connection, name, chain.get(0));
            boolean noOtherSigner = overlappingActive(connection, name).isEmpty();
            String state = decryptOnly ? "decrypt-only" : "inactive";
            if (activate.orElse(noOtherSigner)) {
                state = deactivatedNote(activate(connection, name), "active");
            }
            audit.record(connection, operation, name, chain.get(0), state);
            return null;
        });
        return find(name).orElseThrow();
    }

    private static void refuseHeldCertificate(Connection connection, CertificateFacts leaf) throws SQLException {
        Optional<String> owner = Database.singleString(connection,
            "SELECT identity_name FROM smime_identity_certificate WHERE fingerprint = ?", leaf.fingerprint());
        if (owner.isPresent()) {
            throw new EntryExistsException("this certificate is already held by identity '" + owner.get() + "'");
        }
    }

    /** Makes the identity active; the identities it made inactive. */
    private List<String> activate(Connection connection, String name) throws SQLException {
        Set<String> others = overlappingActive(connection, name);
        for (String other : others) {
            Database.update(connection, "UPDATE smime_identity SET active = FALSE WHERE name = ?", other);
            LOGGER.info("Identity {} is no longer active: {} now signs for its addresses", other, name);
        }
        Database.update(connection, "UPDATE smime_identity SET active = TRUE WHERE name = ?", name);
        return List.copyOf(others);
    }

    /** The audit detail of an activation: which identities it made inactive, else {@code otherwise}. */
    private static String deactivatedNote(List<String> deactivated, String otherwise) {
        return deactivated.isEmpty() ? otherwise : "active; made inactive: " + String.join(", ", deactivated);
    }

    private static CertificateFacts currentCertificate(Connection connection, String name) throws SQLException {
        return Database.list(connection, "SELECT chain FROM smime_identity_certificate WHERE identity_name = ? AND is_current = TRUE",
            row -> parseChain(row.getBytes(1)).get(0), name).stream().findFirst()
            .orElseThrow(() -> new KeyStoreFailureException("identity '" + name + "' has no current certificate"));
    }

    /** Active identities, other than this one, that share an address or a domain with it. */
    private static Set<String> overlappingActive(Connection connection, String name) throws SQLException {
        return new LinkedHashSet<>(Database.list(connection, "SELECT DISTINCT other.identity_name FROM smime_identity_address mine "
            + "JOIN smime_identity_address other ON other.address = mine.address AND other.kind = mine.kind "
            + "JOIN smime_identity i ON i.name = other.identity_name "
            + "WHERE mine.identity_name = ? AND other.identity_name <> ? AND i.active = TRUE", row -> row.getString(1), name, name));
    }

    private Optional<DecryptionKey> firstDecryptionKey(PreparedStatement query) throws SQLException {
        String name;
        X509Certificate certificate;
        try (ResultSet rows = query.executeQuery()) {
            if (!rows.next()) {
                return Optional.empty();
            }
            name = rows.getString(1);
            certificate = parseChain(rows.getBytes(2)).get(0).certificate();
        }
        return Optional.of(new DecryptionKey(name, privateKey(query.getConnection(), name), certificate));
    }

    private PrivateKey privateKey(Connection connection, String name) throws SQLException {
        try (PreparedStatement query = connection.prepareStatement(
            "SELECT key_algorithm, encrypted_key FROM smime_identity WHERE name = ?")) {
            query.setString(1, name);
            try (ResultSet rows = query.executeQuery()) {
                if (!rows.next()) {
                    throw notFound(name);
                }
                return seal.open(name, rows.getString(1), rows.getBytes(2));
            }
        }
    }

    private static List<Identity> read(Connection connection, Optional<String> onlyName) throws SQLException {
        Map<String, List<CertificateFacts>> current = new LinkedHashMap<>();
        Map<String, List<CertificateFacts>> previous = new LinkedHashMap<>();
        try (PreparedStatement query = connection.prepareStatement(
            "SELECT identity_name, is_current, chain FROM smime_identity_certificate"
                + (onlyName.isPresent() ? " WHERE identity_name = ?" : "") + " ORDER BY added_at DESC")) {
            if (onlyName.isPresent()) {
                query.setString(1, onlyName.get());
            }
            try (ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    List<CertificateFacts> chain = parseChain(rows.getBytes(3));
                    if (rows.getBoolean(2)) {
                        current.put(rows.getString(1), chain);
                    } else {
                        previous.computeIfAbsent(rows.getString(1), key -> new ArrayList<>()).add(chain.get(0));
                    }
                }
            }
        }
        List<Identity> identities = new ArrayList<>();
        try (PreparedStatement query = connection.prepareStatement(
            "SELECT name, active, key_algorithm, created_at, decrypt_only, archived_at FROM smime_identity"
                + (onlyName.isPresent() ? " WHERE name = ?" : "") + " ORDER BY name")) {
            if (onlyName.isPresent()) {
                query.setString(1, onlyName.get());
            }
            try (ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    String name = rows.getString(1);
                    List<CertificateFacts> chain = current.get(name);
                    if (chain == null) {
                        throw new KeyStoreFailureException("identity '" + name + "' has no current certificate");
                    }
                    Optional<Instant> archivedAt = Optional.ofNullable(rows.getTimestamp(6)).map(Timestamp::toInstant);
                    identities.add(new Identity(name, rows.getBoolean(2), rows.getBoolean(5), rows.getString(3), chain,
                        previous.getOrDefault(name, List.of()), rows.getTimestamp(4).toInstant(), archivedAt));
                }
            }
        }
        return identities;
    }

    private void insertCertificate(Connection connection, String name, List<CertificateFacts> chain) throws SQLException {
        CertificateFacts leaf = chain.get(0);
        try (PreparedStatement insert = connection.prepareStatement(
            "INSERT INTO smime_identity_certificate (fingerprint, identity_name, is_current, chain, issuer, serial, "
                + "subject_key_id, not_before, not_after, added_at) VALUES (?, ?, TRUE, ?, ?, ?, ?, ?, ?, ?)")) {
            insert.setString(1, leaf.fingerprint());
            insert.setString(2, name);
            insert.setBytes(3, encodeChain(chain));
            insert.setString(4, leaf.certificate().getIssuerX500Principal().getName(X500Principal.CANONICAL));
            insert.setString(5, leaf.certificate().getSerialNumber().toString(16));
            insert.setString(6, HexFormat.of().formatHex(subjectKeyIdentifier(leaf)));
            insert.setTimestamp(7, Timestamp.from(leaf.notBefore()));
            insert.setTimestamp(8, Timestamp.from(leaf.notAfter()));
            insert.setTimestamp(9, Timestamp.from(clock.instant()));
            insert.executeUpdate();
        }
    }

    /** The certificate's own subjectKeyIdentifier, else the RFC 5280 method-1 value senders compute. */
    private static byte[] subjectKeyIdentifier(CertificateFacts facts) {
        return facts.subjectKeyIdentifier().orElseGet(() -> {
            try {
                return new JcaX509ExtensionUtils().createSubjectKeyIdentifier(facts.certificate().getPublicKey()).getKeyIdentifier();
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("SHA-1 is missing from this JDK", e);
            }
        });
    }

    private static boolean exists(Connection connection, String name) throws SQLException {
        return Database.singleString(connection, "SELECT name FROM smime_identity WHERE name = ?", name).isPresent();
    }

    private static boolean isActive(Connection connection, String name) throws SQLException {
        try (PreparedStatement query = connection.prepareStatement("SELECT active FROM smime_identity WHERE name = ?")) {
            query.setString(1, name);
            try (ResultSet rows = query.executeQuery()) {
                return rows.next() && rows.getBoolean(1);
            }
        }
    }

    private static byte[] encodeChain(List<CertificateFacts> chain) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        chain.forEach(facts -> out.writeBytes(facts.der()));
        return out.toByteArray();
    }

    static List<CertificateFacts> parseChain(byte[] der) {
        try {
            return CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(der)).stream()
                .map(certificate -> CertificateFacts.of((X509Certificate) certificate))
                .collect(Collectors.toList());
        } catch (CertificateException e) {
            throw new KeyStoreFailureException("a stored certificate chain is corrupt: " + e.getMessage(), e);
        }
    }

    private static EntryNotFoundException notFound(String name) {
        return new EntryNotFoundException("no identity named '" + name + "'");
    }
}
