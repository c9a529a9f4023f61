package dev.smimegateway.core.testing;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * TEST-ONLY: a real OCSP responder, {@code openssl ocsp -index … -port 0}, on a free local port.
 * It answers from an OpenSSL CA database ({@code index.txt}) written from the entries given, so
 * serial numbers are chosen before the certificates that name this responder are issued. Closing
 * it ends the process.
 */
public final class OpenSslOcspResponder implements AutoCloseable {
    private static final DateTimeFormatter UTC_TIME = DateTimeFormatter.ofPattern("yyMMddHHmmss'Z'", Locale.ROOT).withZone(ZoneOffset.UTC);
    private static final Pattern ACCEPT = Pattern.compile("ACCEPT .*:(\\d+) PID=");

    /** One line of the CA database: a certificate the CA issued, revoked or not. */
    public record Entry(BigInteger serial, Instant notAfter, Optional<Instant> revokedAt, String subject) {
        public static Entry valid(BigInteger serial, Instant notAfter) {
            return new Entry(serial, notAfter, Optional.empty(), "/CN=valid " + serial.toString(16));
        }

        public static Entry revoked(BigInteger serial, Instant notAfter, Instant revokedAt) {
            return new Entry(serial, notAfter, Optional.of(revokedAt), "/CN=revoked " + serial.toString(16));
        }

        /** The OpenSSL index.txt line: status, expiry, revocation, serial in upper-case hex of whole bytes, file, subject. */
        String line() {
            String hex = serial.toString(16).toUpperCase(Locale.ROOT);
            if (hex.length() % 2 == 1) {
                hex = "0" + hex;
            }
            String revocation = revokedAt.map(instant -> UTC_TIME.format(instant) + ",keyCompromise").orElse("");
            return (revokedAt.isPresent() ? "R" : "V") + "\t" + UTC_TIME.format(notAfter) + "\t" + revocation + "\t" + hex + "\tunknown\t"
                + subject + "\n";
        }
    }

    private final Process process;
    private final int port;

    private OpenSslOcspResponder(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /**
     * Starts a responder for the certificates {@code ca} issued, signing with {@code signer}
     * (the CA itself, or a delegated responder), serving at most {@code maxRequests}.
     */
    public static OpenSslOcspResponder start(Path folder, X509Certificate ca, X509Certificate signer, PrivateKey signerKey,
                                             List<Entry> entries, int maxRequests) throws IOException, InterruptedException {
        OpenSsl files = new OpenSsl(folder);
        StringBuilder index = new StringBuilder();
        entries.forEach(entry -> index.append(entry.line()));
        Files.writeString(folder.resolve("index.txt"), index.toString(), StandardCharsets.US_ASCII);
        files.writePem("ca.pem", ca);
        files.writePem("rsigner.pem", signer);
        files.writeKey("rsigner.key", signerKey);
        Path output = folder.resolve("responder.out");
        List<String> command = new ArrayList<>(List.of("openssl", "ocsp", "-index", "index.txt", "-port", "0", "-CA", "ca.pem",
            "-rsigner", "rsigner.pem", "-rkey", "rsigner.key", "-nmin", "10", "-nrequest", Integer.toString(maxRequests)));
        Process process = new ProcessBuilder(command).directory(folder.toFile()).redirectErrorStream(true)
            .redirectOutput(output.toFile()).start();
        process.getOutputStream().close();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (System.nanoTime() < deadline) {
            Matcher accept = ACCEPT.matcher(Files.readString(output, StandardCharsets.UTF_8));
            if (accept.find()) {
                return new OpenSslOcspResponder(process, Integer.parseInt(accept.group(1)));
            }
            if (!process.isAlive()) {
                break;
            }
            Thread.sleep(20);
        }
        process.destroyForcibly();
        throw new IllegalStateException("openssl ocsp did not start: " + Files.readString(output, StandardCharsets.UTF_8));
    }

    public String url() {
        return "http://127.0.0.1:" + port + "/";
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
