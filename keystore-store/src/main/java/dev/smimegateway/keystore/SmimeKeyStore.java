package dev.smimegateway.keystore;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.UnrecoverableKeyException;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import javax.security.auth.x500.X500Principal;
import javax.sql.DataSource;

import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.smimegateway.core.certificate.CertificateFacts;
import dev.smimegateway.core.certificate.CertificateRejectedException;
import dev.smimegateway.core.certificate.CertificateRules;
import dev.smimegateway.core.certificate.MailAddresses;
import dev.smimegateway.core.certificate.Pem;
import dev.smimegateway.core.crypto.JdkContentSigner;

/**
 * The gateway's store of keys and certificates:
 * <ul>
 *   <li><b>identities</b> — a private key with its certificate chain, used to sign outgoing mail and
 *   to decrypt incoming mail. Several identities may cover one address; exactly one of them is
 *   <em>active</em> (signs), all of them decrypt;</li>
 *   <li><b>certificates</b> — partners' public certificates that mail is encrypted to;</li>
 *   <li><b>trust anchors</b> — CA certificates that signatures must chain to;</li>
 *   <li><b>intermediates</b> — CA certificates that help chain a signature to an anchor, never trusted themselves.</li>
 * </ul>
 * An identity imported <em>decrypt-only</em> (an expired key kept for archived mail) decrypts and never signs.
 * Private keys are sealed with AES-256-GCM under a key derived from the server's master secret
 * before they reach the database, and are never logged. Every method is safe to call from many
 * threads, and from several servers sharing one database.
 */
public final class SmimeKeyStore {
    private static final Logger LOGGER = LoggerFactory.getLogger(SmimeKeyStore.class);

    /** Names of identities and certificates: used in REST paths, so letters, digits and {@code . _ @ + -}. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}");
    private static final Pattern FINGERPRINT = Pattern.compile("[0-9a-f]{64}");
    private static final String EMAIL = "E";
    private static final String DOMAIN = "D";
    private static final String CHECK_PLAINTEXT = "smime-gateway key store";

    private final Database database;
    private final KeyProtector protector;
    private final Clock clock;
    private final CertificateIssuer issuer = new CertificateIssuer();
    private final IntermediateStore intermediates;

    private SmimeKeyStore(Database database, KeyProtector protector, Clock clock) {
        this.database = database;
        this.protector = protector;
        this.clock = clock;
        this.intermediates = new IntermediateStore(database, clock);
    }

    /**
     * Opens (creating or upgrading the schema as needed) the store in the database, unlocking it with
     * the master secret. A database created with another secret is refused: its keys would not open.
     */
    public static SmimeKeyStore open(DataSource dataSource, char[] masterSecret, Clock clock) {
        Database database = new Database(dataSource);
        database.migrate();
        return new SmimeKeyStore(database, unlock(database, masterSecret), clock);
    }

    int schemaVersion() {
        return database.schemaVersion();
    }

    // ---------------------------------------------------------------- identities

    /**
     * Imports a private key and its chain from a PKCS#12 file.
     *
     * @param alias    which key entry to take when the file holds several
     * @param activate empty: active unless another active identity already covers one of its addresses
     */
    public Identity importPkcs12(String name, byte[] pkcs12, char[] password, Optional<String> alias, Optional<Boolean> activate) {
        return importPkcs12(name, pkcs12, password, alias, activate, false);
    }

    /**
     * Imports a private key and its chain from a PKCS#12 file, optionally as <em>decrypt-only</em>: an
     * identity kept to read archived mail, typically with an expired certificate. A decrypt-only
     * identity is accepted whatever its certificate's validity dates, decrypts like any other, is
     * never active and never signs.
     *
     * @param activate    must not be {@code true} for a decrypt-only identity
     * @param decryptOnly import the identity for decryption only
     */
    public Identity importPkcs12(String name, byte[] pkcs12, char[] password, Optional<String> alias, Optional<Boolean> activate,
                                 boolean decryptOnly) {
        validateName(name);
        if (decryptOnly && activate.orElse(false)) {
            throw new InvalidRequestException("a decrypt-only identity never signs, so it cannot be activated");
        }
        KeyStore keyStore = loadPkcs12(pkcs12, password);
        String chosen = chooseAlias(keyStore, alias);
        PrivateKey privateKey;
        Certificate[] certificates;
        try {
            privateKey = (PrivateKey) keyStore.getKey(chosen, password);
            certificates = keyStore.getCertificateChain(chosen);
        } catch (UnrecoverableKeyException e) {
            throw new InvalidRequestException("wrong password for the private key '" + chosen + "' in the PKCS#12 file", e);
        } catch (GeneralSecurityException e) {
            throw new InvalidRequestException("cannot read the private key '" + chosen + "' of the PKCS#12 file: " + e.getMessage(), e);
        }
        if (certificates == null || certificates.length == 0) {
            throw new InvalidRequestException("the PKCS#12 key '" + chosen + "' has no certificate");
        }
        List<CertificateFacts> chain = Arrays.stream(certificates)
            .map(certificate -> CertificateFacts.of((X509Certificate) certificate))
            .collect(Collectors.toList());
        if (decryptOnly) {
            DecryptOnlyRules.checkChain(chain);
        } else {
            checkImportedChain(chain);
        }
        proveKeyPair(privateKey, chain.get(0));
        Identity identity = storeIdentity(name, privateKey, chain, decryptOnly ? Optional.of(false) : activate, decryptOnly);
        LOGGER.info("Imported S/MIME identity {} ({}) from PKCS#12{}", name, chain.get(0).subject(), decryptOnly ? " for decryption only" : "");
        return identity;
    }

