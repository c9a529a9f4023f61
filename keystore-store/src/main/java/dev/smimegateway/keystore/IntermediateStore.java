package dev.smimegateway.keystore;

import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.smimegateway.core.certificate.CertificateFacts;
import dev.smimegateway.core.certificate.CertificateRejectedException;
import dev.smimegateway.core.certificate.CertificateRules;
import dev.smimegateway.core.certificate.Pem;

/**
 * The intermediate CA certificates of {@link SmimeKeyStore}: a collection of their own, apart from
 * the trust anchors, so that storing a partner's intermediate can never make it an anchor.
 */
final class IntermediateStore {
    private static final Logger LOGGER = LoggerFactory.getLogger(IntermediateStore.class);
    private static final int KEY_CERT_SIGN = 5;

    private final Database database;
    private final Clock clock;

    IntermediateStore(Database database, Clock clock) {
        this.database = database;
        this.clock = clock;
    }

    ImportReport importPem(String pemText) {
        List<ImportReport.Entry> entries = new ArrayList<>();
        for (Pem.Entry entry : Pem.readBundle(pemText)) {
            entries.add(importOne(entry));
        }
        ImportReport report = new ImportReport(entries);
        LOGGER.info("Intermediate CA import: {} accepted, {} duplicate, {} rejected", report.count(ImportReport.Status.ACCEPTED),
            report.count(ImportReport.Status.DUPLICATE), report.count(ImportReport.Status.REJECTED));
        return report;
    }

    List<IntermediateCertificate> list() {
        return database.inTransaction(connection -> read(connection, Optional.empty()));
    }

    Optional<IntermediateCertificate> find(String fingerprint) {
        String normalised = SmimeKeyStore.normaliseFingerprint(fingerprint);
        return database.inTransaction(connection -> read(connection, Optional.of(normalised))).stream().findFirst();
    }

    void delete(String fingerprint) {
        String normalised = SmimeKeyStore.normaliseFingerprint(fingerprint);
        database.inTransaction(connection -> {
            try (PreparedStatement delete = connection.prepareStatement("DELETE FROM smime_intermediate WHERE fingerprint = ?")) {
                delete.setString(1, normalised);
                if (delete.executeUpdate() == 0) {
                    throw new EntryNotFoundException("no intermediate CA certificate with fingerprint " + normalised);
                }
            }
            return null;
        });
        LOGGER.info("Deleted intermediate CA certificate {}", normalised);
    }

    List<X509Certificate> certificates() {
        return list().stream().map(stored -> stored.certificate().certificate()).collect(Collectors.toList());
    }

    /**
     * An intermediate must be able to issue certificates, and must not be a root: a self-signed
     * certificate stored here would look like an anchor to anyone who later merges the collections.
     */
    static void check(CertificateFacts facts, java.time.Instant now) {
        CertificateRules.checkChainKeys(List.of(facts));
        if (facts.isExpiredAt(now)) {
            throw rejected(facts, "expired on " + facts.notAfter());
        }
        if (isSelfSigned(facts)) {
            throw rejected(facts, "is self-signed, so it is a root, not an intermediate: import it as a trust anchor "
                + "(POST /smime/trust-anchors?action=import) if you trust it");
        }
        if (!facts.isCertificateAuthority()) {
            throw rejected(facts, "is not a CA certificate (basicConstraints cA is not set), so it cannot issue certificates");
        }
        boolean[] keyUsage = facts.certificate().getKeyUsage();
        if (keyUsage != null && (keyUsage.length <= KEY_CERT_SIGN || !keyUsage[KEY_CERT_SIGN])) {
            throw rejected(facts, "has a keyUsage without keyCertSign, so it cannot issue certificates");
        }
    }

    /** Issued by itself and signed with its own key; a self-issued certificate of a key rollover is not. */
    private static boolean isSelfSigned(CertificateFacts facts) {
        if (!facts.isSelfIssued()) {
            return false;
        }
        try {
            facts.certificate().verify(facts.certificate().getPublicKey());
            return true;
        } catch (GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }

    private static CertificateRejectedException rejected(CertificateFacts facts, String problem) {
        return new CertificateRejectedException("certificate " + facts.subject() + " " + problem);
    }

    private ImportReport.Entry importOne(Pem.Entry entry) {
        if (entry.certificate().isEmpty()) {
            return new ImportReport.Entry(entry.index(), ImportReport.Status.REJECTED, Optional.empty(), Optional.empty(),
                Optional.empty(), entry.error());
        }
        CertificateFacts facts = entry.certificate().get();
        Optional<String> subject = Optional.of(facts.subject());
        Optional<String> fingerprint = Optional.of(facts.fingerprint());
        try {
            check(facts, clock.instant());
        } catch (CertificateRejectedException e) {
            return new ImportReport.Entry(entry.index(), ImportReport.Status.REJECTED, Optional.empty(), subject, fingerprint,
                Optional.of(e.getMessage()));
        }
        return database.inTransaction(connection -> {
            if (exists(connection, facts.fingerprint())) {
                return new ImportReport.Entry(entry.index(), ImportReport.Status.DUPLICATE, Optional.empty(), subject, fingerprint,
                    Optional.of("already stored"));
            }
            insert(connection, facts);
            LOGGER.info("Stored intermediate CA {} issued by {}", facts.subject(), facts.issuer());
            return new ImportReport.Entry(entry.index(), ImportReport.Status.ACCEPTED, Optional.empty(), subject, fingerprint,
                Optional.empty());
        });
    }

    private static boolean exists(Connection connection, String fingerprint) throws SQLException {
        try (PreparedStatement query = connection.prepareStatement("SELECT fingerprint FROM smime_intermediate WHERE fingerprint = ?")) {
            query.setString(1, fingerprint);
            try (ResultSet rows = query.executeQuery()) {
                return rows.next();
            }
        }
    }

    private void insert(Connection connection, CertificateFacts facts) throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement(
            "INSERT INTO smime_intermediate (fingerprint, der, subject, not_after, added_at) VALUES (?, ?, ?, ?, ?)")) {
            insert.setString(1, facts.fingerprint());
            insert.setBytes(2, facts.der());
            insert.setString(3, SmimeKeyStore.truncate(facts.subject(), 4000));
            insert.setTimestamp(4, Timestamp.from(facts.notAfter()));
            insert.setTimestamp(5, Timestamp.from(clock.instant()));
            insert.executeUpdate();
        }
    }

    private static List<IntermediateCertificate> read(Connection connection, Optional<String> onlyFingerprint) throws SQLException {
        List<IntermediateCertificate> result = new ArrayList<>();
        try (PreparedStatement query = connection.prepareStatement(
            "SELECT der, added_at FROM smime_intermediate" + (onlyFingerprint.isPresent() ? " WHERE fingerprint = ?" : "")
                + " ORDER BY subject")) {
            if (onlyFingerprint.isPresent()) {
                query.setString(1, onlyFingerprint.get());
            }
            try (ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    result.add(new IntermediateCertificate(CertificateFacts.fromDer(rows.getBytes(1)), rows.getTimestamp(2).toInstant()));
                }
            }
        }
        return result;
    }
}
