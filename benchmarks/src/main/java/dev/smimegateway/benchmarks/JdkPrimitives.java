package dev.smimegateway.benchmarks;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.Provider;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.util.Optional;
import java.util.Random;

import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The raw rates of a provider (the JDK's by default): RSA-2048 and ECDSA P-256 operations on a
 * 32-byte message, as {@code openssl speed} signs a digest, and the bulk primitives on 1 MiB buffers.
 * Each thread has its own {@code Signature}, {@code MessageDigest} or {@code Cipher}.
 */
final class JdkPrimitives {
    static final int BUFFER = 1024 * 1024;

    private final Optional<Provider> provider;
    private final double seconds;

    JdkPrimitives(Optional<Provider> provider, double seconds) {
        this.provider = provider;
        this.seconds = seconds;
    }

    static KeyPair rsa2048() throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        return generator.generateKeyPair();
    }

    static KeyPair ecP256() throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        return generator.generateKeyPair();
    }

    /** The provider that answers for this signature algorithm, e.g. SunRsaSign. */
    String providerOf(String algorithm) throws GeneralSecurityException {
        return signature(algorithm).getProvider().getName();
    }

    double signs(String algorithm, KeyPair keys, int threads) throws Exception {
        byte[] message = new byte[32];
        return Throughput.perSecond(threads, seconds, () -> {
            Signature signature = signature(algorithm);
            signature.initSign(keys.getPrivate());
            return () -> {
                signature.update(message);
                signature.sign();
            };
        });
    }

    double verifies(String algorithm, KeyPair keys, int threads) throws Exception {
        byte[] message = new byte[32];
        Signature signer = signature(algorithm);
        signer.initSign(keys.getPrivate());
        signer.update(message);
        byte[] value = signer.sign();
        return Throughput.perSecond(threads, seconds, () -> {
            Signature signature = signature(algorithm);
            signature.initVerify(keys.getPublic());
            return () -> {
                signature.update(message);
                if (!signature.verify(value)) {
                    throw new IllegalStateException(algorithm + " did not verify its own signature");
                }
            };
        });
    }

    /** MB/s (10^6 bytes per second) on 1 MiB buffers. */
    double megabytesPerSecond(Primitive primitive, int threads) throws Exception {
        return megabytesPerSecond(primitive, threads, BUFFER, seconds);
    }

    /**
     * Runs the primitive as long as a measurement on 1 KiB buffers, then twice as long on 1 MiB ones (3 s
     * in all at the default second per cell): the JIT compiles the code around the JDK's AES and SHA
     * intrinsics only after thousands of calls (and AES-CBC decryption's path for large buffers later
     * still), so a cold measurement would time the interpreter: 100 MB/s instead of 10 GB/s for AES-GCM.
     */
    void warmUp(Primitive primitive) throws Exception {
        megabytesPerSecond(primitive, 1, 1024, seconds);
        megabytesPerSecond(primitive, 1, BUFFER, 2 * seconds);
    }

    private double megabytesPerSecond(Primitive primitive, int threads, int bufferBytes, double measuredSeconds) throws Exception {
        byte[] input = new byte[bufferBytes];
        new Random(1).nextBytes(input);
        SecretKeySpec key = new SecretKeySpec(new byte[32], "AES");
        byte[] iv = new byte[16];
        double perSecond = Throughput.perSecond(threads, measuredSeconds, () -> switch (primitive) {
            case SHA256 -> {
                MessageDigest digest = provider.isPresent() ? MessageDigest.getInstance("SHA-256", provider.get())
                    : MessageDigest.getInstance("SHA-256");
                yield () -> digest.digest(input);
            }
            case AES_CBC_ENCRYPT, AES_CBC_DECRYPT -> {
                Cipher cipher = cipher("AES/CBC/PKCS5Padding");
                cipher.init(Cipher.ENCRYPT_MODE, key, new IvParameterSpec(iv));
                byte[] ciphertext = cipher.doFinal(input);
                byte[] output = new byte[bufferBytes + 32];
                int mode = primitive == Primitive.AES_CBC_ENCRYPT ? Cipher.ENCRYPT_MODE : Cipher.DECRYPT_MODE;
                byte[] source = primitive == Primitive.AES_CBC_ENCRYPT ? input : ciphertext;
                yield () -> {
                    cipher.init(mode, key, new IvParameterSpec(iv));
                    cipher.doFinal(source, 0, source.length, output);
                };
            }
            case AES_GCM_ENCRYPT -> {
                Cipher cipher = cipher("AES/GCM/NoPadding");
                byte[] output = new byte[bufferBytes + 16];
                ByteBuffer nonce = ByteBuffer.allocate(12);
                yield () -> {
                    // a key and nonce pair is never used twice: the JDK refuses that
                    nonce.putLong(0, nonce.getLong(0) + 1);
                    cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, nonce.array()));
                    cipher.doFinal(input, 0, input.length, output);
                };
            }
            case AES_GCM_DECRYPT -> {
                Cipher cipher = cipher("AES/GCM/NoPadding");
                byte[] nonce = new byte[12];
                cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, nonce));
                byte[] ciphertext = cipher.doFinal(input);
                byte[] output = new byte[bufferBytes];
                yield () -> {
                    cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(128, nonce));
                    cipher.doFinal(ciphertext, 0, ciphertext.length, output);
                };
            }
        });
        return perSecond * bufferBytes / 1e6;
    }

    private Signature signature(String algorithm) throws GeneralSecurityException {
        return provider.isPresent() ? Signature.getInstance(algorithm, provider.get()) : Signature.getInstance(algorithm);
    }

    private Cipher cipher(String transformation) throws GeneralSecurityException {
        return provider.isPresent() ? Cipher.getInstance(transformation, provider.get()) : Cipher.getInstance(transformation);
    }
}
