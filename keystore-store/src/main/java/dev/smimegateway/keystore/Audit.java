package dev.smimegateway.keystore;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Optional;

import dev.smimegateway.core.certificate.CertificateFacts;

/**
 * Records one actor's changes in the {@link AuditTrail}. Every write of the key store's parts takes
 * one and, inside the transaction that makes the change, once the change is known to happen, calls
 * <pre>
 * audit.record(connection, AuditOperation.IDENTITY_ARCHIVE, name, certificate);
 * </pre>
 * The row is then committed or rolled back with the change, and logged only once committed. The same
 * transaction moves the shared look-up version on ({@link LookupCache#SHARED_VERSION}): every server
 * sharing the database drops its cached look-ups within {@link LookupCache#SHARED_RECHECK}.
 */
final class Audit {
    private final AuditTrail trail;
    private final Actor actor;

    Audit(AuditTrail trail, Actor actor) {
        this.trail = trail;
        this.actor = actor;
    }

    /** A change concerning a certificate: its fingerprint, and its subject, serial and issuer as the detail. */
    void record(Connection connection, AuditOperation operation, String entry, CertificateFacts certificate) throws SQLException {
        record(connection, operation, entry, Optional.of(certificate.fingerprint()), Optional.of(describe(certificate)));
    }

    /** A change concerning a certificate, with what else the reader should know. */
    void record(Connection connection, AuditOperation operation, String entry, CertificateFacts certificate, String more)
        throws SQLException {
        record(connection, operation, entry, Optional.of(certificate.fingerprint()), Optional.of(describe(certificate) + "; " + more));
    }

    void record(Connection connection, AuditOperation operation, String entry, Optional<String> fingerprint, Optional<String> detail)
        throws SQLException {
        trail.insert(connection, actor, operation, entry, fingerprint, detail);
        Database.bump(connection, LookupCache.SHARED_VERSION);
    }

    static String describe(CertificateFacts certificate) {
        return certificate.subject() + ", serial " + certificate.serialHex() + ", issued by " + certificate.issuer();
    }
}
