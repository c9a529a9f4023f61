package dev.smimegateway.core.crypto;

import java.io.IOException;
import java.io.OutputStream;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;

import javax.crypto.Cipher;
import javax.crypto.KeyGenerator;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;

import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.cms.GCMParameters;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.operator.GenericKey;
import org.bouncycastle.operator.OutputAEADEncryptor;
import org.bouncycastle.operator.jcajce.JceGenericKey;

/**
 * AES-GCM content encryption for AuthEnvelopedData (RFC 5084) on the JDK's AES-GCM, which runs on
 * the processor's AES instructions (Bouncy Castle's JCA builder asks the JDK for a key generator by
 * OID, which the JDK does not have). The JDK appends the 16-byte tag to the ciphertext; CMS carries
 * it apart, so the stream holds it back and {@link #getMAC()} returns it.
 */
public final class JdkGcmContentEncryptor implements OutputAEADEncryptor {
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BYTES = 16;

    private final AlgorithmIdentifier algorithm;
    private final SecretKey key;
    private final Cipher cipher;
    private byte[] mac;

    private JdkGcmContentEncryptor(AlgorithmIdentifier algorithm, SecretKey key, Cipher cipher) {
        this.algorithm = algorithm;
        this.key = key;
        this.cipher = cipher;
    }

    /** A fresh key and nonce for one message. */
    public static JdkGcmContentEncryptor create(ASN1ObjectIdentifier gcmOid, int keyBits, SecureRandom random)
        throws GeneralSecurityException {
        KeyGenerator generator = KeyGenerator.getInstance("AES");
        generator.init(keyBits, random);
        SecretKey key = generator.generateKey();
        byte[] nonce = new byte[NONCE_BYTES];
        random.nextBytes(nonce);
        Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
        cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BYTES * 8, nonce));
        return new JdkGcmContentEncryptor(new AlgorithmIdentifier(gcmOid, new GCMParameters(nonce, TAG_BYTES)), key, cipher);
    }

    @Override
    public AlgorithmIdentifier getAlgorithmIdentifier() {
        return algorithm;
    }

    @Override
    public GenericKey getKey() {
        return new JceGenericKey(algorithm, key);
    }

    @Override
    public OutputStream getAADStream() {
        return CipherAad.into(cipher);
    }

    @Override
    public OutputStream getOutputStream(OutputStream out) {
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] bytes, int offset, int length) throws IOException {
                byte[] encrypted = cipher.update(bytes, offset, length);
                if (encrypted != null) {
                    out.write(encrypted);
                }
            }

            @Override
            public void close() throws IOException {
                try {
                    byte[] last = cipher.doFinal();
                    int tagStart = last.length - TAG_BYTES;
                    out.write(last, 0, tagStart);
                    mac = Arrays.copyOfRange(last, tagStart, last.length);
                } catch (GeneralSecurityException e) {
                    throw new IOException("AES-GCM encryption failed: " + e.getMessage(), e);
                }
                out.close();
            }
        };
    }

    @Override
    public byte[] getMAC() {
        if (mac == null) {
            throw new IllegalStateException("the content stream was not closed");
        }
        return mac.clone();
    }
}
