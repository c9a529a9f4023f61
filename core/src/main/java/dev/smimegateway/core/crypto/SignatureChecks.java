package dev.smimegateway.core.crypto;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.util.Map;
import java.util.Optional;

import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DERNull;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.operator.ContentVerifier;
import org.bouncycastle.operator.ContentVerifierProvider;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.RuntimeOperatorException;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;

/**
 * Where the signature of a CMS signer is checked with the signer's public key. Bouncy Castle's provider
 * decides every verdict, as it always has; for the common algorithms (RSA PKCS#1 v1.5 and ECDSA, each
 * with SHA-256, SHA-384 or SHA-512) the Amazon Corretto Crypto Provider (ACCP, see
 * {@link PrivateKeyOperations}), when it loaded, checks first, about twice as fast. Only an acceptance
 * by ACCP is taken as it is: a correct implementation accepts only signatures that are valid, and
 * AWS-LC's encodings are the strict ones (an RSA DigestInfo compared whole, a minimal DER ECDSA
 * signature), which Bouncy Castle accepts too. Anything ACCP refuses or cannot check (another
 * algorithm, parameters, a key it does not take) goes to Bouncy Castle, so the set of accepted
 * signatures is exactly Bouncy Castle's.
 *
 * <p>Only for signatures over signed attributes ({@link #forSignedAttributes}): the bytes checked are
 * then a few hundred, kept to hand them to Bouncy Castle when ACCP refuses. ACCP is handed to each
 * operation as a {@link java.security.Provider} object, never installed JVM-wide.
 *
 * <p>ACCP converts a JDK public key into its native form on each initialisation, which costs as much as
 * the check itself; the converted forms of the last {@value #CONVERTED_KEYS} keys are kept. They are
 * public keys of certificates that signed mail, a pure function of the key.
 */
public final class SignatureChecks {
    private static final int CONVERTED_KEYS = 256;
    private static final Map<ASN1ObjectIdentifier, String[]> ACCELERATED = Map.of(
        new ASN1ObjectIdentifier("1.2.840.113549.1.1.11"), new String[] {"SHA256withRSA", "RSA"},
        new ASN1ObjectIdentifier("1.2.840.113549.1.1.12"), new String[] {"SHA384withRSA", "RSA"},
        new ASN1ObjectIdentifier("1.2.840.113549.1.1.13"), new String[] {"SHA512withRSA", "RSA"},
        new ASN1ObjectIdentifier("1.2.840.10045.4.3.2"), new String[] {"SHA256withECDSA", "EC"},
        new ASN1ObjectIdentifier("1.2.840.10045.4.3.3"), new String[] {"SHA384withECDSA", "EC"},
        new ASN1ObjectIdentifier("1.2.840.10045.4.3.4"), new String[] {"SHA512withECDSA", "EC"});

    private static final Map<PublicKey, Optional<PublicKey>> CONVERTED = LruMaps.bounded(CONVERTED_KEYS);

    private SignatureChecks() {
    }

    /** Bouncy Castle alone: for signatures without signed attributes, and the reference for the others. */
    public static ContentVerifierProvider bouncyCastle(PublicKey key) throws OperatorCreationException {
        return new JcaContentVerifierProviderBuilder().setProvider(Providers.BOUNCY_CASTLE).build(key);
    }

    /** For a signature over signed attributes: ACCP's acceptance, else Bouncy Castle's verdict. */
    public static ContentVerifierProvider forSignedAttributes(PublicKey key) throws OperatorCreationException {
        return forSignedAttributes(key, PrivateKeyOperations.current());
    }

