package dev.smimegateway.keystore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The schema a gateway finds: migrated to its own version, and a newer one (made by a newer gateway) refused. */
class SchemaMigrationTest {
    @TempDir
    Path folder;

    /** What a newer gateway sharing the database leaves behind: a schema version this one does not know. */
    static void markNewerSchema(DataSource dataSource) throws Exception {
        try (Connection connection = dataSource.getConnection();
             PreparedStatement insert = connection.prepareStatement(
                 "INSERT INTO smime_schema_version (version, script, applied_at) VALUES (?, ?, ?)")) {
            insert.setInt(1, Database.latestSchemaVersion() + 1);
            insert.setString(2, "V" + (Database.latestSchemaVersion() + 1) + "__from_a_newer_gateway.sql");
            insert.setTimestamp(3, Timestamp.from(Instant.now()));
            insert.executeUpdate();
            if (!connection.getAutoCommit()) {
                connection.commit();
            }
        }
    }

    @Test
    void aSchemaNewerThanThisGatewayKnowsIsRefusedAndLeftAsItIs() throws Exception {
        DataSource dataSource = EmbeddedDerby.dataSource(folder.resolve("keystore"));
        SmimeKeyStore.open(dataSource, KeyStoreFixture.MASTER_SECRET.toCharArray(), Clock.systemUTC());
        markNewerSchema(dataSource);

        assertThatThrownBy(() -> SmimeKeyStore.open(dataSource, KeyStoreFixture.MASTER_SECRET.toCharArray(), Clock.systemUTC()))
            .isInstanceOf(KeyStoreFailureException.class)
            .hasMessageContaining("schema is version " + (Database.latestSchemaVersion() + 1))
            .hasMessageContaining("newer than this gateway knows (version " + Database.latestSchemaVersion() + ")");
        assertThat(new Database(dataSource).schemaVersion()).isEqualTo(Database.latestSchemaVersion() + 1);
    }
}