    /** Creates a key and a self-signed certificate for it. */
    public Identity createSelfSigned(String name, SelfSignedRequest request, Optional<Boolean> activate) {
        validateName(name);
        if (identityExists(name)) {
            throw new EntryExistsException("an identity named '" + name + "' already exists");
        }
        CertificateIssuer.Issued issued = issuer.selfSigned(request, clock.instant());
        List<CertificateFacts> chain = List.of(CertificateFacts.of(issued.certificate()));
        checkIdentityChain(chain);
        Identity identity = storeIdentity(name, issued.privateKey(), chain, activate, false);
        LOGGER.info("Created self-signed S/MIME identity {} ({}, {})", name, chain.get(0).subject(), chain.get(0).keyDescription());
        return identity;
    }

    /** A PEM certificate signing request for the identity's key, to send to a CA. */
    public String certificationRequest(String name) {
        Identity identity = identity(name).orElseThrow(() -> identityNotFound(name));
        return issuer.certificationRequest(loadPrivateKey(name), identity.certificate());
    }

    /**
     * Puts a CA-issued certificate (PEM chain or one DER certificate) onto the identity's existing key.
     * The previous certificate is kept for decryption.
     */
    public Identity importCertificate(String name, byte[] certificateChain) {
        Identity identity = identity(name).orElseThrow(() -> identityNotFound(name));
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
        checkIdentityChain(chain);
        database.inTransaction(connection -> {
            lockIdentities(connection);
            Optional<String> owner = certificateOwner(connection, leaf.fingerprint());
            if (owner.isPresent()) {
                throw new EntryExistsException("this certificate is already held by identity '" + owner.get() + "'");
            }
            update(connection, "UPDATE smime_identity_certificate SET is_current = FALSE WHERE identity_name = ?", name);
            insertIdentityCertificate(connection, name, chain, true);
            update(connection, "DELETE FROM smime_identity_address WHERE identity_name = ?", name);
            insertAddresses(connection, "smime_identity_address", "identity_name", name, leaf);
            if (isActive(connection, name)) {
                activate(connection, name);
            }
            return null;
        });
        LOGGER.info("Identity {} now uses certificate {} issued by {}", name, leaf.serialHex(), leaf.issuer());
        return identity(name).orElseThrow();
    }

    /**
     * Makes the identity the one that signs for its addresses and domains; others covering them become
     * inactive. A decrypt-only identity is refused: it never signs.
     */
    public Identity activate(String name) {
        database.inTransaction(connection -> {
            lockIdentities(connection);
            if (!identityExists(connection, name)) {
                throw identityNotFound(name);
            }
            if (DecryptOnlyRules.isDecryptOnly(connection, name)) {
                throw new InvalidRequestException(DecryptOnlyRules.neverSigns(name) + ", so it cannot be activated");
            }
            activate(connection, name);
            return null;
        });
        return identity(name).orElseThrow();
    }

    public List<Identity> listIdentities() {
        return database.inTransaction(connection -> readIdentities(connection, Optional.empty()));
    }

    public Optional<Identity> identity(String name) {
        return database.inTransaction(connection -> readIdentities(connection, Optional.of(name))).stream().findFirst();
    }

    /** Deletes the identity with its key and all its certificates: mail encrypted to them can no longer be decrypted. */
    public void deleteIdentity(String name) {
        database.inTransaction(connection -> {
            lockIdentities(connection);
            if (update(connection, "DELETE FROM smime_identity WHERE name = ?", name) == 0) {
                throw identityNotFound(name);
            }
            return null;
        });
        LOGGER.info("Deleted S/MIME identity {}", name);
    }

    // ---------------------------------------------------------------- look-ups for the mailets

    /**
     * The identity that signs mail from this sender: the active identity whose certificate holds the
     * address, else the active organisation identity whose dNSName covers the address's domain
     * ({@code example.com}, {@code *.example.com}). Only an identity whose current certificate is
     * valid now and may sign mail is returned; never a decrypt-only identity.
     */
    public Optional<SigningIdentity> signingIdentityFor(String address) {
        String normalised = MailAddresses.normalise(address);
        Predicate<CertificateFacts> usable = facts -> facts.isValidAt(clock.instant()) && facts.canSignMail();
        return database.inTransaction(connection -> {
            readLockIdentities(connection);
            for (String name : activeIdentitiesFor(connection, normalised)) {
                Optional<SigningIdentity> identity = loadSigningIdentity(connection, name, usable);
                if (identity.isPresent()) {
                    return identity;
                }
            }
            return Optional.<SigningIdentity>empty();
        });
    }

    /**
     * A named identity (an organisation identity chosen in the mailet configuration), whatever its
     * state: the caller decides what an expired or inactive identity means for the mail. A
     * decrypt-only identity is never returned (and the log says why): it must not sign; its
     * {@link Identity#decryptOnly()} lets the caller name the reason.
     */
    public Optional<SigningIdentity> signingIdentity(String name) {
        return database.inTransaction(connection -> loadSigningIdentity(connection, name, facts -> true));
    }

    /**
     * The certificates mail to this recipient is encrypted to, newest first: those holding the exact
     * address, else those whose dNSName covers its domain (a partner's gateway certificate). Partner
     * certificates and the current certificates of active identities are both considered; expired,
     * not-yet-valid and non-encryption certificates are skipped.
     */
    public List<X509Certificate> encryptionCertificatesFor(String address) {
        String normalised = MailAddresses.normalise(address);
        Instant now = clock.instant();
        Predicate<CertificateFacts> usable = facts -> facts.isValidAt(now) && facts.canReceiveEncryptedMail();
        return database.inTransaction(connection -> {
            readLockIdentities(connection);
            List<CertificateFacts> exact = encryptionCandidates(connection, List.of(normalised), EMAIL, usable);
            if (!exact.isEmpty()) {
                return certificates(exact);
            }
            return certificates(encryptionCandidates(connection, domainPatterns(normalised), DOMAIN, usable));
        });
    }

