package dev.smimegateway.keystore;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import javax.sql.DataSource;

import org.postgresql.ds.PGSimpleDataSource;

/**
 * A throw-away PostgreSQL server for one test class: initdb into a temporary folder, started on a
 * free loopback port, stopped and deleted afterwards. Uses the server binaries of the machine's
 * PostgreSQL packages (test.sh installs them); as root it runs them as the postgres user, since
 * PostgreSQL refuses to run as root.
 */
final class PrivatePostgres implements AutoCloseable {
    private final Path folder;
    private final Path bin;
    private final int port;

    private PrivatePostgres(Path folder, Path bin, int port) {
        this.folder = folder;
        this.bin = bin;
        this.port = port;
    }

    static PrivatePostgres start() throws Exception {
        Path bin = findBin();
        Path folder = Files.createTempDirectory("smime-pg");
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        PrivatePostgres server = new PrivatePostgres(folder, bin, port);
        if (isRoot()) {
            run(List.of("chown", "-R", "postgres", folder.toString()));
        }
        server.asServerUser(bin.resolve("initdb").toString(), "-D", folder.resolve("data").toString(), "-A", "trust", "-U", "smime",
            "--encoding=UTF8", "--no-sync");
        server.asServerUser(bin.resolve("pg_ctl").toString(), "-D", folder.resolve("data").toString(), "-w", "-l",
            folder.resolve("server.log").toString(), "-o", "-p " + port + " -k " + folder + " -h 127.0.0.1 -F", "start");
        return server;
    }

    DataSource dataSource() {
        return dataSource("postgres");
    }

    /** A data source on another database of the same server (create it first with {@code CREATE DATABASE}). */
    DataSource dataSource(String database) {
        PGSimpleDataSource dataSource = new PGSimpleDataSource();
        dataSource.setServerNames(new String[] {"127.0.0.1"});
        dataSource.setPortNumbers(new int[] {port});
        dataSource.setDatabaseName(database);
        dataSource.setUser("smime");
        return dataSource;
    }

    @Override
    public void close() throws Exception {
        asServerUser(bin.resolve("pg_ctl").toString(), "-D", folder.resolve("data").toString(), "-m", "immediate", "-w", "stop");
        try (Stream<Path> paths = Files.walk(folder)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
    }

    private void asServerUser(String... command) throws Exception {
        List<String> full = new ArrayList<>();
        if (isRoot()) {
            full.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        full.addAll(List.of(command));
        run(full);
    }

    private static void run(List<String> command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getOutputStream().close();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(120, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed:\n" + output);
        }
    }

    private static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    private static Path findBin() throws IOException {
        try (Stream<Path> versions = Files.list(Path.of("/usr/lib/postgresql"))) {
            return versions.map(version -> version.resolve("bin"))
                .filter(bin -> Files.isExecutable(bin.resolve("initdb")))
                .max(Comparator.naturalOrder())
                .orElseThrow(() -> new IllegalStateException("no PostgreSQL server under /usr/lib/postgresql: install the postgresql package"));
        } catch (java.nio.file.NoSuchFileException e) {
            throw new IllegalStateException("no PostgreSQL server under /usr/lib/postgresql: install the postgresql package", e);
        }
    }
}
