package dev.smimegateway.core.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the openssl command line in a folder: an independent S/MIME implementation to check ours against. */
public final class OpenSsl {
    public record Result(int exitCode, String output) {
    }

    private final Path folder;

    public OpenSsl(Path folder) {
        this.folder = folder;
    }

    public Result run(String... arguments) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add("openssl");
        command.addAll(List.of(arguments));
        Process process = new ProcessBuilder(command).directory(folder.toFile()).redirectErrorStream(true).start();
        process.getOutputStream().close();
        byte[] output = process.getInputStream().readAllBytes();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException("openssl did not finish: " + command);
        }
        return new Result(process.exitValue(), new String(output, StandardCharsets.UTF_8));
    }

    public Path write(String name, byte[] bytes) throws IOException {
        return Files.write(folder.resolve(name), bytes);
    }

    public Path writePem(String name, X509Certificate... certificates) throws IOException {
        return Files.writeString(folder.resolve(name), TestPki.pem(certificates));
    }

    public Path writeKey(String name, PrivateKey key) throws IOException {
        String base64 = java.util.Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(key.getEncoded());
        return Files.writeString(folder.resolve(name), "-----BEGIN PRIVATE KEY-----\n" + base64 + "\n-----END PRIVATE KEY-----\n");
    }

    public byte[] read(String name) throws IOException {
        return Files.readAllBytes(folder.resolve(name));
    }
}
