package dev.smimegateway.keystore;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;

import dev.smimegateway.core.certificate.MailAddresses;

/**
 * The S/MIME capabilities each partner address announced in its signed mail (RFC 8551 §2.5.2), kept
 * as text. Per RFC 8551 §2.7.1 the announcement with the newest signing time wins: an older mail
 * arriving late never undoes a newer announcement.
 */
final class CapabilityStore {
    private final Database database;
    private final Clock clock;

    CapabilityStore(Database database, Clock clock) {
        this.database = database;
        this.clock = clock;
    }

    /** Records the announcement unless one with a newer or equal signing time is already stored. */
    void record(Connection connection, String address, String capabilities, Instant signingTime) throws SQLException {
        Optional<Instant> stored = signingTime(connection, address);
        if (stored.isPresent() && !signingTime.isAfter(stored.get())) {
            return;
        }
        String sql = stored.isPresent()
            ? "UPDATE smime_capabilities SET capabilities = ?, signing_time = ?, recorded_at = ? WHERE address = ?"
            : "INSERT INTO smime_capabilities (capabilities, signing_time, recorded_at, address) VALUES (?, ?, ?, ?)";
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setString(1, Names.truncate(capabilities, 1000));
            statement.setTimestamp(2, Timestamp.from(signingTime));
            statement.setTimestamp(3, Timestamp.from(clock.instant()));
            statement.setString(4, address);
            statement.executeUpdate();
        }
    }

    /** What the address announced last, as text; empty when it never sent us signed mail with capabilities. */
    Optional<String> announcedBy(String address) {
        String normalised = MailAddresses.normalise(address);
        return database.inTransaction(connection -> Database.singleString(connection,
            "SELECT capabilities FROM smime_capabilities WHERE address = ?", normalised));
    }

    private static Optional<Instant> signingTime(Connection connection, String address) throws SQLException {
        try (PreparedStatement query = connection.prepareStatement("SELECT signing_time FROM smime_capabilities WHERE address = ?")) {
            query.setString(1, address);
            try (ResultSet rows = query.executeQuery()) {
                return rows.next() ? Optional.of(rows.getTimestamp(1).toInstant()) : Optional.empty();
            }
        }
    }
}