    /**
     * The stored partner certificates bound to exactly this address (subjectAltName rfc822Name, or the
     * subject's emailAddress), newest first, whatever their key usage and validity: used to verify a
     * signature that carries no certificates, where the verifier decides whether one of them fits.
     * Domain (gateway) certificates are not returned: they do not name the signer.
     */
    public List<X509Certificate> partnerCertificatesFor(String address) {
        String normalised = MailAddresses.normalise(address);
        return database.inTransaction(connection -> {
            Map<String, CertificateFacts> found = new LinkedHashMap<>();
            try (PreparedStatement query = connection.prepareStatement(
                "SELECT c.der FROM smime_certificate c JOIN smime_certificate_address a ON a.certificate_name = c.name "
                    + "WHERE a.address = ? AND a.kind = ? ORDER BY c.not_before DESC, c.name")) {
                query.setString(1, normalised);
                query.setString(2, EMAIL);
                collect(query, rows -> CertificateFacts.fromDer(rows.getBytes(1)), found);
            }
            return certificates(List.copyOf(found.values()));
        });
    }

    /** The key for a RecipientInfo identified by issuer and serial number; old certificates included. */
    public Optional<DecryptionKey> decryptionKeyFor(X500Principal issuerName, BigInteger serialNumber) {
        return database.inTransaction(connection -> {
            try (PreparedStatement query = connection.prepareStatement(
                "SELECT identity_name, chain FROM smime_identity_certificate WHERE serial = ? AND issuer = ?")) {
                query.setString(1, serialNumber.toString(16));
                query.setString(2, issuerName.getName(X500Principal.CANONICAL));
                return firstDecryptionKey(query);
            }
        });
    }

    /** The key for a RecipientInfo identified by subjectKeyIdentifier; old certificates included. */
    public Optional<DecryptionKey> decryptionKeyFor(byte[] subjectKeyIdentifier) {
        return database.inTransaction(connection -> {
            try (PreparedStatement query = connection.prepareStatement(
                "SELECT identity_name, chain FROM smime_identity_certificate WHERE subject_key_id = ?")) {
                query.setString(1, HexFormat.of().formatHex(subjectKeyIdentifier));
                return firstDecryptionKey(query);
            }
        });
    }

    // ---------------------------------------------------------------- partner certificates

    /** Adds one partner certificate (PEM or DER) under a name. */
    public StoredCertificate addCertificate(String name, byte[] certificate) {
        validateName(name);
        List<CertificateFacts> given = Pem.readChain(certificate);
        if (given.size() != 1) {
            throw new InvalidRequestException("expected one certificate, found " + given.size()
                + "; import a bundle with POST /smime/certificates?action=import");
        }
        CertificateFacts facts = given.get(0);
        CertificateRules.checkEncryptionCertificate(facts, clock.instant());
        database.inTransaction(connection -> {
            if (certificateExists(connection, name)) {
                throw new EntryExistsException("a certificate named '" + name + "' already exists");
            }
            Optional<String> existing = certificateNameByFingerprint(connection, facts.fingerprint());
            if (existing.isPresent()) {
                throw new EntryExistsException("this certificate is already stored as '" + existing.get() + "'");
            }
            insertCertificate(connection, name, facts, StoredCertificate.Origin.ADDED);
            return null;
        });
        LOGGER.info("Added certificate {} for {}", name, facts.displayName());
        return certificate(name).orElseThrow();
    }

    public List<StoredCertificate> listCertificates() {
        return database.inTransaction(connection -> readCertificates(connection, Optional.empty()));
    }

    public Optional<StoredCertificate> certificate(String name) {
        return database.inTransaction(connection -> readCertificates(connection, Optional.of(name))).stream().findFirst();
    }

    public void deleteCertificate(String name) {
        database.inTransaction(connection -> {
            if (update(connection, "DELETE FROM smime_certificate WHERE name = ?", name) == 0) {
                throw new EntryNotFoundException("no certificate named '" + name + "'");
            }
            return null;
        });
        LOGGER.info("Deleted certificate {}", name);
    }

    /** Every partner certificate as one PEM file, each preceded by its {@code name:} so the file re-imports as it was. */
    public String exportCertificates() {
        return listCertificates().stream()
            .map(stored -> Pem.writeNamed(stored.name(), stored.certificate()))
            .collect(Collectors.joining("\n"));
    }

    /**
     * Imports every certificate of a PEM file, each on its own: a bad certificate is reported and
     * skipped, the others are stored. Names come from the file's {@code name:} lines, else from the
     * certificate's first address.
     */
    public ImportReport importCertificates(String pemText) {
        List<ImportReport.Entry> entries = new ArrayList<>();
        for (Pem.Entry entry : Pem.readBundle(pemText)) {
            entries.add(importOneCertificate(entry));
        }
        ImportReport report = new ImportReport(entries);
        LOGGER.info("Certificate import: {} accepted, {} duplicate, {} rejected", report.count(ImportReport.Status.ACCEPTED),
            report.count(ImportReport.Status.DUPLICATE), report.count(ImportReport.Status.REJECTED));
        return report;
    }

    // ---------------------------------------------------------------- trust anchors

    public ImportReport importTrustAnchors(String pemText) {
        List<ImportReport.Entry> entries = new ArrayList<>();
        for (Pem.Entry entry : Pem.readBundle(pemText)) {
            entries.add(importOneTrustAnchor(entry));
        }
        return new ImportReport(entries);
    }

    public List<TrustAnchor> listTrustAnchors() {
        return database.inTransaction(connection -> readTrustAnchors(connection, Optional.empty()));
    }

    public Optional<TrustAnchor> trustAnchor(String fingerprint) {
        String normalised = normaliseFingerprint(fingerprint);
        return database.inTransaction(connection -> readTrustAnchors(connection, Optional.of(normalised))).stream().findFirst();
    }

    public void deleteTrustAnchor(String fingerprint) {
        String normalised = normaliseFingerprint(fingerprint);
        database.inTransaction(connection -> {
            if (update(connection, "DELETE FROM smime_trust_anchor WHERE fingerprint = ?", normalised) == 0) {
                throw new EntryNotFoundException("no trust anchor with fingerprint " + normalised);
            }
            return null;
        });
        LOGGER.info("Deleted trust anchor {}", normalised);
    }

    // ---------------------------------------------------------------- intermediate CA certificates

