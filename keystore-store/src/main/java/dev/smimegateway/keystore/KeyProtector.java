package dev.smimegateway.keystore;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;

import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Encrypts private keys at rest: AES-256-GCM under a key derived from the server's master secret
 * with PBKDF2-HMAC-SHA256 and a per-database salt. Each sealed value names what it protects
 * (associated data), so a ciphertext copied to another row does not open there.
 *
 * <p>Sealed format: version byte {@code 1} | 12-byte IV | ciphertext and 16-byte tag.
 */
final class KeyProtector {
    static final int ITERATIONS = 600_000;
    static final int MINIMUM_SECRET_LENGTH = 16;

    private static final byte FORMAT_VERSION = 1;
    private static final int IV_LENGTH = 12;
    private static final int TAG_BITS = 128;

    private final SecretKey key;
    private final SecureRandom random = new SecureRandom();

    private KeyProtector(SecretKey key) {
        this.key = key;
    }

    static KeyProtector derive(char[] masterSecret, byte[] salt, int iterations) {
        if (masterSecret.length < MINIMUM_SECRET_LENGTH) {
            throw new KeyStoreFailureException("The S/MIME key store master secret is too short: use at least "
                + MINIMUM_SECRET_LENGTH + " characters (for example the output of 'openssl rand -base64 32')");
        }
        PBEKeySpec spec = new PBEKeySpec(masterSecret, salt, iterations, 256);
        try {
            byte[] derived = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
            try {
                return new KeyProtector(new SecretKeySpec(derived, "AES"));
            } finally {
                Arrays.fill(derived, (byte) 0);
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("PBKDF2WithHmacSHA256 is missing from this JDK", e);
        } finally {
            spec.clearPassword();
        }
    }

    byte[] seal(byte[] plaintext, String context) {
        byte[] iv = new byte[IV_LENGTH];
        random.nextBytes(iv);
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, iv));
            cipher.updateAAD(context.getBytes(StandardCharsets.UTF_8));
            byte[] sealed = cipher.doFinal(plaintext);
            return ByteBuffer.allocate(1 + IV_LENGTH + sealed.length).put(FORMAT_VERSION).put(iv).put(sealed).array();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is missing from this JDK", e);
        }
    }

    /** The plaintext, or a failure when the secret, the context or the bytes are not the ones sealed. */
    byte[] open(byte[] sealed, String context) {
        if (sealed.length < 1 + IV_LENGTH + TAG_BITS / 8 || sealed[0] != FORMAT_VERSION) {
            throw new KeyStoreFailureException("protected key for " + context + " is corrupt");
        }
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, sealed, 1, IV_LENGTH));
            cipher.updateAAD(context.getBytes(StandardCharsets.UTF_8));
            return cipher.doFinal(sealed, 1 + IV_LENGTH, sealed.length - 1 - IV_LENGTH);
        } catch (javax.crypto.AEADBadTagException e) {
            throw new KeyStoreFailureException("protected key for " + context
                + " does not open with this master secret (wrong secret, or the row was altered)", e);
        } catch (GeneralSecurityException e) {
            throw new KeyStoreFailureException("protected key for " + context + " cannot be decrypted: " + e.getMessage(), e);
        }
    }
}
