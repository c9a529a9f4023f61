package dev.smimegateway.keystore;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import javax.sql.DataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * JDBC access for the key store: transactions, the SQL dialect, and versioned schema migrations.
 * The schema lives in {@code schema/V<n>__<description>.sql}; applied versions are recorded in
 * {@code smime_schema_version}, so a newer gateway upgrades an older database on start.
 */
final class Database {
    private static final Logger LOGGER = LoggerFactory.getLogger(Database.class);

    /** Every migration, in order. Never edit one that was released: add the next. */
    private static final List<String> MIGRATIONS = List.of("V1__initial_schema.sql", "V2__revocation_lists.sql",
        "V3__intermediates_and_decrypt_only.sql", "V4__harvested_certificates.sql",
        "V5__audit_trail.sql", "V6__archived_identities.sql",
        "V7__shared_lookup_version.sql");

    /** SQLState for a unique or primary key violation, the same on Derby and PostgreSQL. */
    static final String UNIQUE_VIOLATION = "23505";

    /**
     * The PostgreSQL advisory lock the schema migration holds for its transaction: "SMIME" in ASCII.
     * Several gateways starting at once on an empty database migrate one after the other; the ones
     * that wait find the schema current and change nothing.
     */
    static final long MIGRATION_LOCK = 0x534D494D45L;

    enum Dialect {
        DERBY("BLOB", " WITH RS", null),
        POSTGRESQL("BYTEA", " FOR SHARE", "SELECT pg_advisory_xact_lock(" + MIGRATION_LOCK + ")");

        private final String binaryType;
        private final String sharedLockClause;
        /** Taken first in the migration's transaction; none on embedded Derby, which one process opens (that JVM serialises). */
        private final String migrationLock;

        Dialect(String binaryType, String sharedLockClause, String migrationLock) {
            this.binaryType = binaryType;
            this.sharedLockClause = sharedLockClause;
            this.migrationLock = migrationLock;
        }

        /** Appended to a SELECT so that the rows it reads stay share-locked until the transaction ends. */
        String sharedLockClause() {
            return sharedLockClause;
        }

        static Dialect of(DatabaseMetaData metaData) throws SQLException {
            String product = metaData.getDatabaseProductName().toLowerCase(Locale.ROOT);
            if (product.contains("derby")) {
                return DERBY;
            }
            if (product.contains("postgres")) {
                return POSTGRESQL;
            }
            throw new IllegalStateException("Unsupported database for the S/MIME key store: "
                + metaData.getDatabaseProductName() + " (use Apache Derby or PostgreSQL)");
        }
    }

    @FunctionalInterface
    interface Work<T> {
        T apply(Connection connection) throws SQLException;
    }

    private final DataSource dataSource;
    private final Dialect dialect;
    /** What runs after each open transaction commits, by its connection (by identity: a pool's proxies may define equals). */
    private final Map<Connection, List<Runnable>> afterCommit = Collections.synchronizedMap(new IdentityHashMap<>());

    Database(DataSource dataSource) {
        this.dataSource = dataSource;
        try (Connection connection = dataSource.getConnection()) {
            this.dialect = Dialect.of(connection.getMetaData());
        } catch (SQLException e) {
            throw new KeyStoreFailureException("Cannot open the S/MIME key store database: " + e.getMessage(), e);
        }
    }

    Dialect dialect() {
        return dialect;
    }

    /**
     * Runs the work in one transaction: committed when it returns, rolled back when it throws. A
     * transaction the database chose as a deadlock victim (or could not serialise) is rolled back and
     * run again, up to {@value #ATTEMPTS} times in all: concurrent spool threads and servers make such
     * cycles possible, and the work is all inside the transaction.
     */
    <T> T inTransaction(Work<T> work) {
        for (int attempt = 1; ; attempt++) {
            try {
                return once(work);
            } catch (KeyStoreFailureException e) {
                if (attempt >= ATTEMPTS || !(e.getCause() instanceof SQLException cause) || !isRetryable(cause)) {
                    throw e;
                }
                LOGGER.debug("Key store transaction retried after {} (attempt {})", cause.getMessage(), attempt);
            }
        }
    }

