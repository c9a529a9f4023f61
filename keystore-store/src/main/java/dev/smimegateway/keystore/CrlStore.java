package dev.smimegateway.keystore;

import java.io.ByteArrayInputStream;
import java.security.GeneralSecurityException;
import java.security.cert.CRLException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.util.List;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.smimegateway.core.certificate.CertificateFacts;
import dev.smimegateway.core.certificate.Pem;

/**
 * Revocation lists the administrator imports. Their signatures are checked when used, against the
 * issuer on the validated path of the certificate they would revoke; a newer CRL of an issuer does
 * not delete older ones (a revocation stays a revocation).
 */
final class CrlStore {
    private static final Logger LOGGER = LoggerFactory.getLogger(CrlStore.class);

    private final Database database;
    private final Clock clock;

    CrlStore(Database database, Clock clock) {
        this.database = database;
        this.clock = clock;
    }

    /** Stores the CRLs (PEM {@code X509 CRL} blocks or one DER CRL); how many were new. */
    /** Each CRL in a transaction of its own, with its audit record: a failure midway keeps those before it. */
    int importCrls(byte[] body, Audit audit) {
        int added = 0;
        for (X509CRL crl : Pem.readCrls(body)) {
            if (store(crl, audit)) {
                added++;
                LOGGER.info("Imported the CRL of {} ({} revoked certificates)", crl.getIssuerX500Principal().getName(),
                    crl.getRevokedCertificates() == null ? 0 : crl.getRevokedCertificates().size());
            }
        }
        return added;
    }

    List<X509CRL> list() {
        return database.inTransaction(CrlStore::list);
    }

    static List<X509CRL> list(Connection connection) throws SQLException {
        CertificateFactory factory;
        try {
            factory = CertificateFactory.getInstance("X.509");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("X.509 is missing from this JDK", e);
        }
        return Database.list(connection, "SELECT der FROM smime_crl ORDER BY issuer, this_update", row -> {
            try {
                return (X509CRL) factory.generateCRL(new ByteArrayInputStream(row.getBytes(1)));
            } catch (GeneralSecurityException e) {
                throw new KeyStoreFailureException("a stored CRL is corrupt: " + e.getMessage(), e);
            }
        });
    }

    void delete(String fingerprint, Audit audit) {
        String normalised = Names.normaliseFingerprint(fingerprint);
        database.inTransaction(connection -> {
            Optional<String> issuer = Database.singleString(connection, "SELECT issuer FROM smime_crl WHERE fingerprint = ?", normalised);
            if (issuer.isEmpty() || Database.update(connection, "DELETE FROM smime_crl WHERE fingerprint = ?", normalised) == 0) {
                throw new EntryNotFoundException("no CRL with fingerprint " + normalised);
            }
            Database.bump(connection, TrustMaterial.VERSION);
            audit.record(connection, AuditOperation.CRL_DELETE, normalised, Optional.empty(), issuer.map(name -> "CRL of " + name));
            return null;
        });
    }

    private boolean store(X509CRL crl, Audit audit) {
        byte[] der;
        try {
            der = crl.getEncoded();
        } catch (CRLException e) {
            throw new InvalidRequestException("the CRL of " + crl.getIssuerX500Principal().getName() + " cannot be encoded");
        }
        String fingerprint = CertificateFacts.sha256Hex(der);
        return database.inTransaction(connection -> {
            if (Database.singleString(connection, "SELECT fingerprint FROM smime_crl WHERE fingerprint = ?", fingerprint).isPresent()) {
                return false;
            }
            try (PreparedStatement insert = connection.prepareStatement(
                "INSERT INTO smime_crl (fingerprint, issuer, der, this_update, next_update, added_at) VALUES (?, ?, ?, ?, ?, ?)")) {
                insert.setString(1, fingerprint);
                insert.setString(2, Names.truncate(crl.getIssuerX500Principal().getName(), 4000));
                insert.setBytes(3, der);
                insert.setTimestamp(4, Timestamp.from(crl.getThisUpdate().toInstant()));
                insert.setTimestamp(5, crl.getNextUpdate() == null ? null : Timestamp.from(crl.getNextUpdate().toInstant()));
                insert.setTimestamp(6, Timestamp.from(clock.instant()));
                insert.executeUpdate();
            }
            Database.bump(connection, TrustMaterial.VERSION);
            audit.record(connection, AuditOperation.CRL_IMPORT, fingerprint, Optional.empty(),
                Optional.of("CRL of " + crl.getIssuerX500Principal().getName() + ", this update " + crl.getThisUpdate().toInstant()));
            return true;
        });
    }
}
