package dev.smimegateway.keystore;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.smimegateway.core.certificate.CertificateFacts;
import dev.smimegateway.core.certificate.MailAddresses;

/**
 * Updated certificates and the risk alerts they raise. Every updated certificate is recorded, stored
 * or rejected; an update counts once per certificate and address within the window (a partner whose
 * renewed certificate we refused sends it with every mail). When the update just recorded makes more
 * than one distinct updated certificate for its address within the window, an ADDRESS alert is
 * raised; else when it makes more than one for its domain, a DOMAIN alert. One update raises at most
 * one alert. Runs inside the harvest transaction, under its lock: the counts see every server's
 * updates.
 */
final class RiskAlerts {
    private static final Logger LOGGER = LoggerFactory.getLogger(RiskAlerts.class);

    private final Database database;
    private final Clock clock;

    RiskAlerts(Database database, Clock clock) {
        this.database = database;
        this.clock = clock;
    }

    /** What recording one update did: whether it was counted (not seen already in the window), and the alert it raised. */
    record Recorded(boolean counted, Optional<RiskAlert> alert) {
    }

    /** Records the update unless already counted in the window; the alert it raises, if any. */
    Recorded recordUpdate(Connection connection, String address, CertificateFacts facts, String outcome,
                                     Optional<String> messageId, Duration window) throws SQLException {
        Instant now = clock.instant();
        Timestamp since = Timestamp.from(now.minus(window));
        String domain = address.substring(address.lastIndexOf('@') + 1);
        if (countedAlready(connection, address, facts.fingerprint(), since)) {
            return new Recorded(false, Optional.empty());
        }
        try (PreparedStatement insert = connection.prepareStatement(
            "INSERT INTO smime_certificate_update (id, address, domain, fingerprint, der, outcome, seen_at, message_id) "
                + "VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
            insert.setString(1, UUID.randomUUID().toString());
            insert.setString(2, address);
            insert.setString(3, domain);
            insert.setString(4, facts.fingerprint());
            insert.setBytes(5, facts.der());
            insert.setString(6, outcome);
            insert.setTimestamp(7, Timestamp.from(now));
            insert.setString(8, messageId.map(id -> Names.truncate(id, 998)).orElse(null));
            insert.executeUpdate();
        }
        int forAddress = distinctUpdates(connection, "address", address, since);
        if (forAddress > 1) {
            return new Recorded(true, Optional.of(raise(connection, RiskAlert.Scope.ADDRESS, address, forAddress, window, facts)));
        }
        int forDomain = distinctUpdates(connection, "domain", domain, since);
        if (forDomain > 1) {
            return new Recorded(true, Optional.of(raise(connection, RiskAlert.Scope.DOMAIN, domain, forDomain, window, facts)));
        }
        return new Recorded(true, Optional.empty());
    }

    List<RiskAlert> list(Optional<Boolean> acknowledged) {
        String filter = acknowledged.map(yes -> yes ? " WHERE acknowledged_at IS NOT NULL" : " WHERE acknowledged_at IS NULL").orElse("");
        return database.inTransaction(connection -> Database.list(connection,
            "SELECT id, scope, subject, raised_at, detail, acknowledged_at FROM smime_alert" + filter + " ORDER BY raised_at DESC, id",
            row -> new RiskAlert(row.getString(1), RiskAlert.Scope.valueOf(row.getString(2)), row.getString(3),
                row.getTimestamp(4).toInstant(), row.getString(5), Optional.ofNullable(row.getTimestamp(6)).map(Timestamp::toInstant))));
    }

    /** Marks the alert as seen by an administrator; acknowledging twice keeps the first time. */
    RiskAlert acknowledge(String id, Audit audit) {
        database.inTransaction(connection -> {
            Optional<String> subject = Database.singleString(connection, "SELECT subject FROM smime_alert WHERE id = ?", id);
            if (subject.isEmpty()) {
                throw new EntryNotFoundException("no alert with id '" + id + "'");
            }
            try (PreparedStatement update = connection.prepareStatement(
                "UPDATE smime_alert SET acknowledged_at = ? WHERE id = ? AND acknowledged_at IS NULL")) {
                update.setTimestamp(1, Timestamp.from(clock.instant()));
                update.setString(2, id);
                if (update.executeUpdate() > 0) {
                    audit.record(connection, AuditOperation.ALERT_ACKNOWLEDGE, id, Optional.empty(), Optional.of("alert for " + subject.get()));
                }
            }
            return null;
        });
        LOGGER.info("S/MIME risk alert {} acknowledged", id);
        return list(Optional.empty()).stream().filter(alert -> alert.id().equals(id)).findFirst().orElseThrow();
    }

    List<CertificateUpdate> updates(Optional<String> address) {
        return database.inTransaction(connection -> Database.list(connection,
            "SELECT id, address, der, outcome, seen_at, message_id FROM smime_certificate_update"
                + (address.isPresent() ? " WHERE address = ?" : "") + " ORDER BY seen_at DESC, id",
            row -> new CertificateUpdate(row.getString(1), row.getString(2), CertificateFacts.fromDer(row.getBytes(3)), row.getString(4),
                row.getTimestamp(5).toInstant(), Optional.ofNullable(row.getString(6))),
            address.map(MailAddresses::normalise).stream().toArray(String[]::new)));
    }

    private static boolean countedAlready(Connection connection, String address, String fingerprint, Timestamp since)
        throws SQLException {
        try (PreparedStatement query = connection.prepareStatement(
            "SELECT id FROM smime_certificate_update WHERE address = ? AND fingerprint = ? AND seen_at >= ?")) {
            query.setString(1, address);
            query.setString(2, fingerprint);
            query.setTimestamp(3, since);
            try (ResultSet rows = query.executeQuery()) {
                return rows.next();
            }
        }
    }

    private static int distinctUpdates(Connection connection, String column, String value, Timestamp since) throws SQLException {
        try (PreparedStatement query = connection.prepareStatement(
            "SELECT COUNT(DISTINCT fingerprint) FROM smime_certificate_update WHERE " + column + " = ? AND seen_at >= ?")) {
            query.setString(1, value);
            query.setTimestamp(2, since);
            try (ResultSet rows = query.executeQuery()) {
                rows.next();
                return rows.getInt(1);
            }
        }
    }

    private RiskAlert raise(Connection connection, RiskAlert.Scope scope, String subject, int updates, Duration window,
                           CertificateFacts latest) throws SQLException {
        String id = UUID.randomUUID().toString();
        Instant now = clock.instant();
        String detail = updates + " updated certificates for " + scope.name().toLowerCase(java.util.Locale.ROOT) + " " + subject
            + " within " + window.toHours() + " hours; the latest: " + latest.subject() + ", serial " + latest.serialHex()
            + ", issued by " + latest.issuer() + ", SHA-256 " + latest.fingerprint();
        try (PreparedStatement insert = connection.prepareStatement(
            "INSERT INTO smime_alert (id, scope, subject, raised_at, detail) VALUES (?, ?, ?, ?, ?)")) {
            insert.setString(1, id);
            insert.setString(2, scope.name());
            insert.setString(3, subject);
            insert.setTimestamp(4, Timestamp.from(now));
            insert.setString(5, Names.truncate(detail, 4000));
            insert.executeUpdate();
        }
        LOGGER.warn("S/MIME risk alert {}: {}", id, detail);
        return new RiskAlert(id, scope, subject, now, detail, Optional.empty());
    }
}