    private static final int ATTEMPTS = 3;

    /** 40001: serialization failure, Derby's deadlock too; 40P01: PostgreSQL's deadlock_detected; 40XL1: Derby lock timeout. */
    private static boolean isRetryable(SQLException e) {
        String state = e.getSQLState();
        return "40001".equals(state) || "40P01".equals(state) || "40XL1".equals(state);
    }

    private <T> T once(Work<T> work) {
        List<Runnable> committed = new ArrayList<>();
        T result;
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            afterCommit.put(connection, committed);
            try {
                result = work.apply(connection);
                connection.commit();
            } catch (SQLException | RuntimeException | Error e) {
                committed.clear();
                connection.rollback();
                throw e;
            } finally {
                afterCommit.remove(connection);
            }
        } catch (SQLException e) {
            throw new KeyStoreFailureException("key store database error: " + e.getMessage(), e);
        }
        committed.forEach(Runnable::run);
        return result;
    }

    /**
     * Runs {@code action} once the transaction of {@code connection} has committed, and never when it
     * rolls back (a retried attempt's actions are dropped with it): what a change reports, such as its
     * audit log line, is then only ever said of a change that was made. Only for a connection an
     * {@link #inTransaction} work was given.
     */
    void afterCommit(Connection connection, Runnable action) {
        List<Runnable> actions = afterCommit.get(connection);
        if (actions == null) {
            throw new IllegalStateException("afterCommit outside a key store transaction");
        }
        actions.add(action);
    }

    @FunctionalInterface
    interface RowReader<T> {
        T read(ResultSet row) throws SQLException;
    }

    /** Every row the query finds, read by {@code reader}; the parameters are text. */
    static <T> List<T> list(Connection connection, String sql, RowReader<T> reader, String... parameters) throws SQLException {
        try (PreparedStatement query = connection.prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                query.setString(i + 1, parameters[i]);
            }
            List<T> result = new ArrayList<>();
            try (ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    result.add(reader.read(rows));
                }
            }
            return result;
        }
    }

    /** The first column of the first row the query finds, if any. */
    static Optional<String> singleString(Connection connection, String sql, String parameter) throws SQLException {
        try (PreparedStatement query = connection.prepareStatement(sql)) {
            query.setString(1, parameter);
            try (ResultSet rows = query.executeQuery()) {
                return rows.next() ? Optional.of(rows.getString(1)) : Optional.empty();
            }
        }
    }

    /** Runs an update with one text parameter; the number of rows it changed. */
    static int update(Connection connection, String sql, String parameter) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setString(1, parameter);
            return statement.executeUpdate();
        }
    }

    /**
     * Takes the row lock named by {@code lockKey} (a row of {@code smime_meta}) until the transaction
     * ends: writes of one kind are serialised across spool threads and across servers sharing the
     * database.
     */
    static void lock(Connection connection, String lockKey) throws SQLException {
        if (update(connection, "UPDATE smime_meta SET meta_value = meta_value WHERE meta_key = ?", lockKey) == 0) {
            throw new IllegalStateException("the key store lock row '" + lockKey + "' is missing: a migration did not run");
        }
    }

    /** Moves the counter kept in the {@code smime_meta} row {@code key} on by one, holding that row until the transaction ends. */
    static void bump(Connection connection, String key) throws SQLException {
        lock(connection, key);
        long next = Long.parseLong(singleString(connection, "SELECT meta_value FROM smime_meta WHERE meta_key = ?", key).orElseThrow()) + 1;
        try (PreparedStatement update = connection.prepareStatement("UPDATE smime_meta SET meta_value = ? WHERE meta_key = ?")) {
            update.setString(1, Long.toString(next));
            update.setString(2, key);
            update.executeUpdate();
        }
    }

    /** The counter kept in the {@code smime_meta} row {@code key}. */
    long counter(String key) {
        return inTransaction(connection -> Long.parseLong(
            singleString(connection, "SELECT meta_value FROM smime_meta WHERE meta_key = ?", key).orElseThrow()));
    }

    /**
     * Waits for a write holding {@code lockKey} and keeps the next one out until this transaction
     * ends, so a look-up spanning several statements never sees a write half done. Readers do not
     * block each other.
     */
    void readLock(Connection connection, String lockKey) throws SQLException {
        try (PreparedStatement query = connection.prepareStatement(
            "SELECT meta_value FROM smime_meta WHERE meta_key = ?" + dialect.sharedLockClause())) {
            query.setString(1, lockKey);
            try (ResultSet rows = query.executeQuery()) {
                // Reading the row is what takes the lock.
                rows.next();
            }
        }
    }

    /**
     * Brings the schema to the latest version this gateway knows, once however many servers start
     * together (see {@link #MIGRATION_LOCK}); refuses a schema newer than it knows, which a newer
     * gateway sharing the database made: this one would misread it.
     *
     * @throws KeyStoreFailureException the schema is newer than this gateway's
     */
    void migrate() {
        if (dialect.migrationLock != null) {
            inTransaction(this::migrate);
            return;
        }
        synchronized (Database.class) {
            inTransaction(this::migrate);
        }
    }

    private Void migrate(Connection connection) throws SQLException {
        if (dialect.migrationLock != null) {
            try (Statement statement = connection.createStatement()) {
                statement.execute(dialect.migrationLock);
            }
        }
        if (!tableExists(connection, "smime_schema_version")) {
            try (Statement statement = connection.createStatement()) {
                statement.execute("CREATE TABLE smime_schema_version (version INTEGER NOT NULL PRIMARY KEY, "
                    + "script VARCHAR(200) NOT NULL, applied_at TIMESTAMP NOT NULL)");
            }
        }
        int current = currentVersion(connection);
        if (current > MIGRATIONS.size()) {
            throw new KeyStoreFailureException("the S/MIME key store's schema is version " + current + ", newer than this gateway "
                + "knows (version " + MIGRATIONS.size() + "): a newer gateway upgraded the shared database. Upgrade this gateway; "
                + "it does not start on a schema it could misread");
        }
        for (int version = current + 1; version <= MIGRATIONS.size(); version++) {
            String script = MIGRATIONS.get(version - 1);
            LOGGER.info("Migrating the S/MIME key store schema to version {} ({})", version, script);
            for (String sql : statements(script)) {
                try (Statement statement = connection.createStatement()) {
                    statement.execute(sql);
                }
            }
            try (PreparedStatement insert = connection.prepareStatement(
                "INSERT INTO smime_schema_version (version, script, applied_at) VALUES (?, ?, ?)")) {
                insert.setInt(1, version);
                insert.setString(2, script);
                insert.setTimestamp(3, Timestamp.from(Instant.now()));
                insert.executeUpdate();
            }
        }
        return null;
    }

    int schemaVersion() {
        return inTransaction(Database::currentVersion);
    }

    static int latestSchemaVersion() {
        return MIGRATIONS.size();
    }

    private static int currentVersion(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT MAX(version) FROM smime_schema_version")) {
            rows.next();
            return rows.getInt(1);
        }
    }

    private static boolean tableExists(Connection connection, String table) throws SQLException {
        DatabaseMetaData metaData = connection.getMetaData();
        for (String candidate : List.of(table, table.toUpperCase(Locale.ROOT))) {
            try (ResultSet tables = metaData.getTables(null, null, candidate, null)) {
                if (tables.next()) {
                    return true;
                }
            }
        }
        return false;
    }

    private List<String> statements(String script) {
        String text;
        try (InputStream in = Database.class.getResourceAsStream("schema/" + script)) {
            if (in == null) {
                throw new IllegalStateException("Missing key store migration " + script);
            }
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("Cannot read key store migration " + script, e);
        }
        List<String> result = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : text.split("\n")) {
            String trimmed = line.strip();
            if (trimmed.startsWith("--") || trimmed.isEmpty()) {
                continue;
            }
            current.append(line).append('\n');
            if (trimmed.endsWith(";")) {
                String sql = current.toString().strip();
                result.add(sql.substring(0, sql.length() - 1).replace("${BINARY}", dialect.binaryType));
                current.setLength(0);
            }
        }
        return result;
    }
}
