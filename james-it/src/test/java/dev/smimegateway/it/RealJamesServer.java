package dev.smimegateway.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real Apache James 3.8.1 memory server in its own JVM, started the way an administrator starts
 * one: stock James jars on the class path, our bundle in {@code extensions-jars/}, a {@code conf/}
 * folder copied from {@code conf-samples/}. Ports are rewritten to free loopback ports so that tests
 * and a running demo do not collide.
 */
final class RealJamesServer implements AutoCloseable {
    static final String TEST_MASTER_SECRET = "james-it-test-master-secret-not-for-production";
    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(150);

    private final Path workDir;
    private final int smtpPort;
    private final int imapPort;
    private final int webadminPort;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private List<String> jvmOptions = List.of("-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");
    private Process process;

    private RealJamesServer(Path workDir, int smtpPort, int imapPort, int webadminPort) {
        this.workDir = workDir;
        this.smtpPort = smtpPort;
        this.imapPort = imapPort;
        this.webadminPort = webadminPort;
    }

    static final String DEMO_POLICY = "confidential-or-partner";

    /** conf-samples/gateway with the named policy as mailetcontainer.xml, and the test master secret. */
    static RealJamesServer withPolicy(String policy) {
        return withPolicy(policy, "keystore.master.secret=" + TEST_MASTER_SECRET);
    }

