package dev.smimegateway.keystore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.SQLException;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A transaction chosen as a deadlock victim runs again; other failures do not. */
class DatabaseRetryTest {
    @TempDir
    Path folder;

    @Test
    void aDeadlockVictimIsRunAgain() {
        Database database = new Database(EmbeddedDerby.dataSource(folder.resolve("db")));
        AtomicInteger attempts = new AtomicInteger();

        String result = database.inTransaction(connection -> {
            if (attempts.incrementAndGet() < 3) {
                throw new SQLException("A lock could not be obtained due to a deadlock", "40001");
            }
            return "done";
        });

        assertThat(result).isEqualTo("done");
        assertThat(attempts).hasValue(3);
    }

    @Test
    void retriesStopAfterThreeAttemptsAndOtherErrorsAreNotRetried() {
        Database database = new Database(EmbeddedDerby.dataSource(folder.resolve("db")));
        AtomicInteger deadlocks = new AtomicInteger();
        AtomicInteger syntax = new AtomicInteger();

        assertThatThrownBy(() -> database.inTransaction(connection -> {
            deadlocks.incrementAndGet();
            throw new SQLException("deadlock", "40P01");
        })).isInstanceOf(KeyStoreFailureException.class);
        assertThatThrownBy(() -> database.inTransaction(connection -> {
            syntax.incrementAndGet();
            throw new SQLException("syntax error", "42X01");
        })).isInstanceOf(KeyStoreFailureException.class);

        assertThat(deadlocks).hasValue(3);
        assertThat(syntax).hasValue(1);
    }
}
