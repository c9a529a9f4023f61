package dev.smimegateway.core.crypto;

import java.io.OutputStream;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.Signature;
import java.security.SignatureException;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.util.Locale;

import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.DefaultSignatureAlgorithmIdentifierFinder;
import org.bouncycastle.operator.RuntimeOperatorException;

/**
 * A Bouncy Castle {@link ContentSigner} whose arithmetic runs in JCA providers, never in Bouncy
 * Castle's: the Amazon Corretto Crypto Provider or the JDK's, as {@link PrivateKeyOperations} chooses.
 * Bouncy Castle's own JCA signer cannot find RSASSA-PSS under the JDK's names, so PSS is mapped here
 * to {@code RSASSA-PSS} with the parameters RFC 4056 prescribes: MGF1 with the same hash and a salt as
 * long as the hash.
 */
public final class JdkContentSigner implements ContentSigner {
    private final AlgorithmIdentifier algorithmIdentifier;
    private final Signature signature;
    private final OutputStream stream;

    private JdkContentSigner(AlgorithmIdentifier algorithmIdentifier, Signature signature) {
        this.algorithmIdentifier = algorithmIdentifier;
        this.signature = signature;
        this.stream = new OutputStream() {
            @Override
            public void write(int b) {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] bytes, int offset, int length) {
                try {
                    signature.update(bytes, offset, length);
                } catch (SignatureException e) {
                    throw new RuntimeOperatorException("signature update failed: " + e.getMessage(), e);
                }
            }
        };
    }

    /**
     * @param algorithm a name such as {@code SHA256withRSA}, {@code SHA256withRSAandMGF1},
     *                  {@code SHA384withECDSA} or {@code Ed25519}
     */
    public static JdkContentSigner create(String algorithm, PrivateKey key) throws GeneralSecurityException {
        return create(algorithm, key, PrivateKeyOperations.current());
    }

    static JdkContentSigner create(String algorithm, PrivateKey key, PrivateKeyOperations operations) throws GeneralSecurityException {
        return new JdkContentSigner(algorithmIdentifier(algorithm), operations.signer(algorithm, key));
    }

    /**
     * Like {@link #create(String, PrivateKey)}, with the identifier {@link #algorithmIdentifier} gave for the
     * algorithm name: for a signer that signs many messages with one algorithm.
     */
    public static JdkContentSigner create(AlgorithmIdentifier identifier, String algorithm, PrivateKey key) throws GeneralSecurityException {
        return new JdkContentSigner(identifier, PrivateKeyOperations.current().signer(algorithm, key));
    }

    /** The AlgorithmIdentifier a SignerInfo carries for the algorithm name (see {@link #create(String, PrivateKey)}). */
    public static AlgorithmIdentifier algorithmIdentifier(String algorithm) {
        return new DefaultSignatureAlgorithmIdentifierFinder().find(algorithm);
    }

    /** A JDK {@link Signature} for the algorithm name, with PSS parameters set when it is a PSS name. */
    public static Signature signatureFor(String algorithm) throws GeneralSecurityException {
        return signatureFor(algorithm, null);
    }

    /** @param provider where to get the signature from; null for the JDK's default lookup */
    static Signature signatureFor(String algorithm, Provider provider) throws GeneralSecurityException {
        String upper = algorithm.toUpperCase(Locale.ROOT);
        if (upper.endsWith("ANDMGF1")) {
            String hash = "SHA-" + upper.substring(3, upper.indexOf("WITH"));
            int saltLength = Integer.parseInt(hash.substring(4)) / 8;
            Signature signature = instance("RSASSA-PSS", provider);
            signature.setParameter(new PSSParameterSpec(hash, "MGF1", new MGF1ParameterSpec(hash), saltLength, 1));
            return signature;
        }
        return instance(algorithm, provider);
    }

    private static Signature instance(String algorithm, Provider provider) throws GeneralSecurityException {
        return provider == null ? Signature.getInstance(algorithm) : Signature.getInstance(algorithm, provider);
    }

    @Override
    public AlgorithmIdentifier getAlgorithmIdentifier() {
        return algorithmIdentifier;
    }

    @Override
    public OutputStream getOutputStream() {
        return stream;
    }

    @Override
    public byte[] getSignature() {
        try {
            return signature.sign();
        } catch (SignatureException e) {
            throw new RuntimeOperatorException("signing failed: " + e.getMessage(), e);
        }
    }
}