    /** conf-samples/gateway with a mailetcontainer.xml written by the test. */
    static RealJamesServer withMailetContainer(String mailetContainerXml) {
        RealJamesServer server = withPolicy("sign");
        try {
            Files.writeString(server.workDir.resolve("conf/mailetcontainer.xml"), mailetContainerXml);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return server;
    }

    /** conf-samples/gateway with the named policy, and {@code smime.properties} replaced by the given lines. */
    static RealJamesServer withPolicy(String policy, String... smimeProperties) {
        try {
            Path workDir = Files.createDirectories(Path.of(System.getProperty("it.work.dir")))
                .resolve(policy + "-" + System.nanoTime());
            Path conf = Files.createDirectories(workDir.resolve("conf"));
            try (Stream<Path> files = Files.list(confSamples().resolve("gateway"))) {
                for (Path file : files.toList()) {
                    Files.copy(file, conf.resolve(file.getFileName()));
                }
            }
            Files.copy(confSamples().resolve("policies").resolve(policy + ".xml"), conf.resolve("mailetcontainer.xml"));
            RealJamesServer server = new RealJamesServer(workDir, freePort(), freePort(), freePort());
            server.rewrite("smtpserver.xml", "127.0.0.1:2525", "127.0.0.1:" + server.smtpPort);
            server.rewrite("imapserver.xml", "127.0.0.1:1143", "127.0.0.1:" + server.imapPort);
            server.rewrite("webadmin.properties", "port=8000", "port=" + server.webadminPort);
            Files.writeString(conf.resolve("smime.properties"), String.join("\n", smimeProperties) + "\n");
            Path extensions = Files.createDirectories(workDir.resolve("extensions-jars"));
            try (Stream<Path> jars = Files.list(serverDir().resolve("extensions-jars"))) {
                for (Path jar : jars.toList()) {
                    Files.copy(jar, extensions.resolve(jar.getFileName()));
                }
            }
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Path confSamples() {
        return Path.of(System.getProperty("conf.samples.dir"));
    }

    static Path serverDir() {
        return Path.of(System.getProperty("james.server.dir"));
    }

    Path workDir() {
        return workDir;
    }

    int smtpPort() {
        return smtpPort;
    }

    int imapPort() {
        return imapPort;
    }

    /**
     * Replaces the JVM options, which by default make James start fast for a test (C1 only, serial
     * GC, 512 MB) rather than run fast: a throughput measurement wants the server's usual JIT and GC.
     */
    RealJamesServer jvmOptions(String... options) {
        jvmOptions = List.of(options);
        return this;
    }

    /** Starts James and waits until webadmin answers; fails with the log's tail when James exits or hangs. */
    RealJamesServer start() {
        process = launch();
        Instant deadline = Instant.now().plus(STARTUP_TIMEOUT);
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new IllegalStateException("James exited with " + process.exitValue() + " during start-up:\n" + logTail());
            }
            try {
                if (get("/domains").statusCode() == 200) {
                    return this;
                }
            } catch (IOException e) {
                // not listening yet
            }
            sleep(Duration.ofMillis(300));
        }
        stop();
        throw new IllegalStateException("James did not start within " + STARTUP_TIMEOUT + ":\n" + logTail());
    }

    /** Starts James and waits for it to exit by itself (a configuration it must refuse); returns the exit code. */
    int startExpectingExit(Duration within) throws InterruptedException {
        process = launch();
        if (!process.waitFor(within.toSeconds(), TimeUnit.SECONDS)) {
            stop();
            throw new IllegalStateException("James kept running although it should have refused to start:\n" + logTail());
        }
        return process.exitValue();
    }

    /** Stops James the way an init system does (SIGTERM), then waits for the JVM to end. */
    void stop() {
        if (process == null || !process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        stop();
    }

    HttpResponse<String> get(String path) throws IOException {
        return send(HttpRequest.newBuilder(uri(path)).GET());
    }

    /** A GET whose answer is kept as bytes, e.g. a stored mail with {@code Accept: message/rfc822}. */
    HttpResponse<byte[]> getBytes(String path, String accept) throws IOException {
        try {
            return http.send(HttpRequest.newBuilder(uri(path)).header("Accept", accept).timeout(Duration.ofSeconds(120)).GET().build(),
                HttpResponse.BodyHandlers.ofByteArray());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    HttpResponse<String> patch(String path) throws IOException {
        return send(HttpRequest.newBuilder(uri(path)).method("PATCH", HttpRequest.BodyPublishers.noBody()));
    }

    HttpResponse<String> delete(String path) throws IOException {
        return send(HttpRequest.newBuilder(uri(path)).DELETE());
    }

    HttpResponse<String> put(String path, String contentType, byte[] body) throws IOException {
        return send(HttpRequest.newBuilder(uri(path)).header("Content-Type", contentType).PUT(HttpRequest.BodyPublishers.ofByteArray(body)));
    }

    HttpResponse<String> putJson(String path, String json) throws IOException {
        return put(path, "application/json", json.getBytes(StandardCharsets.UTF_8));
    }

    HttpResponse<String> post(String path, String contentType, byte[] body) throws IOException {
        return send(HttpRequest.newBuilder(uri(path)).header("Content-Type", contentType).POST(HttpRequest.BodyPublishers.ofByteArray(body)));
    }

    String log() {
        StringBuilder text = new StringBuilder();
        for (Path file : List.of(workDir.resolve("stdout.log"), workDir.resolve("logs/james.log"))) {
            try {
                if (Files.exists(file)) {
                    text.append(Files.readString(file, StandardCharsets.UTF_8));
                }
            } catch (IOException e) {
                text.append("(cannot read ").append(file).append(")");
            }
        }
        return text.toString();
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws IOException {
        try {
            return http.send(request.timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + webadminPort + path);
    }

    private Process launch() {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.add("-Dworking.directory=" + workDir);
        command.add("-Dlogback.configurationFile=" + workDir.resolve("conf/logback.xml"));
        command.add("-Djames.lifecycle.leak.detection.mode=NONE");
        command.add("-cp");
        command.add(serverDir().resolve("lib").toAbsolutePath() + "/*");
        command.add("org.apache.james.MemoryJamesServerMain");
        try {
            return new ProcessBuilder(command)
                .directory(workDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(workDir.resolve("stdout.log").toFile()))
                .start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start James: " + command, e);
        }
    }

    private String logTail() {
        String log = log();
        return log.length() > 6000 ? log.substring(log.length() - 6000) : log;
    }

    private void rewrite(String file, String from, String to) throws IOException {
        Path path = workDir.resolve("conf").resolve(file);
        String text = Files.readString(path);
        if (!text.contains(from)) {
            throw new IllegalStateException(file + " of the sample no longer contains " + from);
        }
        Files.writeString(path, text.replace(from, to));
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
