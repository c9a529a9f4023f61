package dev.smimegateway.keystore;

import java.nio.file.Path;

/**
 * The rotation of {@link MasterSecretRotationTest}'s crash test, run in a child JVM that the test
 * kills: the same {@link PrivateKeySeal#rotate} as the command, with a pause after each progress line
 * so that the kill lands where the test chose. The secrets come from the environment.
 */
public final class RotationChild {
    static final long PAUSE_MILLIS = 60;

    private RotationChild() {
    }

    public static void main(String[] arguments) throws Exception {
        Path directory = Path.of(arguments[0]);
        Database database = new Database(EmbeddedDerby.dataSource(directory));
        int count = PrivateKeySeal.rotate(database, System.getenv("OLD_SECRET").toCharArray(), System.getenv("NEW_SECRET").toCharArray(),
            (done, total, name) -> {
                System.out.println("re-encrypted " + done + " of " + total + ": " + name);
                System.out.flush();
                try {
                    Thread.sleep(PAUSE_MILLIS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, new AuditTrail(database, java.time.Clock.systemUTC(), "rotation-child").by(Actor.LOCAL));
        System.out.println("committed " + count);
        System.out.flush();
        // Waits to be killed after the commit, before any clean shutdown.
        Thread.sleep(60_000);
    }
}
