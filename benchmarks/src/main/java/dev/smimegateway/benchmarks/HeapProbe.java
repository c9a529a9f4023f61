package dev.smimegateway.benchmarks;

import java.io.ByteArrayInputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.List;

import dev.smimegateway.core.smime.MimeEntities;
import dev.smimegateway.core.testing.TestPki;
import jakarta.mail.internet.MimeMessage;

/**
 * The JVM {@link HeapGrowth} starts with a given {@code -Xmx}: it reads one input message of the
 * folder and either only holds it ({@code hold}) or runs one engine operation on it and writes the
 * result out. It exits 0 when that fitted in the heap; an OutOfMemoryError ends the JVM with another code.
 * Usage: {@code HeapProbe <folder> <input> <hold|operation>}.
 */
public final class HeapProbe {
    static final String HOLD = "hold";
    static final String PASSWORD = "pw";

    private HeapProbe() {
    }

    public static void main(String[] args) throws Exception {
        Path folder = Path.of(args[0]);
        MimeMessage message = MimeEntities.parse(Files.readAllBytes(input(folder, EngineOperation.Input.valueOf(args[1]))));
        if (!args[2].equals(HOLD)) {
            Object result = EngineOperation.valueOf(args[2]).apply(fixtures(folder), message);
            if (result instanceof MimeMessage written) {
                written.writeTo(OutputStream.nullOutputStream());
            }
        }
        System.exit(0);
    }

    static Path input(Path folder, EngineOperation.Input input) {
        return folder.resolve(input.name() + ".eml");
    }

    /** Writes the keys and certificates {@link #fixtures} reads back. */
    static void writeKeys(Path folder, Fixtures fixtures) throws Exception {
        Files.write(folder.resolve("ca.der"), fixtures.ca.getEncoded());
        Files.write(folder.resolve("alice.p12"), fixtures.alice.pkcs12(PASSWORD));
        Files.write(folder.resolve("bob.p12"), fixtures.bob.pkcs12(PASSWORD));
    }

    private static Fixtures fixtures(Path folder) throws Exception {
        X509Certificate ca = (X509Certificate) CertificateFactory.getInstance("X.509")
            .generateCertificate(new ByteArrayInputStream(Files.readAllBytes(folder.resolve("ca.der"))));
        return new Fixtures(ca, issued(folder.resolve("alice.p12")), issued(folder.resolve("bob.p12")));
    }

    private static TestPki.Issued issued(Path pkcs12) throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(new ByteArrayInputStream(Files.readAllBytes(pkcs12)), PASSWORD.toCharArray());
        String alias = store.aliases().nextElement();
        List<X509Certificate> chain = Arrays.stream(store.getCertificateChain(alias)).map(X509Certificate.class::cast).toList();
        return new TestPki.Issued((PrivateKey) store.getKey(alias, PASSWORD.toCharArray()), chain.get(0), chain);
    }

    static List<String> command(Path folder, EngineOperation.Input input, String operation, int heapMegabytes) {
        return List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx" + heapMegabytes + "m",
            "-XX:+ExitOnOutOfMemoryError", "-cp", System.getProperty("java.class.path"), HeapProbe.class.getName(),
            folder.toString(), input.name(), operation);
    }
}
