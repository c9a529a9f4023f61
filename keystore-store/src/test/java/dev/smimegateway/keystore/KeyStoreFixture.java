package dev.smimegateway.keystore;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;

/** A key store on a Derby database in a test folder, with a clock the test can move. */
final class KeyStoreFixture {
    static final String MASTER_SECRET = "test-master-secret-0123456789";

    static final class MovableClock extends Clock {
        private Instant now = Instant.now();

        void advance(Duration duration) {
            now = now.plus(duration);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }

    final Path databaseDirectory;
    final MovableClock clock = new MovableClock();

    KeyStoreFixture(Path folder) {
        this.databaseDirectory = folder.resolve("keystore");
    }

    SmimeKeyStore open() {
        return open(MASTER_SECRET);
    }

    SmimeKeyStore open(String masterSecret) {
        return SmimeKeyStore.open(EmbeddedDerby.dataSource(databaseDirectory), masterSecret.toCharArray(), clock);
    }

    void shutdown() {
        EmbeddedDerby.shutdown(databaseDirectory);
    }
}
