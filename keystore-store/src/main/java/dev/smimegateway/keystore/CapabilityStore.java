package dev.smimegateway.keystore;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;

/**
 * The S/MIME capabilities partners announce in their signed mail (RFC 8551 §2.5.2), kept as text
 * per signing certificate. Per RFC 8551 §2.7.1 the announcement with the newest signing time wins:
 * an older mail arriving late never undoes a newer announcement. A signing time in the future counts
 * as now, so that a signer cannot pin an announcement for the rest of its certificate's life.
 *
 * <p>Keyed by certificate, not by address: what matters is what the client holding that key can
 * read, and a certificate that was refused (an update without {@code harvestUpdatedKeys}) can never
 * change how mail to the certificate in use is encrypted.
 */
final class CapabilityStore {
    private final Clock clock;

    CapabilityStore(Clock clock) {
        this.clock = clock;
    }

    /**
     * Records the announcement unless one with a newer or equal signing time is already stored for the certificate.
     *
     * @return whether what the certificate's holder can read changed (a first or a different announcement)
     */
    boolean record(Connection connection, String fingerprint, String capabilities, Instant signingTime) throws SQLException {
        Instant now = clock.instant();
        Instant effective = signingTime.isAfter(now) ? now : signingTime;
        Optional<Instant> stored = signingTime(connection, fingerprint);
        if (stored.isPresent() && !effective.isAfter(stored.get())) {
            return false;
        }
        String text = Names.truncate(capabilities, 1000);
        boolean changed = stored.isEmpty() || !announcedFor(connection, fingerprint).orElse("").equals(text);
        String sql = stored.isPresent()
            ? "UPDATE smime_capabilities SET capabilities = ?, signing_time = ?, recorded_at = ? WHERE fingerprint = ?"
            : "INSERT INTO smime_capabilities (capabilities, signing_time, recorded_at, fingerprint) VALUES (?, ?, ?, ?)";
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setString(1, text);
            statement.setTimestamp(2, Timestamp.from(effective));
            statement.setTimestamp(3, Timestamp.from(now));
            statement.setString(4, fingerprint);
            statement.executeUpdate();
        }
        return changed;
    }

    /** Forgets what was announced with a certificate that is no longer stored. */
    static void forget(Connection connection, String fingerprint) throws SQLException {
        Database.update(connection, "DELETE FROM smime_capabilities WHERE fingerprint = ?", fingerprint);
    }

    /** What mail signed with the certificate last announced, as text; empty when it never announced any. */
    static Optional<String> announcedFor(Connection connection, String fingerprint) throws SQLException {
        return Database.singleString(connection, "SELECT capabilities FROM smime_capabilities WHERE fingerprint = ?", fingerprint);
    }

    private static Optional<Instant> signingTime(Connection connection, String fingerprint) throws SQLException {
        try (PreparedStatement query = connection.prepareStatement("SELECT signing_time FROM smime_capabilities WHERE fingerprint = ?")) {
            query.setString(1, fingerprint);
            try (ResultSet rows = query.executeQuery()) {
                return rows.next() ? Optional.of(rows.getTimestamp(1).toInstant()) : Optional.empty();
            }
        }
    }
}
