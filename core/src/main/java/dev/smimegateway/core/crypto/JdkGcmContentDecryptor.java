package dev.smimegateway.core.crypto;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.Map;

import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.cms.GCMParameters;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.operator.InputAEADDecryptor;

/**
 * AES-GCM content decryption for AuthEnvelopedData (RFC 5083/5084) on the JDK's AES-GCM, the
 * counterpart of {@link JdkGcmContentEncryptor}. Bouncy Castle hands the decryptor the
 * authenticated attributes first (through {@link #getAADStream()}) and then the ciphertext followed
 * by the tag, in 1.70 (James 3.8) and in 1.8x alike.
 *
 * <p>No plaintext leaves the stream before the tag has been checked: the whole ciphertext is read
 * and authenticated on the first read, and a wrong tag surfaces as an {@link IOException} (which
 * Bouncy Castle turns into a {@code CMSException}) with nothing returned. The ciphertext is already
 * in memory (CMS holds it in an octet string, and the caller bounds the message size), and the
 * JDK's GCM decryption buffers it until the tag anyway.
 */
public final class JdkGcmContentDecryptor implements InputAEADDecryptor {
    /** RFC 5084 section 3.2: aes-ICVlen is 12 to 16 octets. Shorter tags make forgeries cheaper; refused. */
    private static final int MIN_TAG_BYTES = 12;
    private static final int MAX_TAG_BYTES = 16;

    private static final Map<ASN1ObjectIdentifier, Integer> KEY_BYTES = Map.of(
        new ASN1ObjectIdentifier("2.16.840.1.101.3.4.1.6"), 16,
        new ASN1ObjectIdentifier("2.16.840.1.101.3.4.1.26"), 24,
        new ASN1ObjectIdentifier("2.16.840.1.101.3.4.1.46"), 32);

    private final AlgorithmIdentifier algorithm;
    private final Cipher cipher;
    private final int tagBytes;
    private byte[] mac;

    private JdkGcmContentDecryptor(AlgorithmIdentifier algorithm, Cipher cipher, int tagBytes) {
        this.algorithm = algorithm;
        this.cipher = cipher;
        this.tagBytes = tagBytes;
    }

    /**
     * The GCM parameters of an AuthEnvelopedData content algorithm, refused unless it is aes128-,
     * aes192- or aes256-GCM with a tag of 12 to 16 octets and a nonce: AuthEnvelopedData is believed
     * authenticated, so whatever reads it (this decryptor, or Bouncy Castle's for RSA recipients) must
     * first pass this check.
     *
     * @throws GeneralSecurityException naming what is wrong
     */
    public static GCMParameters checkedParameters(AlgorithmIdentifier algorithm) throws GeneralSecurityException {
        if (!KEY_BYTES.containsKey(algorithm.getAlgorithm())) {
            throw new GeneralSecurityException("content encryption " + algorithm.getAlgorithm().getId()
                + " is not AES-GCM; only AES-GCM authenticates, the only authenticated encryption read here");
        }
        GCMParameters parameters;
        try {
            parameters = GCMParameters.getInstance(algorithm.getParameters());
        } catch (RuntimeException e) {
            throw new GeneralSecurityException("malformed AES-GCM parameters: " + e.getMessage(), e);
        }
        if (parameters == null) {
            throw new GeneralSecurityException("AES-GCM without parameters (nonce and tag length)");
        }
        int tagBytes = parameters.getIcvLen();
        if (tagBytes < MIN_TAG_BYTES || tagBytes > MAX_TAG_BYTES) {
            throw new GeneralSecurityException("an AES-GCM tag of " + tagBytes + " octets is refused; RFC 5084 allows 12 to 16");
        }
        if (parameters.getNonce().length == 0) {
            throw new GeneralSecurityException("AES-GCM with an empty nonce");
        }
        return parameters;
    }

    /**
     * A decryptor for one message's content.
     *
     * @param algorithm the content-encryption algorithm of the AuthEnvelopedData: aes128-, aes192- or
     *     aes256-GCM with its GCMParameters
     * @param contentKey the unwrapped content-encryption key; its length must match the algorithm, so
     *     that the algorithm reported to the administrator is the one that was used
     * @throws GeneralSecurityException naming what is wrong, when the algorithm is not AES-GCM, the tag
     *     is shorter than 12 octets, or the key does not fit
     */
    public static JdkGcmContentDecryptor create(AlgorithmIdentifier algorithm, SecretKey contentKey) throws GeneralSecurityException {
        GCMParameters parameters = checkedParameters(algorithm);
        int keyBytes = KEY_BYTES.get(algorithm.getAlgorithm());
        int tagBytes = parameters.getIcvLen();
        byte[] nonce = parameters.getNonce();
        byte[] key = contentKey.getEncoded();
        if (key == null || key.length != keyBytes) {
            throw new GeneralSecurityException("the content key has " + (key == null ? "no" : key.length * 8 + "-bit")
                + " encoding but the message declares " + keyBytes * 8 + "-bit AES-GCM");
        }
        Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
        cipher.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(tagBytes * 8, nonce));
        Arrays.fill(key, (byte) 0);
        return new JdkGcmContentDecryptor(algorithm, cipher, tagBytes);
    }

    @Override
    public AlgorithmIdentifier getAlgorithmIdentifier() {
        return algorithm;
    }

    /** The authenticated attributes, DER-encoded; Bouncy Castle writes them before the content is read. */
    @Override
    public OutputStream getAADStream() {
        return CipherAad.into(cipher);
    }

    /** @param ciphertextAndTag the encrypted content immediately followed by the tag, as Bouncy Castle supplies it */
    @Override
    public InputStream getInputStream(InputStream ciphertextAndTag) {
        return new AuthenticatedPlaintext(ciphertextAndTag);
    }

    /** The tag that was verified; only once the content has been read to its end. */
    @Override
    public byte[] getMAC() {
        if (mac == null) {
            throw new IllegalStateException("the content has not been read and authenticated yet");
        }
        return mac.clone();
    }

    private byte[] authenticate(InputStream ciphertextAndTag) throws IOException {
        byte[] input = ciphertextAndTag.readAllBytes();
        if (input.length < tagBytes) {
            throw new IOException("the AES-GCM content is shorter than its " + tagBytes + "-octet tag");
        }
        try {
            byte[] plaintext = cipher.doFinal(input);
            mac = Arrays.copyOfRange(input, input.length - tagBytes, input.length);
            return plaintext;
        } catch (AEADBadTagException e) {
            throw new IOException("the AES-GCM tag does not match: the message was altered or is corrupt", e);
        } catch (GeneralSecurityException e) {
            throw new IOException("AES-GCM decryption failed: " + e.getMessage(), e);
        }
    }

    /** Reads and authenticates everything on the first read, then hands out the plaintext. */
    private final class AuthenticatedPlaintext extends InputStream {
        private final InputStream ciphertextAndTag;
        private InputStream plaintext;

        AuthenticatedPlaintext(InputStream ciphertextAndTag) {
            this.ciphertextAndTag = ciphertextAndTag;
        }

        private InputStream plaintext() throws IOException {
            if (plaintext == null) {
                plaintext = new ByteArrayInputStream(authenticate(ciphertextAndTag));
            }
            return plaintext;
        }

        @Override
        public int read() throws IOException {
            return plaintext().read();
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            return plaintext().read(buffer, offset, length);
        }

        @Override
        public void close() throws IOException {
            ciphertextAndTag.close();
        }
    }
}
