package dev.smimegateway.keystore;

import java.security.cert.X509Certificate;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.smimegateway.core.certificate.CertificateFacts;
import dev.smimegateway.core.certificate.CertificateRejectedException;
import dev.smimegateway.core.certificate.CertificateRules;
import dev.smimegateway.core.certificate.MailAddresses;
import dev.smimegateway.core.certificate.Pem;

/**
 * Partners' public certificates, that mail is encrypted to: those an administrator added (origin
 * {@code ADDED}) and those {@link HarvestedCertificateStore harvested} from signed mail (origin
 * {@code HARVESTED}, which lives in the same table so that one look-up finds both). The
 * administrator's list, export and import cover the added ones; harvested ones are listed apart.
 */
final class PartnerCertificateStore {
    private static final Logger LOGGER = LoggerFactory.getLogger(PartnerCertificateStore.class);

    private final Database database;
    private final Clock clock;

    PartnerCertificateStore(Database database, Clock clock) {
        this.database = database;
        this.clock = clock;
    }

    StoredCertificate add(String name, byte[] certificate, Audit audit) {
        Names.validateName(name);
        List<CertificateFacts> given = Pem.readChain(certificate);
        if (given.size() != 1) {
            throw new InvalidRequestException("expected one certificate, found " + given.size()
                + "; import a bundle with POST /smime/certificates?action=import");
        }
        CertificateFacts facts = given.get(0);
        CertificateRules.checkEncryptionCertificate(facts, clock.instant());
        database.inTransaction(connection -> {
            if (exists(connection, name)) {
                throw new EntryExistsException("a certificate named '" + name + "' already exists");
            }
            Optional<String> existing = nameByFingerprint(connection, facts.fingerprint());
            if (existing.isPresent()) {
                throw new EntryExistsException("this certificate is already stored as '" + existing.get() + "'");
            }
            insert(connection, name, facts, StoredCertificate.Origin.ADDED, facts.emailAddresses(), facts.domains());
            audit.record(connection, AuditOperation.CERTIFICATE_ADD, name, facts);
            return null;
        });
        LOGGER.info("Added certificate {} for {}", name, facts.displayName());
        return find(name).orElseThrow();
    }

    /** The administrator's certificates (harvested ones are listed by {@link HarvestedCertificateStore}). */
    List<StoredCertificate> list() {
        return database.inTransaction(connection -> read(connection, Optional.empty())).stream()
            .filter(stored -> stored.origin() == StoredCertificate.Origin.ADDED)
            .collect(Collectors.toList());
    }

    /** Any stored certificate by name, added or harvested. */
    Optional<StoredCertificate> find(String name) {
        return database.inTransaction(connection -> read(connection, Optional.of(name))).stream().findFirst();
    }

    void delete(String name, Audit audit) {
        database.inTransaction(connection -> {
            Optional<String> fingerprint = Database.singleString(connection, "SELECT fingerprint FROM smime_certificate WHERE name = ?", name);
            if (fingerprint.isEmpty() || Database.update(connection, "DELETE FROM smime_certificate WHERE name = ?", name) == 0) {
                throw new EntryNotFoundException("no certificate named '" + name + "'");
            }
            audit.record(connection, AuditOperation.CERTIFICATE_DELETE, name, fingerprint, Optional.empty());
            return null;
        });
        LOGGER.info("Deleted certificate {}", name);
    }

    String export() {
        return list().stream()
            .map(stored -> Pem.writeNamed(stored.name(), stored.certificate()))
            .collect(Collectors.joining("\n"));
    }

    /** Each certificate in a transaction of its own, with its audit record: a failure midway keeps those before it. */
    ImportReport importPem(String pemText, Audit audit) {
        List<ImportReport.Entry> entries = new ArrayList<>();
        for (Pem.Entry entry : Pem.readBundle(pemText)) {
            entries.add(importOne(entry, audit));
        }
        ImportReport report = new ImportReport(entries);
        LOGGER.info("Certificate import: {} accepted, {} duplicate, {} rejected", report.count(ImportReport.Status.ACCEPTED),
            report.count(ImportReport.Status.DUPLICATE), report.count(ImportReport.Status.REJECTED));
        return report;
    }

    /** Certificates bound to exactly this address, newest first, whatever their key usage and validity. */
    List<X509Certificate> boundTo(String address) {
        String normalised = MailAddresses.normalise(address);
        return database.inTransaction(connection -> candidates(connection, normalised, AddressIndex.EMAIL)).stream()
            .map(CertificateFacts::certificate)
            .collect(Collectors.toList());
    }

