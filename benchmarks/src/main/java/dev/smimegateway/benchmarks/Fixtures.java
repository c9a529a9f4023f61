package dev.smimegateway.benchmarks;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;

import javax.security.auth.x500.X500Principal;

import dev.smimegateway.core.smime.ContentEncryption;
import dev.smimegateway.core.smime.DigestAlgorithm;
import dev.smimegateway.core.smime.KeyTransport;
import dev.smimegateway.core.smime.SmimeDecryptor;
import dev.smimegateway.core.smime.SmimeEncryptor;
import dev.smimegateway.core.smime.SmimeSigner;
import dev.smimegateway.core.smime.SmimeVerifier;
import dev.smimegateway.core.testing.TestPki;

/**
 * The keys and messages of every part: Alice (alice@example.com) signs, Bob (bob@partner.example)
 * receives, both RSA-2048 under one CA; and the engine objects configured as the mailets configure them.
 * The engine objects keep no state between messages (each call builds its own generators), so the
 * threads of a measurement share them, as James's spool threads share one mailet.
 */
final class Fixtures {
    static final String ALICE = "alice@example.com";
    static final String BOB = "bob@partner.example";
    /** Above the largest message of a run: the limits are not what is measured. */
    static final int MAX_BYTES = 512 * 1024 * 1024;

    final X509Certificate ca;
    final TestPki.Issued alice;
    final TestPki.Issued bob;
    final SmimeSigner signer;
    final SmimeEncryptor cbc = new SmimeEncryptor(ContentEncryption.AES256_CBC, KeyTransport.RSA_PKCS1);
    final SmimeEncryptor gcm = new SmimeEncryptor(ContentEncryption.AES256_GCM, KeyTransport.RSA_PKCS1);
    final SmimeVerifier verifier;
    final SmimeDecryptor decryptor;

    Fixtures(X509Certificate ca, TestPki.Issued alice, TestPki.Issued bob) {
        this.ca = ca;
        this.alice = alice;
        this.bob = bob;
        this.signer = new SmimeSigner(alice.privateKey(), alice.chain(), DigestAlgorithm.SHA256, false);
        this.verifier = SmimeVerifier.builder(List.of(ca)).clock(Clock.systemUTC()).maxBytes(MAX_BYTES).build();
        this.decryptor = new SmimeDecryptor(new BobsKey(bob), MAX_BYTES, Set.of());
    }

    static Fixtures create() {
        TestPki pki = TestPki.create("Benchmark CA");
        return new Fixtures(pki.caCertificate(), pki.leaf("Alice").email(ALICE).issue(), pki.leaf("Bob").email(BOB).issue());
    }

    private record BobsKey(TestPki.Issued bob) implements SmimeDecryptor.KeyLookup {
        @Override
        public Optional<SmimeDecryptor.KeyAndCertificate> byIssuerAndSerial(X500Principal issuer, BigInteger serial) {
            return Optional.of(new SmimeDecryptor.KeyAndCertificate("bob", bob.privateKey(), bob.certificate()));
        }

        @Override
        public Optional<SmimeDecryptor.KeyAndCertificate> bySubjectKeyIdentifier(byte[] subjectKeyIdentifier) {
            return Optional.empty();
        }
    }

    /**
     * A mail from Alice to Bob of about {@code size} bytes, shaped as large mail is: a short text and an
     * attachment (random bytes in base64) in a multipart/mixed.
     */
    static byte[] plainMessage(MessageSize size) {
        byte[] attachment = new byte[size.bytes() * 3 / 4 - 512];
        new Random(1).nextBytes(attachment);
        String raw = "From: " + ALICE + "\r\nTo: " + BOB + "\r\nSubject: benchmark\r\nMessage-ID: <benchmark@example.com>\r\n"
            + "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"benchmark\"\r\n\r\n"
            + "--benchmark\r\nContent-Type: text/plain; charset=US-ASCII\r\n\r\nThe report is attached.\r\n"
            + "--benchmark\r\nContent-Type: application/octet-stream; name=\"report.bin\"\r\nContent-Transfer-Encoding: base64\r\n"
            + "Content-Disposition: attachment; filename=\"report.bin\"\r\n\r\n"
            + Base64.getMimeEncoder().encodeToString(attachment) + "\r\n--benchmark--\r\n";
        return raw.getBytes(StandardCharsets.US_ASCII);
    }
}
