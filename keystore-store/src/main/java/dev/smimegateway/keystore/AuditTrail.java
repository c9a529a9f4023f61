package dev.smimegateway.keystore;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Calendar;
import java.util.List;
import java.util.Optional;
import java.util.TimeZone;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The key store's audit trail: the table {@code smime_audit}, one row per change, written by
 * {@link Audit#record} in the transaction of the change itself (a change rolled back leaves no
 * record, a committed one always has one), and each record logged at INFO on the logger
 * {@value #LOGGER_NAME} once its transaction has committed. Times are stored in UTC, so that the
 * records of servers in different time zones sharing one database sort together. Records are never
 * changed or deleted by the gateway.
 */
final class AuditTrail {
    static final String LOGGER_NAME = "dev.smimegateway.audit";
    private static final Logger LOGGER = LoggerFactory.getLogger(LOGGER_NAME);
    private static final int MAX_ENTRY = 400;
    private static final int MAX_DETAIL = 4000;
    private static final int MAX_NODE = 255;
    private static final String COLUMNS = "id, recorded_at, operation, entry, fingerprint, detail, node, actor, subject";

    private final Database database;
    private final Clock clock;
    private final String node;

    AuditTrail(Database database, Clock clock, String node) {
        if (node == null || node.isBlank() || node.length() > MAX_NODE) {
            throw new IllegalArgumentException("a gateway node name is 1 to " + MAX_NODE + " characters: '" + node + "'");
        }
        this.database = database;
        this.clock = clock;
        this.node = node;
    }

    /** Records the changes of this actor. */
    Audit by(Actor actor) {
        return new Audit(this, actor);
    }

    /** This machine's host name, the default node name; {@code localhost} when it has none. */
    static String hostName() {
        try {
            String name = InetAddress.getLocalHost().getHostName();
            return name == null || name.isBlank() ? "localhost" : Names.truncate(name, MAX_NODE);
        } catch (UnknownHostException e) {
            return Optional.ofNullable(System.getenv("HOSTNAME")).filter(name -> !name.isBlank())
                .map(name -> Names.truncate(name, MAX_NODE)).orElse("localhost");
        }
    }

    void insert(Connection connection, Actor actor, AuditOperation operation, String entry, Optional<String> fingerprint,
                Optional<String> detail) throws SQLException {
        AuditRecord record = new AuditRecord(0, clock.instant().truncatedTo(ChronoUnit.MILLIS), operation.label(),
            Names.truncate(entry, MAX_ENTRY), fingerprint, detail.map(text -> Names.truncate(text, MAX_DETAIL)), node, actor.name(),
            actor.subject());
        try (PreparedStatement insert = connection.prepareStatement(
            "INSERT INTO smime_audit (recorded_at, operation, entry, fingerprint, detail, node, actor, subject) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
            insert.setTimestamp(1, Timestamp.from(record.time()), utc());
            insert.setString(2, record.operation());
            insert.setString(3, record.entry());
            insert.setString(4, record.fingerprint().orElse(null));
            insert.setString(5, record.detail().orElse(null));
            insert.setString(6, record.node());
            insert.setString(7, record.actor());
            insert.setString(8, record.subject().orElse(null));
            insert.executeUpdate();
        }
        database.afterCommit(connection, () -> log(record));
    }

    /** A page of records, newest first, paged by the database (OFFSET/FETCH, which Derby and PostgreSQL both read). */
    List<AuditRecord> list(AuditQuery query) {
        StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM smime_audit WHERE 1 = 1");
        query.operation().ifPresent(value -> sql.append(" AND operation = ?"));
        query.entry().ifPresent(value -> sql.append(" AND entry = ?"));
        query.since().ifPresent(value -> sql.append(" AND recorded_at >= ?"));
        query.until().ifPresent(value -> sql.append(" AND recorded_at < ?"));
        sql.append(" ORDER BY recorded_at DESC, id DESC OFFSET ").append(query.offset()).append(" ROWS FETCH NEXT ")
            .append(query.limit()).append(" ROWS ONLY");
        return database.inTransaction(connection -> {
            try (PreparedStatement select = connection.prepareStatement(sql.toString())) {
                int parameter = 1;
                if (query.operation().isPresent()) {
                    select.setString(parameter++, query.operation().get().label());
                }
                if (query.entry().isPresent()) {
                    select.setString(parameter++, query.entry().get());
                }
                if (query.since().isPresent()) {
                    select.setTimestamp(parameter++, Timestamp.from(query.since().get()), utc());
                }
                if (query.until().isPresent()) {
                    select.setTimestamp(parameter, Timestamp.from(query.until().get()), utc());
                }
                List<AuditRecord> records = new ArrayList<>();
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        records.add(new AuditRecord(rows.getLong(1), rows.getTimestamp(2, utc()).toInstant(), rows.getString(3),
                            rows.getString(4), Optional.ofNullable(rows.getString(5)), Optional.ofNullable(rows.getString(6)),
                            rows.getString(7), rows.getString(8), Optional.ofNullable(rows.getString(9))));
                    }
                }
                return records;
            }
        });
    }

    /** A calendar per call: JDBC drivers may change the one they are given. */
    private static Calendar utc() {
        return Calendar.getInstance(TimeZone.getTimeZone("UTC"));
    }

    private static void log(AuditRecord record) {
        LOGGER.info("S/MIME key store change: time={} operation={} entry={} fingerprint={} node={} actor={} subject={} detail={}",
            record.time(), record.operation(), printable(record.entry()), record.fingerprint().orElse("-"), printable(record.node()),
            record.actor(), record.subject().map(AuditTrail::printable).orElse("-"), record.detail().map(AuditTrail::printable).orElse("-"));
    }

    /** Text from certificates and tokens, with control characters replaced, so that no value can forge a log line. */
    private static String printable(String text) {
        return text.codePoints().map(point -> Character.isISOControl(point) ? '?' : point)
            .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
    }
}