    /**
     * Stores intermediate CA certificates from a PEM file, each on its own: a CA certificate
     * (basicConstraints cA, keyCertSign when keyUsage is present) that is not self-signed and not
     * expired. They help build a signer's path to a trust anchor and are never trusted themselves.
     */
    public ImportReport importIntermediates(String pemText) {
        return intermediates.importPem(pemText);
    }

    public List<IntermediateCertificate> listIntermediates() {
        return intermediates.list();
    }

    public Optional<IntermediateCertificate> intermediate(String fingerprint) {
        return intermediates.find(fingerprint);
    }

    public void deleteIntermediate(String fingerprint) {
        intermediates.delete(fingerprint);
    }

    /** Every stored intermediate, for path building; expired ones included (the path validation decides). */
    public List<X509Certificate> intermediateCertificates() {
        return intermediates.certificates();
    }

    // ---------------------------------------------------------------- revocation lists

    /**
     * Stores CRLs (PEM {@code X509 CRL} blocks or one DER CRL). Their signatures are checked when
     * used, against the issuer of the certificate they would revoke; a newer CRL of an issuer does
     * not delete older ones (a revocation stays a revocation).
     *
     * @return how many were new
     */
    public int importCrls(byte[] body) {
        List<java.security.cert.X509CRL> crls = Pem.readCrls(body);
        int added = 0;
        for (java.security.cert.X509CRL crl : crls) {
            String fingerprint;
            try {
                fingerprint = CertificateFacts.sha256Hex(crl.getEncoded());
            } catch (java.security.cert.CRLException e) {
                throw new InvalidRequestException("the CRL of " + crl.getIssuerX500Principal().getName() + " cannot be encoded");
            }
            boolean stored = database.inTransaction(connection -> {
                if (singleString(connection, "SELECT fingerprint FROM smime_crl WHERE fingerprint = ?", fingerprint).isPresent()) {
                    return false;
                }
                try (PreparedStatement insert = connection.prepareStatement(
                    "INSERT INTO smime_crl (fingerprint, issuer, der, this_update, next_update, added_at) VALUES (?, ?, ?, ?, ?, ?)")) {
                    insert.setString(1, fingerprint);
                    insert.setString(2, truncate(crl.getIssuerX500Principal().getName(), 4000));
                    insert.setBytes(3, crl.getEncoded());
                    insert.setTimestamp(4, Timestamp.from(crl.getThisUpdate().toInstant()));
                    insert.setTimestamp(5, crl.getNextUpdate() == null ? null : Timestamp.from(crl.getNextUpdate().toInstant()));
                    insert.setTimestamp(6, Timestamp.from(clock.instant()));
                    insert.executeUpdate();
                } catch (java.security.cert.CRLException e) {
                    throw new InvalidRequestException("the CRL cannot be encoded: " + e.getMessage());
                }
                return true;
            });
            if (stored) {
                added++;
                LOGGER.info("Imported the CRL of {} ({} revoked certificates)", crl.getIssuerX500Principal().getName(),
                    crl.getRevokedCertificates() == null ? 0 : crl.getRevokedCertificates().size());
            }
        }
        return added;
    }

    /** Every stored CRL. */
    public List<java.security.cert.X509CRL> listCrls() {
        return database.inTransaction(connection -> {
            List<java.security.cert.X509CRL> result = new ArrayList<>();
            try (PreparedStatement query = connection.prepareStatement("SELECT der FROM smime_crl ORDER BY issuer, this_update");
                 ResultSet rows = query.executeQuery()) {
                java.security.cert.CertificateFactory factory = java.security.cert.CertificateFactory.getInstance("X.509");
                while (rows.next()) {
                    result.add((java.security.cert.X509CRL) factory.generateCRL(new ByteArrayInputStream(rows.getBytes(1))));
                }
            } catch (GeneralSecurityException e) {
                throw new KeyStoreFailureException("a stored CRL is corrupt: " + e.getMessage(), e);
            }
            return result;
        });
    }

    public void deleteCrl(String fingerprint) {
        String normalised = normaliseFingerprint(fingerprint);
        database.inTransaction(connection -> {
            if (update(connection, "DELETE FROM smime_crl WHERE fingerprint = ?", normalised) == 0) {
                throw new EntryNotFoundException("no CRL with fingerprint " + normalised);
            }
            return null;
        });
    }

    // ---------------------------------------------------------------- internals: identities

    private void checkIdentityChain(List<CertificateFacts> chain) {
        CertificateRules.checkIdentityCertificate(chain.get(0), clock.instant());
        CertificateRules.checkChainKeys(chain);
    }

    /** The identity rules, with the way out for an expired key kept to read archived mail. */
    private void checkImportedChain(List<CertificateFacts> chain) {
        try {
            checkIdentityChain(chain);
        } catch (CertificateRejectedException e) {
            if (chain.get(0).isExpiredAt(clock.instant())) {
                throw new CertificateRejectedException(e.getMessage() + DecryptOnlyRules.EXPIRED_HINT, e);
            }
            throw e;
        }
    }

    private Identity storeIdentity(String name, PrivateKey privateKey, List<CertificateFacts> chain, Optional<Boolean> activate,
                                   boolean decryptOnly) {
        byte[] encoded = privateKey.getEncoded();
        byte[] sealed;
        try {
            sealed = protector.seal(encoded, keyContext(name));
        } finally {
            Arrays.fill(encoded, (byte) 0);
        }
        database.inTransaction(connection -> {
            lockIdentities(connection);
            if (identityExists(connection, name)) {
                throw new EntryExistsException("an identity named '" + name + "' already exists");
            }
            Optional<String> owner = certificateOwner(connection, chain.get(0).fingerprint());
            if (owner.isPresent()) {
                throw new EntryExistsException("this certificate is already held by identity '" + owner.get() + "'");
            }
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
            insertIdentityCertificate(connection, name, chain, true);
            insertAddresses(connection, "smime_identity_address", "identity_name", name, chain.get(0));
            boolean noOtherSigner = overlappingActiveIdentities(connection, name).isEmpty();
            if (activate.orElse(noOtherSigner)) {
                activate(connection, name);
            }
            return null;
        });
        return identity(name).orElseThrow();
    }

