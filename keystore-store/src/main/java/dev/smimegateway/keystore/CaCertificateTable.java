package dev.smimegateway.keystore;

import java.security.cert.X509Certificate;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.stream.Collectors;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.smimegateway.core.certificate.CertificateFacts;
import dev.smimegateway.core.certificate.CertificateRejectedException;
import dev.smimegateway.core.certificate.CertificateRules;
import dev.smimegateway.core.certificate.Pem;

/**
 * A table of CA certificates identified by fingerprint: the trust anchors signatures must chain to,
 * and, in a table of their own, the intermediates that only help build the path (so that storing a
 * partner's intermediate can never make it an anchor). Each kind has its own admission rule.
 */
final class CaCertificateTable<T> {
    private static final Logger LOGGER = LoggerFactory.getLogger(CaCertificateTable.class);

    @FunctionalInterface
    interface Rule {
        void check(CertificateFacts facts, Instant now);
    }

    private final Database database;
    private final Clock clock;
    private final String table;
    private final String kind;
    private final Rule rule;
    private final BiFunction<CertificateFacts, Instant, T> row;
    private final Function<T, CertificateFacts> facts;
    private final AuditOperation imported;
    private final AuditOperation deleted;

    private CaCertificateTable(Database database, Clock clock, String table, String kind, Rule rule,
                               BiFunction<CertificateFacts, Instant, T> row, Function<T, CertificateFacts> facts,
                               AuditOperation imported, AuditOperation deleted) {
        this.database = database;
        this.clock = clock;
        this.table = table;
        this.kind = kind;
        this.rule = rule;
        this.row = row;
        this.facts = facts;
        this.imported = imported;
        this.deleted = deleted;
    }

    static CaCertificateTable<TrustAnchor> trustAnchors(Database database, Clock clock) {
        return new CaCertificateTable<>(database, clock, "smime_trust_anchor", "trust anchor", CertificateRules::checkTrustAnchor,
            TrustAnchor::new, TrustAnchor::certificate, AuditOperation.TRUST_ANCHOR_IMPORT, AuditOperation.TRUST_ANCHOR_DELETE);
    }

    static CaCertificateTable<IntermediateCertificate> intermediates(Database database, Clock clock) {
        return new CaCertificateTable<>(database, clock, "smime_intermediate", "intermediate CA certificate", IntermediateRules::check,
            IntermediateCertificate::new, IntermediateCertificate::certificate, AuditOperation.INTERMEDIATE_IMPORT,
            AuditOperation.INTERMEDIATE_DELETE);
    }

    /**
     * Stores each certificate of the PEM text on its own: a bad one is reported and skipped. Each is
     * stored in a transaction of its own, with its audit record: a failure midway keeps those before it.
     */
    ImportReport importPem(String pemText, Audit audit) {
        List<ImportReport.Entry> entries = new ArrayList<>();
        for (Pem.Entry entry : Pem.readBundle(pemText)) {
            entries.add(importOne(entry, audit));
        }
        ImportReport report = new ImportReport(entries);
        LOGGER.info("Import of {}s: {} accepted, {} duplicate, {} rejected", kind, report.count(ImportReport.Status.ACCEPTED),
            report.count(ImportReport.Status.DUPLICATE), report.count(ImportReport.Status.REJECTED));
        return report;
    }

    List<T> list() {
        return database.inTransaction(connection -> read(connection, Optional.empty()));
    }

    Optional<T> find(String fingerprint) {
        String normalised = Names.normaliseFingerprint(fingerprint);
        return database.inTransaction(connection -> read(connection, Optional.of(normalised))).stream().findFirst();
    }

    void delete(String fingerprint, Audit audit) {
        String normalised = Names.normaliseFingerprint(fingerprint);
        database.inTransaction(connection -> {
            Optional<T> stored = read(connection, Optional.of(normalised)).stream().findFirst();
            if (stored.isEmpty() || Database.update(connection, "DELETE FROM " + table + " WHERE fingerprint = ?", normalised) == 0) {
                throw new EntryNotFoundException("no " + kind + " with fingerprint " + normalised);
            }
            Database.bump(connection, TrustMaterial.VERSION);
            audit.record(connection, deleted, normalised, facts.apply(stored.get()));
            return null;
        });
        LOGGER.info("Deleted {} {}", kind, normalised);
    }

    /** Every stored certificate, expired ones included (the path validation decides). */
    List<X509Certificate> certificates() {
        return database.inTransaction(this::certificates);
    }

    List<X509Certificate> certificates(Connection connection) throws SQLException {
        return read(connection, Optional.empty()).stream().map(stored -> facts.apply(stored).certificate()).collect(Collectors.toList());
    }

    private ImportReport.Entry importOne(Pem.Entry entry, Audit audit) {
        if (entry.certificate().isEmpty()) {
            return new ImportReport.Entry(entry.index(), ImportReport.Status.REJECTED, Optional.empty(), Optional.empty(),
                Optional.empty(), entry.error());
        }
        CertificateFacts certificate = entry.certificate().get();
        Optional<String> subject = Optional.of(certificate.subject());
        Optional<String> fingerprint = Optional.of(certificate.fingerprint());
        try {
            rule.check(certificate, clock.instant());
        } catch (CertificateRejectedException e) {
            return new ImportReport.Entry(entry.index(), ImportReport.Status.REJECTED, Optional.empty(), subject, fingerprint,
                Optional.of(e.getMessage()));
        }
        return database.inTransaction(connection -> {
            if (Database.singleString(connection, "SELECT fingerprint FROM " + table + " WHERE fingerprint = ?",
                certificate.fingerprint()).isPresent()) {
                return new ImportReport.Entry(entry.index(), ImportReport.Status.DUPLICATE, Optional.empty(), subject, fingerprint,
                    Optional.of("already stored"));
            }
            insert(connection, certificate);
            Database.bump(connection, TrustMaterial.VERSION);
            audit.record(connection, imported, certificate.fingerprint(), certificate);
            LOGGER.info("Stored {} {} issued by {}", kind, certificate.subject(), certificate.issuer());
            return new ImportReport.Entry(entry.index(), ImportReport.Status.ACCEPTED, Optional.empty(), subject, fingerprint,
                Optional.empty());
        });
    }

    private void insert(Connection connection, CertificateFacts certificate) throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement(
            "INSERT INTO " + table + " (fingerprint, der, subject, not_after, added_at) VALUES (?, ?, ?, ?, ?)")) {
            insert.setString(1, certificate.fingerprint());
            insert.setBytes(2, certificate.der());
            insert.setString(3, Names.truncate(certificate.subject(), 4000));
            insert.setTimestamp(4, Timestamp.from(certificate.notAfter()));
            insert.setTimestamp(5, Timestamp.from(clock.instant()));
            insert.executeUpdate();
        }
    }

    private List<T> read(Connection connection, Optional<String> onlyFingerprint) throws SQLException {
        return Database.list(connection,
            "SELECT der, added_at FROM " + table + (onlyFingerprint.isPresent() ? " WHERE fingerprint = ?" : "") + " ORDER BY subject",
            row -> this.row.apply(CertificateFacts.fromDer(row.getBytes(1)), row.getTimestamp(2).toInstant()),
            onlyFingerprint.stream().toArray(String[]::new));
    }
}
