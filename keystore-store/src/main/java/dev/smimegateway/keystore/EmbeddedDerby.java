package dev.smimegateway.keystore;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;

import javax.sql.DataSource;

import org.apache.derby.jdbc.EmbeddedDataSource;

/**
 * The default database: Apache Derby embedded in the James JVM, in one folder under James's
 * {@code var/}. Nothing to install or run beside James.
 */
public final class EmbeddedDerby {
    private static final String ERROR_LOG_PROPERTY = "derby.stream.error.file";

    private EmbeddedDerby() {
    }

    /**
     * A data source on the database in {@code directory}, created on first use. Derby's own log goes
     * to {@code derby.log} beside that folder rather than into James's working directory.
     */
    public static DataSource dataSource(Path directory) {
        Path absolute = directory.toAbsolutePath();
        if (System.getProperty(ERROR_LOG_PROPERTY) == null) {
            System.setProperty(ERROR_LOG_PROPERTY, absolute.resolveSibling("derby.log").toString());
        }
        EmbeddedDataSource dataSource = new EmbeddedDataSource();
        dataSource.setDatabaseName(absolute.toString());
        dataSource.setCreateDatabase("create");
        return dataSource;
    }

    /** Closes the database cleanly so its files are complete on disk; the next connection reopens it. */
    public static void shutdown(Path directory) {
        EmbeddedDataSource dataSource = new EmbeddedDataSource();
        dataSource.setDatabaseName(directory.toAbsolutePath().toString());
        dataSource.setShutdownDatabase("shutdown");
        try (Connection ignored = dataSource.getConnection()) {
            throw new IllegalStateException("Derby did not shut down " + directory);
        } catch (SQLException expected) {
            // Derby reports a completed shutdown as SQLState 08006.
            if (!"08006".equals(expected.getSQLState())) {
                throw new KeyStoreFailureException("cannot shut down the key store database: " + expected.getMessage(), expected);
            }
        }
    }
}