    static ContentVerifierProvider forSignedAttributes(PublicKey key, PrivateKeyOperations operations) throws OperatorCreationException {
        ContentVerifierProvider reference = bouncyCastle(key);
        if (operations.accelerated().isEmpty()) {
            return reference;
        }
        return new ContentVerifierProvider() {
            @Override
            public boolean hasAssociatedCertificate() {
                return reference.hasAssociatedCertificate();
            }

            @Override
            public org.bouncycastle.cert.X509CertificateHolder getAssociatedCertificate() {
                return reference.getAssociatedCertificate();
            }

            @Override
            public ContentVerifier get(AlgorithmIdentifier algorithm) throws OperatorCreationException {
                Optional<Signature> fast = accelerated(algorithm, key, operations);
                if (fast.isEmpty()) {
                    return reference.get(algorithm);
                }
                // Bouncy Castle's verifier is made only when ACCP does not accept: made each time, it costs more than ACCP's check.
                return new FirstAccelerated(algorithm, fast.get(), () -> reference.get(algorithm));
            }
        };
    }

    /** An ACCP signature initialised with the key, when the algorithm is one it checks, with no unexpected parameters. */
    private static Optional<Signature> accelerated(AlgorithmIdentifier algorithm, PublicKey key, PrivateKeyOperations operations) {
        String[] nameAndKeyType = ACCELERATED.get(algorithm.getAlgorithm());
        if (nameAndKeyType == null || !key.getAlgorithm().equals(nameAndKeyType[1]) || !expectedParameters(algorithm)) {
            return Optional.empty();
        }
        Optional<PublicKey> converted = CONVERTED.computeIfAbsent(key, original -> convert(original, operations));
        if (converted.isEmpty()) {
            return Optional.empty();
        }
        try {
            Signature signature = Signature.getInstance(nameAndKeyType[0], operations.accelerated().orElseThrow());
            signature.initVerify(converted.get());
            return Optional.of(signature);
        } catch (GeneralSecurityException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** RSA PKCS#1 v1.5 identifiers carry NULL or nothing; ECDSA ones nothing (RFC 4055, RFC 5758). */
    private static boolean expectedParameters(AlgorithmIdentifier algorithm) {
        ASN1Encodable parameters = algorithm.getParameters();
        return parameters == null || DERNull.INSTANCE.equals(parameters) && algorithm.getAlgorithm().getId().startsWith("1.2.840.113549");
    }

    private static Optional<PublicKey> convert(PublicKey key, PrivateKeyOperations operations) {
        try {
            return Optional.of((PublicKey) KeyFactory.getInstance(key.getAlgorithm(), operations.accelerated().orElseThrow())
                .translateKey(key));
        } catch (GeneralSecurityException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** Bouncy Castle's verifier, made when needed. */
    private interface Reference {
        ContentVerifier get() throws OperatorCreationException;
    }

    /** Collects the (small) signed bytes; ACCP checks them, and Bouncy Castle decides whatever ACCP does not accept. */
    private static final class FirstAccelerated implements ContentVerifier {
        private final AlgorithmIdentifier algorithm;
        private final Signature accelerated;
        private final Reference reference;
        private final ByteArrayOutputStream signed = new ByteArrayOutputStream(512);

        FirstAccelerated(AlgorithmIdentifier algorithm, Signature accelerated, Reference reference) {
            this.algorithm = algorithm;
            this.accelerated = accelerated;
            this.reference = reference;
        }

        @Override
        public AlgorithmIdentifier getAlgorithmIdentifier() {
            return algorithm;
        }

        @Override
        public OutputStream getOutputStream() {
            return signed;
        }

        @Override
        public boolean verify(byte[] expected) {
            byte[] bytes = signed.toByteArray();
            try {
                accelerated.update(bytes);
                if (accelerated.verify(expected)) {
                    return true;
                }
            } catch (GeneralSecurityException | RuntimeException e) {
                // a signature ACCP cannot parse: Bouncy Castle decides
            }
            try {
                ContentVerifier decides = reference.get();
                try (OutputStream out = decides.getOutputStream()) {
                    out.write(bytes);
                }
                return decides.verify(expected);
            } catch (OperatorCreationException | java.io.IOException e) {
                throw new RuntimeOperatorException("the signed attributes cannot be checked: " + e.getMessage(), e);
            }
        }
    }
}