    // ---------------------------------------------------------------- for CertificateSelection and harvesting

    /** The certificates bound to this address or domain pattern ({@link AddressIndex} kind), newest first. */
    List<CertificateFacts> candidates(Connection connection, String address, String kind) throws SQLException {
        return Database.list(connection, "SELECT c.der FROM smime_certificate c JOIN smime_certificate_address a ON a.certificate_name = c.name "
            + "WHERE a.address = ? AND a.kind = ? ORDER BY c.not_before DESC, c.name", row -> CertificateFacts.fromDer(row.getBytes(1)), address, kind);
    }

    void insert(Connection connection, String name, CertificateFacts facts, StoredCertificate.Origin origin,
                Collection<String> emails, Collection<String> domains) throws SQLException {
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
        AddressIndex.CERTIFICATES.insert(connection, name, emails, domains);
    }

    static boolean exists(Connection connection, String name) throws SQLException {
        return Database.singleString(connection, "SELECT name FROM smime_certificate WHERE name = ?", name).isPresent();
    }

    static Optional<String> nameByFingerprint(Connection connection, String fingerprint) throws SQLException {
        return Database.singleString(connection, "SELECT name FROM smime_certificate WHERE fingerprint = ?", fingerprint);
    }

    /** A free entry name for the certificate: its first address (or subject), made path-safe, unique by fingerprint if taken. */
    static String freeName(Connection connection, CertificateFacts facts) throws SQLException {
        String candidate = facts.displayName().replaceAll("[^A-Za-z0-9._@+-]", "_");
        if (candidate.isEmpty() || !Character.isLetterOrDigit(candidate.charAt(0))) {
            candidate = "cert-" + candidate;
        }
        candidate = Names.truncate(candidate, 100);
        return exists(connection, candidate) ? candidate + "-" + facts.fingerprint().substring(0, 8) : candidate;
    }

    // ---------------------------------------------------------------- internals

    private ImportReport.Entry importOne(Pem.Entry entry, Audit audit) {
        if (entry.certificate().isEmpty()) {
            return new ImportReport.Entry(entry.index(), ImportReport.Status.REJECTED, entry.name(), Optional.empty(),
                Optional.empty(), entry.error());
        }
        CertificateFacts facts = entry.certificate().get();
        Optional<String> subject = Optional.of(facts.subject());
        Optional<String> fingerprint = Optional.of(facts.fingerprint());
        try {
            entry.name().ifPresent(Names::validateName);
            CertificateRules.checkEncryptionCertificate(facts, clock.instant());
            return database.inTransaction(connection -> {
                Optional<String> existing = nameByFingerprint(connection, facts.fingerprint());
                if (existing.isPresent()) {
                    return new ImportReport.Entry(entry.index(), ImportReport.Status.DUPLICATE, existing, subject, fingerprint,
                        Optional.of("already stored as '" + existing.get() + "'"));
                }
                String name = entry.name().orElse(null);
                if (name == null) {
                    name = freeName(connection, facts);
                } else if (exists(connection, name)) {
                    name = name + "-" + facts.fingerprint().substring(0, 8);
                }
                insert(connection, name, facts, StoredCertificate.Origin.ADDED, facts.emailAddresses(), facts.domains());
                audit.record(connection, AuditOperation.CERTIFICATE_IMPORT, name, facts);
                return new ImportReport.Entry(entry.index(), ImportReport.Status.ACCEPTED, Optional.of(name), subject, fingerprint,
                    Optional.empty());
            });
        } catch (CertificateRejectedException | InvalidRequestException e) {
            return new ImportReport.Entry(entry.index(), ImportReport.Status.REJECTED, entry.name(), subject, fingerprint,
                Optional.of(e.getMessage()));
        }
    }

    private static List<StoredCertificate> read(Connection connection, Optional<String> onlyName) throws SQLException {
        return Database.list(connection,
            "SELECT name, der, origin, added_at FROM smime_certificate" + (onlyName.isPresent() ? " WHERE name = ?" : "") + " ORDER BY name",
            row -> new StoredCertificate(row.getString(1), CertificateFacts.fromDer(row.getBytes(2)),
                StoredCertificate.Origin.valueOf(row.getString(3)), row.getTimestamp(4).toInstant()),
            onlyName.stream().toArray(String[]::new));
    }
}
