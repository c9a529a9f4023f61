package dev.smimegateway.benchmarks;

import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.Signature;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import dev.smimegateway.core.smime.MimeEntities;
import jakarta.mail.internet.MimeMessage;

/**
 * The micro figures under JMH: the JDK's raw RSA-2048 and ECDSA P-256 signatures and SHA-256, and each
 * engine operation on a 4 KB message, in operations per second; a cross-check of the suite's own
 * timing loop. Run: {@code java -jar smime-gateway-benchmarks.jar --jmh [JMH options, e.g. -t 2 for two threads]}.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class Microbenchmarks {
    /** Keys and a buffer of the primitives; each thread its own Signature and MessageDigest. */
    @State(Scope.Thread)
    public static class Primitives {
        private final byte[] digest = new byte[32];
        private final byte[] mebibyte = new byte[JdkPrimitives.BUFFER];
        private Signature rsa;
        private Signature ecdsa;
        private MessageDigest sha256;

        @Setup
        public void setUp() throws Exception {
            rsa = signer("SHA256withRSA", JdkPrimitives.rsa2048());
            ecdsa = signer("SHA256withECDSA", JdkPrimitives.ecP256());
            sha256 = MessageDigest.getInstance("SHA-256");
        }

        private static Signature signer(String algorithm, KeyPair keys) throws Exception {
            Signature signature = Signature.getInstance(algorithm);
            signature.initSign(keys.getPrivate());
            return signature;
        }
    }

    /** One engine operation's 4 KB input, parsed once per thread. */
    @State(Scope.Thread)
    public static class Engine {
        private static final Fixtures FIXTURES = Fixtures.create();

        @Param({"SIGN_DETACHED", "SIGN_OPAQUE", "ENCRYPT_CBC", "ENCRYPT_GCM", "SIGN_ENCRYPT", "TRIPLE_WRAP", "DECRYPT_CBC",
            "DECRYPT_GCM", "VERIFY", "DECRYPT_VERIFY"})
        public String operation;

        private EngineOperation engineOperation;
        private MimeMessage input;

        @Setup
        public void setUp() throws Exception {
            engineOperation = EngineOperation.valueOf(operation);
            byte[] plain = Fixtures.plainMessage(MessageSize.parse("4k"));
            input = MimeEntities.parse(engineOperation.input.make(FIXTURES, plain));
        }
    }

    @Benchmark
    public byte[] jdkRsa2048Sign(Primitives primitives) throws Exception {
        primitives.rsa.update(primitives.digest);
        return primitives.rsa.sign();
    }

    @Benchmark
    public byte[] jdkEcdsaP256Sign(Primitives primitives) throws Exception {
        primitives.ecdsa.update(primitives.digest);
        return primitives.ecdsa.sign();
    }

    /** Operations per second; times 1.048576 is MB/s. */
    @Benchmark
    public byte[] jdkSha256OfOneMebibyte(Primitives primitives) {
        return primitives.sha256.digest(primitives.mebibyte);
    }

    @Benchmark
    public Object engineOn4Kilobytes(Engine engine) throws Exception {
        return engine.engineOperation.apply(Engine.FIXTURES, engine.input);
    }
}