    private void activate(Connection connection, String name) throws SQLException {
        Set<String> others = overlappingActiveIdentities(connection, name);
        for (String other : others) {
            update(connection, "UPDATE smime_identity SET active = FALSE WHERE name = ?", other);
            LOGGER.info("Identity {} is no longer active: {} now signs for its addresses", other, name);
        }
        update(connection, "UPDATE smime_identity SET active = TRUE WHERE name = ?", name);
    }

    /** Active identities, other than this one, that share an address or a domain with it. */
    private Set<String> overlappingActiveIdentities(Connection connection, String name) throws SQLException {
        Set<String> result = new LinkedHashSet<>();
        try (PreparedStatement query = connection.prepareStatement(
            "SELECT DISTINCT other.identity_name FROM smime_identity_address mine "
                + "JOIN smime_identity_address other ON other.address = mine.address AND other.kind = mine.kind "
                + "JOIN smime_identity i ON i.name = other.identity_name "
                + "WHERE mine.identity_name = ? AND other.identity_name <> ? AND i.active = TRUE")) {
            query.setString(1, name);
            query.setString(2, name);
            try (ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    result.add(rows.getString(1));
                }
            }
        }
        return result;
    }

    /** Names of active identities for the address: exact address first, then covering domains. */
    private List<String> activeIdentitiesFor(Connection connection, String address) throws SQLException {
        List<String> names = new ArrayList<>(namesByAddress(connection, List.of(address), EMAIL));
        names.addAll(namesByAddress(connection, domainPatterns(address), DOMAIN));
        return names;
    }

    private List<String> namesByAddress(Connection connection, List<String> addresses, String kind) throws SQLException {
        List<String> names = new ArrayList<>();
        for (String address : addresses) {
            try (PreparedStatement query = connection.prepareStatement(
                "SELECT a.identity_name FROM smime_identity_address a JOIN smime_identity i ON i.name = a.identity_name "
                    + "WHERE a.address = ? AND a.kind = ? AND i.active = TRUE AND i.decrypt_only = FALSE ORDER BY a.identity_name")) {
                query.setString(1, address);
                query.setString(2, kind);
                try (ResultSet rows = query.executeQuery()) {
                    while (rows.next()) {
                        names.add(rows.getString(1));
                    }
                }
            }
        }
        return names;
    }

    /** The domain of the address and the wildcard that covers it: {@code a.example.com} gives {@code a.example.com}, {@code *.example.com}. */
    private static List<String> domainPatterns(String address) {
        String domain = MailAddresses.domainOf(address).orElse("");
        if (domain.isEmpty()) {
            return List.of();
        }
        int dot = domain.indexOf('.');
        return dot > 0 && domain.indexOf('.', dot + 1) > 0
            ? List.of(domain, "*" + domain.substring(dot))
            : List.of(domain);
    }

    private Optional<SigningIdentity> loadSigningIdentity(Connection connection, String name, Predicate<CertificateFacts> usable)
        throws SQLException {
        List<Identity> found = readIdentities(connection, Optional.of(name));
        if (!found.isEmpty() && found.get(0).decryptOnly()) {
            LOGGER.warn("S/MIME identity {} was asked to sign: {}", name, DecryptOnlyRules.neverSigns(name));
            return Optional.empty();
        }
        if (found.isEmpty() || !usable.test(found.get(0).certificate())) {
            return Optional.empty();
        }
        Identity identity = found.get(0);
        return Optional.of(new SigningIdentity(name, loadPrivateKey(connection, name),
            identity.chain().stream().map(CertificateFacts::certificate).collect(Collectors.toList())));
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
        return Optional.of(new DecryptionKey(name, loadPrivateKey(query.getConnection(), name), certificate));
    }

    private PrivateKey loadPrivateKey(String name) {
        return database.inTransaction(connection -> loadPrivateKey(connection, name));
    }

    private PrivateKey loadPrivateKey(Connection connection, String name) throws SQLException {
        try (PreparedStatement query = connection.prepareStatement(
            "SELECT key_algorithm, encrypted_key FROM smime_identity WHERE name = ?")) {
            query.setString(1, name);
            try (ResultSet rows = query.executeQuery()) {
                if (!rows.next()) {
                    throw identityNotFound(name);
                }
                byte[] encoded = protector.open(rows.getBytes(2), keyContext(name));
                try {
                    return KeyFactory.getInstance(rows.getString(1)).generatePrivate(new PKCS8EncodedKeySpec(encoded));
                } catch (GeneralSecurityException e) {
                    throw new KeyStoreFailureException("the private key of identity '" + name + "' cannot be decoded", e);
                } finally {
                    Arrays.fill(encoded, (byte) 0);
                }
            }
        }
    }

    private List<Identity> readIdentities(Connection connection, Optional<String> onlyName) throws SQLException {
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
            "SELECT name, active, key_algorithm, created_at, decrypt_only FROM smime_identity"
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
                    identities.add(new Identity(name, rows.getBoolean(2), rows.getBoolean(5), rows.getString(3), chain,
                        previous.getOrDefault(name, List.of()), rows.getTimestamp(4).toInstant()));
                }
            }
        }
        return identities;
    }

    private void insertIdentityCertificate(Connection connection, String name, List<CertificateFacts> chain, boolean current)
        throws SQLException {
        CertificateFacts leaf = chain.get(0);
        try (PreparedStatement insert = connection.prepareStatement(
            "INSERT INTO smime_identity_certificate (fingerprint, identity_name, is_current, chain, issuer, serial, "
                + "subject_key_id, not_before, not_after, added_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            insert.setString(1, leaf.fingerprint());
            insert.setString(2, name);
            insert.setBoolean(3, current);
            insert.setBytes(4, encodeChain(chain));
            insert.setString(5, leaf.certificate().getIssuerX500Principal().getName(X500Principal.CANONICAL));
            insert.setString(6, leaf.certificate().getSerialNumber().toString(16));
            insert.setString(7, HexFormat.of().formatHex(subjectKeyIdentifier(leaf)));
            insert.setTimestamp(8, Timestamp.from(leaf.notBefore()));
            insert.setTimestamp(9, Timestamp.from(leaf.notAfter()));
            insert.setTimestamp(10, Timestamp.from(clock.instant()));
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

    private Optional<String> certificateOwner(Connection connection, String fingerprint) throws SQLException {
        return singleString(connection, "SELECT identity_name FROM smime_identity_certificate WHERE fingerprint = ?", fingerprint);
    }

    private boolean identityExists(String name) {
        return database.inTransaction(connection -> identityExists(connection, name));
    }

    private boolean identityExists(Connection connection, String name) throws SQLException {
        return singleString(connection, "SELECT name FROM smime_identity WHERE name = ?", name).isPresent();
    }

    private boolean isActive(Connection connection, String name) throws SQLException {
        try (PreparedStatement query = connection.prepareStatement("SELECT active FROM smime_identity WHERE name = ?")) {
            query.setString(1, name);
            try (ResultSet rows = query.executeQuery()) {
                return rows.next() && rows.getBoolean(1);
            }
        }
    }

    /** Serialises identity writes across threads and servers: a row lock held until commit. */
    private static void lockIdentities(Connection connection) throws SQLException {
        update(connection, "UPDATE smime_meta SET meta_value = meta_value WHERE meta_key = ?", "identity.lock");
    }

    /**
     * Waits for an identity write in progress and keeps the next one out until this transaction ends,
     * so that a look-up spanning several statements never sees an activation half done (the old
     * identity already inactive, the new one not yet active). Readers do not block each other.
     */
    private void readLockIdentities(Connection connection) throws SQLException {
        try (PreparedStatement query = connection.prepareStatement(
            "SELECT meta_value FROM smime_meta WHERE meta_key = ?" + database.dialect().sharedLockClause())) {
            query.setString(1, "identity.lock");
            try (ResultSet rows = query.executeQuery()) {
                // Reading the row is what takes the lock.
                rows.next();
            }
        }
    }

    private static String keyContext(String identityName) {
        return "identity:" + identityName;
    }

    /** Signs a random challenge with the private key and verifies it with the certificate: they must be one pair. */
    private static void proveKeyPair(PrivateKey privateKey, CertificateFacts leaf) {
        byte[] challenge = new byte[32];
        new SecureRandom().nextBytes(challenge);
        try {
            String algorithm = CertificateIssuer.requestSignatureAlgorithm(leaf.certificate().getPublicKey());
            Signature signer = JdkContentSigner.signatureFor(algorithm);
            signer.initSign(privateKey);
            signer.update(challenge);
            byte[] signature = signer.sign();
            Signature verifier = JdkContentSigner.signatureFor(algorithm);
            verifier.initVerify(leaf.certificate().getPublicKey());
            verifier.update(challenge);
            if (!verifier.verify(signature)) {
                throw new CertificateRejectedException("certificate for " + leaf.displayName() + " does not belong to the private key given with it");
            }
        } catch (GeneralSecurityException e) {
            throw new CertificateRejectedException("certificate for " + leaf.displayName()
                + " does not belong to the private key given with it: " + e.getMessage(), e);
        }
    }

    private static KeyStore loadPkcs12(byte[] pkcs12, char[] password) {
        try {
            KeyStore keyStore = KeyStore.getInstance("PKCS12");
            keyStore.load(new ByteArrayInputStream(pkcs12), password);
            return keyStore;
        } catch (IOException e) {
            if (e.getCause() instanceof UnrecoverableKeyException || String.valueOf(e.getMessage()).contains("password")) {
                throw new InvalidRequestException("wrong PKCS#12 password", e);
            }
            throw new InvalidRequestException("not a readable PKCS#12 file: " + e.getMessage(), e);
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new InvalidRequestException("not a readable PKCS#12 file: " + e.getMessage(), e);
        }
    }

    private static String chooseAlias(KeyStore keyStore, Optional<String> alias) {
        List<String> keyAliases = new ArrayList<>();
        try {
            for (String candidate : Collections.list(keyStore.aliases())) {
                if (keyStore.isKeyEntry(candidate)) {
                    keyAliases.add(candidate);
                }
            }
        } catch (GeneralSecurityException e) {
            throw new InvalidRequestException("cannot list the PKCS#12 entries: " + e.getMessage(), e);
        }
        if (alias.isPresent()) {
            return keyAliases.stream().filter(candidate -> candidate.equalsIgnoreCase(alias.get())).findFirst()
                .orElseThrow(() -> new InvalidRequestException("the PKCS#12 file has no private key with alias '" + alias.get()
                    + "'; its keys are " + keyAliases));
        }
        if (keyAliases.isEmpty()) {
            throw new InvalidRequestException("the PKCS#12 file holds no private key");
        }
        if (keyAliases.size() > 1) {
            throw new InvalidRequestException("the PKCS#12 file holds several private keys " + keyAliases + "; choose one with 'alias'");
        }
        return keyAliases.get(0);
    }

    // ---------------------------------------------------------------- internals: certificates and anchors

    private ImportReport.Entry importOneCertificate(Pem.Entry entry) {
        if (entry.certificate().isEmpty()) {
            return new ImportReport.Entry(entry.index(), ImportReport.Status.REJECTED, entry.name(), Optional.empty(),
                Optional.empty(), entry.error());
        }
        CertificateFacts facts = entry.certificate().get();
        Optional<String> subject = Optional.of(facts.subject());
        Optional<String> fingerprint = Optional.of(facts.fingerprint());
        try {
            entry.name().ifPresent(SmimeKeyStore::validateName);
            CertificateRules.checkEncryptionCertificate(facts, clock.instant());
            return database.inTransaction(connection -> {
                Optional<String> existing = certificateNameByFingerprint(connection, facts.fingerprint());
                if (existing.isPresent()) {
                    return new ImportReport.Entry(entry.index(), ImportReport.Status.DUPLICATE, existing, subject, fingerprint,
                        Optional.of("already stored as '" + existing.get() + "'"));
                }
                String name = entry.name().orElseGet(() -> nameFor(facts));
                if (certificateExists(connection, name)) {
                    name = name + "-" + facts.fingerprint().substring(0, 8);
                }
                insertCertificate(connection, name, facts, StoredCertificate.Origin.ADDED);
                return new ImportReport.Entry(entry.index(), ImportReport.Status.ACCEPTED, Optional.of(name), subject, fingerprint,
                    Optional.empty());
            });
        } catch (CertificateRejectedException | InvalidRequestException e) {
            return new ImportReport.Entry(entry.index(), ImportReport.Status.REJECTED, entry.name(), subject, fingerprint,
                Optional.of(e.getMessage()));
        }
    }

    private ImportReport.Entry importOneTrustAnchor(Pem.Entry entry) {
        if (entry.certificate().isEmpty()) {
            return new ImportReport.Entry(entry.index(), ImportReport.Status.REJECTED, Optional.empty(), Optional.empty(),
                Optional.empty(), entry.error());
        }
        CertificateFacts facts = entry.certificate().get();
        Optional<String> subject = Optional.of(facts.subject());
        Optional<String> fingerprint = Optional.of(facts.fingerprint());
        try {
            CertificateRules.checkTrustAnchor(facts, clock.instant());
        } catch (CertificateRejectedException e) {
            return new ImportReport.Entry(entry.index(), ImportReport.Status.REJECTED, Optional.empty(), subject, fingerprint,
                Optional.of(e.getMessage()));
        }
        return database.inTransaction(connection -> {
            if (singleString(connection, "SELECT fingerprint FROM smime_trust_anchor WHERE fingerprint = ?", facts.fingerprint()).isPresent()) {
                return new ImportReport.Entry(entry.index(), ImportReport.Status.DUPLICATE, Optional.empty(), subject, fingerprint,
                    Optional.of("already trusted"));
            }
            try (PreparedStatement insert = connection.prepareStatement(
                "INSERT INTO smime_trust_anchor (fingerprint, der, subject, not_after, added_at) VALUES (?, ?, ?, ?, ?)")) {
                insert.setString(1, facts.fingerprint());
                insert.setBytes(2, facts.der());
                insert.setString(3, truncate(facts.subject(), 4000));
                insert.setTimestamp(4, Timestamp.from(facts.notAfter()));
                insert.setTimestamp(5, Timestamp.from(clock.instant()));
                insert.executeUpdate();
            }
            LOGGER.info("Trusting CA {}", facts.subject());
            return new ImportReport.Entry(entry.index(), ImportReport.Status.ACCEPTED, Optional.empty(), subject, fingerprint,
                Optional.empty());
        });
    }

    private static String nameFor(CertificateFacts facts) {
        String candidate = facts.displayName().replaceAll("[^A-Za-z0-9._@+-]", "_");
        if (candidate.isEmpty() || !Character.isLetterOrDigit(candidate.charAt(0))) {
            candidate = "cert-" + candidate;
        }
        return truncate(candidate, 100);
    }

    private void insertCertificate(Connection connection, String name, CertificateFacts facts, StoredCertificate.Origin origin)
        throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement(
            "INSERT INTO smime_certificate (name, fingerprint, der, origin, not_before, not_after, added_at) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
            insert.setString(1, name);
            insert.setString(2, facts.fingerprint());
            insert.setBytes(3, facts.der());
            insert.setString(4, origin.name());
            insert.setTimestamp(5, Timestamp.from(facts.notBefore()));
            insert.setTimestamp(6, Timestamp.from(facts.notAfter()));
            insert.setTimestamp(7, Timestamp.from(clock.instant()));
            insert.executeUpdate();
        } catch (SQLException e) {
            if (Database.UNIQUE_VIOLATION.equals(e.getSQLState())) {
                throw new EntryExistsException("a certificate named '" + name + "' or the same certificate already exists");
            }
            throw e;
        }
        insertAddresses(connection, "smime_certificate_address", "certificate_name", name, facts);
    }

    private static void insertAddresses(Connection connection, String table, String ownerColumn, String owner, CertificateFacts facts)
        throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement(
            "INSERT INTO " + table + " (" + ownerColumn + ", address, kind) VALUES (?, ?, ?)")) {
            for (String email : facts.emailAddresses()) {
                addBatch(insert, owner, truncate(email, 320), EMAIL);
            }
            for (String domain : facts.domains()) {
                addBatch(insert, owner, truncate(domain, 320), DOMAIN);
            }
            insert.executeBatch();
        }
    }

    private static void addBatch(PreparedStatement insert, String owner, String address, String kind) throws SQLException {
        insert.setString(1, owner);
        insert.setString(2, address);
        insert.setString(3, kind);
        insert.addBatch();
    }

    private List<CertificateFacts> encryptionCandidates(Connection connection, List<String> addresses, String kind,
                                                        Predicate<CertificateFacts> usable) throws SQLException {
        Map<String, CertificateFacts> found = new LinkedHashMap<>();
        for (String address : addresses) {
            try (PreparedStatement query = connection.prepareStatement(
                "SELECT c.der FROM smime_certificate c JOIN smime_certificate_address a ON a.certificate_name = c.name "
                    + "WHERE a.address = ? AND a.kind = ?")) {
                query.setString(1, address);
                query.setString(2, kind);
                collect(query, rows -> CertificateFacts.fromDer(rows.getBytes(1)), found);
            }
            try (PreparedStatement query = connection.prepareStatement(
                "SELECT c.chain FROM smime_identity_certificate c "
                    + "JOIN smime_identity i ON i.name = c.identity_name AND i.active = TRUE AND c.is_current = TRUE "
                    + "JOIN smime_identity_address a ON a.identity_name = c.identity_name WHERE a.address = ? AND a.kind = ?")) {
                query.setString(1, address);
                query.setString(2, kind);
                collect(query, rows -> parseChain(rows.getBytes(1)).get(0), found);
            }
        }
        return found.values().stream()
            .filter(usable)
            .sorted(Comparator.comparing(CertificateFacts::notBefore).reversed())
            .collect(Collectors.toList());
    }

    @FunctionalInterface
    private interface RowReader<T> {
        T read(ResultSet rows) throws SQLException;
    }

    private static void collect(PreparedStatement query, RowReader<CertificateFacts> reader, Map<String, CertificateFacts> into)
        throws SQLException {
        try (ResultSet rows = query.executeQuery()) {
            while (rows.next()) {
                CertificateFacts facts = reader.read(rows);
                into.putIfAbsent(facts.fingerprint(), facts);
            }
        }
    }

    private static List<X509Certificate> certificates(List<CertificateFacts> facts) {
        return facts.stream().map(CertificateFacts::certificate).collect(Collectors.toList());
    }

    private List<StoredCertificate> readCertificates(Connection connection, Optional<String> onlyName) throws SQLException {
        List<StoredCertificate> result = new ArrayList<>();
        try (PreparedStatement query = connection.prepareStatement(
            "SELECT name, der, origin, added_at FROM smime_certificate" + (onlyName.isPresent() ? " WHERE name = ?" : "")
                + " ORDER BY name")) {
            if (onlyName.isPresent()) {
                query.setString(1, onlyName.get());
            }
            try (ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    result.add(new StoredCertificate(rows.getString(1), CertificateFacts.fromDer(rows.getBytes(2)),
                        StoredCertificate.Origin.valueOf(rows.getString(3)), rows.getTimestamp(4).toInstant()));
                }
            }
        }
        return result;
    }

    private List<TrustAnchor> readTrustAnchors(Connection connection, Optional<String> onlyFingerprint) throws SQLException {
        List<TrustAnchor> result = new ArrayList<>();
        try (PreparedStatement query = connection.prepareStatement(
            "SELECT der, added_at FROM smime_trust_anchor" + (onlyFingerprint.isPresent() ? " WHERE fingerprint = ?" : "")
                + " ORDER BY subject")) {
            if (onlyFingerprint.isPresent()) {
                query.setString(1, onlyFingerprint.get());
            }
            try (ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    result.add(new TrustAnchor(CertificateFacts.fromDer(rows.getBytes(1)), rows.getTimestamp(2).toInstant()));
                }
            }
        }
        return result;
    }

    private boolean certificateExists(Connection connection, String name) throws SQLException {
        return singleString(connection, "SELECT name FROM smime_certificate WHERE name = ?", name).isPresent();
    }

    private Optional<String> certificateNameByFingerprint(Connection connection, String fingerprint) throws SQLException {
        return singleString(connection, "SELECT name FROM smime_certificate WHERE fingerprint = ?", fingerprint);
    }

    // ---------------------------------------------------------------- internals: plumbing

    private static KeyProtector unlock(Database database, char[] masterSecret) {
        return database.inTransaction(connection -> {
            Optional<String> salt = singleString(connection, "SELECT meta_value FROM smime_meta WHERE meta_key = ?", "kdf.salt");
            if (salt.isEmpty()) {
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
            int iterations = Integer.parseInt(singleString(connection, "SELECT meta_value FROM smime_meta WHERE meta_key = ?",
                "kdf.iterations").orElseThrow());
            KeyProtector protector = KeyProtector.derive(masterSecret, Base64.getDecoder().decode(salt.get()), iterations);
            String check = singleString(connection, "SELECT meta_value FROM smime_meta WHERE meta_key = ?", "kdf.check").orElseThrow();
            try {
                protector.open(Base64.getDecoder().decode(check), "check");
            } catch (KeyStoreFailureException e) {
                throw new KeyStoreFailureException("The S/MIME key store master secret is not the one this key store was created with; "
                    + "its private keys cannot be opened. Restore the original keystore.master.secret.", e);
            }
            return protector;
        });
    }

    private static void insertMeta(Connection connection, String key, String value) throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement("INSERT INTO smime_meta (meta_key, meta_value) VALUES (?, ?)")) {
            insert.setString(1, key);
            insert.setString(2, value);
            insert.executeUpdate();
        }
    }

    private static Optional<String> singleString(Connection connection, String sql, String parameter) throws SQLException {
        try (PreparedStatement query = connection.prepareStatement(sql)) {
            query.setString(1, parameter);
            try (ResultSet rows = query.executeQuery()) {
                return rows.next() ? Optional.of(rows.getString(1)) : Optional.empty();
            }
        }
    }

    private static int update(Connection connection, String sql, String parameter) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setString(1, parameter);
            return statement.executeUpdate();
        }
    }

    private static byte[] encodeChain(List<CertificateFacts> chain) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        chain.forEach(facts -> out.writeBytes(facts.der()));
        return out.toByteArray();
    }

    private static List<CertificateFacts> parseChain(byte[] der) {
        try {
            return CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(der)).stream()
                .map(certificate -> CertificateFacts.of((X509Certificate) certificate))
                .collect(Collectors.toList());
        } catch (CertificateException e) {
            throw new KeyStoreFailureException("a stored certificate chain is corrupt: " + e.getMessage(), e);
        }
    }

    static void validateName(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new InvalidRequestException("invalid name '" + name
                + "': use 1 to 128 letters, digits and . _ @ + -, starting with a letter or digit");
        }
    }

    static String normaliseFingerprint(String fingerprint) {
        String normalised = fingerprint.replace(":", "").toLowerCase(java.util.Locale.ROOT);
        if (!FINGERPRINT.matcher(normalised).matches()) {
            throw new InvalidRequestException("'" + fingerprint + "' is not a SHA-256 fingerprint (64 hex digits)");
        }
        return normalised;
    }

    private static EntryNotFoundException identityNotFound(String name) {
        return new EntryNotFoundException("no identity named '" + name + "'");
    }

    static String truncate(String text, int length) {
        return text.length() <= length ? text : text.substring(0, length);
    }
}
