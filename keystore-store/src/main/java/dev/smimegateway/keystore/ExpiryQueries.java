package dev.smimegateway.keystore;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import dev.smimegateway.core.certificate.CertificateFacts;

/**
 * The entries whose validity ends by a given instant, one query per kind on the column that holds the
 * end of validity ({@code not_after}; a CRL's {@code next_update}, where a CRL without one never
 * expires). Decrypt-only identities are left out: they are kept, expired, to read archived mail, and
 * never sign; so are archived identities (retired by an administrator) and an identity's previous
 * certificates, which only decrypt.
 */
final class ExpiryQueries {
    private static final String IDENTITIES = "SELECT i.name, c.fingerprint, c.not_after, i.active, c.chain FROM smime_identity i "
        + "JOIN smime_identity_certificate c ON c.identity_name = i.name "
        + "WHERE c.is_current = TRUE AND i.decrypt_only = FALSE AND i.archived_at IS NULL AND c.not_after <= ?";
    private static final String CERTIFICATES = "SELECT name, fingerprint, not_after, der FROM smime_certificate "
        + "WHERE origin = 'ADDED' AND not_after <= ?";
    private static final String HARVESTED = "SELECT c.name, c.fingerprint, c.not_after, c.der, h.address FROM smime_certificate c "
        + "JOIN smime_harvested h ON h.certificate_name = c.name WHERE c.not_after <= ?";
    private static final String CA_CERTIFICATES = "SELECT fingerprint, subject, not_after FROM %s WHERE not_after <= ?";
    private static final String CRLS = "SELECT fingerprint, issuer, next_update FROM smime_crl "
        + "WHERE next_update IS NOT NULL AND next_update <= ?";

    private static final Comparator<ExpiringEntry> ORDER = Comparator.comparing(ExpiringEntry::notAfter)
        .thenComparing(ExpiringEntry::kind).thenComparing(ExpiringEntry::name);

    private ExpiryQueries() {
    }

    @FunctionalInterface
    private interface EntryReader {
        ExpiringEntry read(ResultSet row, Instant now) throws SQLException;
    }

    /** Every entry whose validity ends by {@code cutoff}, soonest first; {@code now} decides which are marked expired. */
    static List<ExpiringEntry> endingBy(Connection connection, Instant now, Instant cutoff) throws SQLException {
        List<ExpiringEntry> entries = new ArrayList<>();
        entries.addAll(query(connection, IDENTITIES, cutoff, now, ExpiryQueries::identity));
        entries.addAll(query(connection, CERTIFICATES, cutoff, now, ExpiryQueries::certificate));
        entries.addAll(query(connection, HARVESTED, cutoff, now, ExpiryQueries::harvested));
        entries.addAll(query(connection, CA_CERTIFICATES.formatted("smime_trust_anchor"), cutoff, now,
            (row, at) -> caCertificate(ExpiringEntry.Kind.TRUST_ANCHOR, row, at)));
        entries.addAll(query(connection, CA_CERTIFICATES.formatted("smime_intermediate"), cutoff, now,
            (row, at) -> caCertificate(ExpiringEntry.Kind.INTERMEDIATE, row, at)));
        entries.addAll(query(connection, CRLS, cutoff, now, ExpiryQueries::crl));
        entries.sort(ORDER);
        return entries;
    }

    private static List<ExpiringEntry> query(Connection connection, String sql, Instant cutoff, Instant now, EntryReader reader)
        throws SQLException {
        try (PreparedStatement query = connection.prepareStatement(sql)) {
            query.setTimestamp(1, Timestamp.from(cutoff));
            List<ExpiringEntry> result = new ArrayList<>();
            try (ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    result.add(reader.read(rows, now));
                }
            }
            return result;
        }
    }

    private static ExpiringEntry identity(ResultSet row, Instant now) throws SQLException {
        CertificateFacts leaf = IdentityStore.parseChain(row.getBytes(5)).get(0);
        return entry(ExpiringEntry.Kind.IDENTITY, row.getString(1), row.getString(2), leaf.subject(), addressesOf(leaf),
            row.getTimestamp(3).toInstant(), now, row.getBoolean(4));
    }

    private static ExpiringEntry certificate(ResultSet row, Instant now) throws SQLException {
        CertificateFacts certificate = CertificateFacts.fromDer(row.getBytes(4));
        return entry(ExpiringEntry.Kind.CERTIFICATE, row.getString(1), row.getString(2), certificate.subject(), addressesOf(certificate),
            row.getTimestamp(3).toInstant(), now, false);
    }

    private static ExpiringEntry harvested(ResultSet row, Instant now) throws SQLException {
        CertificateFacts certificate = CertificateFacts.fromDer(row.getBytes(4));
        return entry(ExpiringEntry.Kind.HARVESTED, row.getString(1), row.getString(2), certificate.subject(), List.of(row.getString(5)),
            row.getTimestamp(3).toInstant(), now, false);
    }

    private static ExpiringEntry caCertificate(ExpiringEntry.Kind kind, ResultSet row, Instant now) throws SQLException {
        return entry(kind, row.getString(2), row.getString(1), row.getString(2), List.of(), row.getTimestamp(3).toInstant(), now, false);
    }

    private static ExpiringEntry crl(ResultSet row, Instant now) throws SQLException {
        return entry(ExpiringEntry.Kind.CRL, row.getString(2), row.getString(1), row.getString(2), List.of(),
            row.getTimestamp(3).toInstant(), now, false);
    }

    private static ExpiringEntry entry(ExpiringEntry.Kind kind, String name, String fingerprint, String subject, List<String> addresses,
                                       Instant notAfter, Instant now, boolean active) {
        return new ExpiringEntry(kind, name, fingerprint.strip(), subject, addresses, notAfter, now.isAfter(notAfter), active);
    }

    private static List<String> addressesOf(CertificateFacts certificate) {
        return Stream.concat(certificate.emailAddresses().stream().sorted(), certificate.domains().stream().sorted()).toList();
    }
}
