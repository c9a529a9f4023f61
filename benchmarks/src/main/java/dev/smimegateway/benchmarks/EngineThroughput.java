package dev.smimegateway.benchmarks;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Random;

import javax.security.auth.x500.X500Principal;

import dev.smimegateway.core.smime.ContentEncryption;
import dev.smimegateway.core.smime.DigestAlgorithm;
import dev.smimegateway.core.smime.KeyTransport;
import dev.smimegateway.core.smime.MimeEntities;
import dev.smimegateway.core.smime.SignMode;
import dev.smimegateway.core.smime.SmimeDecryptor;
import dev.smimegateway.core.smime.SmimeEncryptor;
import dev.smimegateway.core.smime.SmimeSigner;
import dev.smimegateway.core.smime.SmimeVerifier;
import dev.smimegateway.core.testing.TestPki;
import jakarta.mail.internet.MimeMessage;

/**
 * Single-thread throughput of the S/MIME engine, RSA-2048 keys, on 4 KB and 10 MB messages:
 * each operation is warmed up, then timed for a few seconds; the harness prints mails/s and MB/s.
 * Usage: {@code java -jar benchmarks/target/smime-gateway-benchmarks.jar [seconds-per-operation]}.
 */
public final class EngineThroughput {
    private interface Operation {
        Object run() throws Exception;
    }

    private EngineThroughput() {
    }

    public static void main(String[] args) throws Exception {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 3;
        TestPki pki = TestPki.create("Benchmark CA");
        TestPki.Issued alice = pki.leaf("Alice").email("alice@example.com").issue();
        TestPki.Issued bob = pki.leaf("Bob").email("bob@partner.example").issue();
        SmimeSigner signer = new SmimeSigner(alice.privateKey(), alice.chain(), DigestAlgorithm.SHA256, false);
        SmimeEncryptor cbc = new SmimeEncryptor(ContentEncryption.AES256_CBC, KeyTransport.RSA_PKCS1);
        SmimeEncryptor gcm = new SmimeEncryptor(ContentEncryption.AES256_GCM, KeyTransport.RSA_PKCS1);
        SmimeVerifier verifier = new SmimeVerifier(List.of(pki.caCertificate()), Clock.systemUTC(), 64 * 1024 * 1024);
        SmimeDecryptor decryptor = new SmimeDecryptor(new SmimeDecryptor.KeyLookup() {
            @Override
            public Optional<SmimeDecryptor.KeyAndCertificate> byIssuerAndSerial(X500Principal issuer, BigInteger serial) {
                return Optional.of(new SmimeDecryptor.KeyAndCertificate("bob", bob.privateKey(), bob.certificate()));
            }

            @Override
            public Optional<SmimeDecryptor.KeyAndCertificate> bySubjectKeyIdentifier(byte[] ski) {
                return Optional.empty();
            }
        }, 64 * 1024 * 1024, java.util.Set.of());
        List<String> toBob = List.of("bob@partner.example");

        System.out.printf("S/MIME engine throughput, 1 thread, RSA-2048, Java %s, %s%n", System.getProperty("java.version"),
            Runtime.getRuntime().availableProcessors() + " cores");
        for (int size : new int[] {4 * 1024, 10 * 1024 * 1024}) {
            MimeMessage plain = message(size);
            MimeMessage signedDetached = signer.sign(plain, SignMode.DETACHED);
            MimeMessage signedOpaque = signer.sign(plain, SignMode.OPAQUE);
            MimeMessage encryptedCbc = cbc.encrypt(plain, List.of(bob.certificate()), Optional.empty());
            MimeMessage encryptedGcm = gcm.encrypt(plain, List.of(bob.certificate()), Optional.empty());
            String label = size < 1024 * 1024 ? "4 KB" : "10 MB";
            measure(label, "sign detached", size, seconds, () -> signer.sign(plain, SignMode.DETACHED));
            measure(label, "sign opaque", size, seconds, () -> signer.sign(plain, SignMode.OPAQUE));
            measure(label, "encrypt aes256-cbc", size, seconds, () -> cbc.encrypt(plain, List.of(bob.certificate()), Optional.empty()));
            measure(label, "encrypt aes256-gcm", size, seconds, () -> gcm.encrypt(plain, List.of(bob.certificate()), Optional.empty()));
            measure(label, "verify detached", size, seconds, () -> check(verifier.verify(signedDetached).verified()));
            measure(label, "verify opaque", size, seconds, () -> check(verifier.verify(signedOpaque).verified()));
            measure(label, "decrypt aes256-cbc", size, seconds, () -> decryptor.decrypt(encryptedCbc, toBob));
            measure(label, "decrypt aes256-gcm", size, seconds, () -> decryptor.decrypt(encryptedGcm, toBob));
        }
    }

    private static Object check(boolean verified) {
        if (!verified) {
            throw new IllegalStateException("benchmark message did not verify");
        }
        return verified;
    }

    private static void measure(String label, String name, int size, double seconds, Operation operation) throws Exception {
        long warmupEnd = System.nanoTime() + (long) (seconds * 0.3e9);
        while (System.nanoTime() < warmupEnd) {
            operation.run();
        }
        long start = System.nanoTime();
        long end = start + (long) (seconds * 1e9);
        int count = 0;
        do {
            operation.run();
            count++;
        } while (System.nanoTime() < end);
        double elapsed = (System.nanoTime() - start) / 1e9;
        System.out.printf("%-6s %-20s %10.1f mails/s %10.1f MB/s%n", label, name, count / elapsed, count * (double) size / elapsed / 1e6);
    }

    private static MimeMessage message(int size) throws Exception {
        byte[] attachment = new byte[size * 3 / 4];
        new Random(1).nextBytes(attachment);
        String raw = "From: alice@example.com\r\nTo: bob@partner.example\r\nSubject: benchmark\r\nMIME-Version: 1.0\r\n"
            + "Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n"
            + Base64.getMimeEncoder().encodeToString(attachment) + "\r\n";
        return MimeEntities.parse(raw.getBytes(StandardCharsets.US_ASCII));
    }
}
